/**
 * A system that runs webhook jobs (SPEC §13), for the tests: it takes
 * shipgate's signed `shipgate.job.requested` POSTs (checking the signature
 * with the shared secret), answers with a scripted status, and reports back to
 * the job's callback URL, signed the same way — or forged, replayed or stale
 * when a test asks.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signingHeaders, verifySignature, parseSecret } from '../../src/notify/signature.ts';
import type { Clock } from '../../src/clock.ts';

export interface ReceivedJob {
  id: string;
  webhookId: string;
  verified: boolean;
  body: { type: string; data: { job: { id: string; name: string; attempt: number }; sha: string; inputs: Record<string, unknown>; callback_url: string } & Record<string, unknown> };
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  received: ReceivedJob[];
  /** The status the next requests are answered with (default 202). */
  answerWith(status: number): void;
  /** Reports on a job as an honest system would (a new webhook-id each time unless given). */
  report(job: ReceivedJob, report: Record<string, unknown>, options?: { webhookId?: string; timestamp?: number; secret?: string; token?: string | null; path?: string }): Promise<{ status: number; body: { error?: string; message?: string } & Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A fresh Standard Webhooks secret. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function startWebhookReceiver(clock: Clock, secret = newSecret()): Promise<WebhookReceiver> {
  const parsed = parseSecret(secret);
  if (!parsed.ok) throw new Error(parsed.problem);
  const key = parsed.key;
  const received: ReceivedJob[] = [];
  let status = 202;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = { id: String(req.headers['webhook-id'] ?? ''), timestamp: String(req.headers['webhook-timestamp'] ?? ''), signature: String(req.headers['webhook-signature'] ?? '') };
      const body = JSON.parse(raw.toString('utf8')) as ReceivedJob['body'];
      received.push({ id: body.data?.job?.id ?? '', webhookId: headers.id, verified: verifySignature(key, headers, raw, Math.floor(clock.now() / 1000)), body });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ url: `http://ci.example.test/jobs/${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    secret,
    received,
    answerWith(next) {
      status = next;
    },
    async report(job, report, options = {}) {
      const text = JSON.stringify(report);
      const signKey = options.secret ? (parseSecret(options.secret) as { ok: true; key: Buffer }).key : key;
      const id = options.webhookId ?? `msg_${randomBytes(8).toString('hex')}`;
      const timestamp = options.timestamp ?? Math.floor(clock.now() / 1000);
      const target = new URL(job.body.data.callback_url);
      if (options.token === null) target.searchParams.delete('token');
      else if (options.token !== undefined) target.searchParams.set('token', options.token);
      if (options.path) target.pathname = options.path;
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...signingHeaders([signKey], id, timestamp, text) }, body: text });
      return { status: response.status, body: (await response.json()) as { error?: string; message?: string } };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
