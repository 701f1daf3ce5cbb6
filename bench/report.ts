/** The bench's figures as text, each next to its SPEC §11 target (pure). */
import type { BenchReport, GateCaseResult, GatesResult, PipelineRateSample, TargetResult } from './results.ts';
import { median } from './stats.ts';
import { formatNumber, formatTable, withUnit } from './table.ts';

/** SPEC §11 targets. */
export const TARGETS = {
  ackP99Ratio: 2,
  dispatchP50Ms: 50,
  dispatchP99Ms: 250,
  /** App RSS, in its own process, per database. */
  rssMb: { pglite: 400, postgres: 250 },
  /** Check-run writes per pipeline run: at most stages + this. */
  checkRunWritesSlack: 2,
  /** Writes per second of one installation, all replicas together. */
  writesPerSecond: 1,
  /** Requests per pipeline run: at most jobs + stages + this. */
  requestsSlack: 4,
  /** The floor: jobs + this. */
  requestsFloor: 2,
  /** Gates: a 50 MB JUnit file and a SARIF log of 100,000 results each evaluate in at most this. */
  gateMs: 5_000,
  /** …with at most this much extra heap, MB. */
  gateExtraHeapMb: 100,
  /** Delivery statistics (`computeStats`) over 1M job rows, PostgreSQL, ms. */
  analyticsMs: 200,
} as const;

/** ✓ when `value ≤ limit`, ✗ when above, ? when either is not a number. */
export function verdict(value: number, limit: number): '✓' | '✗' | '?' {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return '?';
  return value <= limit ? '✓' : '✗';
}

/** `text ✓`: a figure with its verdict (no mark when the figure is missing). */
function marked(text: string, value: number, limit: number): string {
  return text === '—' ? text : `${text} ${verdict(value, limit)}`;
}

/** shipgate's ack p99 over the bare app's. */
export function ackRatio(target: TargetResult): number {
  return target.ack ? target.ack.shipgate.p99 / target.ack.bare.p99 : Number.NaN;
}

/** The app process's ack p99 over the bare app's. */
export function processAckRatio(target: TargetResult): number {
  const ack = target.process?.ack;
  return ack ? ack.shipgate.p99 / ack.bare.p99 : Number.NaN;
}

/** The request budget of a pipeline: jobs + stages + 4, and its floor, jobs + 2. */
export function requestBudget(jobs: number, stages: number): { floor: number; target: number } {
  return { floor: jobs + TARGETS.requestsFloor, target: jobs + stages + TARGETS.requestsSlack };
}

function rate(sample: PipelineRateSample | undefined): string {
  return sample ? `${formatNumber(sample.perMinute)} /min (${sample.pipelines} in ${formatNumber(sample.elapsedMs / 1000)} s, ${formatNumber(sample.writesPerPipeline)} writes each)` : '—';
}

type RowBuilder = (t: TargetResult) => string;

/** The rows of the main table: figure, one column per database, target. */
export function figureRows(targets: readonly TargetResult[]): string[][] {
  const row = (figure: string, cell: RowBuilder, target: string): string[] => [figure, ...targets.map((t) => (t.skipped ? 'skipped' : cell(t))), target];
  const ms = (value: number | undefined) => withUnit(value ?? Number.NaN, 'ms', 2);
  const requests = (t: TargetResult) => {
    if (!t.requests) return { count: Number.NaN, budget: { floor: Number.NaN, target: Number.NaN } };
    return { count: median(t.requests.perPipeline), budget: requestBudget(t.requests.jobs, t.requests.stages) };
  };
  const first = targets.find((t) => t.requests)?.requests;
  const budget = first ? requestBudget(first.jobs, first.stages) : undefined;
  return [
    row('1. webhook ack p50, shipgate', (t) => ms(t.ack?.shipgate.p50), '(reported)'),
    row('   webhook ack p50, bare Probot', (t) => ms(t.ack?.bare.p50), '(reported)'),
    row('   webhook ack p99, shipgate', (t) => ms(t.ack?.shipgate.p99), '(reported)'),
    row('   webhook ack p99, bare Probot', (t) => ms(t.ack?.bare.p99), '(reported)'),
    row('   ack p99 ratio shipgate / bare', (t) => marked(t.ack ? `${formatNumber(ackRatio(t), 2)}×` : '—', ackRatio(t), TARGETS.ackP99Ratio), `≤ ${TARGETS.ackP99Ratio}×`),
    row('2. event → next dispatch p50', (t) => marked(ms(t.dispatch?.latency.p50), t.dispatch?.latency.p50 ?? Number.NaN, TARGETS.dispatchP50Ms), `≤ ${TARGETS.dispatchP50Ms} ms`),
    row('   event → next dispatch p99', (t) => marked(ms(t.dispatch?.latency.p99), t.dispatch?.latency.p99 ?? Number.NaN, TARGETS.dispatchP99Ms), `≤ ${TARGETS.dispatchP99Ms} ms`),
    row('   event → next dispatch max', (t) => ms(t.dispatch?.latency.max), '(reported)'),
    row(
      '3. GitHub requests per pipeline run',
      (t) => {
        const { count, budget: b } = requests(t);
        return marked(Number.isFinite(count) ? String(count) : '—', count, b.target);
      },
      budget ? `≤ ${budget.target} (floor ${budget.floor})` : '≤ jobs + stages + 4',
    ),
    row('   of which writes', (t) => (t.requests ? String(median(t.requests.writesPerPipeline)) : '—'), '(reported)'),
    row('   installation token requests', (t) => (t.requests ? `${t.requests.tokenRequests} for ${t.requests.pipelines} installations` : '—'), '(apart; one per installation)'),
    row('4. throughput, acknowledged', (t) => withUnit(t.throughput?.ackedPerSecond ?? Number.NaN, 'deliveries/s'), '(reported)'),
    row('   throughput, processed', (t) => withUnit(t.throughput?.processedPerSecond ?? Number.NaN, 'deliveries/s'), '(reported)'),
    row('   delivery received → processed p50', (t) => ms(t.deliveries?.receivedToProcessed.p50), '(reported)'),
    row('   delivery received → processed p99', (t) => ms(t.deliveries?.receivedToProcessed.p99), '(reported)'),
    row('   delivery received → processed max', (t) => ms(t.deliveries?.receivedToProcessed.max), '(reported)'),
    row(
      '   deliveries slower than 5 s (of all)',
      (t) => (t.deliveries ? `${t.deliveries.slower} of ${t.deliveries.receivedToProcessed.count + t.deliveries.unfinished}` : '—'),
      '(reported)',
    ),
    row('5. RSS of the bench process (app + sim + bare)', (t) => withUnit(t.rss?.afterMb ?? Number.NaN, 'MB', 0), '(reported; target on 7.)'),
    row('   its peak', (t) => withUnit(t.rss?.peakMb ?? Number.NaN, 'MB', 0), '(reported)'),
    row('6. pipelines/min, 1 installation', (t) => rate(t.rate?.oneInstallation), '(reported; 1 write/s per installation)'),
    row('   pipelines/min, 10 installations', (t) => rate(t.rate?.tenInstallations), '(reported)'),
    ...processRows(row),
    row(
      '8. writes/s of one installation, all replicas',
      // Judged as printed (2 decimals): arrival times at the sim carry a few ms of jitter.
      (t) => (t.replicas ? marked(`${formatNumber(t.replicas.rate.perSecond, 2)} /s`, Math.round(t.replicas.rate.perSecond * 100) / 100, TARGETS.writesPerSecond) : t.database === 'pglite' ? 'n/a (one process)' : '—'),
      `≤ ${TARGETS.writesPerSecond} /s`,
    ),
    row(
      '   writes, span, smallest gap',
      (t) => (t.replicas ? `${t.replicas.rate.writes} in ${formatNumber(t.replicas.rate.spanMs / 1000)} s, ${formatNumber(t.replicas.rate.minGapMs, 0)} ms` : '—'),
      '(reported)',
    ),
    row(
      '   replicas, pipelines, webhooks each',
      (t) => (t.replicas ? `${t.replicas.replicas}, ${t.replicas.pipelines}, ${t.replicas.webhooksPerReplica.join('/')}` : '—'),
      '(reported)',
    ),
    ...analyticsRows(row),
  ];
}

/**
 * Figure 10: `computeStats` over a store of 1M job attempts (a year of them),
 * for the default 30-day window and for the whole year (every row in the
 * window); both judged on PostgreSQL, reported on PGlite.
 */
function analyticsRows(row: (figure: string, cell: RowBuilder, target: string) => string[]): string[][] {
  const window = (t: TargetResult, index: number) => t.analytics?.windows[index];
  const cell = (index: number) => (t: TargetResult) => {
    const w = window(t, index);
    if (!w) return '—';
    const text = `${withUnit(w.medianMs, 'ms', 0)} (${formatNumber(w.attemptsInWindow, 0)} attempts)`;
    return t.database === 'postgres' ? marked(text, w.medianMs, TARGETS.analyticsMs) : text;
  };
  const rows = (t: TargetResult) => (t.analytics ? `${formatNumber(t.analytics.jobRows, 0)} job rows, ${formatNumber(t.analytics.runRows, 0)} runs` : '—');
  return [
    row('10. analytics: store seeded with', rows, '(1M job rows)'),
    row('   computeStats, last 30 days (median)', cell(0), `≤ ${TARGETS.analyticsMs} ms PostgreSQL`),
    row('   computeStats, whole year: every row in the window', cell(1), `≤ ${TARGETS.analyticsMs} ms PostgreSQL`),
  ];
}

/** Figure 7: shipgate in its own process. */
function processRows(row: (figure: string, cell: RowBuilder, target: string) => string[]): string[][] {
  const rssLimit = (t: TargetResult) => TARGETS.rssMb[t.database];
  const rssTarget = `≤ ${TARGETS.rssMb.pglite} MB PGlite, ≤ ${TARGETS.rssMb.postgres} MB PostgreSQL`;
  type Counts = (p: NonNullable<TargetResult['process']>['cold']) => number[];
  /** `cold / warm` medians, marked by the larger of all runs against `limit` (no mark without one). */
  const coldWarm = (t: TargetResult, pick: Counts, limit?: (p: NonNullable<TargetResult['process']>) => number) => {
    const p = t.process;
    if (!p) return '—';
    const text = `${median(pick(p.cold))} / ${median(pick(p.warm))}`;
    return limit ? marked(text, Math.max(...pick(p.cold), ...pick(p.warm)), limit(p)) : text;
  };
  const ackP99 = (t: TargetResult) => (t.process ? `${formatNumber(t.process.ack.shipgate.p99, 2)} / ${formatNumber(t.process.ack.bare.p99, 2)} ms` : '—');
  return [
    row('7. own process: app start-up (migrations included)', (t) => withUnit(t.process?.startupMs ?? Number.NaN, 'ms', 0), '(reported)'),
    row('   requests per pipeline run, cold / warm', (t) => coldWarm(t, (c) => c.requests, (p) => requestBudget(p.jobs, p.stages).target), 'both ≤ jobs + stages + 4'),
    row('   writes per pipeline run, cold / warm', (t) => coldWarm(t, (c) => c.writes), '(reported; floor jobs + 2)'),
    row('   check-run writes per run, cold / warm', (t) => coldWarm(t, (c) => c.checkRunWrites, (p) => p.stages + TARGETS.checkRunWritesSlack), `≤ stages + ${TARGETS.checkRunWritesSlack}`),
    row('   ack p99, app process / bare Probot', ackP99, '(reported)'),
    row('   ack p99 ratio, own process', (t) => marked(t.process ? `${formatNumber(processAckRatio(t), 2)}×` : '—', processAckRatio(t), TARGETS.ackP99Ratio), `≤ ${TARGETS.ackP99Ratio}×`),
    row('   app RSS after the runs (VmRSS)', (t) => marked(withUnit(t.process?.rss.afterRunsMb ?? Number.NaN, 'MB', 0), t.process?.rss.afterRunsMb ?? Number.NaN, rssLimit(t)), rssTarget),
    row('   app RSS peak (VmHWM)', (t) => marked(withUnit(t.process?.rss.peakMb ?? Number.NaN, 'MB', 0), t.process?.rss.peakMb ?? Number.NaN, rssLimit(t)), rssTarget),
  ];
}

/** Route → requests per pipeline run, one column per database. */
export function routeRows(targets: readonly TargetResult[]): string[][] {
  const routes = new Set<string>();
  for (const t of targets) for (const route of Object.keys(t.requests?.byRoute ?? {})) routes.add(route);
  return [...routes].sort().map((route) => [route, ...targets.map((t) => (t.requests ? formatNumber(t.requests.byRoute[route] ?? 0, 2) : '—'))]);
}

/** Figure 9, one case: the capped run's time and peak extra heap against their targets, then what is only reported. */
function gateCaseRows(gate: GateCaseResult, first: boolean): string[][] {
  const { bounded, unbounded } = gate;
  const finished = bounded.kind === 'finished';
  return [
    [
      `${first ? '9.' : '  '} ${gate.case}: parse + evaluate, heap capped at ${bounded.capMb} MB`,
      finished ? marked(withUnit(bounded.ms, 'ms', 0), bounded.ms, TARGETS.gateMs) : 'out of memory ✗',
      `≤ ${TARGETS.gateMs / 1000} s`,
    ],
    [
      `   peak extra heap in use (over ${formatNumber(finished ? bounded.baselineMb : unbounded.baselineMb)} MB before)`,
      finished ? marked(withUnit(bounded.peakExtraHeapMb, 'MB'), bounded.peakExtraHeapMb, TARGETS.gateExtraHeapMb) : `> ${TARGETS.gateExtraHeapMb} MB ✗`,
      `≤ ${TARGETS.gateExtraHeapMb} MB extra heap`,
    ],
    [
      '   heap unbounded: time, peak extra in use, heap growth',
      `${withUnit(unbounded.ms, 'ms', 0)}, ${withUnit(unbounded.peakExtraHeapMb, 'MB')}, ${withUnit(unbounded.heapGrowthMb, 'MB')}`,
      '(reported)',
    ],
    ['   retained after a full GC; input; outcome', `${withUnit(unbounded.retainedMb, 'MB')}; ${withUnit(gate.inputMb, 'MB')}; ${unbounded.outcome}`, '(reported)'],
  ];
}

/** The rows of the gates table (figure 9): figure, measured, target; one dash row when no case was measured. */
export function gateRows(gates: GatesResult): string[][] {
  if (gates.cases.length === 0) return [['9. gates: parse + evaluate', '—', `≤ ${TARGETS.gateMs / 1000} s, ≤ ${TARGETS.gateExtraHeapMb} MB extra heap`]];
  return gates.cases.flatMap((gate, i) => gateCaseRows(gate, i === 0));
}

/** Figure 9's failure and notes, as lines of the report's notes. */
function gateNotes(gates: GatesResult): string[] {
  return [...(gates.error ? [`gates: FAILED — ${gates.error}`] : []), ...gates.notes.map((note) => `gates: ${note}`)];
}

/** Figure 9 on its own as text (`node --expose-gc bench/gates.ts`): its table, then its failure and notes, if any. */
export function formatGates(gates: GatesResult): string {
  const notes = gateNotes(gates);
  return [formatTable(['figure', 'measured', 'SPEC §11 target'], gateRows(gates)), ...(notes.length ? ['', ...notes.map((note) => `- ${note}`)] : [])].join('\n');
}

/** The whole report as text: the figures per database, the request breakdown, the gates, and the notes. */
export function formatReport(report: BenchReport): string {
  const names = report.targets.map((t) => t.database);
  const parts = [
    `shipgate bench — ${report.node} on ${report.platform}, ${report.cpus} CPUs; write pacing ${report.writeIntervalMs} ms; sim OpenAPI validation ${report.simValidation ? 'on' : 'off'}`,
  ];
  if (report.targets.length) {
    parts.push(
      '',
      formatTable(['figure', ...names, 'SPEC §11 target'], figureRows(report.targets)),
      '',
      'GitHub requests per pipeline run, by route (mean over the runs):',
      formatTable(['route', ...names], routeRows(report.targets)),
    );
  }
  if (report.gates) {
    parts.push('', 'Gates, figure 9 (no database; each run in a fresh child process):', formatTable(['figure', 'measured', 'SPEC §11 target'], gateRows(report.gates)));
  }
  for (const t of report.targets) {
    if (t.analytics && t.analytics.plan.length > 0) parts.push('', `Analytics, figure 10 — the job figures' plan on ${t.database}, whole year (EXPLAIN ANALYZE, first lines):`, ...t.analytics.plan.slice(0, 40));
  }
  const notes = [
    ...report.targets.flatMap((t) => [
      ...(t.skipped ? [`${t.database}: skipped — ${t.skipped}`] : []),
      ...(t.error ? [`${t.database}: FAILED — ${t.error}`] : []),
      ...t.notes.map((note) => `${t.database}: ${note}`),
    ]),
    ...(report.gates ? gateNotes(report.gates) : []),
  ];
  if (notes.length) parts.push('', 'Notes:', ...notes.map((note) => `- ${note}`));
  return parts.join('\n');
}
