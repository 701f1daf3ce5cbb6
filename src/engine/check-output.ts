import { reason, renderReason } from './reasons.ts';

/**
 * What the `shipgate/<pipeline>` and `shipgate` check runs say, as pure
 * functions of the recorded state. `github/checks.ts` writes them, and only
 * when they differ from what was last written.
 */

export interface JobView {
  job: string;
  /** The CI system it runs on, for people (absent: GitHub Actions in a pipeline of Actions jobs only). */
  provider?: string;
  attempt: number;
  status: string;
  conclusion: string | null;
  htmlUrl: string | null;
  error: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface StageView {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'skipped';
  conclusion: string | null;
  reason: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  jobs: JobView[];
}

export interface PipelineRunView {
  id: number;
  pipeline: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  error: string | null;
  /** Why a queued run has not started (fork PR waiting for /ok-to-test, concurrency queue). */
  waitingFor: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  stages: StageView[];
  /** A fork pull request's run: who allowed its commit with `/ok-to-test`. */
  allowedBy?: string;
  /** The pipeline's gates, in config order (absent: none). */
  gates?: GateView[];
}

/** How a gate stands, as the gates table shows it: the five results of SPEC §5a, or not there yet. */
export type GateViewResult = 'pass' | 'fail' | 'neutral' | 'overridden' | 'error' | 'pending' | 'not run';

/** A gate finding with a place in the repository (what becomes an annotation). */
export interface GateFindingView {
  level: 'failure' | 'warning' | 'notice';
  path: string | null;
  startLine: number | null;
  endLine: number | null;
  title: string;
  message: string;
}

/** One row of the gates table: the latest evaluation of a gate. */
export interface GateView {
  name: string;
  job: string | null;
  result: GateViewResult;
  measured: string | null;
  threshold: string;
  baseline: string | null;
  /** Why: the reason sentence (naming artifact, file and run when they are at fault). */
  detail: string | null;
  /** The workflow run the artifact came from. */
  runUrl: string | null;
  /** The producing workflow file differs from the default branch's. */
  untrusted: boolean;
  override: { actor: string; reason: string } | null;
  findings: GateFindingView[];
  /** When it was evaluated, and its place in the completion order: annotations are appended in that order, so it never changes for a check run. */
  evaluatedAt: Date | null;
  rowId: number | null;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/** The body of a check-run create or update, minus repository and sha. */
export interface CheckRunBody {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required' | 'skipped';
  started_at?: string;
  completed_at?: string;
  details_url?: string;
  external_id?: string;
  output: { title: string; summary: string; text?: string };
  actions?: CheckRunAction[];
}

/** Identifiers of the check-run buttons (GitHub allows 20 characters). */
export const CHECK_ACTIONS = {
  rerunFailed: 'rerun-failed',
  cancel: 'cancel',
  approve: 'approve',
} as const;

const ICON: Record<string, string> = {
  success: '✅',
  failure: '❌',
  timed_out: '⏱️',
  cancelled: '🚫',
  skipped: '⏭️',
  neutral: '➖',
  running: '🔄',
  pending: '⏳',
};

/** `4m 12s`, `1h 3m`, `45s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function duration(start: Date | null, end: Date | null, now: Date): string {
  if (!start) return '—';
  return formatDuration((end ?? now).getTime() - start.getTime());
}

function stageState(stage: StageView): string {
  if (stage.status === 'completed') return stage.conclusion ?? 'completed';
  if (stage.status === 'running') return 'running';
  return stage.status;
}

function jobCell(job: JobView): string {
  const label = job.htmlUrl ? `[${job.job}](${job.htmlUrl})` : job.job;
  const state = job.status === 'completed' ? (job.conclusion ?? 'completed') : job.status.replace('_', ' ');
  const attempt = job.attempt > 1 ? `, attempt ${job.attempt}` : '';
  return `${label} (${state}${attempt}${job.provider ? ` on ${job.provider}` : ''})`;
}

/** Escapes a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The `shipgate/<pipeline>` check run for one pipeline run. */
export function pipelineCheckBody(run: PipelineRunView, now: Date): CheckRunBody {
  const name = `shipgate/${run.pipeline}`;
  const rows = run.stages.map((stage) => {
    const state = stageState(stage);
    const icon = ICON[state] ?? '';
    const jobs = stage.jobs.length ? stage.jobs.map(jobCell).join('<br>') : stage.reason ? `_${stage.reason}_` : '—';
    return `| ${icon} ${cell(stage.id)} | ${cell(state)} | ${duration(stage.startedAt, stage.completedAt, now)} | ${cell(jobs)} |`;
  });
  const allowed = run.allowedBy !== undefined ? `Allowed by @${run.allowedBy} with \`/ok-to-test\`.\n\n` : '';
  const table = `${allowed}${['| Stage | Status | Duration | Jobs |', '| --- | --- | --- | --- |', ...rows].join('\n')}`;
  const problems = [
    ...(run.error ? [run.error] : []),
    ...run.stages.flatMap((stage) => stage.jobs.filter((j) => j.error).map((j) => `**${stage.id}/${j.job}**: ${j.error}`)),
  ];
  const gates = run.gates ?? [];
  const failedGates = gates.filter((g) => g.result === 'fail' || g.result === 'error').map((g) => g.name);
  const summary = gates.length > 0 ? `${table}\n\n${gatesTable(gates)}` : table;
  // Always sent: GitHub keeps a check run's old text when an update leaves it out, and a problem that went away (a provider that answered again) must not stay.
  const text = problems.length ? `### Problems\n\n${problems.map((p) => `- ${p}`).join('\n')}` : '';

  if (run.status === 'completed') {
    const conclusion = (run.conclusion ?? 'failure') as NonNullable<CheckRunBody['conclusion']>;
    const took = duration(run.startedAt ?? run.createdAt, run.completedAt, now);
    const failed = [
      ...run.stages.flatMap((s) =>
        s.jobs.filter((j) => j.status === 'completed' && j.conclusion !== 'success' && j.conclusion !== 'cancelled').map((j) => `${s.id}/${j.job}`),
      ),
      ...failedGates.map((g) => `gate ${g}`),
    ];
    const title =
      conclusion === 'success'
        ? `${run.pipeline} succeeded in ${took}`
        : run.error && failed.length === 0
          ? `${run.pipeline} failed: ${firstLine(run.error)}`
          : `${run.pipeline} ${verb(conclusion)}${failed.length ? `: ${failed.join(', ')}` : ''}`;
    return {
      name,
      status: 'completed',
      conclusion,
      completed_at: (run.completedAt ?? now).toISOString(),
      output: { title: truncate(title, 200), summary, text },
      ...(conclusion !== 'success'
        ? { actions: [{ label: 'Re-run failed', description: 'Run the failed jobs again', identifier: CHECK_ACTIONS.rerunFailed }] }
        : {}),
    };
  }
  if (run.status === 'queued') {
    return {
      name,
      status: 'queued',
      output: { title: `${run.pipeline} is waiting`, summary: `${run.waitingFor ?? 'Waiting to start.'}\n\n${summary}` },
      actions: [{ label: 'Cancel', description: 'Cancel this pipeline run', identifier: CHECK_ACTIONS.cancel }],
    };
  }
  const running = run.stages.filter((s) => s.status === 'running').map((s) => s.id);
  return {
    name,
    status: 'in_progress',
    ...(run.startedAt ? { started_at: run.startedAt.toISOString() } : {}),
    output: {
      title: running.length ? `${run.pipeline}: ${running.join(', ')} running` : `${run.pipeline} is running`,
      summary,
      text,
    },
    actions: [{ label: 'Cancel', description: 'Cancel this pipeline run', identifier: CHECK_ACTIONS.cancel }],
  };
}

const GATE_ICON: Record<GateViewResult, string> = {
  pass: '✅',
  fail: '❌',
  error: '⚠️',
  neutral: '➖',
  overridden: '🟡',
  pending: '⏳',
  'not run': '⏭️',
};

/** The gates table of SPEC §5a: gate, result, measured vs threshold, baseline, the artifact's run; then why each gate did not pass. */
export function gatesTable(gates: readonly GateView[]): string {
  const rows = gates.map((gate) => {
    const result = `${GATE_ICON[gate.result]} ${gate.result}${gate.untrusted ? '<br>⚠️ produced by a workflow changed in this PR' : ''}`;
    const measured = gate.measured ?? '—';
    const threshold = gate.threshold.length > 0 ? gate.threshold : '—';
    const run = gate.runUrl ? `[${gate.job ?? 'run'}](${gate.runUrl})` : (gate.job ?? 'pipeline');
    return `| ${cell(gate.name)} | ${result} | ${cell(measured)} | ${cell(threshold)} | ${cell(gate.baseline ?? '—')} | ${cell(run)} |`;
  });
  const notes = gates.flatMap((gate) => {
    if (gate.override) return [`- **${gate.name}** overridden by @${gate.override.actor}: ${gate.override.reason}${gate.detail ? ` (it was: ${gate.detail})` : ''}`];
    if (gate.result === 'pass' || gate.result === 'pending' || gate.result === 'not run' || gate.detail === null) return [];
    return [`- **${gate.name}** ${gate.result}: ${gate.detail}`];
  });
  const lines = ['### Gates', '', '| Gate | Result | Measured | Threshold | Baseline | Run |', '| --- | --- | --- | --- | --- | --- |', ...rows];
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

/** Annotations a check run carries at most; findings beyond are counted in the gates table, not annotated. */
export const MAX_CHECK_ANNOTATIONS = 500;

/** The findings of the gates that have a path and a line, as check-run annotations (in the order the gates were evaluated). */
export function gateAnnotations(gates: readonly GateView[]): Array<{ path: string; start_line: number; end_line: number; annotation_level: 'notice' | 'warning' | 'failure'; title: string; message: string }> {
  const annotations = [];
  const evaluated = gates
    .filter((gate) => gate.rowId !== null)
    .sort((a, b) => (a.rowId ?? 0) - (b.rowId ?? 0));
  for (const gate of evaluated) {
    for (const finding of gate.findings) {
      if (finding.path === null || finding.startLine === null) continue;
      annotations.push({
        path: finding.path,
        start_line: finding.startLine,
        end_line: Math.max(finding.startLine, finding.endLine ?? finding.startLine),
        annotation_level: finding.level,
        title: truncate(`${gate.name}: ${finding.title}`, 255),
        message: truncate(finding.message, 4000),
      });
      if (annotations.length >= MAX_CHECK_ANNOTATIONS) return annotations;
    }
  }
  return annotations;
}

export interface RollupEntry {
  pipeline: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
}

/**
 * The roll-up `shipgate` check: success when every pipeline that applied to the
 * sha succeeded, and when none applied. While any pipeline on the sha is queued
 * or running it is `in_progress` — never green early, whichever event (push or
 * pull request) created the runs (SPEC §5).
 */
export function rollupCheckBody(entries: RollupEntry[], now: Date, configError?: string): CheckRunBody {
  if (configError) {
    return {
      name: 'shipgate',
      status: 'completed',
      conclusion: 'failure',
      completed_at: now.toISOString(),
      output: { title: 'shipgate.yml is invalid', summary: `No pipeline could run: ${configError}\n\nSee the \`shipgate/config\` check for the errors.` },
    };
  }
  const going = entries.filter((e) => e.status !== 'completed');
  if (going.length > 0) {
    return {
      name: 'shipgate',
      status: 'in_progress',
      output: {
        // One title for any number of running pipelines: the roll-up is written twice per commit, not per change.
        title: 'Pipelines are running',
        summary: 'This check completes when every pipeline that applies to this commit has finished; see the `shipgate/<pipeline>` checks.',
      },
    };
  }
  if (entries.length === 0) {
    return {
      name: 'shipgate',
      status: 'completed',
      conclusion: 'success',
      completed_at: now.toISOString(),
      output: { title: 'No pipeline applies', summary: renderReason(reason('rollup.none-applies')) },
    };
  }
  const failed = entries.filter((e) => e.conclusion !== 'success');
  const rows = entries.map((e) => `| ${ICON[e.conclusion ?? ''] ?? ''} shipgate/${cell(e.pipeline)} | ${e.conclusion ?? e.status} |`);
  return {
    name: 'shipgate',
    status: 'completed',
    conclusion: failed.length ? 'failure' : 'success',
    completed_at: now.toISOString(),
    output: {
      title: failed.length ? `${failed.map((e) => e.pipeline).join(', ')} did not succeed` : `${entries.length} pipeline${entries.length > 1 ? 's' : ''} succeeded`,
      summary: ['| Pipeline | Result |', '| --- | --- |', ...rows].join('\n'),
    },
  };
}

function verb(conclusion: string): string {
  switch (conclusion) {
    case 'timed_out':
      return 'timed out';
    case 'cancelled':
      return 'was cancelled';
    default:
      return 'failed';
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
