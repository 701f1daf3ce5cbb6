/** What one bench run measures, per database; the shape of `--json`. */
import type { Summary } from './stats.ts';

/** Figure 1: webhook acknowledgement latency, ms, client side (POST sent → answer read). */
export interface AckResult {
  shipgate: Summary;
  bare: Summary;
  /** Statuses other than 200 seen (should be none). */
  errors: number;
}

/** Figure 2: `workflow_run.completed` POST start → first dispatch of the next stage reaches the sim, ms. */
export interface DispatchLatencyResult {
  latency: Summary;
  pipelines: number;
  /** Why fewer pipelines than planned were measured (the app did not settle in time). */
  stoppedEarly?: string;
}

/** Figure 3: GitHub requests the app made for one whole pipeline run. */
export interface RequestsResult {
  pipelines: number;
  jobs: number;
  stages: number;
  /** Requests of each pipeline run (its installation's, token request excluded). */
  perPipeline: number[];
  /** Writes (POST/PATCH/PUT/DELETE) of each pipeline run. */
  writesPerPipeline: number[];
  /** Route → requests per pipeline run, averaged over the runs. */
  byRoute: Record<string, number>;
  /** Installation token requests, in all (one per installation, not per run). */
  tokenRequests: number;
  /** Pipeline runs that did not end in success (should be none). */
  unsuccessful: number;
}

/** Figure 4: signed `push` webhooks for repositories without a config, fired with limited concurrency. */
export interface ThroughputResult {
  deliveries: number;
  concurrency: number;
  /** Until the last one was acknowledged (recorded and queued). */
  ackedPerSecond: number;
  /** Until the last one was processed (status `ignored`/`processed` in `deliveries`). */
  processedPerSecond: number;
  elapsedMs: number;
  errors: number;
  /** Deliveries still unprocessed when the bench stopped waiting (0 when all were processed). */
  unprocessed: number;
  /** Earlier deliveries still open when the figure started (the app had not caught up within 15 s). */
  backlogAtStart: number;
}

/** Extra: every delivery of the pass, from receipt to the end of processing (queue wait + processing), ms. */
export interface DeliveryTimesResult {
  receivedToProcessed: Summary;
  /** Deliveries that took longer than `slowerThanMs`. */
  slower: number;
  slowerThanMs: number;
  /** Deliveries never processed by the end of the pass. */
  unfinished: number;
}

/** Figure 5: resident set size of the bench process (app, sim and bare Probot together), MB. */
export interface RssResult {
  /** Once the sim, shipgate and the bare app had started, before any figure. */
  startMb: number;
  afterMb: number;
  peakMb: number;
}

/** One measurement of figure 6. */
export interface PipelineRateSample {
  installations: number;
  pipelines: number;
  elapsedMs: number;
  perMinute: number;
  /** Writes the sample's installations made, per pipeline (paced at one a second per installation). */
  writesPerPipeline: number;
}

/** Figure 6: pipelines per minute with write pacing in force. */
export interface PipelineRateResult {
  oneInstallation: PipelineRateSample;
  tenInstallations: PipelineRateSample;
}

/** Everything measured on one database. */
export interface TargetResult {
  database: 'pglite' | 'postgres';
  /** Set when the database was not benched (unreachable); nothing else is then. */
  skipped?: string;
  /** Set when the run failed midway; the figures measured before are kept. */
  error?: string;
  ack?: AckResult;
  dispatch?: DispatchLatencyResult;
  requests?: RequestsResult;
  throughput?: ThroughputResult;
  deliveries?: DeliveryTimesResult;
  rate?: PipelineRateResult;
  rss?: RssResult;
  /** What was left out on purpose, and why. */
  notes: string[];
  durationMs: number;
}

/** The whole run. */
export interface BenchReport {
  startedAt: string;
  node: string;
  platform: string;
  cpus: number;
  writeIntervalMs: number;
  simValidation: boolean;
  targets: TargetResult[];
}
