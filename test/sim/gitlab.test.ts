import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unzipSync, strFromU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startGitLabSimulator, STORAGE_ROUTE, type GitLabSimulator, type GitLabSimulatorOptions } from '../../src/sim/gitlab.ts';

let sim: GitLabSimulator;
let clock: ManualClock;
let receiver: Awaited<ReturnType<typeof startHookReceiver>> | undefined;

afterEach(async () => {
  try {
    expect(sim.errors).toEqual([]);
  } finally {
    await sim.close();
    await receiver?.close();
    receiver = undefined;
  }
});

async function start(options: Omit<GitLabSimulatorOptions, 'clock'> = {}): Promise<void> {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startGitLabSimulator({ clock, token: 'glpat-test-token', ...options });
  sim.project({ id: 100, path: 'group/app', refs: ['main', 'release'], jobs: [{ name: 'build', stage: 'build' }, { name: 'test', stage: 'test', artifacts: { 'junit.xml': '<testsuite tests="1"/>' } }] });
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function api(method: string, path: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers['PRIVATE-TOKEN'] = options.token ?? sim.settings.token;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.url}/api/v4${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body };
}

async function create(variables: Record<string, string> = { SHIPGATE_RUN: 'r-1' }, ref = 'main'): Promise<{ id: number; status: string }> {
  const answer = await api('POST', '/projects/group%2Fapp/pipeline', { body: { ref, variables: Object.entries(variables).map(([key, value]) => ({ key, value, variable_type: 'env_var' })) } });
  expect(answer.status).toBe(201);
  return answer.body as { id: number; status: string };
}

async function startHookReceiver(): Promise<{ url: string; received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }>; close(): Promise<void> }> {
  const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/providers/gitlab/webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('GitLab simulator: authentication and projects', () => {
  it('answers 401 without the token or with a wrong one, and takes PRIVATE-TOKEN or a Bearer token', async () => {
    await start();
    expect(await api('GET', '/projects/100/pipelines', { token: null })).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    expect(await api('GET', '/projects/100/pipelines', { token: 'glpat-wrong' })).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    expect((await api('GET', '/projects/100/pipelines')).status).toBe(200);
    expect((await api('GET', '/projects/100/pipelines', { token: null, headers: { authorization: `Bearer ${sim.settings.token}` } })).status).toBe(200);
    expect(sim.requests.map((entry) => [entry.route, entry.status, entry.credentials])).toEqual([
      ['GET /projects/:id/pipelines', 401, false],
      ['GET /projects/:id/pipelines', 401, true],
      ['GET /projects/:id/pipelines', 200, true],
      ['GET /projects/:id/pipelines', 200, true],
    ]);
  });

  it('finds a project by id or URL-encoded path (any case), and answers GitLab’s 404s otherwise', async () => {
    await start();
    expect((await api('GET', '/projects/100')).body).toMatchObject({ id: 100, path_with_namespace: 'group/app' });
    expect((await api('GET', '/projects/group%2Fapp')).body).toMatchObject({ id: 100 });
    expect((await api('GET', '/projects/Group%2fApp')).body).toMatchObject({ id: 100 });
    expect(await api('GET', '/projects/group%2Fnope/pipelines')).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
    expect(await api('GET', '/projects/999/pipelines')).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
    // An unencoded slash is another route, which GitLab does not have.
    expect(await api('GET', '/projects/group/app/pipelines')).toMatchObject({ status: 404, body: { error: '404 Not Found' } });
    expect(await api('GET', '/projects/100/pipelines/abc')).toMatchObject({ status: 400, body: { error: 'pipeline_id is invalid' } });
    expect(await api('GET', '/projects/100/pipelines/4')).toMatchObject({ status: 404, body: { message: '404 Not found' } });
  });

  it('refuses a pipeline on a ref the project lacks, and a create without ref', async () => {
    await start();
    expect(await api('POST', '/projects/100/pipeline', { body: { ref: 'feature-x' } })).toMatchObject({ status: 400, body: { message: { base: ['Reference not found'] } } });
    expect(await api('POST', '/projects/100/pipeline', { body: {} })).toMatchObject({ status: 400, body: { error: 'ref is missing' } });
    expect(await api('POST', '/projects/100/pipeline', { body: { ref: 'main', variables: [{ value: 'x' }] } })).toMatchObject({ status: 400, body: { error: 'variables[0][key] is missing' } });
    expect(sim.pipelines('group/app')).toEqual([]);
    expect((await api('POST', '/projects/100/pipeline?ref=release')).status).toBe(201);
  });

  it('lets a Reporter read but not create, cancel, retry or read variables', async () => {
    await start();
    const mine = await create();
    sim.options.role = 'reporter';
    expect(await api('POST', '/projects/100/pipeline', { body: { ref: 'main' } })).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
    expect((await api('POST', `/projects/100/pipelines/${mine.id}/cancel`)).status).toBe(403);
    expect((await api('POST', `/projects/100/pipelines/${mine.id}/retry`)).status).toBe(403);
    expect((await api('GET', `/projects/100/pipelines/${mine.id}/variables`)).status).toBe(403);
    expect((await api('GET', `/projects/100/pipelines/${mine.id}`)).status).toBe(200);
    expect((await api('GET', `/projects/100/pipelines/${mine.id}/jobs`)).status).toBe(200);
    expect(sim.pipelines('group/app')).toHaveLength(1);
  });

  it('shows a Developer the variables of their own pipelines only', async () => {
    await start();
    const mine = await create({ SHIPGATE_RUN: 'r-1' });
    const other = sim.pipelineByOther('group/app', { ref: 'main', variables: { SHIPGATE_RUN: 'r-1' } });
    expect(await api('GET', `/projects/100/pipelines/${mine.id}/variables`)).toMatchObject({ status: 200, body: [{ key: 'SHIPGATE_RUN', value: 'r-1', variable_type: 'env_var' }] });
    expect((await api('GET', `/projects/100/pipelines/${other.id}/variables`)).status).toBe(403);
  });
});

describe('GitLab simulator: pipelines on the clock', () => {
  it('goes created → pending → running stage by stage → success, with jobs and timestamps', async () => {
    await start();
    const created = await create();
    expect(created.status).toBe('created');
    const status = async () => ((await api('GET', `/projects/100/pipelines/${created.id}`)).body as { status: string }).status;
    const jobs = async () => ((await api('GET', `/projects/100/pipelines/${created.id}/jobs`)).body as Array<{ name: string; status: string }>).map((job) => `${job.name}:${job.status}`);
    clock.advance(0);
    expect(await status()).toBe('pending');
    expect(await jobs()).toEqual(['test:created', 'build:pending']);
    clock.advance(999);
    expect(await status()).toBe('pending');
    clock.advance(1);
    expect(await status()).toBe('running');
    expect(await jobs()).toEqual(['test:created', 'build:running']);
    clock.advance(5_000);
    expect(await jobs()).toEqual(['test:running', 'build:success']);
    clock.advance(5_000);
    const done = (await api('GET', `/projects/100/pipelines/${created.id}`)).body as Record<string, unknown>;
    expect(done).toMatchObject({
      status: 'success',
      source: 'api',
      ref: 'main',
      created_at: '2026-01-01T12:00:00.000Z',
      started_at: '2026-01-01T12:00:01.000Z',
      finished_at: '2026-01-01T12:00:11.000Z',
      duration: 10,
      web_url: `${sim.url}/group/app/-/pipelines/${created.id}`,
    });
    const listed = (await api('GET', `/projects/100/pipelines/${created.id}/jobs`)).body as Array<{ name: string; artifacts: unknown[] }>;
    expect(listed.find((job) => job.name === 'test')?.artifacts).toEqual([
      { file_type: 'archive', size: expect.any(Number), filename: 'artifacts.zip', file_format: 'zip' },
      { file_type: 'metadata', size: expect.any(Number), filename: 'metadata.gz', file_format: 'gzip' },
      { file_type: 'trace', size: expect.any(Number), filename: 'job.log', file_format: null },
    ]);
    expect(listed.find((job) => job.name === 'build')?.artifacts).toEqual([{ file_type: 'trace', size: expect.any(Number), filename: 'job.log', file_format: null }]);
  });

  it('plays scripted outcomes in order: a failed job skips later stages; skipped never runs', async () => {
    await start();
    sim.script('group/app', [{ failJobs: ['build'], queueMs: 500, durationMs: 2_000 }, { status: 'skipped' }]);
    const failed = await create();
    const skipped = await create();
    const normal = await create();
    clock.advance(20_000);
    const [a, b, c] = sim.pipelines('group/app');
    expect(a).toMatchObject({ id: failed.id, status: 'failed', finishedAt: Date.UTC(2026, 0, 1, 12, 0, 1, 500) });
    expect(a?.jobs.map((job) => `${job.name}:${job.status}`)).toEqual(['build:failed', 'test:skipped']);
    expect(b).toMatchObject({ id: skipped.id, status: 'skipped', startedAt: null });
    expect(b?.jobs.map((job) => job.status)).toEqual(['skipped', 'skipped']);
    expect(c).toMatchObject({ id: normal.id, status: 'success' });
  });

  it('refuses a script that names a job the project lacks or contradicts itself', async () => {
    await start();
    expect(() => sim.script('group/app', [{ failJobs: ['deploy'] }])).toThrow(/'deploy', which is not a job/);
    expect(() => sim.script('group/app', [{ status: 'success', failJobs: ['build'] }])).toThrow(/failJobs goes with status 'failed'/);
    expect(() => sim.script('group/app', [{ durationMs: -1 }])).toThrow(/durationMs must be a duration/);
    expect(() => sim.script('group/nope', [{}])).toThrow(/no project group\/nope/);
  });

  it('cancels: running jobs go canceling then canceled; a pending pipeline is canceled at once; a finished one stays', async () => {
    await start();
    const running = await create();
    clock.advance(2_000);
    const answer = await api('POST', `/projects/100/pipelines/${running.id}/cancel`);
    expect(answer).toMatchObject({ status: 200, body: { status: 'canceling' } });
    clock.advance(1_000);
    expect(sim.pipelines('group/app')[0]).toMatchObject({ status: 'canceled' });
    expect(sim.pipelines('group/app')[0]?.jobs.map((job) => job.status)).toEqual(['canceled', 'canceled']);

    const pending = await create();
    clock.advance(0);
    expect((await api('POST', `/projects/100/pipelines/${pending.id}/cancel`)).body).toMatchObject({ status: 'canceled' });
    const done = await create();
    clock.advance(20_000);
    expect((await api('POST', `/projects/100/pipelines/${done.id}/cancel`)).body).toMatchObject({ status: 'success' });
  });

  it('retries the failed jobs in the same pipeline with new job ids, ending as the script says', async () => {
    await start();
    sim.script('group/app', [{ failJobs: ['test'], retry: { status: 'success', durationMs: 4_000 } }]);
    const pipeline = await create();
    clock.advance(20_000);
    const before = sim.pipelines('group/app')[0];
    expect(before?.status).toBe('failed');
    const failedJob = before?.jobs.find((job) => job.name === 'test');
    expect(failedJob?.artifactBytes).toBeUndefined();
    const answer = await api('POST', `/projects/100/pipelines/${pipeline.id}/retry`);
    expect(answer).toMatchObject({ status: 201, body: { id: pipeline.id, status: 'pending', finished_at: null } });
    clock.advance(1_000);
    expect(sim.pipelines('group/app')[0]?.status).toBe('running');
    clock.advance(4_000);
    const after = sim.pipelines('group/app')[0];
    expect(after).toMatchObject({ status: 'success', retries: 1 });
    expect(after?.jobs.map((job) => [job.name, job.status, job.retried])).toEqual([
      ['build', 'success', false],
      ['test', 'failed', true],
      ['test', 'success', false],
    ]);
    const listed = (await api('GET', `/projects/100/pipelines/${pipeline.id}/jobs`)).body as Array<{ id: number }>;
    expect(listed.map((job) => job.id)).not.toContain(failedJob?.id);
    expect(listed).toHaveLength(2);
    const all = (await api('GET', `/projects/100/pipelines/${pipeline.id}/jobs?include_retried=true`)).body as Array<{ id: number }>;
    expect(all.map((job) => job.id)).toContain(failedJob?.id);
    // Nothing left to retry: unchanged.
    expect((await api('POST', `/projects/100/pipelines/${pipeline.id}/retry`)).body).toMatchObject({ status: 'success' });
    expect(sim.pipelines('group/app')[0]?.retries).toBe(1);
  });
});

describe('GitLab simulator: lists', () => {
  it('filters by ref, source and updated_after, sorts, and pages with x-next-page / x-total', async () => {
    await start();
    await create({}, 'main');
    clock.advance(100);
    await create({}, 'release');
    clock.advance(100);
    const third = await create({}, 'main');
    sim.pipelineByOther('group/app', { ref: 'main' });
    const first = await api('GET', '/projects/100/pipelines?ref=main&per_page=2');
    expect(first.headers.get('x-total')).toBe('3');
    expect(first.headers.get('x-next-page')).toBe('2');
    expect(first.headers.get('x-total-pages')).toBe('2');
    expect((first.body as Array<{ id: number }>)[0]?.id).toBeGreaterThan(third.id);
    const second = await api('GET', '/projects/100/pipelines?ref=main&per_page=2&page=2');
    expect(second.headers.get('x-next-page')).toBe('');
    expect(second.headers.get('x-prev-page')).toBe('1');
    const api_only = (await api('GET', '/projects/100/pipelines?source=api&ref=main&order_by=id&sort=asc')).body as Array<{ id: number; source: string }>;
    expect(api_only.map((p) => p.source)).toEqual(['api', 'api']);
    expect(api_only[1]?.id).toBe(third.id);
    const recent = (await api('GET', `/projects/100/pipelines?updated_after=${new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 150)).toISOString()}`)).body as Array<{ id: number }>;
    expect(recent.map((p) => p.id)).toContain(third.id);
    expect(recent).toHaveLength(2);
    expect(await api('GET', '/projects/100/pipelines?order_by=name')).toMatchObject({ status: 400, body: { error: 'order_by does not have a valid value' } });
    expect(await api('GET', '/projects/100/pipelines?source=carrier-pigeon')).toMatchObject({ status: 400 });
    expect(await api('GET', '/projects/100/pipelines?updated_after=yesterday')).toMatchObject({ status: 400, body: { error: 'updated_after is invalid' } });
  });
});

describe('GitLab simulator: artifacts', () => {
  it('redirects to object storage, which serves the zip without credentials and refuses it with them', async () => {
    await start();
    await create();
    clock.advance(20_000);
    const job = sim.pipelines('group/app')[0]?.jobs.find((candidate) => candidate.name === 'test');
    const answer = await api('GET', `/projects/100/jobs/${job?.id}/artifacts`);
    expect(answer.status).toBe(302);
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${sim.url}/-/storage/artifacts/${job?.id}/[0-9a-f]+/artifacts\\.zip$`));
    const leaked = await fetch(location, { headers: { 'PRIVATE-TOKEN': sim.settings.token } });
    expect(leaked.status).toBe(403);
    expect(await leaked.text()).toContain('must not leave GitLab');
    const clean = await fetch(location);
    expect(clean.status).toBe(200);
    const files = unzipSync(new Uint8Array(await clean.arrayBuffer()));
    expect(strFromU8(files['junit.xml'] ?? new Uint8Array())).toBe('<testsuite tests="1"/>');
    expect(sim.requests.filter((entry) => entry.route === STORAGE_ROUTE).map((entry) => [entry.status, entry.credentials])).toEqual([
      [403, true],
      [200, false],
    ]);
    clock.advance(10 * 60_000 + 1);
    expect((await fetch(location)).status).toBe(403);
  });

  it('answers 404 for a job without an archive and for another project’s job; serves directly when asked', async () => {
    await start({ artifacts: 'direct' });
    sim.project({ path: 'group/other' });
    await create();
    clock.advance(20_000);
    const [build, test] = sim.pipelines('group/app')[0]?.jobs ?? [];
    expect(await api('GET', `/projects/100/jobs/${build?.id}/artifacts`)).toMatchObject({ status: 404, body: { message: '404 Not Found' } });
    expect(await api('GET', `/projects/group%2Fother/jobs/${test?.id}/artifacts`)).toMatchObject({ status: 404 });
    const direct = await fetch(`${sim.url}/api/v4/projects/100/jobs/${test?.id}/artifacts`, { headers: { 'PRIVATE-TOKEN': sim.settings.token } });
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('application/zip');
    expect(Object.keys(unzipSync(new Uint8Array(await direct.arrayBuffer())))).toEqual(['junit.xml']);
  });
});

describe('GitLab simulator: Pipeline Hooks', () => {
  it('posts a hook with the token at each status change, in order, with the variables', async () => {
    receiver = await startHookReceiver();
    await start({ hookUrl: receiver.url, hookToken: 'hook-secret' });
    const pipeline = await create({ SHIPGATE_RUN: 'r-7' });
    clock.advance(0);
    await sim.drainHooks();
    clock.advance(1_000);
    await sim.drainHooks();
    clock.advance(10_000);
    await sim.drainHooks();
    expect(receiver.received.map((hook) => (hook.body.object_attributes as { status: string }).status)).toEqual(['pending', 'running', 'success']);
    for (const hook of receiver.received) {
      expect(hook.headers['x-gitlab-event']).toBe('Pipeline Hook');
      expect(hook.headers['x-gitlab-token']).toBe('hook-secret');
      expect(hook.body).toMatchObject({ object_kind: 'pipeline', object_attributes: { id: pipeline.id, variables: [{ key: 'SHIPGATE_RUN', value: 'r-7' }] }, project: { id: 100, path_with_namespace: 'group/app' } });
    }
    expect(new Set(receiver.received.map((hook) => hook.headers['x-gitlab-event-uuid'])).size).toBe(3);
    const last = receiver.received[2]?.body as { object_attributes: { finished_at: string }; builds: Array<{ name: string; status: string }> };
    expect(last.object_attributes.finished_at).toBe('2026-01-01 12:00:11 UTC');
    expect(last.builds.map((build) => `${build.name}:${build.status}`).sort()).toEqual(['build:success', 'test:success']);
    expect(sim.hooks.map((hook) => [hook.status, hook.response, hook.dropped])).toEqual([
      ['pending', 200, false],
      ['running', 200, false],
      ['success', 200, false],
    ]);
  });

  it('loses hooks when told to (they stay in the log, marked dropped) and sends none without a URL', async () => {
    receiver = await startHookReceiver();
    await start({ hookUrl: receiver.url, hookToken: 'hook-secret' });
    sim.faults.dropHooks(true);
    const pipeline = await create();
    clock.advance(20_000);
    await sim.drainHooks();
    expect(receiver.received).toEqual([]);
    expect(sim.hooks.map((hook) => [hook.status, hook.dropped])).toEqual([
      ['pending', true],
      ['running', true],
      ['success', true],
    ]);
    sim.faults.dropHooks(false);
    sim.cancelFromUi('group/app', pipeline.id);
    await create();
    clock.advance(0);
    await sim.drainHooks();
    expect(receiver.received.map((hook) => (hook.body.object_attributes as { status: string }).status)).toEqual(['pending']);
    sim.options.hookUrl = undefined;
    clock.advance(1_000);
    await sim.drainHooks();
    expect(receiver.received).toHaveLength(1);
    expect(sim.hooks.at(-1)).toMatchObject({ status: 'running', dropped: true });
  });

  it('reports a cancel from the UI as canceling, then canceled', async () => {
    receiver = await startHookReceiver();
    await start({ hookUrl: receiver.url, hookToken: 'hook-secret' });
    const pipeline = await create();
    clock.advance(2_000);
    sim.cancelFromUi('group/app', pipeline.id);
    clock.advance(1_000);
    await sim.drainHooks();
    expect(receiver.received.map((hook) => (hook.body.object_attributes as { status: string }).status)).toEqual(['pending', 'running', 'canceling', 'canceled']);
    expect(() => sim.cancelFromUi('group/app', 1)).toThrow(/no pipeline 1/);
  });
});

describe('GitLab simulator: faults', () => {
  it('fails the first calls of a route without acting, or acts and loses the answer', async () => {
    await start();
    sim.faults.set({ failFirst: 1, failStatus: 429, retryAfterSeconds: 7, routes: ['POST /projects/:id/pipeline'] });
    expect((await api('GET', '/projects/100/pipelines')).status).toBe(200);
    const limited = await api('POST', '/projects/100/pipeline', { body: { ref: 'main' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(sim.pipelines('group/app')).toHaveLength(0);
    sim.faults.set({ loseAnswers: 1 });
    const lost = await api('POST', '/projects/100/pipeline', { body: { ref: 'main' } });
    expect(lost.status).toBe(502);
    expect(sim.pipelines('group/app')).toHaveLength(1);
    expect(sim.requests.map((entry) => entry.fault)).toEqual([undefined, 'scripted', 'lost-answer']);
    expect((await api('POST', '/projects/100/pipeline', { body: { ref: 'main' } })).status).toBe(201);
  });

  it('is down for a stretch of clock time: 503 with Retry-After, or connections reset', async () => {
    await start();
    sim.faults.down(30_000);
    const down = await api('GET', '/projects/100/pipelines');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('30');
    expect(String(down.body)).toContain('503');
    clock.advance(29_000);
    expect((await api('GET', '/projects/100/pipelines')).headers.get('retry-after')).toBe('1');
    clock.advance(1_000);
    expect((await api('GET', '/projects/100/pipelines')).status).toBe(200);
    sim.faults.down(5_000, 'reset');
    await expect(fetch(`${sim.url}/api/v4/projects/100/pipelines`, { headers: { 'PRIVATE-TOKEN': sim.settings.token } })).rejects.toThrow();
    sim.faults.up();
    expect((await api('GET', '/projects/100/pipelines')).status).toBe(200);
    expect(sim.count('GET /projects/:id/pipelines')).toBe(5);
    expect(sim.requests.map((entry) => entry.fault)).toEqual(['down', 'down', undefined, 'down', undefined]);
  });
});
