/**
 * The `/status` reply, as a pure function of the recorded runs of a pull
 * request's head commit: each pipeline's latest run with its stages, the jobs
 * that failed (with links to their workflow runs) and, for a run that waits,
 * why.
 */
import { formatDuration, type PipelineRunView } from '../engine/check-output.ts';

/** One pipeline's latest run on the commit, with how it started and how many runs came before it. */
export interface StatusRun {
  view: PipelineRunView;
  trigger: string;
  /** Earlier runs of the same pipeline on the commit. */
  earlier: number;
}

const ICON: Record<string, string> = { success: '✅', failure: '❌', timed_out: '⏱️', cancelled: '🚫', skipped: '⏭️', neutral: '➖' };

function runState(view: PipelineRunView): string {
  if (view.status === 'completed') return `${ICON[view.conclusion ?? ''] ?? ''} ${view.conclusion ?? 'completed'}`.trim();
  return view.status === 'queued' ? '⏳ waiting' : '🔄 running';
}

function stageState(stage: PipelineRunView['stages'][number]): string {
  if (stage.status === 'completed') return `${ICON[stage.conclusion ?? ''] ?? ''} ${stage.conclusion ?? 'completed'}`.trim();
  return stage.status === 'running' ? '🔄 running' : stage.status === 'skipped' ? '⏭️ skipped' : '⏳ pending';
}

function took(view: PipelineRunView, now: Date): string {
  const start = view.startedAt ?? view.createdAt;
  return formatDuration((view.completedAt ?? now).getTime() - start.getTime());
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The markdown of the `/status` reply (without its hidden marker). */
export function renderStatusReport(args: { pr: number; sha: string; runs: readonly StatusRun[]; now: Date }): string {
  const { sha, now } = args;
  const head = `### shipgate status of #${args.pr} at \`${sha.slice(0, 7)}\``;
  const asOf = `_As of ${now.toISOString()}; comment \`/status\` again to update this comment._`;
  if (args.runs.length === 0) return [head, '', `No pipeline has run on \`${sha.slice(0, 7)}\` (the pull request's head commit).`, '', asOf].join('\n');
  const sections = args.runs.map(({ view, trigger, earlier }) => {
    const lines = [`**${view.pipeline}** — run #${view.id} (${trigger}${earlier > 0 ? `, ${earlier} earlier run${earlier > 1 ? 's' : ''}` : ''}): ${runState(view)} in ${took(view, now)}`];
    if (view.status === 'queued' && view.waitingFor) lines.push(`- waiting: ${oneLine(view.waitingFor)}`);
    if (view.allowedBy) lines.push(`- allowed by @${view.allowedBy} with \`/ok-to-test\``);
    const stages = view.stages.map((stage) => `${stage.id} ${stageState(stage)}`).join(' · ');
    if (stages) lines.push(`- stages: ${stages}`);
    for (const stage of view.stages) {
      for (const job of stage.jobs) {
        // A running stage's jobs carry no conclusion yet (the check-run view); only a known bad one is listed.
        const failed = job.status === 'completed' && job.conclusion !== null && !['success', 'cancelled', 'skipped'].includes(job.conclusion);
        if (!failed && job.error === null) continue;
        const name = job.htmlUrl ? `[${stage.id}/${job.job}](${job.htmlUrl})` : `${stage.id}/${job.job}`;
        const attempt = job.attempt > 1 ? `, attempt ${job.attempt}` : '';
        lines.push(`- failed: ${name} (${job.conclusion ?? job.status}${attempt})${job.error ? `: ${oneLine(job.error)}` : ''}`);
      }
    }
    if (view.error) lines.push(`- problem: ${oneLine(view.error)}`);
    return lines.join('\n');
  });
  return [head, '', ...sections.flatMap((section) => [section, '']), asOf].join('\n');
}
