import { readFileSync } from 'node:fs';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection } from 'kysely';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import {
  CI_DURATION_BUCKETS,
  DISPATCH_LATENCY_BUCKETS,
  FORBIDDEN_LABELS,
  METRIC_DEFINITIONS,
  METRIC_PREFIX,
  createShipgateMetrics,
  type ShipgateMetrics,
} from '../../src/metrics/registry.ts';
import type { Store } from '../../src/store/db.ts';
import type { Database } from '../../src/store/schema/index.ts';
import { createApprovalRequest } from '../../src/store/repos/approvals.ts';
import { markDelivery, recordDelivery } from '../../src/store/repos/deliveries.ts';
import { createDeployment, transitionDeployment } from '../../src/store/repos/deployments.ts';
import { recordEffect } from '../../src/store/repos/effects.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { histogramOf, parsePromText, sampleValue } from '../helpers/prom-text.ts';

const T0 = Date.UTC(2026, 11, 1, 12);
const definitions = Object.values(METRIC_DEFINITIONS);

/** A database that takes every query and never answers. */
function silentDatabase(): Kysely<Database> {
  class SilentDriver extends DummyDriver {
    override async acquireConnection(): Promise<DatabaseConnection> {
      return {
        executeQuery: () => new Promise(() => {}),
        streamQuery: async function* () {
          throw new Error('not streamed');
        },
      };
    }
  }
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new SilentDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** A deployment request of `environment`, moved to `status`, with a pending approval request when asked. */
async function seedDeployment(store: Store, environment: string, status: 'waiting' | 'deploying' | 'succeeded', approval = false): Promise<void> {
  const now = new Date(T0);
  const deployment = await createDeployment(store.db, {
    installation_id: 1,
    owner: 'acme',
    repo: 'api',
    environment,
    ref: 'main',
    sha: 'a'.repeat(40),
    requested_by: 'alice',
    source: 'command',
    ref_branches: ['main'],
    policy: {},
    now,
  });
  await transitionDeployment(store.db, deployment.id, status, { actor: 'alice', now });
  if (approval) {
    await createApprovalRequest(store.db, {
      deployment_id: deployment.id,
      owner: 'acme',
      repo: 'api',
      environment,
      sha: 'a'.repeat(40),
      required: 1,
      expires_at: null,
      requested_by: 'alice',
      approvers: ['carol'],
      allow_self_approval: false,
      comment_kind: 'issue',
      now,
    });
  }
}

/** Feeds every metric once, so that every labelled metric has a series. */
function exercise(metrics: ShipgateMetrics): void {
  metrics.observeWebhook('push', 'recorded');
  metrics.observeDelivery('push', 'processed');
  metrics.observeGitHubRequest('actions', 'POST', 204);
  metrics.setRateLimitRemaining({ lane: 'installation:1', resource: 'core', remaining: 4000, resetAt: T0 + 3_600_000 });
  metrics.observeDispatchLatency(0.2);
  metrics.observeRunCompleted({ pipeline: 'ci', conclusion: 'success', durationSeconds: 400 });
  metrics.observeStageCompleted({ pipeline: 'ci', stage: 'build', conclusion: 'success', durationSeconds: 100 });
  metrics.observeJobCompleted({ pipeline: 'ci', stage: 'build', conclusion: 'success', durationSeconds: 90 });
  metrics.observeGateResult('coverage', 'pass');
}

describe.each(databaseTargets())('shipgate metrics on $name', (target) => {
  let store: Store;
  let clock: ManualClock;
  let metrics: ShipgateMetrics;
  beforeAll(async () => {
    store = await target.open();
    clock = new ManualClock(T0);
    metrics = createShipgateMetrics({ db: store.db, clock });
    exercise(metrics);
    await seedDeployment(store, 'production', 'waiting', true);
  });
  afterAll(async () => {
    await store.close();
  });

  it('serves every defined metric, named shipgate_*, counters *_total and histograms *_seconds', async () => {
    const served = metrics.registry.getMetricsAsArray();
    for (const metric of served) {
      expect(metric.name.startsWith(METRIC_PREFIX), metric.name).toBe(true);
      if (String(metric.type) === 'counter') expect(metric.name, metric.name).toMatch(/_total$/);
      if (String(metric.type) === 'histogram') expect(metric.name, metric.name).toMatch(/_seconds$/);
    }
    const byName = new Map(served.map((m) => [m.name, String(m.type)]));
    for (const definition of definitions) expect(byName.get(definition.name), definition.name).toBe(definition.type);
    // `_total` is for counters only; a gauge of time is in seconds (the queue age).
    for (const definition of definitions) if (definition.type !== 'counter') expect(definition.name, definition.name).not.toMatch(/_total$/);
    expect(METRIC_DEFINITIONS.queueAge).toMatchObject({ type: 'gauge', name: expect.stringMatching(/_seconds$/) });
  });

  it('has no label that would make a series per commit, run, pull request or delivery', async () => {
    for (const definition of definitions) for (const label of definition.labelNames) expect(FORBIDDEN_LABELS, `${definition.name}{${label}}`).not.toContain(label);
    for (const forbidden of ['sha', 'run_id', 'pr', 'pr_number', 'run']) expect(FORBIDDEN_LABELS).toContain(forbidden);
    const families = await metrics.registry.getMetricsAsJSON();
    const own = families.filter((f) => definitions.some((d) => d.name === f.name));
    expect(own).toHaveLength(definitions.length);
    for (const family of families) {
      for (const value of family.values) {
        for (const label of Object.keys(value.labels)) expect(FORBIDDEN_LABELS, `${family.name}{${label}}`).not.toContain(label);
      }
    }
    // Each labelled metric produced a series with exactly its declared labels (+ `le` on buckets).
    for (const definition of definitions) {
      const family = own.find((f) => f.name === definition.name);
      const labelSets = (family?.values ?? []).map((v) => Object.keys(v.labels).filter((k) => k !== 'le').sort());
      expect(labelSets.length, definition.name).toBeGreaterThan(0);
      for (const labels of labelSets) expect(labels, definition.name).toEqual([...definition.labelNames].sort());
    }
  });

  it('uses CI-sized buckets (10 s … 2 h) for durations and 10 ms … 30 s for the dispatch latency', async () => {
    expect(CI_DURATION_BUCKETS).toEqual([10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]);
    expect(DISPATCH_LATENCY_BUCKETS[0]).toBe(0.01);
    expect(DISPATCH_LATENCY_BUCKETS.at(-1)).toBe(30);
    const families = parsePromText(await metrics.scrape());
    const bounds = (name: string, labels: Record<string, string>) => histogramOf(families, name, labels)?.buckets.map((b) => b.le);
    const ci = { pipeline: 'ci', conclusion: 'success' };
    expect(bounds('shipgate_pipeline_duration_seconds', ci)).toEqual([...CI_DURATION_BUCKETS, Infinity]);
    expect(bounds('shipgate_stage_duration_seconds', { ...ci, stage: 'build' })).toEqual([...CI_DURATION_BUCKETS, Infinity]);
    expect(bounds('shipgate_job_duration_seconds', { ...ci, stage: 'build' })).toEqual([...CI_DURATION_BUCKETS, Infinity]);
    expect(bounds('shipgate_dispatch_latency_seconds', {})).toEqual([...DISPATCH_LATENCY_BUCKETS, Infinity]);
    // 400 s falls in le=600 and above, not in le=300.
    const run = histogramOf(families, 'shipgate_pipeline_duration_seconds', ci);
    expect(run?.buckets.find((b) => b.le === 300)?.count).toBe(0);
    expect(run?.buckets.find((b) => b.le === 600)?.count).toBe(1);
    expect(run).toMatchObject({ sum: 400, count: 1 });
  });

  it('keeps each app on its own registry, never the global one', async () => {
    const other = createShipgateMetrics({ db: store.db, clock, defaultMetrics: false });
    other.observeWebhook('push', 'recorded');
    other.observeWebhook('push', 'recorded');
    const mine = parsePromText(await metrics.scrape());
    const theirs = parsePromText(await other.scrape());
    expect(sampleValue(mine, 'shipgate_webhooks_received_total', { event: 'push', outcome: 'recorded' })).toBe(1);
    expect(sampleValue(theirs, 'shipgate_webhooks_received_total', { event: 'push', outcome: 'recorded' })).toBe(2);
    expect(globalRegistry.getSingleMetric('shipgate_webhooks_received_total')).toBeUndefined();
    // Without the default metrics there are only shipgate's own.
    expect(other.registry.getMetricsAsArray().map((m) => m.name).sort()).toEqual(definitions.map((d) => d.name).sort());
    expect(metrics.registry.getSingleMetric('shipgate_process_cpu_seconds_total')).toBeDefined();
  });

  it('observes valid durations and leaves out negative, infinite or missing ones', async () => {
    const m = createShipgateMetrics({ db: store.db, clock, defaultMetrics: false });
    m.observeJobCompleted({ pipeline: 'ci', stage: 'test', conclusion: 'failure', durationSeconds: 12 });
    m.observeJobCompleted({ pipeline: 'ci', stage: 'test', conclusion: 'failure', durationSeconds: -3 });
    m.observeJobCompleted({ pipeline: 'ci', stage: 'test', conclusion: 'failure', durationSeconds: Number.POSITIVE_INFINITY });
    m.observeJobCompleted({ pipeline: 'ci', stage: 'test', conclusion: 'failure' });
    m.observeDispatchLatency(Number.NaN);
    m.observeDispatchLatency(0.05);
    // A run that never started is counted by conclusion, without a duration.
    m.observeRunCompleted({ pipeline: 'ci', conclusion: 'cancelled' });
    const families = parsePromText(await m.scrape());
    expect(histogramOf(families, 'shipgate_job_duration_seconds', { pipeline: 'ci', stage: 'test', conclusion: 'failure' })).toMatchObject({ count: 1, sum: 12 });
    expect(histogramOf(families, 'shipgate_dispatch_latency_seconds')).toMatchObject({ count: 1, sum: 0.05 });
    expect(sampleValue(families, 'shipgate_pipeline_runs_total', { pipeline: 'ci', conclusion: 'cancelled' })).toBe(1);
    expect(histogramOf(families, 'shipgate_pipeline_duration_seconds', { pipeline: 'ci', conclusion: 'cancelled' })).toBeUndefined();
  });

  it('labels GitHub requests by class, method and status; no answer is `network`', async () => {
    const m = createShipgateMetrics({ db: store.db, clock, defaultMetrics: false });
    m.observeGitHubRequest('checks', 'patch', 200);
    m.observeGitHubRequest('checks', 'PATCH', 200);
    m.observeGitHubRequest('actions', 'POST', undefined);
    m.observeGitHubRequest('actions', 'BREW', 0);
    const families = parsePromText(await m.scrape());
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'checks', method: 'PATCH', status: '200' })).toBe(2);
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'actions', method: 'POST', status: 'network' })).toBe(1);
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'actions', method: 'OTHER', status: 'network' })).toBe(1);
  });

  it('reports the lowest rate limit left over tokens whose window is open, and drops reset windows', async () => {
    const c = new ManualClock(T0);
    const m = createShipgateMetrics({ db: store.db, clock: c, defaultMetrics: false });
    m.setRateLimitRemaining({ lane: 'installation:1', resource: 'core', remaining: 4000, resetAt: T0 + 60_000 });
    m.setRateLimitRemaining({ lane: 'installation:2', resource: 'core', remaining: 120, resetAt: T0 + 30_000 });
    m.setRateLimitRemaining({ lane: 'installation:1', resource: 'graphql', remaining: 4900, resetAt: T0 + 60_000 });
    m.setRateLimitRemaining({ lane: 'installation:3', resource: 'core', remaining: Number.NaN, resetAt: T0 + 60_000 });
    let families = parsePromText(await m.scrape());
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'core' })).toBe(120);
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'graphql' })).toBe(4900);
    // A newer answer for the same token replaces its reading.
    m.setRateLimitRemaining({ lane: 'installation:2', resource: 'core', remaining: 90, resetAt: T0 + 30_000 });
    families = parsePromText(await m.scrape());
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'core' })).toBe(90);
    // Installation 2's window reset: its 90 no longer holds.
    c.advance(30_000);
    families = parsePromText(await m.scrape());
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'core' })).toBe(4000);
    c.advance(30_000);
    families = parsePromText(await m.scrape());
    expect(families.get('shipgate_github_rate_limit_remaining')?.samples).toEqual([]);
  });

  it('waits at scrape time for observations still reading the database', async () => {
    const m = createShipgateMetrics({ db: store.db, clock, defaultMetrics: false });
    let finish: () => void = () => {};
    m.track(
      new Promise<void>((resolve) => {
        finish = () => {
          m.observeGateResult('junit', 'fail');
          resolve();
        };
      }),
    );
    // A failed observation does not fail the scrape.
    m.track(Promise.reject(new Error('database gone')));
    const scraped = m.scrape();
    setTimeout(finish, 20);
    expect(sampleValue(parsePromText(await scraped), 'shipgate_gate_results_total', { type: 'junit', result: 'fail' })).toBe(1);
  });

  it('does not wait for ever for an observation that never ends', async () => {
    const m = createShipgateMetrics({ db: store.db, clock, defaultMetrics: false, gaugeTimeoutMs: 50 });
    m.track(new Promise(() => {}));
    m.observeGateResult('sarif', 'pass');
    expect(sampleValue(parsePromText(await m.scrape()), 'shipgate_gate_results_total', { type: 'sarif', result: 'pass' })).toBe(1);
  });

  describe('database gauges, read at scrape time', () => {
    let db: Store;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(async () => {
      await db.close();
    });

    it('are zero (or absent, for labelled ones) on an empty database', async () => {
      const m = createShipgateMetrics({ db: db.db, clock: new ManualClock(T0), defaultMetrics: false });
      const families = parsePromText(await m.scrape());
      for (const queue of ['deliveries', 'effects']) {
        expect(sampleValue(families, 'shipgate_queue_depth', { queue })).toBe(0);
        expect(sampleValue(families, 'shipgate_queue_oldest_age_seconds', { queue })).toBe(0);
      }
      expect(sampleValue(families, 'shipgate_approvals_pending')).toBe(0);
      expect(families.get('shipgate_deployments_open')?.samples).toEqual([]);
    });

    it('count waiting deliveries and due effects, and how long the oldest has waited', async () => {
      const c = new ManualClock(T0);
      const m = createShipgateMetrics({ db: db.db, clock: c, defaultMetrics: false });
      await recordDelivery(db.db, { id: 'd-1', event: 'push', payload: {}, received_at: new Date(T0 - 90_000) });
      await recordDelivery(db.db, { id: 'd-2', event: 'push', payload: {}, received_at: new Date(T0 - 30_000) });
      await recordDelivery(db.db, { id: 'd-3', event: 'push', payload: {}, received_at: new Date(T0 - 600_000) });
      await markDelivery(db.db, 'd-3', 'processed', undefined, new Date(T0));
      await recordEffect(db.db, { kind: 'check-run', key: 'e-due', payload: {}, now: new Date(T0 - 20_000) });
      // Scheduled for later (a poll): not waiting yet.
      await recordEffect(db.db, { kind: 'approval-reactions', key: 'e-later', payload: {}, now: new Date(T0), dueAt: new Date(T0 + 60_000) });
      let families = parsePromText(await m.scrape());
      expect(sampleValue(families, 'shipgate_queue_depth', { queue: 'deliveries' })).toBe(2);
      expect(sampleValue(families, 'shipgate_queue_oldest_age_seconds', { queue: 'deliveries' })).toBe(90);
      expect(sampleValue(families, 'shipgate_queue_depth', { queue: 'effects' })).toBe(1);
      expect(sampleValue(families, 'shipgate_queue_oldest_age_seconds', { queue: 'effects' })).toBe(20);
      // Two minutes on, the poll is due too and the oldest has waited longer: nothing is cached between scrapes.
      c.advance(120_000);
      families = parsePromText(await m.scrape());
      expect(sampleValue(families, 'shipgate_queue_depth', { queue: 'effects' })).toBe(2);
      expect(sampleValue(families, 'shipgate_queue_oldest_age_seconds', { queue: 'effects' })).toBe(140);
      expect(sampleValue(families, 'shipgate_queue_oldest_age_seconds', { queue: 'deliveries' })).toBe(210);
    });

    it('count open deployment requests by environment and status, and pending approvals; ended ones are not counted', async () => {
      const m = createShipgateMetrics({ db: db.db, clock: new ManualClock(T0), defaultMetrics: false });
      await seedDeployment(db, 'production', 'waiting', true);
      await seedDeployment(db, 'production', 'waiting', true);
      await seedDeployment(db, 'staging', 'deploying');
      await seedDeployment(db, 'staging', 'succeeded');
      let families = parsePromText(await m.scrape());
      expect(families.get('shipgate_deployments_open')?.samples.map((s) => [s.labels, s.value])).toEqual([
        [{ environment: 'production', status: 'waiting' }, 2],
        [{ environment: 'staging', status: 'deploying' }, 1],
      ]);
      expect(sampleValue(families, 'shipgate_approvals_pending')).toBe(2);
      // One is approved and deploys: its series moves, the emptied one goes.
      await db.db.updateTable('approval_requests').set({ status: 'approved' }).where('id', '=', (await db.db.selectFrom('approval_requests').select('id').orderBy('id').executeTakeFirstOrThrow()).id).execute();
      await db.db.updateTable('deployments').set({ status: 'succeeded' }).where('environment', '=', 'staging').execute();
      families = parsePromText(await m.scrape());
      expect(sampleValue(families, 'shipgate_approvals_pending')).toBe(1);
      expect(families.get('shipgate_deployments_open')?.samples.map((s) => [s.labels, s.value])).toEqual([[{ environment: 'production', status: 'waiting' }, 2]]);
    });

    it('leave a gauge out of the scrape, and say so, when the database cannot answer', async () => {
      const broken = await target.open();
      const errors: string[] = [];
      const m = createShipgateMetrics({ db: broken.db, clock: new ManualClock(T0), defaultMetrics: false, gaugeTimeoutMs: 300, onGaugeError: (_err, metric) => errors.push(metric) });
      m.observeWebhook('push', 'recorded');
      await broken.close();
      const families = parsePromText(await m.scrape());
      expect(errors.sort()).toEqual(['shipgate_approvals_pending', 'shipgate_deployments_open', 'shipgate_queue_depth', 'shipgate_queue_oldest_age_seconds']);
      expect(families.get('shipgate_queue_depth')?.samples).toEqual([]);
      expect(families.get('shipgate_deployments_open')?.samples).toEqual([]);
      // Unlabelled, it cannot be absent: NaN, not a made-up 0.
      expect(sampleValue(families, 'shipgate_approvals_pending')).toBeNaN();
      // The rest is served as usual.
      expect(sampleValue(families, 'shipgate_webhooks_received_total', { event: 'push', outcome: 'recorded' })).toBe(1);
    });

    it('give up on a gauge that takes longer than its timeout', async () => {
      const errors: unknown[] = [];
      const m = createShipgateMetrics({ db: silentDatabase(), clock: new ManualClock(T0), defaultMetrics: false, gaugeTimeoutMs: 20, onGaugeError: (err) => errors.push(err) });
      const families = parsePromText(await m.scrape());
      expect(errors).toHaveLength(4);
      expect(String(errors[0])).toMatch(/took longer than 20 ms/);
      expect(sampleValue(families, 'shipgate_approvals_pending')).toBeNaN();
      expect(families.get('shipgate_queue_oldest_age_seconds')?.samples).toEqual([]);
    });
  });
});

describe('the README', () => {
  it('lists every metric with its type and labels in its Metrics table, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split(/^## Metrics$/m)[1]?.split(/^## /m)[0] ?? '';
    const rows = [...section.matchAll(/^\| `(shipgate_[a-z_]+)` \| (\w+) \| ([^|]+) \|/gm)].map((m) => ({
      name: m[1],
      type: m[2],
      labels: m[3]?.trim() === '—' ? [] : (m[3] ?? '').split(',').map((l) => l.trim().replace(/`/g, '')),
    }));
    expect(rows).toEqual(definitions.map((d) => ({ name: d.name, type: d.type, labels: [...d.labelNames] })));
  });
});
