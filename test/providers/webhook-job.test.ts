import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { renderReason } from '../../src/engine/reasons.ts';
import type { PlannedJob, RunPlan } from '../../src/engine/run-plan.ts';
import { ARTIFACT_LIMITS, readArtifactZip } from '../../src/gates/read-artifact-zip.ts';
import { buildExpressionContext } from '../../src/matching/conditions.ts';
import { verifySignature } from '../../src/notify/signature.ts';
import { zipOf } from '../../src/providers/artifacts.ts';
import { ProviderRefusal, ProviderUnavailable } from '../../src/providers/errors.ts';
import type { AttemptContext, AttemptRecord, StartOutcome } from '../../src/providers/provider.ts';
import { callbackToken, callbackUrl, webhookJobProvider, type WebhookJobSettings } from '../../src/providers/webhook-job.ts';
import type { JobAttempt, JsonObject, PipelineRun } from '../../src/store/schema/index.ts';
import { closedPort, closeServer } from '../helpers/loopback.ts';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);
const PUBLIC_URL = 'https://shipgate.acme.test';
const JOB_ID = 'sg-12-scan-security-1-0123456789abcdef';
const SHA = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

// ─── a receiver of webhook jobs on a loopback port ───────────────────────────

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

type Answer = (request: ReceivedRequest, res: ServerResponse) => void;

interface Receiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  answer: Answer;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await closeServer(server);
});

/** A server that records every request and answers as `receiver.answer` says (default 202 with a page URL). */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    answer: (_request, res) => res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ url: 'https://ci.example.com/jobs/1' })),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) };
      receiver.received.push(request);
      receiver.answer(request, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  return receiver;
}

function signatureHeadersOf(request: ReceivedRequest): { id: string; timestamp: string; signature: string } {
  return { id: String(request.headers['webhook-id']), timestamp: String(request.headers['webhook-timestamp']), signature: String(request.headers['webhook-signature']) };
}

function bodyOf(request: ReceivedRequest): { type: string; timestamp: string; data: Record<string, unknown> } {
  return JSON.parse(request.raw.toString('utf8')) as { type: string; timestamp: string; data: Record<string, unknown> };
}

// ─── the attempt a provider is given ─────────────────────────────────────────

function pipelineRun(): PipelineRun {
  const at = new Date(Date.UTC(2026, 0, 1, 12));
  return {
    id: 12,
    installation_id: 1,
    owner: 'acme',
    repo: 'api',
    pipeline: 'release',
    delivery_id: null,
    trigger: 'push',
    ref: 'refs/heads/main',
    sha: SHA,
    pr_number: null,
    actor: 'mona',
    concurrency_key: 'release:main',
    status: 'in_progress',
    conclusion: null,
    check_run_id: null,
    plan: {},
    error: null,
    waiting_for: null,
    waiting_reason: null,
    error_reason: null,
    from_fork: false,
    advance_due_at: null,
    cancel_requested_at: null,
    created_at: at,
    updated_at: at,
    started_at: at,
    completed_at: null,
  };
}

function jobAttempt(overrides: Partial<JobAttempt> = {}): JobAttempt {
  const at = new Date(Date.UTC(2026, 0, 1, 12));
  return {
    id: 34,
    pipeline_run_id: 12,
    stage_run_id: 56,
    job: 'security',
    attempt: 1,
    workflow: 'webhook 127.0.0.1',
    correlation_id: JOB_ID,
    status: 'dispatching',
    conclusion: null,
    inputs: null,
    provider: 'webhook',
    external_id: null,
    external: null,
    workflow_run_id: null,
    run_attempt: null,
    html_url: null,
    dispatched_at: at,
    started_at: null,
    completed_at: null,
    deadline_at: null,
    next_retry_at: null,
    last_event_at: null,
    cancel_requested_at: null,
    error: null,
    error_reason: null,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

function webhookJob(url: string): PlannedJob {
  return { workflow: `webhook ${new URL(url).host}`, target: { provider: 'webhook', url, payload: { profile: 'strict' } }, inputs: {}, 'continue-on-error': false };
}

function contextFor(job: PlannedJob, attempt: JobAttempt = jobAttempt()): AttemptContext {
  const run = pipelineRun();
  const plan = {
    stages: { scan: { needs: [], jobs: { security: job } } },
    variables: {},
    defaults: { timeoutMs: 30 * 60_000, retries: 0 },
    context: buildExpressionContext({ kind: 'push', ref: run.ref, branch: 'main', sha: run.sha, actor: 'mona', labels: [], repository: 'acme/api', payload: {} }, run.pipeline),
    dispatchRef: 'main',
    reasons: ['push to main'],
  } satisfies RunPlan;
  return { run, plan, stage: 'scan', attempt, job };
}

/** The record of a started webhook job whose `external` is as given. */
function recordWith(external: JsonObject | null): AttemptRecord {
  return { run: pipelineRun(), attempt: jobAttempt({ external, status: 'in_progress' }) };
}

let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
});

function provider(overrides: Partial<WebhookJobSettings> = {}) {
  return webhookJobProvider({ keys: [KEY], publicUrl: PUBLIC_URL, allowPrivate: true, clock, ...overrides });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function refusedMessage(outcome: StartOutcome): string {
  if (outcome.kind !== 'refused') throw new Error(`expected a refusal, got ${outcome.kind}`);
  expect(outcome.reason.code).toBe('job.provider-refused');
  return renderReason(outcome.reason);
}

// ─── the tests ───────────────────────────────────────────────────────────────

describe('callbackToken and callbackUrl', () => {
  it('derive the same token for the same key and job id, and another for another id or key', () => {
    const token = callbackToken(KEY, JOB_ID);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(callbackToken(KEY, JOB_ID)).toBe(token);
    expect(callbackToken(KEY, `${JOB_ID}.r2`)).not.toBe(token);
    expect(callbackToken(OTHER_KEY, JOB_ID)).not.toBe(token);
  });

  it('put the URL-encoded job id and the token under the public URL', () => {
    expect(callbackUrl(PUBLIC_URL, KEY, JOB_ID)).toBe(`${PUBLIC_URL}/api/v1/jobs/${JOB_ID}/status?token=${callbackToken(KEY, JOB_ID)}`);
    const odd = 'sg-1/a b?c';
    const url = new URL(callbackUrl(PUBLIC_URL, KEY, odd));
    expect(url.pathname).toBe('/api/v1/jobs/sg-1%2Fa%20b%3Fc/status');
    expect(url.searchParams.get('token')).toBe(callbackToken(KEY, odd));
  });
});

describe('webhookJobProvider.start', () => {
  it('sends one POST signed with Standard Webhooks, whose webhook-id is the job id', async () => {
    const receiver = await startReceiver();
    const outcome = await provider().start(contextFor(webhookJob(`${receiver.url}/jobs`)), { profile: 'strict', sha: SHA });
    expect(outcome.kind).toBe('started');
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) return;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/jobs');
    expect(request.headers['content-type']).toBe('application/json');
    const headers = signatureHeadersOf(request);
    expect(headers.id).toBe(JOB_ID);
    expect(headers.timestamp).toBe(String(Math.floor(clock.now() / 1000)));
    const nowSec = Math.floor(clock.now() / 1000);
    expect(verifySignature(KEY, headers, request.raw, nowSec)).toBe(true);
    expect(verifySignature(OTHER_KEY, headers, request.raw, nowSec)).toBe(false);
    expect(verifySignature(KEY, headers, Buffer.concat([request.raw, Buffer.from(' ')]), nowSec)).toBe(false);
  });

  it('carries the job, the sha, the inputs and the callback URL in a shipgate.job.requested body', async () => {
    const receiver = await startReceiver();
    await provider().start(contextFor(webhookJob(`${receiver.url}/jobs`)), { profile: 'strict', n: 2, dry: false });
    const [request] = receiver.received;
    if (!request) throw new Error('nothing was sent');
    expect(bodyOf(request)).toStrictEqual({
      type: 'shipgate.job.requested',
      timestamp: '2026-01-01T12:00:00.000Z',
      data: {
        job: { id: JOB_ID, name: 'security', stage: 'scan', attempt: 1, pipeline: 'release', run: 12 },
        repository: 'acme/api',
        sha: SHA,
        ref: 'main',
        inputs: { profile: 'strict', n: 2, dry: false },
        callback_url: callbackUrl(PUBLIC_URL, KEY, JOB_ID),
      },
    });
  });

  it('sends the same webhook-id when it sends again, later, so the receiver can deduplicate', async () => {
    const receiver = await startReceiver();
    const jobs = provider();
    const context = contextFor(webhookJob(`${receiver.url}/jobs`));
    await jobs.start(context, {});
    clock.advance(90_000);
    await jobs.start(context, {});
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toStrictEqual([JOB_ID, JOB_ID]);
    const [first, again] = receiver.received;
    if (!first || !again) throw new Error('expected two requests');
    expect(Number(signatureHeadersOf(again).timestamp) - Number(signatureHeadersOf(first).timestamp)).toBe(90);
    expect(verifySignature(KEY, signatureHeadersOf(again), again.raw, Math.floor(clock.now() / 1000))).toBe(true);
  });

  it('signs with every key while a secret is rotated', async () => {
    const receiver = await startReceiver();
    await provider({ keys: [OTHER_KEY, KEY] }).start(contextFor(webhookJob(`${receiver.url}/jobs`)), {});
    const [request] = receiver.received;
    if (!request) throw new Error('nothing was sent');
    const nowSec = Math.floor(clock.now() / 1000);
    expect(verifySignature(KEY, signatureHeadersOf(request), request.raw, nowSec)).toBe(true);
    expect(verifySignature(OTHER_KEY, signatureHeadersOf(request), request.raw, nowSec)).toBe(true);
    // The first key derives the callback token.
    expect(bodyOf(request).data['callback_url']).toBe(callbackUrl(PUBLIC_URL, OTHER_KEY, JOB_ID));
  });

  it('is started on a 2xx, with the page the receiver answered as the run URL', async () => {
    const receiver = await startReceiver();
    const url = `${receiver.url}/jobs`;
    expect(await provider().start(contextFor(webhookJob(url)), {})).toStrictEqual({
      kind: 'started',
      run: { externalId: null, external: { url }, url: 'https://ci.example.com/jobs/1' },
    });
  });

  it('has no run URL when the 2xx answer gives none or a URL that is not http(s)', async () => {
    const receiver = await startReceiver();
    const jobs = provider();
    const context = contextFor(webhookJob(`${receiver.url}/jobs`));
    for (const body of ['', 'accepted', JSON.stringify({ id: 1 }), JSON.stringify({ url: 'javascript:alert(1)' })]) {
      receiver.answer = (_request, res) => res.writeHead(200).end(body);
      const outcome = await jobs.start(context, {});
      expect(outcome).toMatchObject({ kind: 'started', run: { url: null } });
    }
  });

  it('is refused on a 4xx, with the receiver status and text', async () => {
    const receiver = await startReceiver();
    receiver.answer = (_request, res) => res.writeHead(422, { 'content-type': 'text/plain' }).end('  unknown profile "strict"\n');
    const message = refusedMessage(await provider().start(contextFor(webhookJob(`${receiver.url}/jobs`)), {}));
    expect(message).toBe(`the webhook job receiver refused the job: ${receiver.url} answered HTTP 422: unknown profile "strict"`);
  });

  it('is refused on a 4xx without a body, with the status alone', async () => {
    const receiver = await startReceiver();
    receiver.answer = (_request, res) => res.writeHead(401).end();
    expect(refusedMessage(await provider().start(contextFor(webhookJob(`${receiver.url}/jobs`)), {}))).toMatch(/answered HTTP 401$/);
  });

  it.each([500, 503, 429, 408])('throws ProviderUnavailable on HTTP %i: the outcome is unknown', async (status) => {
    const receiver = await startReceiver();
    receiver.answer = (_request, res) => res.writeHead(status).end('try later');
    const err = await rejectionOf(provider().start(contextFor(webhookJob(`${receiver.url}/jobs`)), {}));
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err).toMatchObject({ provider: 'webhook', status, message: `${receiver.url} answered HTTP ${status}` });
  });

  it('throws ProviderUnavailable when nothing listens', async () => {
    const port = await closedPort();
    const err = await rejectionOf(provider().start(contextFor(webhookJob(`http://127.0.0.1:${port}/jobs`)), {}));
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err).toMatchObject({ provider: 'webhook', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('is refused, naming the address, for a private target without allowPrivate (nothing sent)', async () => {
    const receiver = await startReceiver();
    const message = refusedMessage(await provider({ allowPrivate: false }).start(contextFor(webhookJob(`${receiver.url}/jobs`)), {}));
    expect(message).toMatch(/^the webhook job receiver refused the job: refused: 127\.0\.0\.1 is a loopback address; .*SHIPGATE_ALLOW_PRIVATE_URLS=1/);
    expect(receiver.received).toHaveLength(0);
  });

  it('is refused for a job without a webhook target, or without a signing key (nothing sent)', async () => {
    const receiver = await startReceiver();
    const actionsJob: PlannedJob = { workflow: 'build.yml', inputs: {}, 'continue-on-error': false };
    expect(refusedMessage(await provider().start(contextFor(actionsJob), {}))).toMatch(/the job has no webhook target/);
    expect((await provider({ keys: [] }).start(contextFor(webhookJob(`${receiver.url}/jobs`)), {})).kind).toBe('refused');
    expect(receiver.received).toHaveLength(0);
  });
});

describe('webhookJobProvider.find and status', () => {
  it('finds nothing to ask, so the request is sent again with the same id', async () => {
    const receiver = await startReceiver();
    expect(await provider().find(contextFor(webhookJob(`${receiver.url}/jobs`)))).toStrictEqual({ kind: 'absent' });
    expect(receiver.received).toHaveLength(0);
  });

  it('reads the last report kept on the attempt', async () => {
    const jobs = provider();
    expect(await jobs.status(recordWith({ url: 'https://h.example', status: 'in_progress' }))).toStrictEqual({ state: 'in_progress' });
    expect(await jobs.status(recordWith({ url: 'https://h.example' }))).toStrictEqual({ state: 'queued' });
    expect(await jobs.status(recordWith(null))).toStrictEqual({ state: 'queued' });
  });
});

describe('webhookJobProvider.cancel', () => {
  it('posts a signed shipgate.job.cancelled to where the job went', async () => {
    const receiver = await startReceiver();
    await provider().cancel(recordWith({ url: `${receiver.url}/jobs` }));
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) return;
    expect(request.path).toBe('/jobs');
    expect(bodyOf(request)).toStrictEqual({ type: 'shipgate.job.cancelled', timestamp: '2026-01-01T12:00:00.000Z', data: { job: { id: JOB_ID } } });
    const headers = signatureHeadersOf(request);
    expect(headers.id).toBe(`${JOB_ID}.cancel`);
    expect(verifySignature(KEY, headers, request.raw, Math.floor(clock.now() / 1000))).toBe(true);
  });

  it('sends nothing for an attempt that was never sent', async () => {
    const receiver = await startReceiver();
    await provider().cancel(recordWith(null));
    expect(receiver.received).toHaveLength(0);
  });

  it('throws ProviderUnavailable when the receiver fails, and lets a refusal be', async () => {
    const receiver = await startReceiver();
    receiver.answer = (_request, res) => res.writeHead(503).end();
    expect(await rejectionOf(provider().cancel(recordWith({ url: `${receiver.url}/jobs` })))).toBeInstanceOf(ProviderUnavailable);
    receiver.answer = (_request, res) => res.writeHead(404).end();
    await expect(provider().cancel(recordWith({ url: `${receiver.url}/jobs` }))).resolves.toBeUndefined();
  });
});

describe('webhookJobProvider.artifacts and download', () => {
  const reportXml = Buffer.from('<testsuites tests="3" failures="0"/>');
  const coverageZip = zipOf({ 'lcov.info': new TextEncoder().encode('SF:a.ts\nDA:1,1\nend_of_record\n') });

  /** A receiver serving artifact files, and an attempt that reported them. */
  async function withArtifacts(): Promise<{ receiver: Receiver; record: AttemptRecord }> {
    const receiver = await startReceiver();
    receiver.answer = (request, res) => {
      if (request.path === '/files/coverage') return void res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(coverageZip));
      if (request.path === '/files/junit%20report.xml') return void res.writeHead(200).end(reportXml);
      if (request.path === '/files/broken') return void res.writeHead(502).end();
      return void res.writeHead(404).end('gone');
    };
    const record = recordWith({
      url: `${receiver.url}/jobs`,
      artifacts: [
        { name: 'coverage', url: `${receiver.url}/files/coverage` },
        { name: 'junit', url: `${receiver.url}/files/junit%20report.xml` },
        { name: 'expired', url: `${receiver.url}/files/expired` },
        { name: 'broken', url: `${receiver.url}/files/broken` },
        { name: 7, url: 'not kept: the name is not a string' },
      ],
    });
    return { receiver, record };
  }

  it('lists the artifacts the job reported, sizes unknown, dropping malformed entries', async () => {
    const { record } = await withArtifacts();
    expect(await provider().artifacts(record)).toStrictEqual([
      { name: 'coverage', sizeInBytes: null },
      { name: 'junit', sizeInBytes: null },
      { name: 'expired', sizeInBytes: null },
      { name: 'broken', sizeInBytes: null },
    ]);
    expect(await provider().artifacts(recordWith({ url: 'https://h.example' }))).toStrictEqual([]);
  });

  it('passes a zip through as it is', async () => {
    const { record } = await withArtifacts();
    const fetched = await provider().download(record, 'coverage');
    expect(fetched.ok).toBe(true);
    if (fetched.ok) expect(Buffer.from(fetched.zip).equals(Buffer.from(coverageZip))).toBe(true);
  });

  it('wraps a single file into a zip, named after the last part of its URL', async () => {
    const { record } = await withArtifacts();
    const fetched = await provider().download(record, 'junit');
    if (!fetched.ok) throw new Error(fetched.detail);
    const read = await readArtifactZip('junit', fetched.zip);
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.entries.map((e) => [e.name, Buffer.from(e.bytes).toString('utf8')])).toStrictEqual([['junit report.xml', reportXml.toString('utf8')]]);
  });

  it('wraps a file whose URL has a stray percent sign, instead of throwing', async () => {
    const receiver = await startReceiver();
    receiver.answer = (_request, res) => res.writeHead(200).end(reportXml);
    const record = recordWith({ url: `${receiver.url}/jobs`, artifacts: [{ name: 'junit', url: `${receiver.url}/files/100%-report.xml` }] });
    const fetched = await provider().download(record, 'junit');
    expect(fetched.ok).toBe(true);
    if (!fetched.ok) return;
    const read = await readArtifactZip('junit', fetched.zip);
    expect(read.ok && read.entries.map((e) => Buffer.from(e.bytes).toString('utf8'))).toStrictEqual([reportXml.toString('utf8')]);
  });

  it('refuses an artifact the job did not report, listing the names it did (nothing fetched)', async () => {
    const { receiver, record } = await withArtifacts();
    const fetched = await provider().download(record, 'sbom');
    expect(fetched).toMatchObject({ ok: false, reason: 'artifact.not-in-run', artifact: 'sbom', gateReason: { code: 'artifact.not-in-run', available: ['coverage', 'junit', 'expired', 'broken'] } });
    if (!fetched.ok) expect(fetched.detail).toContain('coverage, junit, expired, broken');
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses an artifact whose URL answers 404 as unreachable, and throws ProviderUnavailable on a 5xx', async () => {
    const { record } = await withArtifacts();
    expect(await provider().download(record, 'expired')).toMatchObject({ ok: false, reason: 'artifact.unreachable', artifact: 'expired', gateReason: { status: 404 } });
    const err = await rejectionOf(provider().download(record, 'broken'));
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err).toMatchObject({ message: 'artifact broken: HTTP 502' });
  });

  it('refuses a private artifact URL without allowPrivate (never fetched)', async () => {
    const { receiver, record } = await withArtifacts();
    const err = await rejectionOf(provider({ allowPrivate: false }).download(record, 'junit'));
    expect(err).toBeInstanceOf(ProviderRefusal);
    expect(err).toMatchObject({ message: expect.stringMatching(/^artifact junit: refused: 127\.0\.0\.1 is a loopback address/) });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a body over the artifact limit, reading no further', async () => {
    const receiver = await startReceiver();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    // An endless body: the download ends only because it stops reading.
    receiver.answer = (_request, res) => {
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.writeHead(200);
      pump();
    };
    const record = recordWith({ url: `${receiver.url}/jobs`, artifacts: [{ name: 'huge', url: `${receiver.url}/files/huge.bin` }] });
    const fetched = await provider().download(record, 'huge');
    expect(fetched).toMatchObject({ ok: false, reason: 'artifact.over-limit', artifact: 'huge', gateReason: { max: ARTIFACT_LIMITS.maxCompressedBytes } });
  });
});
