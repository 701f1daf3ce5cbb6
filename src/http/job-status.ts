/**
 * `POST /api/v1/jobs/{id}/status`: a webhook job reports on itself (SPEC
 * §13). The report is a Standard Webhooks request signed with
 * `SHIPGATE_WEBHOOK_SECRET`, sent to the one-time callback URL shipgate gave
 * the job (its `token`):
 *
 * ```json
 * { "status": "success", "summary": "3 checks passed", "url": "https://ci.example.com/jobs/7",
 *   "artifacts": [{ "name": "junit", "url": "https://ci.example.com/jobs/7/junit.xml" }] }
 * ```
 *
 * Refused, each with a JSON `{ error, message }` saying what to fix: a missing
 * or wrong signature or a timestamp more than 5 minutes off (401), a
 * `webhook-id` seen before (409, a replay), an unknown job id (404), a wrong
 * callback token (403), a body that is not such a report (400), and any
 * report for a job that has ended (409: the callback URL was one-time). The
 * receipt and the job's new state are committed together before the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { applyAttemptStatus } from '../engine/track-runs.ts';
import { readBodyWithin } from '../intake/body-limit.ts';
import { constantTimeEqual } from '../dashboard/auth.ts';
import { SIGNATURE_HEADERS, verifySignature } from '../notify/signature.ts';
import { callbackToken, JOB_STATUS_PATH } from '../providers/webhook-job.ts';
import { findJobAttemptByCorrelation, recordStatusReceipt } from '../store/repos/job-attempts.ts';
import type { JsonObject } from '../store/schema/index.ts';
import type { HttpHandler } from './handler.ts';

/** The largest report read (a summary of up to 64 KiB and 20 artifact URLs fit well within). */
export const MAX_STATUS_BYTES = 256 * 1024;

/** How far a report's `webhook-timestamp` may be from shipgate's clock (Standard Webhooks: 5 minutes). */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const statusReportSchema = z.strictObject({
  status: z.enum(['in_progress', 'success', 'failure'], { error: 'status must be in_progress, success or failure' }),
  summary: z.string().max(65_536, { error: 'summary is at most 64 KiB' }).optional(),
  url: httpUrl.optional(),
  artifacts: z
    .array(z.strictObject({ name: z.string().min(1).max(100), url: httpUrl }))
    .max(20, { error: 'at most 20 artifacts' })
    .optional(),
});

export type StatusReport = z.infer<typeof statusReportSchema>;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface JobStatusOptions {
  /** The engine, once this process has one (requests before answer 503). */
  engine: () => EngineDeps | undefined;
  /** `SHIPGATE_WEBHOOK_SECRET`'s keys; empty: webhook jobs are not set up (404). */
  keys: readonly Buffer[];
  clock: Pick<Clock, 'now'>;
  onError?: (error: unknown) => void;
}

export function jobStatusHandler(options: JobStatusOptions): HttpHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://shipgate.invalid');
    const match = JOB_STATUS_PATH.exec(url.pathname);
    if (!match) return false;
    try {
      await handle(req, res, decodeURIComponent(match[1] ?? ''), url, options);
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'the report could not be recorded; send it again (same webhook-id)' });
    }
    return true;
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, jobId: string, url: URL, options: JobStatusOptions): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'method-not-allowed', message: 'POST a signed status report here' });
  const [key] = options.keys;
  const engine = options.engine();
  if (key === undefined) return sendJson(res, 404, { error: 'not-configured', message: 'webhook jobs are off: set SHIPGATE_WEBHOOK_SECRET (and SHIPGATE_PUBLIC_URL)' });
  if (engine === undefined) return sendJson(res, 503, { error: 'starting', message: 'shipgate is starting; send the report again in a few seconds' });
  const read = await readBodyWithin(req, MAX_STATUS_BYTES);
  if (!read.ok) return sendJson(res, 413, { error: 'too-large', message: `a status report is at most ${MAX_STATUS_BYTES} bytes` });
  const signed = { id: header(req, SIGNATURE_HEADERS.id) ?? '', timestamp: header(req, SIGNATURE_HEADERS.timestamp) ?? '', signature: header(req, SIGNATURE_HEADERS.signature) ?? '' };
  if (signed.id === '' || signed.timestamp === '' || signed.signature === '') {
    return sendJson(res, 401, { error: 'unsigned', message: 'sign the report with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) using SHIPGATE_WEBHOOK_SECRET' });
  }
  const nowSec = Math.floor(options.clock.now() / 1000);
  if (!/^\d+$/.test(signed.timestamp) || Math.abs(nowSec - Number(signed.timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    return sendJson(res, 401, { error: 'stale-timestamp', message: `webhook-timestamp must be within ${TIMESTAMP_TOLERANCE_SECONDS} s of now (${nowSec}); check the sender's clock` });
  }
  if (!options.keys.some((k) => verifySignature(k, signed, read.body, nowSec, TIMESTAMP_TOLERANCE_SECONDS))) {
    return sendJson(res, 401, { error: 'bad-signature', message: 'the signature does not match: sign `webhook-id.webhook-timestamp.body` with SHIPGATE_WEBHOOK_SECRET' });
  }
  const attempt = await findJobAttemptByCorrelation(engine.db, jobId);
  if (!attempt || attempt.provider !== 'webhook') return sendJson(res, 404, { error: 'unknown-job', message: `no webhook job has the id ${JSON.stringify(jobId.slice(0, 200))}` });
  const token = url.searchParams.get('token') ?? '';
  if (!constantTimeEqual(token, callbackToken(key, jobId))) return sendJson(res, 403, { error: 'bad-token', message: "use the callback_url shipgate sent with the job, token included" });
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.body.toString('utf8'));
  } catch {
    return sendJson(res, 400, { error: 'bad-json', message: 'the body must be a JSON object like {"status": "success"}' });
  }
  const report = statusReportSchema.safeParse(parsed);
  if (!report.success) {
    const issue = report.error.issues[0];
    return sendJson(res, 400, { error: 'bad-report', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'not a status report'}` });
  }
  if (attempt.status === 'completed') return sendJson(res, 409, { error: 'job-ended', message: `the job has ended (${attempt.conclusion}); its callback URL takes no more reports` });
  const data = report.data;
  const now = new Date(options.clock.now());
  const external: JsonObject = {
    ...(attempt.external ?? {}),
    status: data.status,
    ...(data.artifacts ? { artifacts: data.artifacts.map((a) => ({ name: a.name, url: a.url })) } : {}),
    ...(data.summary !== undefined ? { summary: data.summary } : {}),
  };
  let replayed = false;
  const outcome = await applyAttemptStatus(
    engine,
    attempt,
    data.status === 'in_progress' ? { state: 'in_progress', url: data.url ?? null } : { state: 'completed', conclusion: data.status, url: data.url ?? null, detail: data.summary ?? null },
    {
      changes: { external, ...(data.url ? { html_url: data.url } : {}) },
      within: async (trx) => {
        replayed = !(await recordStatusReceipt(trx, { webhookId: signed.id, attemptId: attempt.id, status: data.status, now }));
        return !replayed;
      },
    },
  );
  if (replayed) return sendJson(res, 409, { error: 'replayed', message: `a report with webhook-id ${JSON.stringify(signed.id.slice(0, 100))} was received before; each report needs a new webhook-id` });
  if (outcome === 'stale') return sendJson(res, 409, { error: 'job-ended', message: 'the job has ended; its callback URL takes no more reports' });
  engine.effects?.kick();
  sendJson(res, 202, { ok: true, job: jobId, status: data.status });
}
