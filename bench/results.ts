/** What one bench run measures, per database; the shape of `--json`. */
import type { Summary } from './stats.ts';
import type { WriteRate } from './write-rate.ts';

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

/** Resident set size of the in-process pass (app, sim and bare Probot together), MB; the target is on `AppProcessResult.rss`. */
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

/** Requests of several pipeline runs, one entry per run (its installation's, token requests excluded). */
export interface RunCounts {
  requests: number[];
  /** POST/PATCH/PUT/DELETE. */
  writes: number[];
  /** Check-run creates and updates. */
  checkRunWrites: number[];
}

/** shipgate in a process of its own (`bin/shipgate.js start`): the figures only that can show. */
export interface AppProcessResult {
  jobs: number;
  stages: number;
  /** Spawn to `/healthz` 200, ms (migrations included). */
  startupMs: number;
  /** The first pipeline run of each repository. */
  cold: RunCounts;
  /** A second run of each, after the first. */
  warm: RunCounts;
  /** The app process's memory from /proc: VmRSS at start, after the runs, at the end; VmHWM (peak) at the end; MB. */
  rss: { startMb: number; afterRunsMb: number; endMb: number; peakMb: number };
  /** Webhook acknowledgement of the app process against a bare Probot app in the bench process. */
  ack: AckResult;
}

/** Several replicas on one PostgreSQL, one installation: the pace of its writes, all replicas together. */
export interface ReplicasResult {
  replicas: number;
  pipelines: number;
  rate: WriteRate;
  /** Webhooks the balancer sent to each replica. */
  webhooksPerReplica: number[];
}

/** Figure 9: one parse + evaluate of a gate case, in a fresh child process (`--expose-gc`). */
export interface GateRun {
  /** Parse + evaluate, ms. */
  ms: number;
  /** Heap in use just before the case, after a full GC (the modules loaded, the input bytes outside the heap), MB. */
  baselineMb: number;
  /**
   * Largest JS heap in use during the case (sampled before every GC and at its end) over
   * `baselineMb`, MB: the extra heap it took, garbage not yet collected included.
   */
  peakExtraHeapMb: number;
  /** Largest heap V8 reserved during the case (`total_heap_size`) over what it had reserved before, MB. */
  heapGrowthMb: number;
  /** Heap still in use after a full GC once the case ended, over `baselineMb`, MB. */
  retainedMb: number;
  /** Garbage collections during the case. */
  gcs: number;
  /** What the gate made of the report, e.g. `260000 tests, 2681 failed → fail`. */
  outcome: string;
}

/** The run with the whole JS heap capped (`--max-heap-size`, MB) at its baseline plus SPEC §11's extra heap: its figures, or it ran out of memory. */
export type BoundedGateRun = ({ kind: 'finished'; capMb: number } & GateRun) | { kind: 'out-of-memory'; capMb: number };

/** Figure 9, one case: the generated report run twice, heap unbounded (as the app runs) and heap capped (SPEC §11's bound). */
export interface GateCaseResult {
  /** What was parsed, e.g. `JUnit 50 MB`. */
  case: string;
  format: 'junit' | 'sarif';
  /** Size of the input, MB; it is read into a Buffer, outside the JS heap. */
  inputMb: number;
  /** With the heap capped at the unbounded run's baseline + 100 MB: judged against both targets. */
  bounded: BoundedGateRun;
  /** With V8's default heap limit: reported. */
  unbounded: GateRun;
}

/** Figure 9: the gate cases of SPEC §11; measured once per bench run (no database). */
export interface GatesResult {
  /** The cases measured, in order (those before a failure are kept). */
  cases: GateCaseResult[];
  /** Set when a case failed or the child gave no result. */
  error?: string;
  notes: string[];
  durationMs: number;
}

/** Figure 10, one window: `computeStats` timed over it. */
export interface AnalyticsWindowResult {
  /** e.g. `last 30 days`. */
  label: string;
  since: string;
  until: string;
  /** Finished pipeline runs and job attempts the window holds. */
  runsInWindow: number;
  attemptsInWindow: number;
  /** Median of the timed calls, ms (one untimed call first). */
  medianMs: number;
  samplesMs: number[];
}

/** Figure 10: delivery statistics over a store of `jobRows` job attempts (`--parts analytics`). */
export interface AnalyticsResult {
  jobRows: number;
  runRows: number;
  /** How long the `generate_series` seeding took, ms. */
  seedMs: number;
  windows: AnalyticsWindowResult[];
  /** `EXPLAIN (ANALYZE, BUFFERS)` of the job figures' statement over the widest window. */
  plan: string[];
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
  /** shipgate in its own process (`--parts process`). */
  process?: AppProcessResult;
  /** Replicas' write pace (`--parts replicas`; PostgreSQL only). */
  replicas?: ReplicasResult;
  /** Delivery statistics over 1M job rows (`--parts analytics`). */
  analytics?: AnalyticsResult;
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
  /** One entry per database benched (none with `--parts gates` alone). */
  targets: TargetResult[];
  /** Figure 9 (`--parts gates`); absent when the part was not run. */
  gates?: GatesResult;
}
