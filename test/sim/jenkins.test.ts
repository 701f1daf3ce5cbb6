import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseJenkinsNotification } from '../../src/providers/jenkins/jenkins-data.ts';
import { LEFT_ITEM_MEMORY_MS, type JenkinsSimulator } from '../../src/sim/jenkins.ts';
import { jenkinsPerTest } from '../helpers/jenkins-sim.ts';

const setup = jenkinsPerTest({ token: '11aaaabbbbccccdddd' });
const start = setup.start;

interface Call {
  auth?: string | null;
  crumb?: { field: string; value: string; cookie: string } | null;
  form?: Record<string, string>;
  method?: string;
}

function basic(user: string, token: string): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
}

/** One raw request, as any Jenkins client would send it. */
async function call(sim: JenkinsSimulator, path: string, options: Call = {}): Promise<{ status: number; text: string; headers: Headers; json: () => unknown }> {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? basic(sim.settings.user, sim.settings.token) : options.auth;
  if (auth !== null) headers.authorization = auth;
  if (options.crumb) {
    headers[options.crumb.field] = options.crumb.value;
    headers.cookie = options.crumb.cookie;
  }
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(`${sim.url}${path}`, {
    method: options.method ?? (options.form ? 'POST' : 'GET'),
    headers,
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers, json: () => JSON.parse(text) as unknown };
}

async function crumbOf(sim: JenkinsSimulator): Promise<{ field: string; value: string; cookie: string }> {
  const answer = await call(sim, '/crumbIssuer/api/json');
  const body = answer.json() as { crumbRequestField: string; crumb: string };
  const cookie = answer.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  return { field: body.crumbRequestField, value: body.crumb, cookie };
}

async function trigger(sim: JenkinsSimulator, job: string, form: Record<string, string>): Promise<number> {
  const answer = await call(sim, `${job.split('/').map((name) => `/job/${name}`).join('')}/buildWithParameters`, { form, crumb: await crumbOf(sim) });
  expect(answer.status).toBe(201);
  return Number(/\/queue\/item\/(\d+)\/$/.exec(answer.headers.get('location') ?? '')?.[1]);
}

async function startReceiver(): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  setup.closeAfterTest(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/providers/jenkins/webhook`, bodies };
}

describe('Jenkins simulator: auth and crumbs', () => {
  it('answers 401 without Basic auth and with a wrong token, 200 with the right one', async () => {
    const sim = await start();
    expect((await call(sim, '/queue/api/json', { auth: null })).status).toBe(401);
    const wrong = await call(sim, '/queue/api/json', { auth: basic('shipgate', 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Invalid password/token for user: shipgate');
    expect((await call(sim, '/queue/api/json', { auth: basic('someone', sim.settings.token) })).status).toBe(401);
    expect((await call(sim, '/queue/api/json')).status).toBe(200);
    expect(sim.settings).toEqual({ url: sim.url, user: 'shipgate', token: '11aaaabbbbccccdddd' });
  });

  it('requires the crumb of the same session on POST, and refuses every crumb after the sessions expired', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    const path = '/job/deploy/buildWithParameters';
    const none = await call(sim, path, { form: { SHIPGATE_RUN: 'r1' } });
    expect(none.status).toBe(403);
    expect(none.text).toContain('No valid crumb was included in the request');

    const crumb = await crumbOf(sim);
    expect(crumb.field).toBe('Jenkins-Crumb');
    expect(crumb.cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=node0/);
    expect((await call(sim, path, { form: { SHIPGATE_RUN: 'r1' }, crumb: { ...crumb, cookie: 'JSESSIONID.x=other' } })).status).toBe(403);
    expect((await call(sim, path, { form: { SHIPGATE_RUN: 'r1' }, crumb: { ...crumb, value: 'forged' } })).status).toBe(403);
    expect((await call(sim, path, { form: { SHIPGATE_RUN: 'r1' }, crumb })).status).toBe(201);
    // The same session keeps its crumb.
    const again = await call(sim, '/crumbIssuer/api/json', { crumb });
    expect((again.json() as { crumb: string }).crumb).toBe(crumb.value);
    expect(again.headers.getSetCookie()).toEqual([]);

    sim.expireSessions();
    expect((await call(sim, path, { form: { SHIPGATE_RUN: 'r2' }, crumb })).status).toBe(403);
    expect(sim.queue()).toHaveLength(1);
  });

  it('without a crumb issuer, answers 404 there and takes POSTs without a crumb', async () => {
    const sim = await start({ crumbIssuer: false });
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    expect((await call(sim, '/crumbIssuer/api/json')).status).toBe(404);
    expect((await call(sim, '/job/deploy/buildWithParameters', { form: { SHIPGATE_RUN: 'r1' } })).status).toBe(201);
  });
});

describe('Jenkins simulator: jobs, queue and builds', () => {
  it('drops undeclared parameters, fills declared ones with their default, and logs what was sent', async () => {
    const sim = await start();
    sim.job('team/deploy', { parameters: ['SHIPGATE_RUN', 'SHA'] });
    const id = await trigger(sim, 'team/deploy', { SHIPGATE_RUN: 'r1', EXTRA: 'dropped' });
    expect(sim.queue()).toEqual([expect.objectContaining({ id, job: 'team/deploy', parameters: { SHIPGATE_RUN: 'r1', SHA: '' }, state: 'waiting' })]);
    const logged = sim.requests.find((entry) => entry.route === 'POST /job/{job}/buildWithParameters');
    expect(logged).toMatchObject({ path: '/job/team/job/deploy/buildWithParameters', status: 201, parameters: { SHIPGATE_RUN: 'r1', EXTRA: 'dropped' } });
    const item = (await call(sim, `/queue/item/${id}/api/json`)).json();
    expect(item).toMatchObject({
      _class: 'hudson.model.Queue$WaitingItem',
      id,
      why: 'Waiting for next available executor',
      task: { name: 'deploy', url: `${sim.url}/job/team/job/deploy/` },
      actions: [{ _class: 'hudson.model.ParametersAction', parameters: [{ name: 'SHIPGATE_RUN', value: 'r1' }, { name: 'SHA', value: '' }] }, expect.anything()],
    });
    // The same request again is merged into the waiting item, as Jenkins's queue does.
    expect(await trigger(sim, 'team/deploy', { SHIPGATE_RUN: 'r1' })).toBe(id);
  });

  it('refuses what Jenkins refuses: folders, unknown jobs, unparameterised jobs, missing Job/Build, wrong methods', async () => {
    const sim = await start();
    sim.job('team/deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.job('plain');
    sim.job('locked', { parameters: ['SHIPGATE_RUN'], canBuild: false });
    const crumb = await crumbOf(sim);
    const post = (path: string) => call(sim, path, { form: { SHIPGATE_RUN: 'r' }, crumb });
    expect((await post('/job/team/buildWithParameters')).status).toBe(404);
    expect((await post('/job/nope/buildWithParameters')).status).toBe(404);
    const plain = await post('/job/plain/buildWithParameters');
    expect(plain.status).toBe(500);
    expect(plain.text).toContain('This build is not parameterized!');
    const locked = await post('/job/locked/buildWithParameters');
    expect(locked.status).toBe(403);
    expect(locked.text).toContain('shipgate is missing the Job/Build permission');
    expect((await call(sim, '/job/team/job/deploy/buildWithParameters')).status).toBe(405);
    const unknown = await call(sim, '/manage/script');
    expect(unknown.status).toBe(404);
    expect(sim.requests.at(-1)).toMatchObject({ route: undefined, status: 404 });
    const folder = (await call(sim, '/job/team/api/json')).json();
    expect(folder).toMatchObject({ _class: 'com.cloudbees.hudson.plugins.folder.Folder', jobs: [{ name: 'deploy' }] });
    expect(sim.queue()).toEqual([]);
  });

  it('moves a queue item to a build and the build to its scripted result on the clock', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.script('deploy', [{ result: 'UNSTABLE', queueMs: 2_000, durationMs: 5_000, artifacts: { 'reports/junit.xml': '<testsuite/>' } }]);
    const first = await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r1' });
    setup.clock.advance(1_999);
    expect(sim.builds('deploy')).toEqual([]);
    setup.clock.advance(1);
    const started = (await call(sim, `/queue/item/${first}/api/json`)).json();
    expect(started).toMatchObject({ _class: 'hudson.model.Queue$LeftItem', cancelled: false, executable: { number: 1, url: `${sim.url}/job/deploy/1/` } });
    const running = (await call(sim, '/job/deploy/1/api/json')).json();
    expect(running).toMatchObject({ number: 1, building: true, result: null, duration: 0, artifacts: [], timestamp: setup.clock.now(), queueId: first });
    expect((await call(sim, '/job/deploy/1/artifact/reports/junit.xml')).status).toBe(404);

    setup.clock.advance(5_000);
    const done = (await call(sim, '/job/deploy/1/api/json')).json();
    expect(done).toMatchObject({
      building: false,
      result: 'UNSTABLE',
      duration: 5_000,
      artifacts: [{ fileName: 'junit.xml', relativePath: 'reports/junit.xml' }],
      actions: [{ _class: 'hudson.model.ParametersAction', parameters: [{ name: 'SHIPGATE_RUN', value: 'r1' }] }, expect.anything(), {}, expect.anything()],
    });
    const artifact = await call(sim, '/job/deploy/1/artifact/reports/junit.xml');
    expect(artifact).toMatchObject({ status: 200, text: '<testsuite/>' });
    expect((await call(sim, '/job/deploy/1/artifact/reports/other.xml')).status).toBe(404);

    // The script is used up: the next build takes the defaults (1 s queue, 10 s, SUCCESS).
    await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r2' });
    setup.clock.advance(11_000);
    expect(sim.builds('deploy').map((build) => [build.number, build.result, build.durationMs])).toEqual([
      [1, 'UNSTABLE', 5_000],
      [2, 'SUCCESS', 10_000],
    ]);
    const builds = (await call(sim, `/job/deploy/api/json?tree=${encodeURIComponent('builds[number,url,actions[parameters[name,value]]]{0,1}')}`)).json();
    expect(builds).toMatchObject({ builds: [{ number: 2 }] });
    expect((builds as { builds: unknown[] }).builds).toHaveLength(1);
  });

  it('forgets a left queue item 5 minutes after it left, not before', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.script('deploy', [{ queueMs: 1_000 }, { queueMs: 60 * 60_000 }]);
    const started = await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r1' });
    const waiting = await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r2' });
    setup.clock.advance(1_000 + LEFT_ITEM_MEMORY_MS - 1);
    expect((await call(sim, `/queue/item/${started}/api/json`)).status).toBe(200);
    setup.clock.advance(1);
    expect((await call(sim, `/queue/item/${started}/api/json`)).status).toBe(404);
    // A waiting item is never forgotten.
    expect((await call(sim, `/queue/item/${waiting}/api/json`)).status).toBe(200);
    expect(sim.queue().map((item) => item.id)).toEqual([waiting]);
  });

  it('cancels a waiting item (204, then 404) and stops a running build (302, ABORTED, no artifacts)', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.script('deploy', [{ queueMs: 5_000 }, { artifacts: { 'a.txt': 'a' } }]);
    const crumb = await crumbOf(sim);
    const waiting = await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r1' });
    expect((await call(sim, `/queue/cancelItem?id=${waiting}`, { method: 'POST', crumb })).status).toBe(204);
    expect((await call(sim, `/queue/cancelItem?id=${waiting}`, { method: 'POST', crumb })).status).toBe(404);
    expect((await call(sim, `/queue/item/${waiting}/api/json`)).json()).toMatchObject({ cancelled: true, executable: null });
    setup.clock.advance(5_000);
    expect(sim.builds('deploy')).toEqual([]);

    await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r2' });
    setup.clock.advance(3_000);
    const stop = await call(sim, '/job/deploy/1/stop', { method: 'POST', crumb });
    expect(stop.status).toBe(302);
    expect(stop.headers.get('location')).toBe(`${sim.url}/job/deploy/1/`);
    expect(sim.builds('deploy')).toEqual([expect.objectContaining({ number: 1, building: false, result: 'ABORTED', durationMs: 2_000, artifacts: [] })]);
    setup.clock.advance(60_000);
    expect(sim.builds('deploy')[0]?.result).toBe('ABORTED');
    expect((await call(sim, '/job/deploy/9/stop', { method: 'POST', crumb })).status).toBe(404);
  });

  it('lets a person cancel or abort in the UI', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.script('deploy', [{ queueMs: 5_000 }]);
    const waiting = await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r1' });
    sim.cancelQueueItemFromUi(waiting);
    expect(() => sim.cancelQueueItemFromUi(waiting)).toThrow(/no queue item/);
    await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r2' });
    setup.clock.advance(1_000);
    sim.abortFromUi('deploy', 1);
    expect(sim.builds('deploy')[0]).toMatchObject({ result: 'ABORTED', building: false });
    expect(() => sim.abortFromUi('deploy', 2)).toThrow(/no build #2/);
  });
});

describe('Jenkins simulator: Notification plugin', () => {
  it('posts QUEUED, STARTED, COMPLETED, FINALIZED in order, with the plugin’s fields', async () => {
    const receiver = await startReceiver();
    const sim = await start({ notificationUrl: receiver.url });
    sim.job('team/deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.script('team/deploy', [{ result: 'FAILURE', queueMs: 1_000, durationMs: 4_000 }]);
    const queueId = await trigger(sim, 'team/deploy', { SHIPGATE_RUN: 'r1' });
    await sim.drainNotifications();
    expect(receiver.bodies).toEqual([]);
    setup.clock.advance(1_000);
    setup.clock.advance(4_000);
    await sim.drainNotifications();
    const phases = receiver.bodies.map((body) => (body as { build: { phase: string } }).build.phase);
    expect(phases).toEqual(['QUEUED', 'STARTED', 'COMPLETED', 'FINALIZED']);
    expect(receiver.bodies[0]).toMatchObject({
      name: 'deploy',
      url: 'job/team/job/deploy/',
      build: { number: 1, queue_id: queueId, full_url: `${sim.url}/job/team/job/deploy/1/`, url: 'job/team/job/deploy/1/', parameters: { SHIPGATE_RUN: 'r1' } },
    });
    expect(receiver.bodies[1]).not.toHaveProperty('build.status');
    expect(receiver.bodies[2]).toMatchObject({ build: { status: 'FAILURE', duration: 4_000 } });
    expect(receiver.bodies.map((body) => parseJenkinsNotification(body))).toEqual(
      phases.map((phase) => ({ ok: true, job: 'team/deploy', number: 1, phase, parameters: { SHIPGATE_RUN: 'r1' } })),
    );
    expect(sim.notifications.map((attempt) => [attempt.phase, attempt.status])).toEqual([
      ['QUEUED', 200],
      ['STARTED', 200],
      ['COMPLETED', 200],
      ['FINALIZED', 200],
    ]);
  });

  it('sends nothing without a URL and records a receiver that does not answer', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    await trigger(sim, 'deploy', { SHIPGATE_RUN: 'r1' });
    setup.clock.advance(1_000);
    await sim.drainNotifications();
    expect(sim.notifications).toEqual([]);
    sim.setNotificationUrl('http://127.0.0.1:1/unreachable');
    setup.clock.advance(10_000);
    await sim.drainNotifications();
    expect(sim.notifications.map((attempt) => [attempt.phase, attempt.status])).toEqual([
      ['COMPLETED', undefined],
      ['FINALIZED', undefined],
    ]);
    expect(sim.notifications[0]?.error).toBeTruthy();
  });
});

describe('Jenkins simulator: faults and the log', () => {
  it('is down (503) for that long of clock time, then answers again', async () => {
    const sim = await start();
    sim.faults.down(30_000);
    const down = await call(sim, '/queue/api/json');
    expect(down.status).toBe(503);
    expect(down.text).toContain('getting ready to work');
    setup.clock.advance(29_999);
    expect((await call(sim, '/queue/api/json')).status).toBe(503);
    setup.clock.advance(1);
    expect((await call(sim, '/queue/api/json')).status).toBe(200);
    expect(sim.requests.map((entry) => entry.fault)).toEqual(['down', 'down', undefined]);
  });

  it('drops connections when down in reset mode', async () => {
    const sim = await start();
    sim.faults.down(1_000, 'reset');
    await expect(call(sim, '/queue/api/json')).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({ status: 0, fault: 'reset', route: 'GET /queue/api/json' });
    setup.clock.advance(1_000);
    expect((await call(sim, '/queue/api/json')).status).toBe(200);
  });

  it('fails the first N calls of a route, with Retry-After when asked', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    sim.faults.set({ failFirst: 2, failStatus: 429, retryAfterSeconds: 7, routes: ['GET /job/{job}/api/json'] });
    expect((await call(sim, '/queue/api/json')).status).toBe(200);
    const failed = await call(sim, '/job/deploy/api/json');
    expect(failed.status).toBe(429);
    expect(failed.headers.get('retry-after')).toBe('7');
    expect((await call(sim, '/job/deploy/api/json')).status).toBe(429);
    expect((await call(sim, '/job/deploy/api/json')).status).toBe(200);
    expect(sim.count('GET /job/{job}/api/json')).toBe(3);
    expect(sim.requests.filter((entry) => entry.fault === 'failed')).toHaveLength(2);
  });

  it('carries out a call whose answer it loses', async () => {
    const sim = await start();
    sim.job('deploy', { parameters: ['SHIPGATE_RUN'] });
    const crumb = await crumbOf(sim);
    sim.faults.set({ loseAnswers: 1, routes: ['POST /job/{job}/buildWithParameters'] });
    const lost = await call(sim, '/job/deploy/buildWithParameters', { form: { SHIPGATE_RUN: 'r1' }, crumb });
    expect(lost.status).toBe(502);
    expect(sim.queue()).toEqual([expect.objectContaining({ parameters: { SHIPGATE_RUN: 'r1' } })]);
    expect(sim.requests.at(-1)).toMatchObject({ fault: 'lost', status: 502 });
    expect(sim.count()).toBe(sim.requests.length);
  });
});
