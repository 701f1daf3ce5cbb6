/**
 * A crash between starting a provider's run and recording it (SPEC §8, §13):
 * the app, as its own process, is SIGKILLed the moment Jenkins has queued the
 * build or GitLab has created the pipeline, before the app hears the answer;
 * restarted on the same database, it finds the run by its correlation id
 * instead of starting a second one, follows it to its end and writes the
 * check run green.
 */
import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { GITLAB_HOOK_PATH, JENKINS_HOOK_PATH } from '../../src/http/provider-hooks.ts';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/sim/gitlab.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { startJenkinsSimulator, type JenkinsSimulator } from '../../src/sim/jenkins.ts';
import { startAppProcess, type AppProcess } from '../helpers/app-process.ts';
import { appProcessEnv, type AppProcessEnv } from '../helpers/app-process-env.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { verifyPipeline } from '../helpers/provider-configs.ts';
import { standardWorkflows } from '../helpers/repo-fixtures.ts';
import { until } from '../helpers/wait.ts';

const REPO = 'acme/api';
const JENKINS_JOB = 'platform/legacy';
const GITLAB_PROJECT = 'acme/mobile';
const HOOK_TOKEN = 'provider-hook-secret';
/** Two app starts, a find and a few polls on the wall clock (the app's), with room for a busy machine. */
const TEST_TIMEOUT_MS = 120_000;
/** How long one step (a start, a look-up, the checks completing) may take on the wall clock. */
const STEP_TIMEOUT_MS = 45_000;

/** A proxy in front of a simulator that trips once (`startTripwire`). */
interface Tripwire {
  url: string;
  readonly tripped: boolean;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of a simulator that, the first time the
 * simulator accepts a request `matches` names, calls `trip` (which kills the
 * app) and then drops the connection: the simulator acted, the app never
 * heard of it. The simulators have no response hook of their own (the GitHub
 * one's `onResponse`), and watching their request log would race the answer.
 */
async function startTripwire(upstream: string, matches: (method: string, path: string) => boolean, trip: () => Promise<void>): Promise<Tripwire> {
  let tripped = false;
  const server: Server = createServer((req, res) => {
    const sent: Buffer[] = [];
    req.on('data', (chunk: Buffer) => sent.push(chunk));
    req.on('end', () => {
      const target = new URL(req.url ?? '/', upstream);
      const forward = request(target, { method: req.method, headers: req.headers }, (answer) => {
        const received: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => received.push(chunk));
        answer.on('end', () => {
          void (async () => {
            if (!tripped && matches(req.method ?? '', target.pathname) && (answer.statusCode ?? 500) < 300) {
              tripped = true;
              await trip();
              res.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(received));
          })();
        });
      });
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(sent));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get tripped() {
      return tripped;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Both provider simulators on the test's clock. */
interface Providers {
  jenkins: JenkinsSimulator;
  gitlab: GitLabSimulator;
}

/** What the test needs of one provider. */
interface CrashCase {
  name: 'Jenkins' | 'GitLab';
  job: string;
  prepare(p: Providers): void;
  upstream(p: Providers): string;
  /** The request that starts a run, as the proxy sees it. */
  isStart(method: string, path: string): boolean;
  /** How many starts the simulator received. */
  starts(p: Providers): number;
  /** The route the app looks a run up by its correlation id with. */
  findRoute: string;
  finds(p: Providers): number;
  /** The runs: each one's correlation id and where people see it. */
  runs(p: Providers): Array<{ correlation: string | undefined; link: string }>;
  /** What the app is given to reach the provider (through `via`, the proxy). */
  env(p: Providers, via: string): Record<string, string>;
  /** Points the provider's hooks at the app now listening at `appUrl`. */
  hooksTo(p: Providers, appUrl: string): void;
}

const JENKINS: CrashCase = {
  name: 'Jenkins',
  job: `jenkins: { job: ${JENKINS_JOB} }`,
  prepare: (p) => {
    p.jenkins.job(JENKINS_JOB, { parameters: ['SHIPGATE_RUN'] });
    p.jenkins.script(JENKINS_JOB, [{ result: 'SUCCESS', queueMs: 1_000, durationMs: 20_000 }]);
  },
  upstream: (p) => p.jenkins.url,
  isStart: (method, path) => method === 'POST' && path.endsWith('/buildWithParameters'),
  starts: (p) => p.jenkins.count('POST /job/{job}/buildWithParameters'),
  findRoute: 'GET /queue/api/json',
  finds: (p) => p.jenkins.count('GET /queue/api/json'),
  runs: (p) => p.jenkins.builds(JENKINS_JOB).map((build) => ({ correlation: build.parameters['SHIPGATE_RUN'], link: `/job/platform/job/legacy/${build.number}/` })),
  env: (p, via) => ({ JENKINS_URL: via, JENKINS_USER: p.jenkins.settings.user, JENKINS_TOKEN: p.jenkins.settings.token, JENKINS_WEBHOOK_TOKEN: HOOK_TOKEN }),
  hooksTo: (p, appUrl) => p.jenkins.setNotificationUrl(`${appUrl}${JENKINS_HOOK_PATH}?token=${HOOK_TOKEN}`),
};

const GITLAB: CrashCase = {
  name: 'GitLab',
  job: `gitlab: { project: ${GITLAB_PROJECT} }`,
  prepare: (p) => {
    p.gitlab.project({ path: GITLAB_PROJECT });
    p.gitlab.script(GITLAB_PROJECT, [{ status: 'success', durationMs: 20_000 }]);
  },
  upstream: (p) => p.gitlab.url,
  isStart: (method, path) => method === 'POST' && /^\/api\/v4\/projects\/[^/]+\/pipeline$/.test(path),
  starts: (p) => p.gitlab.count('POST /projects/:id/pipeline'),
  findRoute: 'GET /projects/:id/pipelines',
  finds: (p) => p.gitlab.count('GET /projects/:id/pipelines'),
  runs: (p) => p.gitlab.pipelines(GITLAB_PROJECT).map((pipeline) => ({ correlation: pipeline.variables['SHIPGATE_RUN'], link: `/acme/mobile/-/pipelines/${pipeline.id}` })),
  env: (p, via) => ({ GITLAB_URL: via, GITLAB_TOKEN: p.gitlab.settings.token, GITLAB_WEBHOOK_TOKEN: HOOK_TOKEN }),
  hooksTo: (p, appUrl) => {
    p.gitlab.options.hookUrl = `${appUrl}${GITLAB_HOOK_PATH}`;
  },
};

describe.each(databaseTargets())('provider jobs across a crash on $name', (target) => {
  let sim: GitHubSimulator | undefined;
  let providers: Providers | undefined;
  let tripwire: Tripwire | undefined;
  let apps: AppProcess[] = [];
  let database: AppProcessEnv | undefined;
  afterEach(async () => {
    for (const app of apps) await app.kill('SIGTERM');
    apps = [];
    await tripwire?.close();
    await providers?.jenkins.close();
    await providers?.gitlab.close();
    await sim?.close();
    await database?.close();
    sim = providers = tripwire = database = undefined;
  });

  it.each([JENKINS, GITLAB])(
    'runs a $name job once when the app is SIGKILLed right after the provider started it, and restarted',
    async (c) => {
      const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
      sim = await startGitHubSimulator({ clock });
      sim.org('acme', { members: ['alice'] });
      sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': verifyPipeline(`remote: { ${c.job} }`), ...standardWorkflows() } });
      const p: Providers = { jenkins: await startJenkinsSimulator({ clock }), gitlab: await startGitLabSimulator({ clock, hookToken: HOOK_TOKEN }) };
      providers = p;
      c.prepare(p);
      let first: AppProcess | undefined;
      tripwire = await startTripwire(c.upstream(p), c.isStart, async () => {
        await first?.kill('SIGKILL');
      });
      database = await appProcessEnv(target, sim, 'shipgate-provider-crash-');
      const env = { ...database.env, ...c.env(p, tripwire.url) };
      const explain = () => `${c.name}: ${c.starts(p)} start(s), ${c.finds(p)} look-up(s), runs ${JSON.stringify(c.runs(p))}\n--- app output ---\n${apps.map((app) => app.output()).join('\n--- restarted ---\n').slice(-6_000)}`;
      const waitFor = { timeoutMs: STEP_TIMEOUT_MS, explain };

      first = await startAppProcess(env);
      apps.push(first);
      sim.setWebhookUrl(`${first.url}/api/github/webhooks`);
      c.hooksTo(p, first.url);
      const pushed = sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
      await sim.webhooks.drain();
      await until(`${c.name} to start the run and the app to be killed`, () => tripwire?.tripped === true, waitFor);
      await first.exited;
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(c.starts(p)).toBe(1);
      expect(c.finds(p)).toBe(0);
      // The provider goes on while the app is down: the queue item becomes a build, the pipeline runs.
      clock.advance(2_000);

      const second = await startAppProcess(env);
      apps.push(second);
      sim.setWebhookUrl(`${second.url}/api/github/webhooks`);
      c.hooksTo(p, second.url);
      // The dispatch the dead process held is taken over at once and looks the run up by SHIPGATE_RUN.
      await until(`the restarted app to look the run up (${c.findRoute})`, () => c.finds(p) > 0, waitFor);
      clock.advance(30_000);
      const checkNamed = (name: string) => sim?.checkRuns(REPO).filter((run) => run.name === name && run.headSha === pushed.sha).at(-1);
      const check = () => checkNamed('shipgate/ci');
      await until(
        'the check runs to complete',
        async () => {
          await sim?.webhooks.drain();
          return check()?.status === 'completed' && checkNamed('shipgate')?.status === 'completed';
        },
        waitFor,
      );
      expect(check()).toMatchObject({ status: 'completed', conclusion: 'success' });
      const runs = c.runs(p);
      expect(runs).toHaveLength(1);
      expect(runs[0]?.correlation).toMatch(/^sg-\d+-verify-remote-1-[0-9a-f]{16}$/);
      expect(check()?.output.summary).toContain(runs[0]?.link ?? 'no run');
      expect(c.starts(p)).toBe(1);
      expect(checkNamed('shipgate')).toMatchObject({ status: 'completed', conclusion: 'success' });
      sim.assertNoViolations();
    },
    TEST_TIMEOUT_MS,
  );
});
