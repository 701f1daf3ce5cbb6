/**
 * One POST of a notification. `node:http`/`node:https` rather than `fetch`:
 * their `lookup` option lets the SSRF guard check the very addresses the
 * socket connects to (`guardedLookup`), which `fetch` cannot without another
 * dependency; redirects are not followed; every send has a timeout.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, RefusedTargetError, refuseHost, systemResolver, type Resolver } from './addresses.ts';

/** A send's time limit (Standard Webhooks suggests 15–30 s; a notification is small). */
export const SEND_TIMEOUT_MS = 10_000;

/** How much of a refusing receiver's body is kept for the error. */
const BODY_SNIPPET = 300;

/** How one POST went. */
export type SendResult =
  | { kind: 'answered'; status: number; retryAfter: string | undefined; body: string }
  /** Refused before connecting: a private address without the flag, or plain http to a public one. */
  | { kind: 'refused'; error: string }
  /** No answer: DNS, connection, TLS, the timeout. */
  | { kind: 'network'; error: string };

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  /** How names are resolved (tests point a name at 127.0.0.1). */
  resolve?: Resolver;
}

/** POSTs `body` to `url` with `headers` under the SSRF rule; never throws. */
export async function postNotification(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: 'refused', error: 'refused: not a valid URL' };
  }
  const refusal = refuseHost(target, options.allowPrivate);
  if (refusal !== undefined) return { kind: 'refused', error: refusal };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = Buffer.from(body);
  return new Promise<SendResult>((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'shipgate-notifications', ...headers },
        lookup: guardedLookup({ allowPrivate: options.allowPrivate, plainHttp: target.protocol === 'http:' }, options.resolve ?? systemResolver),
        signal: AbortSignal.timeout(options.timeoutMs ?? SEND_TIMEOUT_MS),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < BODY_SNIPPET) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ kind: 'answered', status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_SNIPPET) });
        });
        res.on('error', (err) => resolve({ kind: 'network', error: describe(err, target) }));
      },
    );
    req.on('error', (err) => resolve(err instanceof RefusedTargetError ? { kind: 'refused', error: err.message } : { kind: 'network', error: describe(err, target) }));
    req.end(payload);
  });
}

function describe(err: Error, target: URL): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String((err as { cause?: unknown }).cause ?? err.message)))) {
    return `no answer from ${target.origin} within the send timeout`;
  }
  return `${target.origin}: ${code ? `${code} ` : ''}${err.message}`.trim();
}
