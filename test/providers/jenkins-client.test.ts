import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProviderRefusal, ProviderUnavailable } from '../../src/providers/errors.ts';
import { CORRELATION_PARAMETER, JenkinsClient, mapJenkinsResult, type JenkinsClientOptions } from '../../src/providers/jenkins/client.ts';
import type { JenkinsSimulator, JenkinsSimulatorOptions } from '../../src/sim/jenkins.ts';
import { jenkinsPerTest } from '../helpers/jenkins-sim.ts';
import { closedPort } from '../helpers/loopback.ts';

const TOKEN = '11c0ffee0000deadbeef0000c0ffee00';

const setup = jenkinsPerTest({ token: TOKEN });

/** This test's Jenkins, with a job `deploy` taking the correlation parameter and `SHA`. */
async function start(options: Omit<JenkinsSimulatorOptions, 'clock'> = {}): Promise<JenkinsSimulator> {
  const jenkins = await setup.start(options);
  jenkins.job('deploy', { parameters: [CORRELATION_PARAMETER, 'SHA'] });
  return jenkins;
}

/** The client, and every request it sent (URL and headers) through its `fetch`. */
function clientOf(sim: JenkinsSimulator, options: JenkinsClientOptions & { token?: string } = {}): { client: JenkinsClient; sent: Array<{ url: string; headers: Headers }> } {
  const sent: Array<{ url: string; headers: Headers }> = [];
  const inner = options.fetch ?? globalThis.fetch;
  const recording: typeof fetch = (input, init) => {
    sent.push({ url: input instanceof Request ? input.url : String(input), headers: new Headers(init?.headers) });
    return inner(input, init);
  };
  const client = new JenkinsClient({ ...sim.settings, token: options.token ?? sim.settings.token }, { ...options, fetch: recording });
  return { client, sent };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function refusal(promise: Promise<unknown>): Promise<ProviderRefusal> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(ProviderRefusal);
  return err as ProviderRefusal;
}

async function unavailable(promise: Promise<unknown>): Promise<ProviderUnavailable> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(ProviderUnavailable);
  return err as ProviderUnavailable;
}

/** A plain HTTP server answering with `answer`, recording request headers. */
async function startServer(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<{ url: string; seen: Array<{ path: string; headers: IncomingHttpHeaders }> }> {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const { status, headers, body } = answer(req.url ?? '');
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  setup.closeAfterTest(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('JenkinsClient against the simulator', () => {
  it('runs a whole build: parameters, trigger, queue, build, SUCCESS, artifacts', async () => {
    const sim = await start();
    sim.script('deploy', [{ queueMs: 2_000, durationMs: 6_000, artifacts: { 'reports/junit.xml': '<testsuite tests="3"/>', 'out/app.bin': new Uint8Array([0, 1, 2, 255]) } }]);
    const { client } = clientOf(sim);

    expect(await client.parameterNames('deploy')).toEqual([CORRELATION_PARAMETER, 'SHA']);
    const { queueId } = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'run-1', SHA: 'abc123' });
    expect(await client.queueItem(queueId)).toEqual({ state: 'waiting', why: 'Waiting for next available executor' });

    setup.clock.advance(2_000);
    expect(await client.queueItem(queueId)).toEqual({ state: 'started', build: 1, url: `${sim.url}/job/deploy/1/` });
    const running = await client.build('deploy', 1);
    expect(running).toMatchObject({ number: 1, building: true, result: null, startedAt: setup.clock.now(), durationMs: 0, artifacts: [] });
    expect(running.parameters).toEqual({ [CORRELATION_PARAMETER]: 'run-1', SHA: 'abc123' });

    setup.clock.advance(6_000);
    const done = await client.build('deploy', 1);
    expect(done).toMatchObject({ building: false, result: 'SUCCESS', durationMs: 6_000 });
    expect(mapJenkinsResult(done.result ?? '').conclusion).toBe('success');
    expect(done.artifacts).toEqual([
      { fileName: 'junit.xml', relativePath: 'reports/junit.xml' },
      { fileName: 'app.bin', relativePath: 'out/app.bin' },
    ]);
    expect((await client.artifact('deploy', 1, 'reports/junit.xml', 1_000)).toString('utf8')).toBe('<testsuite tests="3"/>');
    expect([...(await client.artifact('deploy', 1, 'out/app.bin', 4))]).toEqual([0, 1, 2, 255]);

    // The client's own count agrees with what the server saw, route by route.
    const counts = client.requestCounts();
    expect(counts).toEqual({
      'GET /job/{job}/api/json': 1,
      'GET /crumbIssuer/api/json': 1,
      'POST /job/{job}/buildWithParameters': 1,
      'GET /queue/item/{id}/api/json': 2,
      'GET /job/{job}/{number}/api/json': 2,
      'GET /job/{job}/{number}/artifact/{path}': 2,
    });
    for (const [route, count] of Object.entries(counts)) expect(sim.count(route)).toBe(count);
  });

  it('fetches the crumb once and sends it, with its session cookie, on every POST', async () => {
    const sim = await start();
    sim.script('deploy', [{ queueMs: 1_000 }, { queueMs: 60_000 }]);
    const { client, sent } = clientOf(sim);
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    const second = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r2' });
    setup.clock.advance(1_000);
    await client.stop('deploy', 1);
    await client.cancelQueueItem(second.queueId);
    expect(sim.count('GET /crumbIssuer/api/json')).toBe(1);
    const posts = sent.filter((request) => !request.url.includes('/crumbIssuer/'));
    expect(posts).toHaveLength(4);
    for (const post of posts) {
      expect(post.headers.get('jenkins-crumb')).toMatch(/^[0-9a-f]{64}$/);
      expect(post.headers.get('cookie')).toMatch(/^JSESSIONID\.[0-9a-f]{8}=node0/);
    }
    expect(sim.requests.every((entry) => entry.status !== 403)).toBe(true);
  });

  it('sends POSTs without a crumb to a Jenkins without a crumb issuer, asking only once', async () => {
    const sim = await start({ crumbIssuer: false });
    const { client, sent } = clientOf(sim);
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r2' });
    expect(sim.count('GET /crumbIssuer/api/json')).toBe(1);
    const posts = sent.filter((request) => request.url.endsWith('/buildWithParameters'));
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post.headers.has('jenkins-crumb')).toBe(false);
      expect(post.headers.has('cookie')).toBe(false);
    }
    expect(sim.queue()).toHaveLength(2);
  });

  it('refreshes a stale crumb once and sends again', async () => {
    const sim = await start();
    const { client } = clientOf(sim);
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    sim.expireSessions();
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r2' });
    expect(sim.count('GET /crumbIssuer/api/json')).toBe(2);
    expect(sim.requests.filter((entry) => entry.route === 'POST /job/{job}/buildWithParameters').map((entry) => entry.status)).toEqual([201, 403, 201]);
    expect(sim.queue().map((item) => item.parameters[CORRELATION_PARAMETER])).toEqual(['r1', 'r2']);
  });

  it('gives up after one refresh when the crumb keeps being refused (a proxy dropping the cookie)', async () => {
    const sim = await start();
    const dropCookie: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('cookie');
      return globalThis.fetch(input, { ...init, headers });
    };
    const { client } = clientOf(sim, { fetch: dropCookie });
    const err = await refusal(client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' }));
    expect(err).toMatchObject({ status: 403, kind: 'refused' });
    expect(err.message).toMatch(/CSRF crumb.*session cookie/);
    expect(sim.count('POST /job/{job}/buildWithParameters')).toBe(2);
    expect(sim.count('GET /crumbIssuer/api/json')).toBe(2);
  });

  it('says to check JENKINS_USER and JENKINS_TOKEN on 401, without the token', async () => {
    const sim = await start();
    const wrongToken = '11wrongwrongwrongwrongwrong000000';
    const { client } = clientOf(sim, { token: wrongToken });
    const err = await refusal(client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' }));
    expect(err).toMatchObject({ status: 401, kind: 'credentials', provider: 'jenkins' });
    expect(err.message).toMatch(/^Jenkins refused the credentials \(HTTP 401 for GET \/crumbIssuer\/api\/json\): check JENKINS_USER and JENKINS_TOKEN/);
    expect(err.message).not.toContain(wrongToken);
    const read = await refusal(client.parameterNames('deploy'));
    expect(read.message).toContain('HTTP 401 for GET /job/deploy/api/json');
    expect(read.message).not.toContain('tree');
    expect(sim.queue()).toEqual([]);
  });

  it('says which permissions the user needs on 403, with what Jenkins said, without the token', async () => {
    const sim = await start();
    sim.job('locked', { parameters: [CORRELATION_PARAMETER], canBuild: false });
    const { client } = clientOf(sim);
    const err = await refusal(client.trigger('locked', { [CORRELATION_PARAMETER]: 'r1' }));
    expect(err).toMatchObject({ status: 403, kind: 'credentials' });
    expect(err.message).toContain("Jenkins refused user 'shipgate' (HTTP 403 for POST /job/locked/buildWithParameters)");
    expect(err.message).toContain('"shipgate is missing the Job/Build permission"');
    expect(err.message).toContain('needs the Job/Build and Job/Read permissions');
    expect(err.message).toContain('JENKINS_USER');
    expect(err.message).toContain('JENKINS_TOKEN');
    expect(err.message).not.toContain(TOKEN);
    // A permission refusal is not mistaken for a stale crumb: no second crumb fetch.
    expect(sim.count('GET /crumbIssuer/api/json')).toBe(1);
  });

  it('names an unknown job (404), a folder, a job without parameters, and refuses bad paths before any request', async () => {
    const sim = await start();
    sim.job('team/deploy', { parameters: [CORRELATION_PARAMETER] });
    sim.job('plain');
    const { client } = clientOf(sim);
    const missing = await refusal(client.trigger('nope', { [CORRELATION_PARAMETER]: 'r1' }));
    expect(missing).toMatchObject({ status: 404, kind: 'not-found' });
    expect(missing.message).toMatch(/^Jenkins has no job 'nope' at JENKINS_URL \(HTTP 404\): check `jenkins\.job` in \.github\/shipgate\.yml \(folders are written a\/b\)/);
    expect((await refusal(client.parameterNames('team/nope'))).message).toContain("no job 'team/nope'");
    expect((await refusal(client.build('deploy', 7))).message).toContain("no build #7 of job 'deploy'");

    const folder = await refusal(client.parameterNames('team'));
    expect(folder.message).toContain("'team' is a folder in Jenkins, not a job");
    expect(await client.parameterNames('plain')).toEqual([]);
    const plain = await refusal(client.trigger('plain', { [CORRELATION_PARAMETER]: 'r1' }));
    expect(plain.message).toContain(`add a String parameter ${CORRELATION_PARAMETER}`);

    const before = sim.requests.length;
    for (const bad of ['a//b', '../admin', '', 'team/..']) {
      const err = await refusal(client.trigger(bad, {}));
      expect(err.kind).toBe('refused');
    }
    expect((await refusal(client.artifact('deploy', 1, '../../secrets', 10))).message).toContain("contains '..'");
    expect(sim.requests.length).toBe(before);
  });

  it('works with jobs in folders', async () => {
    const sim = await start();
    sim.job('team/apps/deploy', { parameters: [CORRELATION_PARAMETER] });
    const { client } = clientOf(sim);
    expect(await client.parameterNames('team/apps/deploy')).toEqual([CORRELATION_PARAMETER]);
    const { queueId } = await client.trigger('team/apps/deploy', { [CORRELATION_PARAMETER]: 'r1' });
    expect(await client.findByParameter('team/apps/deploy', CORRELATION_PARAMETER, 'r1')).toEqual({ queueId });
    setup.clock.advance(1_000);
    expect(await client.queueItem(queueId)).toEqual({ state: 'started', build: 1, url: `${sim.url}/job/team/job/apps/job/deploy/1/` });
    expect(sim.requests.find((entry) => entry.method === 'POST')?.path).toBe('/job/team/job/apps/job/deploy/buildWithParameters');
  });

  it('sees a queue item cancelled through the API or in the UI, then forgotten', async () => {
    const sim = await start();
    sim.script('deploy', [{ queueMs: 60_000 }, { queueMs: 60_000 }]);
    const { client } = clientOf(sim);
    const first = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    await client.cancelQueueItem(first.queueId);
    expect(await client.queueItem(first.queueId)).toEqual({ state: 'cancelled' });
    const again = await refusal(client.cancelQueueItem(first.queueId));
    expect(again).toMatchObject({ status: 404, kind: 'not-found' });
    expect(again.message).toContain(`no queue item ${first.queueId} waiting`);

    const second = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r2' });
    sim.cancelQueueItemFromUi(second.queueId);
    expect(await client.queueItem(second.queueId)).toEqual({ state: 'cancelled' });
    setup.clock.advance(5 * 60_000);
    expect(await client.queueItem(second.queueId)).toEqual({ state: 'gone' });
    expect(sim.builds('deploy')).toEqual([]);
  });

  it('finds a trigger by its parameter in the queue, then among the builds, and nothing else', async () => {
    const sim = await start();
    sim.job('other', { parameters: [CORRELATION_PARAMETER] });
    sim.script('deploy', [{ queueMs: 1_000 }]);
    const { client, sent } = clientOf(sim);
    await client.trigger('other', { [CORRELATION_PARAMETER]: 'r1' });
    const { queueId } = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    expect(await client.findByParameter('deploy', CORRELATION_PARAMETER, 'r1')).toEqual({ queueId });
    setup.clock.advance(1_000);
    expect(await client.findByParameter('deploy', CORRELATION_PARAMETER, 'r1')).toEqual({ build: 1, url: `${sim.url}/job/deploy/1/` });
    expect(await client.findByParameter('deploy', CORRELATION_PARAMETER, 'r2')).toBeUndefined();
    expect(await client.findByParameter('deploy', 'SHA', 'r1')).toBeUndefined();
    // Only the newest 50 builds are asked for.
    const buildLists = sent.map((request) => decodeURIComponent(request.url)).filter((url) => url.includes('/job/deploy/api/json'));
    expect(buildLists.length).toBeGreaterThan(0);
    for (const url of buildLists) expect(url).toContain('tree=builds[number,url,actions[parameters[name,value]]]{0,50}');
    await refusal(client.findByParameter('nope', CORRELATION_PARAMETER, 'r1'));
  });

  it('stops a running build (ABORTED → cancelled); stopping a finished build does nothing', async () => {
    const sim = await start();
    const { client } = clientOf(sim);
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    setup.clock.advance(3_000);
    await client.stop('deploy', 1);
    const stopped = await client.build('deploy', 1);
    expect(stopped).toMatchObject({ building: false, result: 'ABORTED', durationMs: 2_000 });
    expect(mapJenkinsResult(stopped.result ?? '').conclusion).toBe('cancelled');
    await client.stop('deploy', 1);
    expect((await refusal(client.stop('deploy', 2))).kind).toBe('not-found');
  });

  it('refuses an artifact over maxBytes, whether or not its size was announced', async () => {
    const sim = await start();
    sim.script('deploy', [{ artifacts: { 'big.log': 'x'.repeat(10_000) } }]);
    const { client } = clientOf(sim);
    await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    setup.clock.advance(11_000);
    const err = await refusal(client.artifact('deploy', 1, 'big.log', 9_999));
    expect(err.message).toContain("Artifact 'big.log' of build #1 of job 'deploy' is larger than 9999 bytes");
    expect((await client.artifact('deploy', 1, 'big.log', 10_000)).length).toBe(10_000);
    expect((await refusal(client.artifact('deploy', 1, 'missing.log', 10))).kind).toBe('not-found');

    // A streamed answer without Content-Length is cut off as soon as it passes the limit.
    const streaming: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!String(input).includes('/artifact/')) return response;
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(response.body, { status: response.status, headers });
    };
    const { client: streamingClient } = clientOf(sim, { fetch: streaming });
    expect((await refusal(streamingClient.artifact('deploy', 1, 'big.log', 9_999))).message).toContain('larger than 9999 bytes');
    expect((await streamingClient.artifact('deploy', 1, 'big.log', 10_000)).toString('utf8')).toBe('x'.repeat(10_000));
  });

  it('reports Jenkins down (503), a 429 with Retry-After, a dropped connection, a refused connection and a timeout as unavailable', async () => {
    const sim = await start();
    const { client } = clientOf(sim);
    const { queueId } = await client.trigger('deploy', { [CORRELATION_PARAMETER]: 'r1' });
    sim.faults.down(60_000);
    const down = await unavailable(client.queueItem(queueId));
    expect(down).toMatchObject({ status: 503, provider: 'jenkins', retryAfterMs: undefined });
    expect(down.message).toBe(`Jenkins answered HTTP 503 for GET /queue/item/${queueId}/api/json`);
    sim.faults.down(60_000, 'reset');
    const reset = await unavailable(client.queueItem(queueId));
    expect(reset.message).toMatch(new RegExp(`^Jenkins at ${sim.url} did not answer \\(GET /queue/item/${queueId}/api/json\\): `));
    sim.faults.clear();

    sim.faults.set({ failFirst: 1, failStatus: 429, retryAfterSeconds: 7 });
    expect(await unavailable(client.build('deploy', 1))).toMatchObject({ status: 429, retryAfterMs: 7_000 });

    const closed = { url: `http://127.0.0.1:${await closedPort()}` };
    const nowhere = new JenkinsClient({ url: closed.url, user: 'shipgate', token: TOKEN });
    const refused = await unavailable(nowhere.queueItem(1));
    expect(refused.message).toMatch(new RegExp(`^Jenkins at ${closed.url} did not answer \\(GET /queue/item/1/api/json\\): connect ECONNREFUSED`));
    expect(refused.message).not.toContain(TOKEN);

    const timingOut: typeof fetch = () => Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    const slow = new JenkinsClient(sim.settings, { fetch: timingOut, timeoutMs: 2_500 });
    expect((await unavailable(slow.queueItem(1))).message).toContain('no answer within 2500 ms');
  });

  it('finds the build of a trigger whose answer was lost (502)', async () => {
    const sim = await start();
    const { client } = clientOf(sim);
    sim.faults.set({ loseAnswers: 1, routes: ['POST /job/{job}/buildWithParameters'] });
    const lost = await unavailable(client.trigger('deploy', { [CORRELATION_PARAMETER]: 'run-lost' }));
    expect(lost.status).toBe(502);
    const found = await client.findByParameter('deploy', CORRELATION_PARAMETER, 'run-lost');
    expect(found).toEqual({ queueId: sim.queue()[0]?.id });
    setup.clock.advance(1_000);
    expect(await client.findByParameter('deploy', CORRELATION_PARAMETER, 'run-lost')).toEqual({ build: 1, url: `${sim.url}/job/deploy/1/` });
    expect(sim.builds('deploy')).toHaveLength(1);
  });
});

describe('JenkinsClient and redirects', () => {
  it('follows a same-origin redirect with credentials, and refuses one to another origin without following it', async () => {
    const elsewhere = await startServer(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));
    const jenkinsLike = await startServer((path) => {
      if (path.startsWith('/old/')) return { status: 301, headers: { location: path.replace('/old/', '/new/') } };
      if (path.startsWith('/new/job/deploy/api/json')) {
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ _class: 'hudson.model.FreeStyleProject', property: [{ parameterDefinitions: [{ name: 'SHIPGATE_RUN' }] }] }) };
      }
      return { status: 302, headers: { location: `${elsewhere.url}/login?from=${encodeURIComponent(path)}` } };
    });
    const moved = new JenkinsClient({ url: `${jenkinsLike.url}/old/`, user: 'shipgate', token: TOKEN });
    expect(await moved.parameterNames('deploy')).toEqual(['SHIPGATE_RUN']);
    expect(jenkinsLike.seen.map((request) => [request.path.split('?')[0], request.headers.authorization !== undefined])).toEqual([
      ['/old/job/deploy/api/json', true],
      ['/new/job/deploy/api/json', true],
    ]);

    const proxied = new JenkinsClient({ url: jenkinsLike.url, user: 'shipgate', token: TOKEN });
    const err = await refusal(proxied.queueItem(3));
    expect(err.message).toContain(`redirected GET /queue/item/3/api/json to ${elsewhere.url}`);
    expect(err.message).not.toContain('login');
    expect(elsewhere.seen).toEqual([]);
  });

  it('never sends credentials or a query written into JENKINS_URL', async () => {
    const server = await startServer(() => ({ status: 404 }));
    const url = new URL(server.url);
    url.username = 'admin';
    url.password = 'hunter2';
    url.search = '?token=secret';
    const client = new JenkinsClient({ url: url.href, user: 'shipgate', token: TOKEN });
    expect((await client.queueItem(1)).state).toBe('gone');
    expect(server.seen[0]?.path).toBe('/queue/item/1/api/json');
    expect(server.seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`shipgate:${TOKEN}`).toString('base64')}`);
    expect(() => new JenkinsClient({ url: 'ftp://ci', user: 'u', token: 't' })).toThrow(ProviderRefusal);
    expect(() => new JenkinsClient({ url: 'not a url', user: 'u', token: 't' })).toThrow(/JENKINS_URL is not a URL/);
  });
});
