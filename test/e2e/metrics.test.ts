/**
 * `GET /metrics` end to end (SPEC §12): the real app against the simulator runs
 * a pipeline and a deployment that waits for an approval; the scrape, read over
 * HTTP and parsed strictly as Prometheus's text format, counts what happened —
 * checked against the database and the simulator's own request log.
 */
import { until } from '../helpers/wait.ts';
import { finish } from '../helpers/harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../src/clock.ts';
import { routeClassOf } from '../../src/metrics/route-class.ts';
import { startShipgate, type RunningShipgate } from '../../src/server.ts';
import { appConfigForSimulator } from '../../src/sim/app-config.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import type { Store } from '../../src/store/db.ts';
import { getDelivery } from '../../src/store/repos/deliveries.ts';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';
import { histogramOf, parsePromText, sampleValue, type MetricFamily } from '../helpers/prom-text.ts';

const CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
      push: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
      test:
        needs: [build]
        jobs:
          unit: { workflow: test.yml }
    gates:
      - { name: tests, type: junit, job: unit, artifact: junit, max-failures: 0 }
environments:
  production:
    approvals: 1
    approvers: [carol]
    workflow: deploy.yml
`;

/** A JUnit report with three passing tests. */
const JUNIT = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="app" tests="3" failures="0">' + [0, 1, 2].map((i) => `<testcase classname="app" name="works ${i}" time="0.01"/>`).join('') + '</testsuite></testsuites>\n';

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePromText(await response.text());
}

/** The sum of a family's samples whose labels include `match`. */
function total(families: Map<string, MetricFamily>, name: string, match: Record<string, string> = {}): number {
  return (families.get(name)?.samples ?? []).filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

describe.each(databaseTargets())('metrics on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('counts webhooks, deliveries, runs, durations, gates and GitHub requests; gauges approvals while one waits', async () => {
    h = await startAcmeHarness(target, CONFIG, {
      setup: (sim) => {
        sim.setPermission(ACME_API, 'carol', 'read');
        sim.scripts.workflow({ repo: ACME_API, workflow: 'test.yml', attempts: [{ durationMs: 20_000, artifacts: [{ name: 'junit', files: { 'reports/junit.xml': JUNIT } }] }] });
      },
    });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h);
    const run = await h.store.db.selectFrom('pipeline_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ pipeline: 'ci', status: 'completed', conclusion: 'success' });

    let m = await scrape(h.app.url);

    // Webhooks by event: as many as the deliveries recorded of each event; each processed once.
    const recorded = await h.store.db.selectFrom('deliveries').select(['event', 'status']).execute();
    const events = [...new Set(recorded.map((d) => d.event))].sort();
    expect(events).toEqual(expect.arrayContaining(['pull_request', 'workflow_job', 'workflow_run']));
    for (const event of events) {
      const mine = recorded.filter((d) => d.event === event);
      expect(sampleValue(m, 'shipgate_webhooks_received_total', { event, outcome: 'recorded' }), event).toBe(mine.length);
      for (const outcome of ['processed', 'ignored'] as const) {
        const count = mine.filter((d) => d.status === outcome).length;
        expect(sampleValue(m, 'shipgate_deliveries_total', { event, outcome }) ?? 0, `${event} ${outcome}`).toBe(count);
      }
    }
    expect(total(m, 'shipgate_deliveries_total', { outcome: 'failed' }) + total(m, 'shipgate_deliveries_total', { outcome: 'retried' })).toBe(0);
    expect(sampleValue(m, 'shipgate_queue_depth', { queue: 'deliveries' })).toBe(0);

    // The run by conclusion, and its duration as the database has it.
    expect(sampleValue(m, 'shipgate_pipeline_runs_total', { pipeline: 'ci', conclusion: 'success' })).toBe(1);
    const runSeconds = ((run.completed_at?.getTime() ?? 0) - (run.started_at?.getTime() ?? 0)) / 1000;
    expect(runSeconds).toBeGreaterThan(10);
    expect(histogramOf(m, 'shipgate_pipeline_duration_seconds', { pipeline: 'ci', conclusion: 'success' })).toMatchObject({ count: 1, sum: runSeconds });

    // One observation per stage and per job, with the stored durations.
    const jobs = await h.store.db
      .selectFrom('job_attempts')
      .innerJoin('stage_runs', 'stage_runs.id', 'job_attempts.stage_run_id')
      .select(['stage_runs.stage', 'job_attempts.started_at', 'job_attempts.completed_at', 'job_attempts.conclusion'])
      .execute();
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      const seconds = ((job.completed_at?.getTime() ?? 0) - (job.started_at?.getTime() ?? 0)) / 1000;
      const series = histogramOf(m, 'shipgate_job_duration_seconds', { pipeline: 'ci', stage: job.stage, conclusion: 'success' });
      expect(series, job.stage).toMatchObject({ count: 1, sum: seconds });
      // Under a minute: in the 60 s bucket and every one above it, not below 10 s.
      expect(series?.buckets.find((b) => b.le === 60)?.count).toBe(1);
      expect(histogramOf(m, 'shipgate_stage_duration_seconds', { pipeline: 'ci', stage: job.stage, conclusion: 'success' })?.count).toBe(1);
    }
    expect(histogramOf(m, 'shipgate_dispatch_latency_seconds')?.count).toBe(2);
    expect(sampleValue(m, 'shipgate_gate_results_total', { type: 'junit', result: 'pass' })).toBe(1);

    // GitHub requests by route class and status: exactly what the simulator served, class by class.
    // The artifact's 302 counts; its download from the storage it points to is not a GitHub API request.
    expect(h.sim.requests.filter((r) => !r.api)).toHaveLength(1);
    const served = new Map<string, number>();
    for (const request of h.sim.requests.filter((r) => r.api)) {
      const key = `${routeClassOf(request.path)} ${request.method} ${request.status}`;
      served.set(key, (served.get(key) ?? 0) + 1);
    }
    const counted = new Map((m.get('shipgate_github_requests_total')?.samples ?? []).map((s) => [`${s.labels['route_class']} ${s.labels['method']} ${s.labels['status']}`, s.value]));
    expect(counted).toEqual(served);
    expect(total(m, 'shipgate_github_requests_total', { route_class: 'actions', method: 'POST' })).toBe(h.sim.dispatches().length);
    expect(total(m, 'shipgate_github_requests_total', { route_class: 'checks' })).toBeGreaterThan(0);
    expect(total(m, 'shipgate_github_requests_total', { route_class: 'apps' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'shipgate_github_rate_limit_remaining', { resource: 'core' })).toBe(4999);
    expect(sampleValue(m, 'shipgate_approvals_pending')).toBe(0);

    // A redelivery is acknowledged as a duplicate, and processed no second time.
    const opened = await h.store.db.selectFrom('deliveries').select('id').where('event', '=', 'pull_request').executeTakeFirstOrThrow();
    await h.sim.webhooks.redeliver(opened.id);
    await h.settle();
    m = await scrape(h.app.url);
    expect(sampleValue(m, 'shipgate_webhooks_received_total', { event: 'pull_request', outcome: 'duplicate' })).toBe(1);
    expect(sampleValue(m, 'shipgate_webhooks_received_total', { event: 'pull_request', outcome: 'recorded' })).toBe(recorded.filter((d) => d.event === 'pull_request').length);
    expect(total(m, 'shipgate_deliveries_total', { event: 'pull_request' })).toBe(recorded.filter((d) => d.event === 'pull_request').length);

    // A deployment that waits for carol's approval: the gauges show it while it waits.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    expect(await h.store.db.selectFrom('deployments').select('status').executeTakeFirst()).toMatchObject({ status: 'waiting' });
    m = await scrape(h.app.url);
    expect(sampleValue(m, 'shipgate_approvals_pending')).toBe(1);
    expect(sampleValue(m, 'shipgate_deployments_open', { environment: 'production', status: 'waiting' })).toBe(1);
    // The /deploy comment, and the app's own reply and request comment, each come back as a webhook.
    const comments = await h.store.db.selectFrom('deliveries').select('id').where('event', '=', 'issue_comment').execute();
    expect(comments.length).toBeGreaterThanOrEqual(2);
    expect(sampleValue(m, 'shipgate_webhooks_received_total', { event: 'issue_comment', outcome: 'recorded' })).toBe(comments.length);
    expect(total(m, 'shipgate_github_requests_total', { route_class: 'issues' })).toBeGreaterThan(0);

    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/approve production', author: 'carol' });
    await finish(h);
    expect(await h.store.db.selectFrom('deployments').select('status').executeTakeFirst()).toMatchObject({ status: 'succeeded' });
    m = await scrape(h.app.url);
    expect(sampleValue(m, 'shipgate_approvals_pending')).toBe(0);
    expect(m.get('shipgate_deployments_open')?.samples).toEqual([]);
    expect(total(m, 'shipgate_github_requests_total', { route_class: 'deployments', method: 'POST' })).toBeGreaterThanOrEqual(2);
    // Nothing in the scrape names a sha, a run id or a pull request.
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    expect(text).not.toContain(pr.headSha);
    expect(text).not.toMatch(/\b(sha|run_id|pr|pr_number|run)="/);
    h.sim.assertNoViolations();
  });

  it('counts a delivery whose tries fail as retried, then failed, and the 5xx answers behind it', async () => {
    h = await startAcmeHarness(target, CONFIG, { app: { queueRetry: { retryLimit: 1, retryDelay: 0, retryBackoff: false } } });
    // Every API call of the installation fails, so processing the push fails on every try.
    h.sim.faults.set({ errorRate: 1 });
    const pushed = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/a.ts': 'export const a = 1;\n' }, author: 'alice' });
    const id = pushed.delivery?.id ?? '';
    await h.sim.webhooks.drain();
    await until('the last try to fail', async () => (await getDelivery(h!.store.db, id))?.status === 'failed');
    await h.settle();
    const m = await scrape(h.app.url);
    expect(sampleValue(m, 'shipgate_webhooks_received_total', { event: 'push', outcome: 'recorded' })).toBe(1);
    expect(sampleValue(m, 'shipgate_deliveries_total', { event: 'push', outcome: 'retried' })).toBe(1);
    expect(sampleValue(m, 'shipgate_deliveries_total', { event: 'push', outcome: 'failed' })).toBe(1);
    expect(sampleValue(m, 'shipgate_deliveries_total', { event: 'push', outcome: 'processed' })).toBeUndefined();
    const faulted = h.sim.requests.filter((r) => r.api && r.status >= 500);
    expect(faulted.length).toBeGreaterThan(0);
    const counted5xx = (m.get('shipgate_github_requests_total')?.samples ?? []).filter((s) => Number(s.labels['status']) >= 500).reduce((sum, s) => sum + s.value, 0);
    expect(counted5xx).toBe(faulted.length);
    expect(sampleValue(m, 'shipgate_pipeline_runs_total', { pipeline: 'ci', conclusion: 'success' })).toBeUndefined();
  });

  describe('with METRICS_TOKEN', () => {
    let sim: GitHubSimulator | undefined;
    let app: RunningShipgate | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await app?.stop();
      await sim?.close();
      await store?.close();
      app = sim = store = undefined;
    });

    it('answers 401 without the bearer token, and the scrape with it; /healthz stays open', async () => {
      const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
      sim = await startGitHubSimulator({ clock });
      store = await target.open();
      app = await startShipgate(appConfigForSimulator(sim, { logLevel: 'silent', metricsToken: 'prometheus-scrapes-here' }), {
        clock,
        store,
        log: pino({ level: 'silent' }),
        scheduleReconcile: false,
      });
      const none = await fetch(`${app.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer prometheus-scrapes-her' } })).status).toBe(401);
      const families = await scrape(app.url, { authorization: 'Bearer prometheus-scrapes-here' });
      expect(sampleValue(families, 'shipgate_queue_depth', { queue: 'effects' })).toBe(0);
      expect(families.get('shipgate_process_resident_memory_bytes')?.type).toBe('gauge');
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    });
  });
});
