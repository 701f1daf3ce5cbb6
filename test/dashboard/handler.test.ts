/** The dashboard over real HTTP: the app on 127.0.0.1 against the simulator, its store on both databases. */
import { get } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/handler.ts';
import { RUNS_PAGE_SIZE } from '../../src/dashboard/runs-data.ts';
import { SESSION_COOKIE } from '../../src/dashboard/auth.ts';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API } from '../helpers/acme-harness.ts';
import { getPage, seedDeployments, seedRun, startDashboardHarness, TOKEN, XSS } from './helpers.ts';

const ARTIFACTS_ROUTE = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts';

/** The run ids of a runs page, in order. */
function runIds(body: string): number[] {
  return [...body.matchAll(/data-run-id="(\d+)"/g)].map((m) => Number(m[1]));
}

/** The href of a pager link (`rel="next"` or `rel="prev"`), unescaped. */
function pagerHref(body: string, rel: 'next' | 'prev'): string | undefined {
  return new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(body)?.[1]?.replaceAll('&amp;', '&');
}

describe.each(databaseTargets())('dashboard over HTTP on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 404 saying to set DASHBOARD_TOKEN when no token is configured, and leaves /healthz alone', async () => {
    h = await startDashboardHarness(target, { token: undefined });
    for (const path of ['/', '/runs/1', '/deployments', '/events', '/login?token=x']) {
      const response = await getPage(h, path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toContain('Set <code>DASHBOARD_TOKEN</code>');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    expect((await getPage(h, '/healthz')).status).toBe(200);
  });

  it('asks for the token (401) when it is missing or wrong, grants the bearer token, and sends the security headers', async () => {
    h = await startDashboardHarness(target);
    const missing = await getPage(h, '/', {});
    expect(missing.status).toBe(401);
    const page = await missing.text();
    expect(page).toContain('/login?token=&lt;DASHBOARD_TOKEN&gt;');
    expect(page).toContain('Authorization: Bearer');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const wrong = await getPage(h, '/', { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That token is not the dashboard token.');
    expect((await getPage(h, '/events', {})).status).toBe(401);

    const ok = await getPage(h, '/');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.text()).toContain('<h1>Runs</h1>');
    // Not the dashboard's: left to the other handlers.
    expect((await getPage(h, '/healthz', {})).status).toBe(200);
    expect((await fetch(`${h.app.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('logs in with /login?token=: an HttpOnly SameSite=Strict cookie, then a redirect to /; the request log line shows no token', async () => {
    const lines: string[] = [];
    h = await startDashboardHarness(target, { app: { log: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) } });
    const login = await getPage(h, `/login?token=${TOKEN}`, {});
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`));
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0] ?? '';
    expect((await getPage(h, '/', { cookie: session })).status).toBe(200);
    expect((await getPage(h, '/', { cookie: `${SESSION_COOKIE}=forged` })).status).toBe(401);

    const wrong = await getPage(h, '/login?token=guess', {});
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const messages = lines.map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
    expect(messages.some((m) => /^GET \/login\?token=\[redacted\] 303 - \d+ms$/.test(m))).toBe(true);
    expect(messages.join('\n')).not.toContain(TOKEN);
  });

  it('pages through runs by id, newest first, and filters by repository, pipeline, branch and status', async () => {
    h = await startDashboardHarness(target);
    const ids: number[] = [];
    for (let i = 0; i < RUNS_PAGE_SIZE + 5; i++) {
      const run = await seedRun(h.store, { pipeline: i % 3 === 0 ? 'release' : 'ci', ref: i % 2 === 0 ? 'refs/heads/main' : 'refs/heads/topic', conclusion: i % 5 === 0 ? 'failure' : 'success' });
      ids.push(run.id);
    }
    const other = await seedRun(h.store, { owner: 'acme', repo: 'web', pipeline: 'ci' });
    const newestFirst = [other.id, ...ids].reverse().sort((a, b) => b - a);

    const first = await (await getPage(h, '/')).text();
    expect(runIds(first)).toEqual(newestFirst.slice(0, RUNS_PAGE_SIZE));
    expect(pagerHref(first, 'prev')).toBeUndefined();
    const older = pagerHref(first, 'next');
    expect(older).toBe(`/?before=${newestFirst[RUNS_PAGE_SIZE - 1]}`);

    const second = await (await getPage(h, older ?? '')).text();
    expect(runIds(second)).toEqual(newestFirst.slice(RUNS_PAGE_SIZE));
    expect(pagerHref(second, 'next')).toBeUndefined();
    const newer = pagerHref(second, 'prev');
    expect(newer).toBe(`/?after=${newestFirst[RUNS_PAGE_SIZE]}`);
    expect(runIds(await (await getPage(h, newer ?? '')).text())).toEqual(newestFirst.slice(0, RUNS_PAGE_SIZE));

    const release = ids.filter((_, i) => i % 3 === 0).reverse();
    const byPipeline = await (await getPage(h, '/?pipeline=release')).text();
    expect(runIds(byPipeline)).toEqual(release);
    expect(runIds(await (await getPage(h, '/?repo=acme/web')).text())).toEqual([other.id]);
    const failedOnMain = ids.filter((_, i) => i % 5 === 0 && i % 2 === 0).reverse();
    expect(runIds(await (await getPage(h, '/?status=failure&branch=main')).text())).toEqual(failedOnMain);
    expect(runIds(await (await getPage(h, '/?branch=refs/heads/topic&repo=acme/api')).text())).toEqual(ids.filter((_, i) => i % 2 === 1).reverse().slice(0, RUNS_PAGE_SIZE));

    // Filters stay in the pager's links.
    const manyCi = await (await getPage(h, '/?pipeline=ci')).text();
    expect(pagerHref(manyCi, 'next') ?? '/?pipeline=ci&before=0').toMatch(/pipeline=ci/);

    // A filter that is not understood is named and left out, not an error.
    const bad = await getPage(h, `/?status=${encodeURIComponent(XSS)}&before=zz`);
    expect(bad.status).toBe(200);
    const badBody = await bad.text();
    expect(badBody).toContain('Unknown status &quot;&lt;img src=x onerror=alert(1)&gt;&quot; was left out');
    expect(badBody).toContain('&quot;before&quot; must be a run id');
    expect(runIds(badBody)).toEqual(newestFirst.slice(0, RUNS_PAGE_SIZE));
  });

  it('shows a hostile pipeline and branch as text on the list and the run page, and 404s an unknown run', async () => {
    h = await startDashboardHarness(target);
    const run = await seedRun(h.store, { pipeline: XSS, ref: `refs/heads/${XSS}`, actor: XSS });
    for (const path of ['/', `/runs/${run.id}`]) {
      const body = await (await getPage(h, path)).text();
      expect(body, path).not.toContain('<img');
      expect(body, path).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    const missing = await getPage(h, '/runs/999999');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no run #999999.');
    expect((await getPage(h, '/runs/abc')).status).toBe(404);
  });

  it('answers ?fragment=1 with the main element alone, carrying the store version', async () => {
    h = await startDashboardHarness(target);
    await seedRun(h.store);
    const fragment = await (await getPage(h, '/?fragment=1')).text();
    expect(fragment).toMatch(/^<main id="main" data-version="[0-9a-f]{16}">/);
    expect(fragment).not.toContain('<html');
    const before = /data-version="([0-9a-f]+)"/.exec(fragment)?.[1];
    await seedRun(h.store);
    const after = /data-version="([0-9a-f]+)"/.exec(await (await getPage(h, '/?fragment=1')).text())?.[1];
    expect(after).not.toBe(before);
  });

  it('serves the stylesheet and the live script to anyone, with their types and the CSP', async () => {
    h = await startDashboardHarness(target);
    const css = await getPage(h, '/assets/dashboard.css', {});
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await css.text()).toContain('svg.dag');
    const js = await getPage(h, '/assets/live.js', {});
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("new EventSource('/events')");
    expect((await getPage(h, '/assets/nope.js', {})).status).toBe(404);
    const page = await (await getPage(h, '/')).text();
    expect(page).toMatch(/<link rel="stylesheet" href="\/assets\/dashboard\.css\?v=[0-9a-f]{12}">/);
    expect(page).not.toMatch(/<script>|<style|\sstyle="/);
  });

  it('shows deployments per environment and pending approvals from the store', async () => {
    h = await startDashboardHarness(target);
    const seeded = await seedDeployments(h.store, { environment: 'production', requestedBy: XSS });
    const deployments = await (await getPage(h, '/deployments')).text();
    expect(deployments).toContain('data-environment="production" data-repo="acme/api"');
    expect(deployments).toMatch(/Current: <code title="fff0000[0-9a-f]+">fff0000<\/code>/);
    expect(deployments).toContain('Locked by carol');
    expect(deployments).toContain('<caption>Queue (1)</caption>');
    expect(deployments).toContain(`data-deployment="${seeded.queued}"`);
    expect(deployments).not.toContain('<img');
    expect((await getPage(h, '/deployments?repo=acme/web')).status).toBe(200);
    expect(await (await getPage(h, '/deployments?repo=acme/web')).text()).toContain('No deployments yet.');
    expect((await getPage(h, '/deployments?repo=nonsense')).status).toBe(400);

    const approvals = await (await getPage(h, '/approvals')).text();
    expect(approvals).toContain(`data-approval="${seeded.approvalRequest}"`);
    expect(approvals).toContain('bob, @acme/sre');
    expect(approvals).toContain('<span class="given">1</span>/<span class="required">2</span>');
    expect(approvals).not.toContain('<img');
  });

  it('draws trends from the analytics, with an empty state before any history', async () => {
    h = await startDashboardHarness(target);
    expect(await (await getPage(h, '/trends')).text()).toContain('No history yet');
    const now = h.clock.now();
    for (let day = 1; day <= 3; day++) await seedRun(h.store, { at: new Date(now - day * 86_400_000), conclusion: day === 2 ? 'failure' : 'success' });
    const trends = await (await getPage(h, '/trends?days=7')).text();
    expect(trends).toContain('<h1>Trends <span class="repo">acme/api</span></h1>');
    expect(trends).toContain('aria-label="Success rate per day"');
    expect(trends).toContain('<div class="tile-value">3</div>');
    expect(trends).toContain('<div class="tile-value">66.7%</div>');
    // Trends are not refreshed live; the runs list is.
    expect(trends).not.toContain('/assets/live.js');
    expect(await (await getPage(h, '/')).text()).toContain('/assets/live.js');
    const unknown = await (await getPage(h, '/trends?repo=acme/nothing')).text();
    expect(unknown).toContain('No history for acme/nothing');
  });

  it('lists each workflow run’s artifacts from GitHub, with digest, expiry and a download link', async () => {
    h = await startDashboardHarness(target, {
      setup: (sim) => {
        sim.scripts.workflow({
          repo: ACME_API,
          workflow: 'build.yml',
          attempts: [{ conclusion: 'success', durationMs: 5_000, artifacts: [{ name: 'coverage', files: { 'lcov.info': 'TN:\nend_of_record\n' }, retentionDays: 7 }, { name: XSS, files: { 'a.txt': 'a' } }] }],
        });
      },
    });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(6_000);
    const run = await h.store.db.selectFrom('pipeline_runs').select('id').executeTakeFirstOrThrow();
    const attempt = await h.store.db.selectFrom('job_attempts').select(['workflow_run_id', 'html_url']).where('workflow', '=', 'build.yml').executeTakeFirstOrThrow();
    const listed = h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').length;
    const workflowRuns = new Set((await h.store.db.selectFrom('job_attempts').select('workflow_run_id').execute()).map((row) => row.workflow_run_id).filter((id) => id !== null));
    expect(workflowRuns.size).toBeGreaterThan(1);
    const body = await (await getPage(h, `/runs/${run.id}`)).text();
    expect(body).toContain(`data-workflow-run="${attempt.workflow_run_id}"`);
    expect(body).toMatch(/data-artifact="coverage"><td>coverage<\/td><td>[\d.]+ (B|KiB)<\/td><td><code class="digest">sha256:[0-9a-f]{64}<\/code><\/td><td><time datetime="[^"]+">/);
    const download = /data-artifact="coverage">.*?<a href="([^"]+)" rel="noopener noreferrer">download<\/a>/s.exec(body)?.[1];
    expect(download).toMatch(new RegExp(`^${attempt.html_url}/artifacts/\\d+$`));
    expect(body).toContain('data-artifact="&lt;img src=x onerror=alert(1)&gt;"');
    expect(body).not.toContain('<img');
    // One listing per workflow run of the pipeline run.
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').length).toBe(listed + workflowRuns.size);
    expect(body.match(/class="workflow-run"/g)).toHaveLength(workflowRuns.size);
    // The live refresh of the page does not ask GitHub again.
    await getPage(h, `/runs/${run.id}?fragment=1`);
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').length).toBe(listed + workflowRuns.size);
    h.sim.assertNoViolations();
  });

  it('says "artifacts unavailable" with GitHub’s answer when listing fails, and still renders the run', async () => {
    h = await startDashboardHarness(target);
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(31_000);
    h.sim.faults.set({ errorRate: 1, routes: [ARTIFACTS_ROUTE] });
    const run = await h.store.db.selectFrom('pipeline_runs').select('id').executeTakeFirstOrThrow();
    const response = await getPage(h, `/runs/${run.id}`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/artifacts unavailable: GitHub answered 50[23]/);
    expect(body).toContain('aria-label="stage graph"');
    h.sim.faults.clear();
  });

  it('streams the version at /events and stops without waiting on an open stream', async () => {
    h = await startDashboardHarness(target);
    const app = h.app;
    const first = await new Promise<string>((resolve, reject) => {
      const req = get(`${app.url}/events`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => {
          text += chunk;
          if (/event: version\ndata: [0-9a-f]{16}\n\n/.test(text)) resolve(text);
        });
      });
      req.on('error', reject);
    });
    expect(first).toMatch(/^retry: \d+\n\n/);
    const head = await fetch(`${app.url}/events`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const started = Date.now();
    await h.close();
    h = undefined;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
