/**
 * Jenkins and GitLab jobs keep the guarantees of Actions jobs (SPEC §13, §8):
 * exactly one build or pipeline per attempt when the trigger's answer is lost
 * or refused, a retry that is a new build (Jenkins) or the same pipeline again
 * (GitLab), one stop or cancel when the job is cancelled or times out,
 * duplicate provider hooks that change nothing, a run stopped in the
 * provider's UI that ends the job cancelled without a retry, and polling that
 * finishes a job when no hook ever comes. The last tests measure what one
 * plain job costs in requests to each provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JENKINS_HOOK_PATH } from '../../src/http/provider-hooks.ts';
import { gitlabExternalId, jenkinsBuildId } from '../../src/providers/external-ids.ts';
import type { JobAttempt } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { verifyPipeline } from '../helpers/provider-configs.ts';
import { JENKINS_HOOK_TOKEN, startProviderWorld, type ProviderWorld, type ProviderWorldOptions } from '../helpers/providers.ts';

const REPO = 'acme/api';
const JENKINS_JOB = 'platform/legacy';
const GITLAB_PROJECT = 'acme/mobile';

const JENKINS_TRIGGER = 'POST /job/{job}/buildWithParameters';
const JENKINS_STOP = 'POST /job/{job}/{number}/stop';
const GITLAB_CREATE = 'POST /projects/:id/pipeline';
const GITLAB_CANCEL = 'POST /projects/:id/pipelines/:pipeline_id/cancel';
const GITLAB_RETRY = 'POST /projects/:id/pipelines/:pipeline_id/retry';
const GITLAB_POLL = 'GET /projects/:id/pipelines/:pipeline_id';

/**
 * The `remote` job runs on the provider; `extra` adds job keys (`, retries: 1`).
 * The Actions job of the later stage shows how often `verify` ended: one dispatch, once.
 */
function pipelineConfig(job: string, extra = ''): string {
  return `version: 1
pipelines:
  ci:
    on: { push: { branches: [main] } }
    stages:
      verify:
        jobs:
          remote: { ${job}${extra} }
      after:
        needs: [verify]
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
`;
}

/** The provider job beside an Actions job of the same stage, which fails first (fail-fast cancels the other). */
function failFastConfig(job: string): string {
  return verifyPipeline(`remote: { ${job} }`, 'unit: { workflow: test.yml }');
}

/** One build or pipeline, as the provider holds it. */
interface RemoteRun {
  id: number;
  correlation: string | undefined;
  /** The provider's own word: `SUCCESS`, `ABORTED`, `success`, `canceled`, … (null while a Jenkins build runs). */
  state: string | null;
}

/** A call fault both simulators take (their `faults.set`). */
interface CallFaults {
  failFirst?: number;
  loseAnswers?: number;
  routes?: string[];
}

/** What a test needs of one provider, so the same test runs against Jenkins and GitLab. */
interface ProviderCase {
  name: 'Jenkins' | 'GitLab';
  provider: 'jenkins' | 'gitlab';
  /** The job's key in .github/shipgate.yml. */
  job: string;
  /** The request that starts a run. */
  startRoute: string;
  /** The request that stops one. */
  stopRoute: string;
  /** The provider's job or project. */
  prepare(w: ProviderWorld): void;
  /** Outcomes of the next runs, in order. */
  script(w: ProviderWorld, runs: Array<{ ok: boolean; durationMs: number }>): void;
  runs(w: ProviderWorld): RemoteRun[];
  faults(w: ProviderWorld, faults: CallFaults): void;
  /** Requests the simulator logged (of one route, when given). */
  count(w: ProviderWorld, route?: string): number;
  /** The statuses the simulator answered `route` with, in order. */
  statuses(w: ProviderWorld, route: string): number[];
  /** Someone stops the run in the provider's own UI. */
  stopFromUi(w: ProviderWorld, run: RemoteRun): void;
  /** Posts every hook the provider sent so far to shipgate once more; resolves with shipgate's answers. */
  replayHooks(w: ProviderWorld): Promise<number[]>;
  /** What the provider's run says once shipgate stopped it. */
  stoppedState: string;
  /** World options with the provider's hooks to shipgate off. */
  noHooks: ProviderWorldOptions;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  return response.status;
}

const JENKINS: ProviderCase = {
  name: 'Jenkins',
  provider: 'jenkins',
  job: `jenkins: { job: ${JENKINS_JOB} }`,
  startRoute: JENKINS_TRIGGER,
  stopRoute: JENKINS_STOP,
  prepare: (w) => w.jenkins.job(JENKINS_JOB, { parameters: ['SHIPGATE_RUN'] }),
  script: (w, runs) => w.jenkins.script(JENKINS_JOB, runs.map((run) => ({ result: run.ok ? 'SUCCESS' : 'FAILURE', durationMs: run.durationMs }))),
  runs: (w) => w.jenkins.builds(JENKINS_JOB).map((build) => ({ id: build.number, correlation: build.parameters['SHIPGATE_RUN'], state: build.result })),
  faults: (w, faults) => w.jenkins.faults.set(faults),
  count: (w, route) => w.jenkins.count(route),
  statuses: (w, route) => w.jenkins.requests.filter((entry) => entry.route === route).map((entry) => entry.status),
  stopFromUi: (w, run) => w.jenkins.abortFromUi(JENKINS_JOB, run.id),
  async replayHooks(w) {
    const url = `${w.h.app.url}${JENKINS_HOOK_PATH}?token=${JENKINS_HOOK_TOKEN}`;
    const answers: number[] = [];
    for (const note of [...w.jenkins.notifications]) answers.push(await post(url, { 'content-type': 'application/json' }, JSON.stringify(note.payload)));
    return answers;
  },
  stoppedState: 'ABORTED',
  noHooks: { jenkins: { notifications: false } },
};

const GITLAB: ProviderCase = {
  name: 'GitLab',
  provider: 'gitlab',
  job: `gitlab: { project: ${GITLAB_PROJECT} }`,
  startRoute: GITLAB_CREATE,
  stopRoute: GITLAB_CANCEL,
  prepare: (w) => w.gitlab.project({ path: GITLAB_PROJECT, jobs: [{ name: 'assemble', stage: 'build' }, { name: 'unit', stage: 'test' }] }),
  script: (w, runs) => w.gitlab.script(GITLAB_PROJECT, runs.map((run) => ({ status: run.ok ? 'success' : 'failed', durationMs: run.durationMs }))),
  runs: (w) => w.gitlab.pipelines(GITLAB_PROJECT).map((pipeline) => ({ id: pipeline.id, correlation: pipeline.variables['SHIPGATE_RUN'], state: pipeline.status })),
  faults: (w, faults) => w.gitlab.faults.set(faults),
  count: (w, route) => w.gitlab.count(route),
  statuses: (w, route) => w.gitlab.requests.filter((entry) => entry.route === route).map((entry) => entry.status),
  stopFromUi: (w, run) => w.gitlab.cancelFromUi(GITLAB_PROJECT, run.id),
  async replayHooks(w) {
    const url = w.gitlab.options.hookUrl;
    if (url === undefined) throw new Error('the GitLab simulator sends no hooks in this test: nothing to replay');
    const answers: number[] = [];
    for (const hook of w.gitlab.hooks.filter((delivery) => !delivery.dropped)) answers.push(await post(url, hook.headers, hook.body));
    return answers;
  },
  stoppedState: 'canceled',
  noHooks: { gitlab: { hooks: false } },
};

function checkRun(w: ProviderWorld, name: string, sha: string) {
  return w.h.sim.checkRuns(REPO).filter((c) => c.name === name && c.headSha === sha).at(-1);
}

/** The dispatches GitHub accepted (the stage after `verify`). */
function dispatched(w: ProviderWorld) {
  return w.h.sim.dispatches().filter((d) => d.status < 300);
}

async function attemptsOf(w: ProviderWorld, job = 'remote'): Promise<JobAttempt[]> {
  return w.h.store.db.selectFrom('job_attempts').selectAll().where('job', '=', job).orderBy('attempt').execute();
}

function completions(w: ProviderWorld, job: string) {
  return w.h.events.filter((event) => event.kind === 'job-completed' && event.job === job);
}

function stageCompletions(w: ProviderWorld, stage: string) {
  return w.h.events.filter((event) => event.kind === 'stage-completed' && event.stage === stage);
}

/** Moves the clock in steps of `stepMs` (each poll comes at its own time), `total` ms in all. */
async function walk(w: ProviderWorld, total: number, stepMs = 5_000): Promise<void> {
  for (let passed = 0; passed < total; passed += stepMs) await w.advance(Math.min(stepMs, total - passed));
}

function push(w: ProviderWorld) {
  return w.h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
}

/**
 * After a push whose job (`retries: 1`) fails in 10 s: the retry waits out its
 * 30 s back-off. `retries()` counts the provider requests that start attempt 2,
 * `before` of them until the back-off is over and one more after it. Resolves
 * with the attempts once attempt 2 passed.
 */
async function failsThenRetried(w: ProviderWorld, retries: () => number, before: number): Promise<JobAttempt[]> {
  await w.settle();
  await walk(w, 15_000);
  expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'failure']]);
  // The back-off is 30 s from the failure.
  await walk(w, 20_000);
  await w.h.reconcile();
  expect(retries()).toBe(before);
  await walk(w, 15_000);
  await w.h.reconcile();
  expect(retries()).toBe(before + 1);
  await walk(w, 20_000);
  const attempts = await attemptsOf(w);
  expect(attempts.map((a) => [a.attempt, a.conclusion])).toEqual([
    [1, 'failure'],
    [2, 'success'],
  ]);
  return attempts;
}

/** Once the stage after `verify` ran too, the pipeline's check run passed, saying it took attempt 2. */
async function passedOnAttempt2(w: ProviderWorld, sha: string): Promise<void> {
  await walk(w, 45_000);
  const check = checkRun(w, 'shipgate/ci', sha);
  expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
  expect(check?.output.summary).toMatch(/attempt 2/);
}

describe.each(databaseTargets())('Jenkins and GitLab jobs exactly once on $name', (target) => {
  let w: ProviderWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  async function world(p: ProviderCase, config: string, options: ProviderWorldOptions = {}): Promise<ProviderWorld> {
    w = await startProviderWorld(target, config, options);
    p.prepare(w);
    return w;
  }

  describe.each([JENKINS, GITLAB])('on $name', (p) => {
    it.each([
      ['without', p.noHooks],
      ['with', {}],
    ])('finds the run by its correlation id when the answer to its start was lost (%s provider hooks), and runs it once', async (_hooks, options) => {
      const w = await world(p, pipelineConfig(p.job), options);
      p.faults(w, { routes: [p.startRoute], loseAnswers: 1 });
      const pushed = push(w);
      await w.settle();
      // The provider started the run; shipgate got a 502 and cannot know.
      expect(p.statuses(w, p.startRoute)).toEqual([502]);
      const [lost] = await attemptsOf(w);
      expect(lost).toMatchObject({ status: 'dispatching', external_id: null });
      expect(lost?.error).toMatch(new RegExp(`^${p.name}.* did not answer .*HTTP 502.*looking for the run by its correlation id`));

      // Within 30 s of clock time: looked up by SHIPGATE_RUN and recorded, not sent again.
      await w.advance(10_000);
      const [found] = await attemptsOf(w);
      expect(found?.status).not.toBe('dispatching');
      expect(found?.external_id).toMatch(p.provider === 'jenkins' ? /^(queue|build):/ : /^\d+:\d+$/);
      expect(p.runs(w).map((run) => run.correlation)).toEqual([found?.correlation_id]);

      await walk(w, 30_000);
      expect(p.count(w, p.startRoute)).toBe(1);
      expect(p.runs(w)).toHaveLength(1);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
      await walk(w, 45_000);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(dispatched(w)).toHaveLength(1);
      w.h.sim.assertNoViolations();
    });

    it('sends the start again when it was refused with 502 before anything happened, and runs it once', async () => {
      const w = await world(p, pipelineConfig(p.job));
      p.faults(w, { routes: [p.startRoute], failFirst: 2 });
      const pushed = push(w);
      await w.settle();
      expect(p.statuses(w, p.startRoute)).toEqual([502]);
      expect(p.runs(w)).toEqual([]);
      await w.advance(10_000);
      // Looked for (nothing there), sent again, refused again.
      expect(p.statuses(w, p.startRoute)).toEqual([502, 502]);
      await w.advance(10_000);
      expect(p.statuses(w, p.startRoute)).toEqual([502, 502, 201]);
      await walk(w, 30_000);
      const runs = p.runs(w);
      expect(runs).toHaveLength(1);
      const attempts = await attemptsOf(w);
      expect(attempts.map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
      expect(runs[0]?.correlation).toBe(attempts[0]?.correlation_id);
      await walk(w, 45_000);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(p.count(w, p.startRoute)).toBe(3);
      w.h.sim.assertNoViolations();
    });

    it('cancels the run once when the other job of its stage fails (fail-fast)', async () => {
      const w = await world(p, failFastConfig(p.job));
      p.script(w, [{ ok: true, durationMs: 5 * 60_000 }]);
      w.h.sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ conclusion: 'failure', durationMs: 20_000 }] });
      const pushed = push(w);
      await w.settle();
      await walk(w, 15_000);
      expect(p.runs(w)).toHaveLength(1);
      expect(p.count(w, p.stopRoute)).toBe(0);
      await walk(w, 30_000);
      expect(p.count(w, p.stopRoute)).toBe(1);
      await walk(w, 60_000);
      expect(p.count(w, p.stopRoute)).toBe(1);
      expect(p.runs(w).map((run) => run.state)).toEqual([p.stoppedState]);
      const [attempt] = await attemptsOf(w);
      expect(attempt).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
      expect(await attemptsOf(w)).toHaveLength(1);
      const check = checkRun(w, 'shipgate/ci', pushed.sha);
      expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(check?.output.summary).toMatch(/\[remote\]\([^)]*\) \(cancelled on /);
      expect(p.count(w, p.startRoute)).toBe(1);
      w.h.sim.assertNoViolations();
    });

    it('stops the run once and ends the job timed_out when it exceeds its timeout', async () => {
      const w = await world(p, pipelineConfig(p.job, ', timeout: 1m'));
      p.script(w, [{ ok: true, durationMs: 10 * 60_000 }]);
      const pushed = push(w);
      await w.settle();
      await walk(w, 55_000);
      await w.h.reconcile();
      expect(p.count(w, p.stopRoute)).toBe(0);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'in_progress' });
      await walk(w, 10_000);
      await w.h.reconcile();
      expect(p.count(w, p.stopRoute)).toBe(1);
      await walk(w, 60_000);
      await w.h.reconcile();
      expect(p.count(w, p.stopRoute)).toBe(1);
      expect(p.runs(w).map((run) => run.state)).toEqual([p.stoppedState]);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.status, a.conclusion])).toEqual([[1, 'completed', 'timed_out']]);
      const check = checkRun(w, 'shipgate/ci', pushed.sha);
      expect(check).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
      expect(check?.output.text).toMatch(/timed out after 1m/);
      expect(dispatched(w)).toEqual([]);
      w.h.sim.assertNoViolations();
    });

    it('changes nothing when every provider hook is delivered twice: one completion, the stage advances once', async () => {
      const w = await world(p, pipelineConfig(p.job));
      p.script(w, [{ ok: true, durationMs: 20_000 }]);
      const pushed = push(w);
      await w.settle();
      await walk(w, 10_000);
      // The start hooks again, while the run goes.
      const early = await p.replayHooks(w);
      expect(early.length).toBeGreaterThan(0);
      expect(early.every((status) => status < 300)).toBe(true);
      await w.settle();
      await walk(w, 20_000);
      expect(completions(w, 'remote')).toHaveLength(1);
      // Every hook again, the end's included, after the job ended.
      const late = await p.replayHooks(w);
      expect(late.length).toBeGreaterThan(early.length);
      expect(late.every((status) => status < 300)).toBe(true);
      await w.settle();
      await walk(w, 40_000);
      expect(completions(w, 'remote')).toHaveLength(1);
      expect(stageCompletions(w, 'verify')).toHaveLength(1);
      expect(dispatched(w)).toHaveLength(1);
      expect(p.runs(w)).toHaveLength(1);
      expect(p.count(w, p.startRoute)).toBe(1);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
      w.h.sim.assertNoViolations();
    });

    it('ends the job cancelled, and does not retry it, when someone stops the run in the provider', async () => {
      const w = await world(p, pipelineConfig(p.job, ', retries: 1'));
      p.script(w, [{ ok: true, durationMs: 5 * 60_000 }]);
      const pushed = push(w);
      await w.settle();
      await walk(w, 15_000);
      const [running] = p.runs(w);
      if (!running) throw new Error(`${p.name} has no run to stop`);
      p.stopFromUi(w, running);
      await walk(w, 15_000);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.status, a.conclusion])).toEqual([[1, 'completed', 'cancelled']]);
      // Well past the retry's back-off (30 s).
      await walk(w, 60_000);
      await w.h.reconcile();
      await walk(w, 60_000);
      await w.h.reconcile();
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'cancelled']]);
      expect(p.runs(w)).toHaveLength(1);
      // Neither a second Jenkins build nor GitLab's retry in place.
      expect(p.count(w, p.startRoute)).toBe(1);
      expect(p.count(w, GITLAB_RETRY)).toBe(0);
      // It was stopped already: shipgate has nothing to stop.
      expect(p.count(w, p.stopRoute)).toBe(0);
      // The pipeline does not pass: its check run ends cancelled (or failed), and the next stage never starts.
      const check = checkRun(w, 'shipgate/ci', pushed.sha);
      expect(check?.status).toBe('completed');
      expect(['cancelled', 'failure']).toContain(check?.conclusion);
      expect(check?.output.summary).toMatch(/\[remote\]\([^)]*\) \(cancelled on /);
      expect(dispatched(w)).toEqual([]);
      w.h.sim.assertNoViolations();
    });

    it('finishes the job by polling alone when the provider sends shipgate no hooks', async () => {
      const w = await world(p, pipelineConfig(p.job), p.noHooks);
      p.script(w, [{ ok: true, durationMs: 20_000 }]);
      const pushed = push(w);
      await w.settle();
      await walk(w, 40_000);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
      await walk(w, 35_000);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(w.jenkins.notifications).toEqual([]);
      expect(w.gitlab.hooks.filter((hook) => !hook.dropped)).toEqual([]);
      expect(p.runs(w)).toHaveLength(1);
      w.h.sim.assertNoViolations();
    });
  });

  it('retries a failed Jenkins job as a new build carrying a new SHIPGATE_RUN, and succeeds on attempt 2', async () => {
    const w = await world(JENKINS, pipelineConfig(JENKINS.job, ', retries: 1'));
    JENKINS.script(w, [{ ok: false, durationMs: 10_000 }, { ok: true, durationMs: 10_000 }]);
    const pushed = push(w);
    // Attempt 2 is a second trigger.
    const attempts = await failsThenRetried(w, () => w.jenkins.count(JENKINS_TRIGGER), 1);
    const builds = w.jenkins.builds(JENKINS_JOB);
    expect(builds.map((b) => [b.number, b.result])).toEqual([
      [1, 'FAILURE'],
      [2, 'SUCCESS'],
    ]);
    expect(builds.map((b) => b.parameters['SHIPGATE_RUN'])).toEqual(attempts.map((a) => a.correlation_id));
    expect(new Set(builds.map((b) => b.parameters['SHIPGATE_RUN'])).size).toBe(2);
    expect(attempts.map((a) => a.external_id)).toEqual([jenkinsBuildId(JENKINS_JOB, 1), jenkinsBuildId(JENKINS_JOB, 2)]);
    await passedOnAttempt2(w, pushed.sha);
    expect(w.jenkins.count(JENKINS_TRIGGER)).toBe(2);
    w.h.sim.assertNoViolations();
  });

  it('retries a failed GitLab job in the same pipeline (POST …/retry), and succeeds on attempt 2', async () => {
    const w = await world(GITLAB, pipelineConfig(GITLAB.job, ', retries: 1'));
    GITLAB.script(w, [{ ok: false, durationMs: 10_000 }]);
    const pushed = push(w);
    // Attempt 2 is POST …/retry of the same pipeline.
    const attempts = await failsThenRetried(w, () => w.gitlab.count(GITLAB_RETRY), 0);
    const pipelines = w.gitlab.pipelines(GITLAB_PROJECT);
    expect(pipelines.map((pl) => [pl.status, pl.retries])).toEqual([['success', 1]]);
    const pipeline = pipelines[0];
    if (!pipeline) throw new Error('GitLab has no pipeline');
    expect(attempts.map((a) => a.external_id)).toEqual([gitlabExternalId(pipeline.projectId, pipeline.id), gitlabExternalId(pipeline.projectId, pipeline.id)]);
    expect(pipeline.variables['SHIPGATE_RUN']).toBe(attempts[0]?.correlation_id);
    await passedOnAttempt2(w, pushed.sha);
    expect(w.gitlab.count(GITLAB_CREATE)).toBe(1);
    expect(w.gitlab.count(GITLAB_RETRY)).toBe(1);
    w.h.sim.assertNoViolations();
  });

  it('does not fail a GitLab retry when a copy of the first run’s "failed" hook arrives after the retry started', async () => {
    const w = await world(GITLAB, pipelineConfig(GITLAB.job, ', retries: 1'));
    GITLAB.script(w, [{ ok: false, durationMs: 10_000 }]);
    const pushed = push(w);
    await w.settle();
    await walk(w, 50_000);
    await w.h.reconcile();
    expect(w.gitlab.count(GITLAB_RETRY)).toBe(1);
    const failed = w.gitlab.hooks.find((hook) => hook.status === 'failed');
    if (!failed || w.gitlab.options.hookUrl === undefined) throw new Error('GitLab sent no "failed" hook');
    // GitLab redelivers a hook it thinks was not received (or someone presses "Resend request").
    expect(await post(w.gitlab.options.hookUrl, failed.headers, failed.body)).toBeLessThan(300);
    await w.settle();
    expect((await attemptsOf(w)).map((a) => [a.attempt, a.status === 'completed' ? a.conclusion : 'running'])).toEqual([
      [1, 'failure'],
      [2, 'running'],
    ]);
    await walk(w, 20_000);
    expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
    await walk(w, 45_000);
    expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    w.h.sim.assertNoViolations();
  });

  it('finishes a GitLab job by polling when its hooks start getting lost mid-run', async () => {
    const w = await world(GITLAB, pipelineConfig(GITLAB.job));
    GITLAB.script(w, [{ ok: true, durationMs: 30_000 }]);
    const pushed = push(w);
    await w.settle();
    await walk(w, 10_000);
    const [running] = await attemptsOf(w);
    expect(running?.status).toBe('in_progress');
    w.gitlab.faults.dropHooks();
    const pollsBefore = w.gitlab.count(GITLAB_POLL);
    await walk(w, 75_000);
    expect(w.gitlab.hooks.filter((hook) => hook.status === 'success').map((hook) => hook.dropped)).toEqual([true]);
    expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
    const polls = w.gitlab.count(GITLAB_POLL) - pollsBefore;
    // With the hook secret set, polling is the backstop, once a minute: the lost end is seen by the next one.
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThanOrEqual(2);
    await walk(w, 40_000);
    expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    w.h.sim.assertNoViolations();
  });

  describe('requests per job', () => {
    /** Runs one plain job of about a minute to its end and counts what the provider was asked, by route. */
    async function measure(p: ProviderCase, options: ProviderWorldOptions): Promise<{ total: number; byRoute: Record<string, number> }> {
      const w = await world(p, pipelineConfig(p.job), options);
      p.script(w, [{ ok: true, durationMs: 60_000 }]);
      const pushed = push(w);
      await w.settle();
      // 5 s steps: each poll comes at the time it was due.
      for (let i = 0; i < 40 && (await attemptsOf(w))[0]?.status !== 'completed'; i++) await w.advance(5_000);
      expect((await attemptsOf(w)).map((a) => [a.attempt, a.conclusion])).toEqual([[1, 'success']]);
      await walk(w, 60_000);
      expect(checkRun(w, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
      const log = p.provider === 'jenkins' ? w.jenkins.requests.map((entry) => entry.route ?? entry.path) : w.gitlab.requests.map((entry) => entry.route ?? entry.path);
      const byRoute: Record<string, number> = {};
      for (const route of log) byRoute[route] = (byRoute[route] ?? 0) + 1;
      return { total: log.length, byRoute };
    }

    /** The requests every plain job costs, whatever the hooks: Jenkins's crumb, parameter check and trigger; GitLab's create, and no look-up. */
    const FIXED: Record<ProviderCase['name'], Record<string, number>> = {
      Jenkins: { 'GET /crumbIssuer/api/json': 1, 'GET /job/{job}/api/json': 1, [JENKINS_TRIGGER]: 1, 'GET /queue/item/{id}/api/json': 1 },
      GitLab: { [GITLAB_CREATE]: 1 },
    };

    // Then the run at the poll schedule (every 5 s for 30 s, then every 10 s): about ten reads of a 1-minute run;
    // with GitLab's pipeline hooks set up, one poll soon after the start, then a once-a-minute backstop, and the hook ends the job.
    it.each([
      { p: JENKINS, hooks: 'Notification plugin on', options: {}, most: 16 },
      { p: JENKINS, hooks: 'polling only', options: JENKINS.noHooks, most: 15 },
      { p: GITLAB, hooks: 'pipeline hooks on', options: {}, most: 4 },
      { p: GITLAB, hooks: 'polling only', options: GITLAB.noHooks, most: 12 },
    ])('costs $p.name at most $most requests for a plain 1-minute job ($hooks)', async ({ p, hooks, options, most }) => {
      const measured = await measure(p, options);
      console.log(`requests per job: ${p.name}, plain 1-minute job, ${hooks} (${target.name}): ${measured.total} ${JSON.stringify(measured.byRoute)}`);
      expect(measured.byRoute).toMatchObject(FIXED[p.name]);
      for (const never of [JENKINS_STOP, GITLAB_CANCEL, GITLAB_RETRY, 'GET /queue/api/json', 'GET /projects/:id/pipelines']) expect(measured.byRoute[never]).toBeUndefined();
      expect(measured.total).toBeLessThanOrEqual(most);
    });
  });
});
