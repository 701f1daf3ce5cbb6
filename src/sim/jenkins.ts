/**
 * The Jenkins simulator (SPEC §13): a stateful fake of the Jenkins REST API on
 * loopback, with jobs in folders, a queue and builds that progress on the
 * given clock, scripted results and artifacts, Basic auth with an API token,
 * a session-bound CSRF crumb issuer, the Notification plugin's posts, faults
 * on demand and a request log. Real Jenkins exempts API-token requests from
 * the crumb check (since 2.96); this one insists, as older versions and
 * proxy-authenticated setups do, so that the client's crumb path is exercised.
 *
 * ```ts
 * const clock = new ManualClock();
 * const jenkins = await startJenkinsSimulator({ clock });
 * jenkins.job('deploy/prod', { parameters: ['SHIPGATE_RUN', 'SHA'] });
 * jenkins.script('deploy/prod', [{ result: 'UNSTABLE', artifacts: { 'junit.xml': '<testsuite/>' } }]);
 * const client = new JenkinsClient(jenkins.settings);
 * const { queueId } = await client.trigger('deploy/prod', { SHIPGATE_RUN: 'r1', SHA: 'abc' });
 * clock.advance(11_000); // 1 s in the queue, 10 s of build
 * await jenkins.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { JenkinsFaults } from './jenkins-faults.ts';
import { CrumbSessions, createJenkinsHandler, type JenkinsHttpContext, type JenkinsRequestLogEntry } from './jenkins-http.ts';
import { NotificationSender, type NotificationAttempt } from './jenkins-notifications.ts';
import { notificationPayload } from './jenkins-shapes.ts';
import { JenkinsWorld, type JenkinsBuildScript, type JenkinsJobOptions, type JenkinsSimResult } from './jenkins-world.ts';
import { listen } from './server.ts';

export type { DownMode, JenkinsFaultKind, JenkinsFaultSettings } from './jenkins-faults.ts';
export type { JenkinsRequestLogEntry } from './jenkins-http.ts';
export type { NotificationAttempt } from './jenkins-notifications.ts';
export type { JenkinsBuildScript, JenkinsJobOptions, JenkinsPhase, JenkinsSimResult } from './jenkins-world.ts';
export { JenkinsFaults } from './jenkins-faults.ts';
export { LEFT_ITEM_MEMORY_MS } from './jenkins-world.ts';

export interface JenkinsSimulatorOptions {
  /** Drives the queue, builds, timestamps and down time. */
  clock: Clock;
  /** Serve `/crumbIssuer/api/json` and require its crumb on every POST (default true). */
  crumbIssuer?: boolean;
  /** The one user (default `shipgate`). */
  user?: string;
  /** That user's API token (default: random, in Jenkins's `11…` form). */
  token?: string;
  /** Where the Notification plugin posts each build phase (none by default). */
  notificationUrl?: string;
}

/** A build, as a test inspects it. */
export interface JenkinsSimBuild {
  job: string;
  number: number;
  queueId: number;
  building: boolean;
  result: JenkinsSimResult | null;
  parameters: Record<string, string>;
  startedAt: number;
  durationMs: number;
  /** relativePaths of the archived files. */
  artifacts: string[];
}

/** A remembered queue item, as a test inspects it. */
export interface JenkinsSimQueueItem {
  id: number;
  job: string;
  parameters: Record<string, string>;
  state: 'waiting' | 'left';
  cancelled: boolean;
  /** The build it became, once started. */
  build: number | undefined;
  inQueueSince: number;
  leftAt: number | undefined;
}

export interface JenkinsSimulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** `{ url, user, token }`, ready for `new JenkinsClient(...)`. */
  readonly settings: { url: string; user: string; token: string };
  readonly clock: Clock;
  readonly faults: JenkinsFaults;
  /** Every request, in arrival order. */
  readonly requests: JenkinsRequestLogEntry[];
  /** Every Notification plugin post, in the order the phases happened. */
  readonly notifications: NotificationAttempt[];
  /** Requests to one route (`'POST /job/{job}/buildWithParameters'`), or all. */
  count(route?: string): number;

  /** Creates a job; folders on its path (`team/deploy`) are created too. */
  job(path: string, options?: JenkinsJobOptions): void;
  /** Appends scripted outcomes, consumed in order by the job's next builds. */
  script(path: string, builds: JenkinsBuildScript[]): void;
  /** Someone cancels a waiting item in Jenkins's UI; throws when it is not waiting. */
  cancelQueueItemFromUi(id: number): void;
  /** Someone aborts a build in Jenkins's UI (nothing happens to a finished build); throws for an unknown build. */
  abortFromUi(path: string, number: number): void;
  /** Forgets every web session, as a Jenkins restart does: crumbs handed out so far are refused. */
  expireSessions(): void;
  /** Sets (or removes) where notifications go. */
  setNotificationUrl(url: string | undefined): void;
  /** Resolves once every notification queued so far was answered or failed. */
  drainNotifications(): Promise<void>;

  /** The job's builds, oldest first. */
  builds(path: string): JenkinsSimBuild[];
  /** The queue items Jenkins remembers (waiting, and left less than 5 minutes ago), oldest first. */
  queue(): JenkinsSimQueueItem[];

  /** Stops the server, the timers and notification sending. */
  close(): Promise<void>;
}

/** Starts a Jenkins simulator on 127.0.0.1 with an OS-chosen port. */
export async function startJenkinsSimulator(options: JenkinsSimulatorOptions): Promise<JenkinsSimulator> {
  const { clock } = options;
  const user = options.user ?? 'shipgate';
  const token = options.token ?? `11${randomBytes(16).toString('hex')}`;
  const notifications = new NotificationSender(options.notificationUrl);
  const requests: JenkinsRequestLogEntry[] = [];
  const ctx: JenkinsHttpContext = {
    world: new JenkinsWorld(clock, (build, phase) => {
      notifications.enqueue({ phase, job: build.job.path, number: build.number, at: clock.now(), payload: notificationPayload(ctx.base, build, phase, clock.now()) });
    }),
    faults: new JenkinsFaults(clock),
    sessions: new CrumbSessions(),
    base: '',
    user,
    token,
    crumbIssuer: options.crumbIssuer ?? true,
    log: requests,
  };
  const handler = createJenkinsHandler(ctx);
  const server = await listen((req, res) => {
    void handler(req, res);
  });
  ctx.base = `http://127.0.0.1:${server.port}`;
  const { world } = ctx;

  return {
    url: ctx.base,
    settings: { url: ctx.base, user, token },
    clock,
    faults: ctx.faults,
    requests,
    notifications: notifications.attempts,
    count: (route) => (route === undefined ? requests.length : requests.filter((entry) => entry.route === route).length),

    job(path, jobOptions) {
      world.createJob(path, jobOptions);
    },
    script(path, builds) {
      world.job(path).scripts.push(...builds);
    },
    cancelQueueItemFromUi(id) {
      if (!world.cancel(id)) throw new Error(`Jenkins has no queue item ${id} waiting`);
    },
    abortFromUi(path, number) {
      const build = world.build(path, number);
      if (!build) throw new Error(`Jenkins has no build #${number} of '${path}'`);
      world.abort(build);
    },
    expireSessions() {
      ctx.sessions.expire();
    },
    setNotificationUrl(url) {
      notifications.url = url;
    },
    drainNotifications: () => notifications.drain(),

    builds: (path) =>
      world.job(path).builds.map((build) => ({
        job: path,
        number: build.number,
        queueId: build.queueId,
        building: build.building,
        result: build.result,
        parameters: { ...build.parameters },
        startedAt: build.timestamp,
        durationMs: build.duration,
        artifacts: [...build.artifacts.keys()],
      })),
    queue: () =>
      world.queueItems().map((item) => ({
        id: item.id,
        job: item.job.path,
        parameters: { ...item.parameters },
        state: item.leftAt === undefined ? 'waiting' : 'left',
        cancelled: item.cancelled,
        build: item.build?.number,
        inQueueSince: item.inQueueSince,
        leftAt: item.leftAt,
      })),

    async close() {
      world.close();
      await notifications.close();
      await server.close();
    },
  };
}
