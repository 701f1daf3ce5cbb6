import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { strFromU8, unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ProviderRefusal, ProviderUnavailable } from '../../src/providers/errors.ts';
import { ARTIFACT_STORAGE_ROUTE, CORRELATION_VARIABLE, GitLabClient, type GitLabClientOptions } from '../../src/providers/gitlab/client.ts';
import { mapGitLabStatus } from '../../src/providers/gitlab/gitlab-data.ts';
import { startGitLabSimulator, STORAGE_ROUTE, type GitLabProjectOptions, type GitLabSimulator, type GitLabSimulatorOptions } from '../../src/sim/gitlab.ts';

const TOKEN = 'glpat-Sup3rSecretToken';
const JUNIT = '<testsuite name="unit" tests="2" failures="0"/>';

let sim: GitLabSimulator;
let clock: ManualClock;

afterEach(async () => {
  try {
    expect(sim.errors).toEqual([]);
  } finally {
    await sim.close();
  }
});

async function start(options: Omit<GitLabSimulatorOptions, 'clock'> = {}, project: Partial<GitLabProjectOptions> = {}): Promise<GitLabClient> {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startGitLabSimulator({ clock, token: TOKEN, ...options });
  sim.project({
    id: 100,
    path: 'group/app',
    jobs: [
      { name: 'build', stage: 'build' },
      { name: 'unit', stage: 'test', artifacts: { 'reports/junit.xml': JUNIT } },
    ],
    ...project,
  });
  return new GitLabClient(sim.settings);
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function refusal(fn: () => Promise<unknown>): Promise<ProviderRefusal> {
  const error = await failure(fn);
  expect(error).toBeInstanceOf(ProviderRefusal);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as ProviderRefusal;
}

async function unavailable(fn: () => Promise<unknown>): Promise<ProviderUnavailable> {
  const error = await failure(fn);
  expect(error).toBeInstanceOf(ProviderUnavailable);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as ProviderUnavailable;
}

describe('GitLabClient: a whole pipeline', () => {
  it('creates, polls to success, lists the jobs and downloads the artifacts through the redirect without the token', async () => {
    const client = await start();
    const created = await client.createPipeline('group/app', 'main', { [CORRELATION_VARIABLE]: 'run-1/job-a', DEPLOY_ENV: 'staging' });
    expect(created).toMatchObject({ projectId: 100, ref: 'main', status: 'created', startedAt: null, finishedAt: null, webUrl: `${sim.url}/group/app/-/pipelines/${created.id}` });
    expect(sim.requests[0]).toMatchObject({
      method: 'POST',
      path: '/projects/group%2Fapp/pipeline',
      route: 'POST /projects/:id/pipeline',
      credentials: true,
      body: {
        ref: 'main',
        variables: [
          { key: 'SHIPGATE_RUN', value: 'run-1/job-a', variable_type: 'env_var' },
          { key: 'DEPLOY_ENV', value: 'staging', variable_type: 'env_var' },
        ],
      },
    });
    expect(sim.pipelines('group/app')[0]?.variables).toEqual({ SHIPGATE_RUN: 'run-1/job-a', DEPLOY_ENV: 'staging' });

    const states: string[] = [];
    for (const step of [0, 1_000, 5_000, 5_000]) {
      clock.advance(step);
      const polled = await client.pipeline('group/app', created.id);
      states.push(`${polled.status}:${mapGitLabStatus(polled.status).state}`);
    }
    expect(states).toEqual(['pending:queued', 'running:in_progress', 'running:in_progress', 'success:completed']);
    const done = await client.pipeline(100, created.id);
    expect(done).toMatchObject({ status: 'success', startedAt: '2026-01-01T12:00:01.000Z', finishedAt: '2026-01-01T12:00:11.000Z' });

    const jobs = await client.jobs('group/app', created.id);
    expect(jobs.map((job) => [job.name, job.stage, job.status])).toEqual([
      ['unit', 'test', 'success'],
      ['build', 'build', 'success'],
    ]);
    const unit = jobs.find((job) => job.name === 'unit');
    const archive = unit?.artifacts.find((artifact) => artifact.fileType === 'archive');
    expect(archive).toEqual({ fileType: 'archive', size: expect.any(Number), filename: 'artifacts.zip' });
    expect(unit?.webUrl).toBe(`${sim.url}/group/app/-/jobs/${unit?.id}`);

    const zip = await client.jobArtifacts('group/app', unit?.id ?? 0, 1_000_000);
    expect(zip.length).toBe(archive?.size);
    expect(strFromU8(unzipSync(new Uint8Array(zip))['reports/junit.xml'] ?? new Uint8Array())).toBe(JUNIT);
    // GitLab got the token; object storage did not (it refuses requests that carry it).
    expect(sim.requests.slice(-2).map((entry) => [entry.route, entry.status, entry.credentials])).toEqual([
      ['GET /projects/:id/jobs/:job_id/artifacts', 302, true],
      [STORAGE_ROUTE, 200, false],
    ]);

    expect(client.requestCounts()).toEqual({
      'POST /projects/:id/pipeline': 1,
      'GET /projects/:id/pipelines/:pipeline_id': 5,
      'GET /projects/:id/pipelines/:pipeline_id/jobs': 1,
      'GET /projects/:id/jobs/:job_id/artifacts': 1,
      [ARTIFACT_STORAGE_ROUTE]: 1,
    });
  });

  it('reads an archive GitLab serves itself', async () => {
    const client = await start({ artifacts: 'direct' });
    const { id } = await client.createPipeline(100, 'main', {});
    clock.advance(20_000);
    const unit = (await client.jobs(100, id)).find((job) => job.name === 'unit');
    const zip = await client.jobArtifacts(100, unit?.id ?? 0, 1_000_000);
    expect(Object.keys(unzipSync(new Uint8Array(zip)))).toEqual(['reports/junit.xml']);
    expect(sim.count(STORAGE_ROUTE)).toBe(0);
  });

  it('follows x-next-page through every page of jobs', async () => {
    const jobs = Array.from({ length: 130 }, (_, index) => ({ name: `shard-${index}`, stage: 'test' }));
    const client = await start({}, { jobs });
    const { id } = await client.createPipeline('group/app', 'main', {});
    const listed = await client.jobs('group/app', id);
    expect(listed).toHaveLength(130);
    expect(new Set(listed.map((job) => job.name)).size).toBe(130);
    expect(sim.requests.filter((entry) => entry.route === 'GET /projects/:id/pipelines/:pipeline_id/jobs').map((entry) => entry.query)).toEqual(['?per_page=100&page=1', '?per_page=100&page=2']);
  });
});

describe('GitLabClient: refusals name what to fix and never the token', () => {
  it('401: a wrong token', async () => {
    await start();
    const client = new GitLabClient({ url: sim.url, token: 'glpat-wrong-token' });
    const error = await refusal(() => client.createPipeline('group/app', 'main', {}));
    expect(error).toMatchObject({ provider: 'gitlab', status: 401, kind: 'credentials' });
    expect(error.message).toBe('GitLab refused GITLAB_TOKEN (HTTP 401 for POST /projects/{id}/pipeline): check that the token exists, has not expired and has the api scope');
    expect(error.message).not.toContain('glpat-wrong-token');
  });

  it('403: a Reporter cannot create pipelines', async () => {
    const client = await start({ role: 'reporter' });
    const error = await refusal(() => client.createPipeline('group/app', 'main', {}));
    expect(error).toMatchObject({ status: 403, kind: 'credentials' });
    expect(error.message).toContain('GITLAB_TOKEN');
    expect(error.message).toContain("the token's user needs the Developer role on project 'group/app'");
  });

  it('404: a project the token cannot see (by path or id)', async () => {
    const client = await start();
    const byPath = await refusal(() => client.createPipeline('group/nope', 'main', {}));
    expect(byPath).toMatchObject({ status: 404, kind: 'not-found' });
    expect(byPath.message).toBe("GitLab has no project 'group/nope' visible to this token (HTTP 404): check `gitlab.project` in .github/shipgate.yml and the token's access");
    expect((await refusal(() => client.pipeline(999, 1))).message).toContain('no project 999 visible');
    // A pipeline that is not there is not a missing project.
    const pipeline = await refusal(() => client.pipeline('group/app', 4242));
    expect(pipeline).toMatchObject({ status: 404, kind: 'not-found' });
    expect(pipeline.message).toBe("GitLab has no pipeline 4242 in project 'group/app' (HTTP 404 for GET /projects/{id}/pipelines/{pipeline_id})");
  });

  it('400: a ref GitLab does not have', async () => {
    const client = await start();
    const error = await refusal(() => client.createPipeline('group/app', 'feature-x', { [CORRELATION_VARIABLE]: 'r' }));
    expect(error).toMatchObject({ status: 400, kind: 'refused' });
    expect(error.message).toBe("GitLab could not create a pipeline for ref 'feature-x' in 'group/app': Reference not found — push the ref to GitLab or set `gitlab.ref`");
  });

  it('refuses a project that is neither an id nor a path before sending anything', async () => {
    const client = await start();
    const error = await refusal(() => client.pipeline('group//app', 1));
    expect(error.message).toContain('`gitlab.project` must be a numeric project id or a path like group/app');
    expect(sim.requests).toEqual([]);
    expect(client.requestCounts()).toEqual({});
  });

  it('refuses a GITLAB_URL that is not http(s), and an empty token', () => {
    expect(() => new GitLabClient({ url: 'gitlab.example.com', token: TOKEN })).toThrow(ProviderRefusal);
    expect(() => new GitLabClient({ url: 'ftp://gitlab.example.com', token: TOKEN })).toThrow(/GITLAB_URL is not an http\(s\) URL/);
    expect(() => new GitLabClient({ url: 'https://gitlab.example.com', token: '' })).toThrow(/GITLAB_TOKEN is empty/);
  });

  it('accepts a GITLAB_URL with a trailing /api/v4 or slash', async () => {
    await start();
    const client = new GitLabClient({ url: `${sim.url}/api/v4/`, token: TOKEN });
    await expect(client.createPipeline('group/app', 'main', {})).resolves.toMatchObject({ status: 'created' });
    expect(sim.requests[0]?.path).toBe('/projects/group%2Fapp/pipeline');
  });

  it('does not follow a redirect of an API call (the token would go along) and says to fix GITLAB_URL', async () => {
    await start();
    const redirecting: typeof fetch = async () => new Response(null, { status: 301, headers: { location: 'https://gitlab.example.com/api/v4/projects/1' } });
    const client = new GitLabClient(sim.settings, { fetch: redirecting });
    const error = await refusal(() => client.pipeline(1, 2));
    expect(error.message).toBe("GitLab answered HTTP 301 to https://gitlab.example.com for GET /projects/{id}/pipelines/{pipeline_id}: set GITLAB_URL to GitLab's own address (shipgate does not follow redirects with the token)");
  });
});

describe('GitLabClient: outages', () => {
  it('GitLab down → ProviderUnavailable with Retry-After, then back', async () => {
    const client = await start();
    const { id } = await client.createPipeline('group/app', 'main', {});
    sim.faults.down(30_000);
    const error = await unavailable(() => client.pipeline('group/app', id));
    expect(error).toMatchObject({ provider: 'gitlab', status: 503, retryAfterMs: 30_000 });
    expect(error.message).toContain("GitLab answered HTTP 503 for GET /projects/{id}/pipelines/{pipeline_id} (project 'group/app')");
    clock.advance(30_000);
    await expect(client.pipeline('group/app', id)).resolves.toMatchObject({ id });
  });

  it('a connection reset, a closed port and a timeout → ProviderUnavailable without a status', async () => {
    const client = await start();
    sim.faults.down(5_000, 'reset');
    const reset = await unavailable(() => client.pipeline('group/app', 1));
    expect(reset.status).toBeUndefined();
    expect(reset.message).toMatch(/^GitLab \(http:\/\/127\.0\.0\.1:\d+\) did not answer GET \/projects\/\{id\}\/pipelines\/\{pipeline_id\} \('group\/app'\)/);

    const port = await freePort();
    const closed = new GitLabClient({ url: `http://127.0.0.1:${port}`, token: TOKEN });
    expect((await unavailable(() => closed.createPipeline('group/app', 'main', {}))).message).toContain('ECONNREFUSED');

    const slow: typeof fetch = async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const timedOut = await unavailable(() => new GitLabClient(sim.settings, { fetch: slow }).pipeline(100, 1));
    expect(timedOut.message).toContain('no answer within the time limit');
  });

  it('429 and 5xx → ProviderUnavailable (Retry-After read); a 400 that is no ref problem → refusal with GitLab’s words', async () => {
    const client = await start();
    sim.faults.set({ failFirst: 1, failStatus: 429, retryAfterSeconds: 7 });
    const limited = await unavailable(() => client.createPipeline('group/app', 'main', {}));
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 7_000 });
    expect(limited.message).toContain('GitLab is rate limiting this token');
    sim.faults.set({ failFirst: 1, failStatus: 500 });
    expect(await unavailable(() => client.createPipeline('group/app', 'main', {}))).toMatchObject({ status: 500, retryAfterMs: undefined });
    sim.faults.set({ failFirst: 1, failStatus: 409 });
    const conflict = await refusal(() => client.cancel('group/app', 1));
    expect(conflict).toMatchObject({ status: 409, kind: 'refused' });
    expect(conflict.message).toBe("GitLab refused POST /projects/{id}/pipelines/{pipeline_id}/cancel for project 'group/app' (HTTP 409): 409 Scripted refusal");
    expect(sim.pipelines('group/app')).toEqual([]);
  });

  it('an answer that is not GitLab’s (a proxy’s login page) → ProviderUnavailable naming GITLAB_URL', async () => {
    await start();
    const proxy: typeof fetch = async () => new Response('<html>Sign in</html>', { status: 200, headers: { 'content-type': 'text/html' } });
    const error = await unavailable(() => new GitLabClient(sim.settings, { fetch: proxy }).pipeline(100, 1));
    expect(error.message).toContain('is GITLAB_URL');
    expect(error.message).toContain('a GitLab server');
  });
});

describe('GitLabClient: finding a pipeline again', () => {
  it('finds the pipeline whose create answer was lost, skipping others’ and other runs’ pipelines', async () => {
    const client = await start();
    const createdAfter = new Date(clock.now() - 60_000);
    await client.createPipeline('group/app', 'main', { [CORRELATION_VARIABLE]: 'run-0' });
    sim.pipelineByOther('group/app', { ref: 'main', variables: { [CORRELATION_VARIABLE]: 'run-1' }, source: 'api' });
    sim.faults.set({ loseAnswers: 1, routes: ['POST /projects/:id/pipeline'] });
    const lost = await unavailable(() => client.createPipeline('group/app', 'main', { [CORRELATION_VARIABLE]: 'run-1' }));
    expect(lost.status).toBe(502);
    const ours = sim.pipelines('group/app').at(-1);
    expect(ours?.variables).toEqual({ [CORRELATION_VARIABLE]: 'run-1' });
    sim.pipelineByOther('group/app', { ref: 'main', variables: { [CORRELATION_VARIABLE]: 'run-1' }, source: 'push' });
    await client.createPipeline('group/app', 'main', { [CORRELATION_VARIABLE]: 'run-2' });
    clock.advance(0);

    const found = await client.findByVariable('group/app', { ref: 'main', name: CORRELATION_VARIABLE, value: 'run-1', createdAfter });
    expect(found).toMatchObject({ id: ours?.id, status: 'pending', ref: 'main' });
    const list = sim.requests.find((entry) => entry.route === 'GET /projects/:id/pipelines');
    expect(Object.fromEntries(new URLSearchParams(list?.query))).toEqual({
      ref: 'main',
      source: 'api',
      updated_after: createdAfter.toISOString(),
      order_by: 'id',
      sort: 'desc',
      per_page: '20',
      page: '1',
    });
    // Newest first: run-2's variables, then ours (the push pipeline is not listed; the foreign api one is not reached).
    expect(sim.count('GET /projects/:id/pipelines/:pipeline_id/variables')).toBe(2);
    expect(await client.findByVariable('group/app', { ref: 'main', name: CORRELATION_VARIABLE, value: 'run-9', createdAfter })).toBeUndefined();
    expect(await client.findByVariable('group/app', { ref: 'release', name: CORRELATION_VARIABLE, value: 'run-1', createdAfter })).toBeUndefined();
  });

  it('reads further pages, and skips pipelines whose variables GitLab hides (403)', async () => {
    const client = await start();
    const createdAfter = new Date(clock.now() - 1_000);
    await client.createPipeline('group/app', 'main', { [CORRELATION_VARIABLE]: 'wanted' });
    for (let index = 0; index < 25; index += 1) sim.pipelineByOther('group/app', { ref: 'main', variables: { [CORRELATION_VARIABLE]: 'wanted' }, source: 'api' });
    const found = await client.findByVariable('group/app', { ref: 'main', name: CORRELATION_VARIABLE, value: 'wanted', createdAfter });
    expect(found?.id).toBe(sim.pipelines('group/app')[0]?.id);
    expect(sim.requests.filter((entry) => entry.route === 'GET /projects/:id/pipelines').map((entry) => new URLSearchParams(entry.query).get('page'))).toEqual(['1', '2']);
    expect(sim.requests.filter((entry) => entry.route === 'GET /projects/:id/pipelines/:pipeline_id/variables' && entry.status === 403)).toHaveLength(25);
  });

  it('still says when the project itself is missing', async () => {
    const client = await start();
    const error = await refusal(() => client.findByVariable('group/gone', { ref: 'main', name: CORRELATION_VARIABLE, value: 'x', createdAfter: new Date(0) }));
    expect(error.kind).toBe('not-found');
  });
});

describe('GitLabClient: cancel and retry', () => {
  it('cancels a running pipeline (canceling, then canceled) and a pending one at once', async () => {
    const client = await start();
    const running = await client.createPipeline('group/app', 'main', {});
    clock.advance(2_000);
    const answer = await client.cancel('group/app', running.id);
    expect(answer.status).toBe('canceling');
    expect(mapGitLabStatus(answer.status).state).toBe('in_progress');
    clock.advance(1_000);
    const after = await client.pipeline('group/app', running.id);
    expect(after.status).toBe('canceled');
    expect(mapGitLabStatus(after.status)).toEqual({ state: 'completed', conclusion: 'cancelled' });

    const pending = await client.createPipeline('group/app', 'main', {});
    expect((await client.cancel('group/app', pending.id)).status).toBe('canceled');
  });

  it('retries a failed pipeline: same id, the failed job again, success at last', async () => {
    const client = await start();
    sim.script('group/app', [{ failJobs: ['unit'], retry: { status: 'success' } }]);
    const created = await client.createPipeline('group/app', 'main', {});
    clock.advance(20_000);
    expect((await client.pipeline('group/app', created.id)).status).toBe('failed');
    const failedUnit = (await client.jobs('group/app', created.id)).find((job) => job.name === 'unit');
    expect(failedUnit?.status).toBe('failed');
    expect(await refusal(() => client.jobArtifacts('group/app', failedUnit?.id ?? 0, 1_000_000))).toMatchObject({ kind: 'not-found', message: expect.stringContaining('uploaded no artifacts') });

    const retried = await client.retry('group/app', created.id);
    expect(retried).toMatchObject({ id: created.id, status: 'pending', finishedAt: null });
    clock.advance(20_000);
    expect((await client.pipeline('group/app', created.id)).status).toBe('success');
    const unit = (await client.jobs('group/app', created.id)).find((job) => job.name === 'unit');
    expect(unit).toMatchObject({ status: 'success' });
    expect(unit?.id).not.toBe(failedUnit?.id);
  });

  it('refuses cancel and retry for a Reporter, naming the role', async () => {
    const client = await start({ role: 'reporter' });
    const { id } = sim.pipelineByOther('group/app', { ref: 'main' });
    expect((await refusal(() => client.cancel('group/app', id))).message).toContain('Developer role');
    expect((await refusal(() => client.retry('group/app', id))).status).toBe(403);
  });
});

describe('GitLabClient: artifact limits', () => {
  const big = { name: 'unit', stage: 'test', artifacts: { 'coverage.bin': new Uint8Array(randomBytes(64 * 1024)) } };

  it('refuses an archive over maxBytes by its content-length', async () => {
    const client = await start({}, { jobs: [big] });
    const { id } = await client.createPipeline('group/app', 'main', {});
    clock.advance(20_000);
    const [job] = await client.jobs('group/app', id);
    const error = await refusal(() => client.jobArtifacts('group/app', job?.id ?? 0, 10_000));
    expect(error).toMatchObject({ kind: 'too-large' });
    expect(error.message).toBe(`the artifacts archive of GitLab job ${job?.id} in project 'group/app' is larger than the 10000-byte limit: keep \`artifacts:paths\` to the reports the gate reads`);
    await expect(client.jobArtifacts('group/app', job?.id ?? 0, 1_000_000)).resolves.toHaveLength(job?.artifacts.find((file) => file.fileType === 'archive')?.size ?? -1);
  });

  it('stops reading a body without content-length as soon as it passes maxBytes', async () => {
    let delivered = 0;
    // Object storage that streams 1 000-byte pieces on demand, without content-length; counts what the client pulled.
    const streaming: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('/-/storage/')) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (delivered >= bytes.byteLength) {
              controller.close();
              return;
            }
            const piece = bytes.slice(delivered, delivered + 1_000);
            delivered += piece.byteLength;
            controller.enqueue(piece);
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { status: response.status, headers: { 'content-type': 'application/zip' } });
    };
    await start({}, { jobs: [big] });
    const client = new GitLabClient(sim.settings, { fetch: streaming } satisfies GitLabClientOptions);
    const { id } = await client.createPipeline('group/app', 'main', {});
    clock.advance(20_000);
    const [job] = await client.jobs('group/app', id);
    await refusal(() => client.jobArtifacts('group/app', job?.id ?? 0, 10_000));
    // What arrived: the limit and the one piece that crossed it, not the 64 KiB archive.
    expect(delivered).toBe(11_000);
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
