import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { Database } from '../store/schema/index.ts';
import { countOpenDeployments, countPendingApprovals, readQueueSnapshot, type QueueSnapshot } from './db-gauges.ts';
import type { RouteClass } from './route-class.ts';

/**
 * Buckets of pipeline, stage and job durations, in seconds: CI-sized, from
 * 10 s to 2 h (Prometheus's default buckets, 5 ms … 10 s, are for HTTP latency).
 */
export const CI_DURATION_BUCKETS: readonly number[] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Buckets of the dispatch latency, in seconds: 10 ms … 30 s. */
export const DISPATCH_LATENCY_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric name starts with this (the process and Node.js metrics too). */
export const METRIC_PREFIX = 'shipgate_';

/** Labels no metric may have: each value would be a new time series (SPEC §12). */
export const FORBIDDEN_LABELS: readonly string[] = ['sha', 'run', 'run_id', 'workflow_run_id', 'pr', 'pr_number', 'delivery', 'delivery_id', 'actor', 'attempt'];

/** One of shipgate's own metrics, as served and as the README's table lists it. */
export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labelNames: readonly string[];
  /** Histograms only. */
  buckets?: readonly number[];
}

/**
 * shipgate's metrics (the process and Node.js metrics of prom-client's
 * `collectDefaultMetrics` come on top). Counters and histograms count what this
 * process did (sum them over replicas); the gauges marked "database" read the
 * shared database at scrape time, so every replica reports the same value (take
 * the `max` over replicas).
 */
export const METRIC_DEFINITIONS = {
  webhooksReceived: {
    name: 'shipgate_webhooks_received_total',
    type: 'counter',
    help: 'Verified webhooks received, by event and outcome (recorded, or duplicate: a redelivery of a recorded delivery).',
    labelNames: ['event', 'outcome'],
  },
  deliveries: {
    name: 'shipgate_deliveries_total',
    type: 'counter',
    help: 'Tries at processing a recorded delivery, by event and outcome (processed, ignored, retried: failed and will be tried again, failed: its last try failed).',
    labelNames: ['event', 'outcome'],
  },
  queueDepth: {
    name: 'shipgate_queue_depth',
    type: 'gauge',
    help: 'Database: work waiting, by queue (deliveries: received or processing; effects: due now or being performed).',
    labelNames: ['queue'],
  },
  queueAge: {
    name: 'shipgate_queue_oldest_age_seconds',
    type: 'gauge',
    help: 'Database: how long the oldest waiting item of the queue has waited (deliveries since received, effects since due); 0 when none waits.',
    labelNames: ['queue'],
  },
  githubRequests: {
    name: 'shipgate_github_requests_total',
    type: 'counter',
    help: 'Requests sent to GitHub (each retry counts), by route class, method and HTTP status (network: no answer).',
    labelNames: ['route_class', 'method', 'status'],
  },
  rateLimitRemaining: {
    name: 'shipgate_github_rate_limit_remaining',
    type: 'gauge',
    help: "Requests left in GitHub's current rate-limit window, by resource: the lowest over this process's tokens whose window has not reset.",
    labelNames: ['resource'],
  },
  dispatchLatency: {
    name: 'shipgate_dispatch_latency_seconds',
    type: 'histogram',
    help: 'From the decision to start a job attempt (recorded) to GitHub accepting its workflow dispatch or re-run.',
    labelNames: [],
    buckets: DISPATCH_LATENCY_BUCKETS,
  },
  pipelineDuration: {
    name: 'shipgate_pipeline_duration_seconds',
    type: 'histogram',
    help: 'Pipeline runs from their first stage starting to their completion, by pipeline and conclusion.',
    labelNames: ['pipeline', 'conclusion'],
    buckets: CI_DURATION_BUCKETS,
  },
  stageDuration: {
    name: 'shipgate_stage_duration_seconds',
    type: 'histogram',
    help: 'Stages from starting to completion, by pipeline, stage and conclusion (skipped stages are not observed).',
    labelNames: ['pipeline', 'stage', 'conclusion'],
    buckets: CI_DURATION_BUCKETS,
  },
  jobDuration: {
    name: 'shipgate_job_duration_seconds',
    type: 'histogram',
    help: 'Job attempts from their workflow run starting to its completion as GitHub reported it, by pipeline, stage and conclusion.',
    labelNames: ['pipeline', 'stage', 'conclusion'],
    buckets: CI_DURATION_BUCKETS,
  },
  runs: {
    name: 'shipgate_pipeline_runs_total',
    type: 'counter',
    help: 'Pipeline runs completed, by pipeline and conclusion (a re-run counts again when it completes again).',
    labelNames: ['pipeline', 'conclusion'],
  },
  gateResults: {
    name: 'shipgate_gate_results_total',
    type: 'counter',
    help: 'Quality gates evaluated, by gate type and result.',
    labelNames: ['type', 'result'],
  },
  deployments: {
    name: 'shipgate_deployments_open',
    type: 'gauge',
    help: 'Database: deployment requests not yet ended (requested, waiting, queued, deploying), by environment and status.',
    labelNames: ['environment', 'status'],
  },
  approvalsPending: {
    name: 'shipgate_approvals_pending',
    type: 'gauge',
    help: 'Database: approval requests waiting for approvals.',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDefinition>;

/** What became of one try at a delivery (see `shipgate_deliveries_total`). */
export type DeliveryOutcome = 'processed' | 'ignored' | 'retried' | 'failed';

/** A completed pipeline run, stage or job attempt; the duration is absent when it never started. */
export interface CompletedRun {
  pipeline: string;
  conclusion: string;
  durationSeconds?: number | undefined;
}
export interface CompletedStage extends CompletedRun {
  stage: string;
}

/** What the rate-limit headers of one answer said, for one token (`lane`: the app, or an installation). */
export interface RateLimitReading {
  lane: string;
  resource: string;
  remaining: number;
  /** When the window resets, ms since the epoch (GitHub's `x-ratelimit-reset` × 1000). */
  resetAt: number;
}

/** The metrics of one running app, and the calls the code makes to feed them. */
export interface ShipgateMetrics {
  /** This app's private registry (never prom-client's global one). */
  readonly registry: Registry;
  observeWebhook(event: string, outcome: 'recorded' | 'duplicate'): void;
  observeDelivery(event: string, outcome: DeliveryOutcome): void;
  observeGitHubRequest(routeClass: RouteClass, method: string, status: number | undefined): void;
  setRateLimitRemaining(reading: RateLimitReading): void;
  observeDispatchLatency(seconds: number): void;
  observeRunCompleted(run: CompletedRun): void;
  observeStageCompleted(stage: CompletedStage): void;
  observeJobCompleted(job: CompletedStage): void;
  observeGateResult(type: string, result: string): void;
  /** An observation still being worked out (it reads the database): a scrape waits for it. */
  track(work: Promise<unknown>): void;
  /** The exposition text (Prometheus text format 0.0.4), once tracked observations are in. */
  scrape(): Promise<string>;
  /** The `content-type` of `scrape()`'s text. */
  readonly contentType: string;
}

export interface MetricsOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** Also serve prom-client's process and Node.js metrics, prefixed `shipgate_` (default true). */
  defaultMetrics?: boolean;
  /** Longest a database gauge may take at scrape time before it is left out (default 2 s). */
  gaugeTimeoutMs?: number;
  /** A database gauge could not be read; it is left out of that scrape. */
  onGaugeError?: (err: unknown, metric: string) => void;
}

/** The part of a definition prom-client takes (name, help, label names). */
function spec<const L extends readonly string[]>(definition: { name: string; help: string; labelNames: L }): { name: string; help: string; labelNames: L } {
  return { name: definition.name, help: definition.help, labelNames: definition.labelNames };
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD']);

/** A non-negative finite number of seconds, or undefined (clock skew, a missing start). */
function seconds(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** `work`, or a rejection once `ms` of wall time passed without its answer. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Creates the metrics of one app instance on a registry of its own, so several
 * apps in one process (tests, replicas in a benchmark) never share or collide.
 */
export function createShipgateMetrics(options: MetricsOptions): ShipgateMetrics {
  const registry = new Registry();
  const registers = [registry];
  const { db, clock } = options;
  const gaugeTimeoutMs = options.gaugeTimeoutMs ?? 2_000;
  const D = METRIC_DEFINITIONS;

  /**
   * Reads one database gauge at scrape time. On failure a labelled gauge has no
   * samples in that scrape and an unlabelled one is NaN: never a made-up 0.
   */
  const fromDatabase = async (gauge: Gauge<string>, definition: MetricDefinition, read: () => Promise<void>) => {
    try {
      await withTimeout(read(), gaugeTimeoutMs, definition.name);
    } catch (err) {
      gauge.reset();
      if (definition.labelNames.length === 0) gauge.set(Number.NaN);
      options.onGaugeError?.(err, definition.name);
    }
  };

  // One query serves both queue gauges of a scrape (prom-client collects them concurrently).
  let queueRead: Promise<QueueSnapshot[]> | undefined;
  const queueSnapshot = () => {
    queueRead ??= readQueueSnapshot(db, new Date(clock.now())).finally(() => {
      queueRead = undefined;
    });
    return queueRead;
  };

  const webhooks = new Counter({ ...spec(D.webhooksReceived), registers });
  const deliveries = new Counter({ ...spec(D.deliveries), registers });
  const queueDepth: Gauge<'queue'> = new Gauge({
    ...spec(D.queueDepth),
    registers,
    collect: () =>
      fromDatabase(queueDepth, D.queueDepth, async () => {
        const snapshot = await queueSnapshot();
        for (const queue of snapshot) queueDepth.set({ queue: queue.queue }, queue.depth);
      }),
  });
  const queueAge: Gauge<'queue'> = new Gauge({
    ...spec(D.queueAge),
    registers,
    collect: () =>
      fromDatabase(queueAge, D.queueAge, async () => {
        const snapshot = await queueSnapshot();
        const now = clock.now();
        for (const queue of snapshot) queueAge.set({ queue: queue.queue }, queue.oldestAt ? Math.max(0, (now - queue.oldestAt.getTime()) / 1000) : 0);
      }),
  });
  const githubRequests = new Counter({ ...spec(D.githubRequests), registers });

  // The last reading per token and resource; the gauge shows the lowest whose window is still open.
  const rateLimits = new Map<string, RateLimitReading>();
  const rateLimitRemaining: Gauge<'resource'> = new Gauge({
    ...spec(D.rateLimitRemaining),
    registers,
    collect: () => {
      rateLimitRemaining.reset();
      const now = clock.now();
      const lowest = new Map<string, number>();
      for (const [key, reading] of rateLimits) {
        if (reading.resetAt <= now) {
          rateLimits.delete(key);
          continue;
        }
        lowest.set(reading.resource, Math.min(lowest.get(reading.resource) ?? Infinity, reading.remaining));
      }
      for (const [resource, remaining] of lowest) rateLimitRemaining.set({ resource }, remaining);
    },
  });
  const dispatchLatency = new Histogram({ ...spec(D.dispatchLatency), buckets: [...D.dispatchLatency.buckets], registers });
  const pipelineDuration = new Histogram({ ...spec(D.pipelineDuration), buckets: [...D.pipelineDuration.buckets], registers });
  const stageDuration = new Histogram({ ...spec(D.stageDuration), buckets: [...D.stageDuration.buckets], registers });
  const jobDuration = new Histogram({ ...spec(D.jobDuration), buckets: [...D.jobDuration.buckets], registers });
  const runs = new Counter({ ...spec(D.runs), registers });
  const gateResults = new Counter({ ...spec(D.gateResults), registers });
  const deployments: Gauge<'environment' | 'status'> = new Gauge({
    ...spec(D.deployments),
    registers,
    collect: () =>
      fromDatabase(deployments, D.deployments, async () => {
        const rows = await countOpenDeployments(db);
        deployments.reset();
        for (const row of rows) deployments.set({ environment: row.environment, status: row.status }, row.count);
      }),
  });
  const approvalsPending: Gauge = new Gauge({
    ...spec(D.approvalsPending),
    registers,
    collect: () =>
      fromDatabase(approvalsPending, D.approvalsPending, async () => {
        approvalsPending.set(await countPendingApprovals(db));
      }),
  });

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const inFlight = new Set<Promise<unknown>>();

  return {
    registry,
    contentType: registry.contentType,
    observeWebhook(event, outcome) {
      webhooks.inc({ event, outcome });
    },
    observeDelivery(event, outcome) {
      deliveries.inc({ event, outcome });
    },
    observeGitHubRequest(routeClass, method, status) {
      const verb = method.toUpperCase();
      githubRequests.inc({ route_class: routeClass, method: HTTP_METHODS.has(verb) ? verb : 'OTHER', status: status === undefined || status === 0 ? 'network' : String(status) });
    },
    setRateLimitRemaining(reading) {
      if (!Number.isFinite(reading.remaining) || !Number.isFinite(reading.resetAt)) return;
      rateLimits.set(`${reading.lane}\n${reading.resource}`, reading);
    },
    observeDispatchLatency(value) {
      const s = seconds(value);
      if (s !== undefined) dispatchLatency.observe(s);
    },
    observeRunCompleted(run) {
      runs.inc({ pipeline: run.pipeline, conclusion: run.conclusion });
      const s = seconds(run.durationSeconds);
      if (s !== undefined) pipelineDuration.observe({ pipeline: run.pipeline, conclusion: run.conclusion }, s);
    },
    observeStageCompleted(stage) {
      const s = seconds(stage.durationSeconds);
      if (s !== undefined) stageDuration.observe({ pipeline: stage.pipeline, stage: stage.stage, conclusion: stage.conclusion }, s);
    },
    observeJobCompleted(job) {
      const s = seconds(job.durationSeconds);
      if (s !== undefined) jobDuration.observe({ pipeline: job.pipeline, stage: job.stage, conclusion: job.conclusion }, s);
    },
    observeGateResult(type, result) {
      gateResults.inc({ type, result });
    },
    track(work) {
      const tracked = work.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
    },
    async scrape() {
      // Observations still reading the database go in first; one that hangs does not hold the scrape.
      await withTimeout(Promise.all([...inFlight]), gaugeTimeoutMs, 'pending observations').catch(() => undefined);
      return registry.metrics();
    },
  };
}
