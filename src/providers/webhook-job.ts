/**
 * Signed webhook jobs (SPEC §13): any system that can take a signed POST and
 * send one back runs a job. shipgate POSTs a Standard Webhooks request
 * (`shipgate.job.requested`) carrying the job's id, sha, inputs and a
 * one-time callback URL; the system reports `in_progress`, `success` or
 * `failure` (with an optional summary, page URL and artifact URLs) to
 * `POST /api/v1/jobs/{id}/status`, signed with the same secret
 * (`SHIPGATE_WEBHOOK_SECRET`). See `job-status.ts` for the receiving side.
 *
 * Exactly once: the request's `webhook-id` is the job id (the attempt's
 * correlation id, also `data.job.id` and the `{id}` of the callback URL), the same on every
 * try, so a receiver that deduplicates by `webhook-id` (as Standard Webhooks
 * asks) runs the job once even when shipgate had to send again after a lost
 * answer. There is nothing to ask a receiver, so `find` says "absent" and the
 * request is sent again, with the same id.
 */
import { createHmac } from 'node:crypto';
import { postNotification, type SendResult } from '../notify/send.ts';
import { signingHeaders } from '../notify/signature.ts';
import type { Resolver } from '../notify/addresses.ts';
import type { Clock } from '../clock.ts';
import type { JsonObject } from '../store/schema/index.ts';
import { reason } from '../engine/reasons.ts';
import { ProviderRefusal, ProviderUnavailable, PROVIDER_LABELS } from './errors.ts';
import { missingArtifact, oversizedArtifact, unreachableArtifact, zipOf } from './artifacts.ts';
import { fetchGuarded } from './guarded-fetch.ts';
import type { ArtifactFetch, AttemptContext, AttemptRecord, JobProvider, ProviderArtifact, RunStatus, StartOutcome } from './provider.ts';
import { ARTIFACT_LIMITS } from '../gates/read-artifact-zip.ts';

/** The path status reports arrive at; `{id}` is the job id (the attempt's correlation id). */
export const JOB_STATUS_PATH = /^\/api\/v1\/jobs\/([^/]+)\/status$/;

export interface WebhookJobSettings {
  /** Signing keys of `SHIPGATE_WEBHOOK_SECRET` (the first also derives callback tokens). */
  keys: readonly Buffer[];
  /** `SHIPGATE_PUBLIC_URL`, without a trailing slash. */
  publicUrl: string;
  allowPrivate: boolean;
  clock: Pick<Clock, 'now'>;
  timeoutMs?: number;
  resolve?: Resolver;
}

/**
 * The one-time token of a job's callback URL: derived from the first signing
 * key and the job id, so it is never stored and differs for every attempt.
 * A report must carry it and be signed; once the job has ended it is refused.
 */
export function callbackToken(key: Buffer, jobId: string): string {
  return createHmac('sha256', key).update(`shipgate-callback:${jobId}`).digest('base64url');
}

/** The callback URL a webhook job reports to. */
export function callbackUrl(publicUrl: string, key: Buffer, jobId: string): string {
  return `${publicUrl}/api/v1/jobs/${encodeURIComponent(jobId)}/status?token=${callbackToken(key, jobId)}`;
}

/** What `external` keeps of a webhook job: the URL it went to, the artifacts and page it reported. */
interface WebhookExternal {
  url: string;
  artifacts?: Array<{ name: string; url: string }>;
  status?: string;
}

function externalOf(record: AttemptRecord): WebhookExternal | undefined {
  const value = record.attempt.external;
  if (!value || typeof value['url'] !== 'string') return undefined;
  const artifacts = Array.isArray(value['artifacts'])
    ? value['artifacts'].flatMap((entry) => (entry && typeof entry === 'object' && !Array.isArray(entry) && typeof entry['name'] === 'string' && typeof entry['url'] === 'string' ? [{ name: entry['name'], url: entry['url'] }] : []))
    : [];
  return { url: value['url'], artifacts, ...(typeof value['status'] === 'string' ? { status: value['status'] } : {}) };
}

function unanswered(result: Exclude<SendResult, { kind: 'answered' }>): ProviderRefusal | ProviderUnavailable {
  return result.kind === 'refused' ? new ProviderRefusal('webhook', result.error) : new ProviderUnavailable('webhook', result.error);
}

export function webhookJobProvider(settings: WebhookJobSettings): JobProvider {
  const [key] = settings.keys;
  const send = async (url: string, id: string, body: JsonObject): Promise<SendResult> => {
    const text = JSON.stringify(body);
    const timestamp = Math.floor(settings.clock.now() / 1000);
    return postNotification(url, text, { ...signingHeaders(settings.keys, id, timestamp, text), 'user-agent': 'shipgate-jobs' }, {
      allowPrivate: settings.allowPrivate,
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.resolve ? { resolve: settings.resolve } : {}),
    });
  };

  const start = async (ctx: AttemptContext, values: Record<string, string | number | boolean>): Promise<StartOutcome> => {
    const target = ctx.job.target;
    if (target?.provider !== 'webhook' || key === undefined) return { kind: 'refused', reason: reason('job.provider-refused', { provider: PROVIDER_LABELS.webhook, message: 'the job has no webhook target' }) };
    const jobId = ctx.attempt.correlation_id;
    const body: JsonObject = {
      type: 'shipgate.job.requested',
      timestamp: new Date(settings.clock.now()).toISOString(),
      data: {
        job: { id: jobId, name: ctx.attempt.job, stage: ctx.stage, attempt: ctx.attempt.attempt, pipeline: ctx.run.pipeline, run: ctx.run.id },
        repository: `${ctx.run.owner}/${ctx.run.repo}`,
        sha: ctx.run.sha,
        ref: ctx.plan.dispatchRef,
        inputs: values,
        callback_url: callbackUrl(settings.publicUrl, key, jobId),
      },
    };
    const result = await send(target.url, jobId, body);
    if (result.kind !== 'answered') {
      const error = unanswered(result);
      if (error instanceof ProviderRefusal) return { kind: 'refused', reason: reason('job.provider-refused', { provider: PROVIDER_LABELS.webhook, message: error.message }) };
      throw error;
    }
    if (result.status >= 200 && result.status < 300) {
      return { kind: 'started', run: { externalId: null, external: { url: target.url }, url: pageIn(result.body) } };
    }
    if (result.status >= 500 || result.status === 429 || result.status === 408) {
      throw new ProviderUnavailable('webhook', `${new URL(target.url).origin} answered HTTP ${result.status}`, { status: result.status });
    }
    const snippet = result.body.trim().slice(0, 200);
    return {
      kind: 'refused',
      reason: reason('job.provider-refused', { provider: PROVIDER_LABELS.webhook, message: `${new URL(target.url).origin} answered HTTP ${result.status}${snippet ? `: ${snippet}` : ''}` }),
    };
  };

  return {
    name: 'webhook',
    start,
    // Nothing to ask: sending again with the same webhook-id is the receiver's to deduplicate.
    find: async () => ({ kind: 'absent' }),
    async status(record): Promise<RunStatus> {
      // Webhook jobs report themselves; what shipgate knows is their last report.
      const reported = externalOf(record)?.status;
      return reported === 'in_progress' ? { state: 'in_progress' } : { state: 'queued' };
    },
    async cancel(record) {
      const external = externalOf(record);
      if (!external) return;
      const id = `${record.attempt.correlation_id}.cancel`;
      const result = await send(external.url, id, { type: 'shipgate.job.cancelled', timestamp: new Date(settings.clock.now()).toISOString(), data: { job: { id: record.attempt.correlation_id } } });
      if (result.kind === 'network' || (result.kind === 'answered' && (result.status >= 500 || result.status === 429))) {
        throw new ProviderUnavailable('webhook', result.kind === 'network' ? result.error : `answered HTTP ${result.status}`);
      }
    },
    async artifacts(record): Promise<ProviderArtifact[]> {
      return (externalOf(record)?.artifacts ?? []).map((artifact) => ({ name: artifact.name, sizeInBytes: null }));
    },
    async download(record, name): Promise<ArtifactFetch> {
      const artifacts = externalOf(record)?.artifacts ?? [];
      const artifact = artifacts.find((a) => a.name === name);
      if (!artifact) return missingArtifact(name, artifacts.map((a) => a.name));
      const max = ARTIFACT_LIMITS.maxCompressedBytes;
      const fetched = await fetchGuarded(artifact.url, { maxBytes: max, allowPrivate: settings.allowPrivate, ...(settings.resolve ? { resolve: settings.resolve } : {}) });
      if (fetched.kind === 'too-large') return oversizedArtifact(name, max);
      if (fetched.kind === 'refused') throw new ProviderRefusal('webhook', `artifact ${name}: ${fetched.error}`);
      if (fetched.kind === 'network') throw new ProviderUnavailable('webhook', `artifact ${name}: ${fetched.error}`);
      if (fetched.status >= 400) {
        if (fetched.status >= 500 || fetched.status === 429) throw new ProviderUnavailable('webhook', `artifact ${name}: HTTP ${fetched.status}`);
        return unreachableArtifact(name, fetched.status);
      }
      const bytes = fetched.body;
      const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
      if (isZip) return { ok: true, zip: bytes };
      return { ok: true, zip: zipOf({ [fileNameOf(artifact.url, name)]: bytes }) };
    },
  };
}

/** The file name a single-file artifact gets in its zip: the URL's last path segment (decoded when it decodes), else the artifact's name. */
function fileNameOf(url: string, name: string): string {
  const last = new URL(url).pathname.split('/').pop() ?? '';
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A stray '%': the segment as it is.
  }
  return decoded.replace(/[\\/]/g, '_') || name;
}

/** A receiver may answer the request with `{ "url": "…" }`, the job's page for people. */
function pageIn(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'url' in parsed && typeof parsed.url === 'string' && /^https?:\/\//.test(parsed.url)) return parsed.url;
  } catch {
    // Not JSON: no page.
  }
  return null;
}
