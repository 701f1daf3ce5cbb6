import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { GitHubClient } from '../github/client.ts';
import { createCheckRun, updateCheckRun, type CheckAnnotation } from '../github/checks.ts';
import { toJsonb } from '../store/json.ts';
import { getCheckRun, upsertCheckRun } from '../store/repos/check-runs.ts';
import { latestAttemptPerJob, listJobAttempts } from '../store/repos/job-attempts.ts';
import { findPipelineRunsBySha, getPipelineRun } from '../store/repos/pipeline-runs.ts';
import { listStageRuns } from '../store/repos/stage-runs.ts';
import type { JobAttempt, JsonObject, PipelineRun } from '../store/schema/index.ts';
import { pipelineCheckBody, rollupCheckBody, type CheckRunBody, type PipelineRunView, type StageView } from './check-output.ts';
import type { EngineDeps } from './deps.ts';
import { topologicalStages } from './plan.ts';
import { readRunPlan } from './run-plan.ts';

/** Whether two JSON values are equal; jsonb does not keep key order, so keys are compared sorted. */
export function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => [k, canonical(v)]))
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The recorded state of a run, as the check-run renderer takes it. */
export async function loadRunView(deps: EngineDeps, run: PipelineRun): Promise<PipelineRunView> {
  const plan = readRunPlan(run.plan);
  const stageRows = await listStageRuns(deps.db, run.id);
  const attempts = await listJobAttempts(deps.db, run.id);
  const stages: StageView[] = topologicalStages({ stages: plan.stages }).map((id) => {
    const row = stageRows.find((s) => s.stage === id);
    const latest = row ? latestAttemptPerJob(attempts, row.id) : new Map<string, JobAttempt>();
    return {
      id,
      status: row?.status ?? 'pending',
      conclusion: row?.conclusion ?? null,
      reason: row?.reason ?? null,
      startedAt: row?.started_at ?? null,
      completedAt: row?.completed_at ?? null,
      jobs: [...latest.values()].map((a) => ({
        job: a.job,
        attempt: a.attempt,
        // While a stage runs, its jobs read "running": the check run is written
        // when stages change, not on every job event (SPEC §11 write budget).
        status: row?.status === 'running' && a.status !== 'completed' ? 'running' : a.status,
        conclusion: row?.status === 'running' ? null : a.conclusion,
        htmlUrl: a.html_url,
        error: a.error,
        startedAt: a.started_at,
        completedAt: a.completed_at,
      })),
    };
  });
  return {
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    conclusion: run.conclusion,
    error: run.error,
    waitingFor: run.waiting_for,
    createdAt: run.created_at,
    startedAt: run.started_at,
    completedAt: run.completed_at,
    stages,
  };
}

/**
 * What makes a check-run write worth its request: the run's status and
 * conclusion, which stages have started (or been skipped), and which ended
 * badly. Job events, and a stage ending well with nothing new starting, do not
 * change it: the next start or the verdict carries them (SPEC §11 write budget).
 */
export function significance(view: PipelineRunView): JsonObject {
  return {
    status: view.status,
    conclusion: view.conclusion,
    waiting: view.waitingFor,
    started: view.stages.filter((s) => s.status !== 'pending').map((s) => s.id).join(','),
    bad: view.stages.filter((s) => s.status === 'completed' && s.conclusion !== 'success').map((s) => s.id).join(','),
    error: view.error,
  };
}

/**
 * Writes the `shipgate/<pipeline>` check run of a run when its significant state
 * changed since the last write: one create per run, then updates. Concurrent
 * writers (replicas) claim each transition in the store, so each state is
 * written once.
 */
export async function syncPipelineCheck(deps: EngineDeps, octokit: GitHubClient, runId: number): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const run = await getPipelineRun(deps.db, runId);
    if (!run) return;
    const view = await loadRunView(deps, run);
    const key = significance(view);
    const name = `shipgate/${run.pipeline}`;
    const body = pipelineCheckBody(view, new Date(deps.clock.now()));
    const existing = await getCheckRun(deps.db, { owner: run.owner, repo: run.repo, head_sha: run.sha, name });
    if (!existing || existing.pipeline_run_id !== run.id) {
      // First write of this run: claim it so only one replica creates the check run.
      const claimed = await deps.db
        .updateTable('pipeline_runs')
        .set({ check_run_id: 0 })
        .where('id', '=', run.id)
        .where('check_run_id', 'is', null)
        .returning('id')
        .executeTakeFirst();
      // Another writer is creating it; after the create it re-reads and writes the latest state.
      if (!claimed) return;
      const checkRunId = await createCheckRun(octokit, run, run.sha, body, { externalId: String(run.id) });
      await deps.db.updateTable('pipeline_runs').set({ check_run_id: checkRunId }).where('id', '=', run.id).execute();
      await upsertCheckRun(deps.db, { owner: run.owner, repo: run.repo, head_sha: run.sha, name, check_run_id: checkRunId, pipeline_run_id: run.id, last_written: { key } });
      if (run.status === 'completed') await syncRollupCheck(deps, octokit, run);
      continue;
    }
    const written = existing.last_written as { key?: JsonObject };
    if (sameJson(written.key, key)) return;
    const claimed = await deps.db
      .updateTable('check_runs')
      .set({ last_written: toJsonb({ key }), updated_at: new Date(deps.clock.now()) })
      .where('owner', '=', run.owner)
      .where('repo', '=', run.repo)
      .where('head_sha', '=', run.sha)
      .where('name', '=', name)
      .where(sql<boolean>`last_written = ${toJsonb(existing.last_written)}::jsonb`)
      .returning('check_run_id')
      .executeTakeFirst();
    if (!claimed) continue;
    await updateCheckRun(octokit, run, existing.check_run_id, body);
    // The roll-up follows the pipeline's own verdict, never precedes it.
    if (run.status === 'completed') await syncRollupCheck(deps, octokit, run);
    return;
  }
}

/**
 * Writes the roll-up `shipgate` check of a commit once every pipeline run on it
 * has ended (or at once when none applied).
 */
export async function syncRollupCheck(
  deps: EngineDeps,
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string },
  configError?: string,
): Promise<void> {
  const runs = await findPipelineRunsBySha(deps.db, target);
  const latest = new Map<string, PipelineRun>();
  for (const run of runs) latest.set(run.pipeline, run);
  const entries = [...latest.values()].map((r) => ({ pipeline: r.pipeline, status: r.status, conclusion: r.conclusion }));
  const body = rollupCheckBody(entries, new Date(deps.clock.now()), configError);
  if (!body) return;
  await writeNamedCheck(deps, octokit, target, body);
}

/**
 * Creates or updates the check run `body.name` on a commit, skipping the write
 * when the same verdict was written last. Used for `shipgate` and `shipgate/config`.
 */
export async function writeNamedCheck(
  deps: EngineDeps,
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string },
  body: CheckRunBody,
  annotations: CheckAnnotation[] = [],
): Promise<void> {
  const key: JsonObject = { status: body.status, conclusion: body.conclusion ?? null, title: body.output.title, summary: body.output.summary };
  const checkKey = { owner: target.owner, repo: target.repo, head_sha: target.sha, name: body.name };
  const existing = await getCheckRun(deps.db, checkKey);
  if (existing && sameJson((existing.last_written as { key?: unknown }).key, key)) return;
  if (!existing) {
    // Claim the creation: the first writer inserts the row, others see it and stop.
    const inserted = await deps.db
      .insertInto('check_runs')
      .values({ ...checkKey, check_run_id: -randomInt(1, 2 ** 47), pipeline_run_id: null, last_written: toJsonb({ key }), updated_at: new Date(deps.clock.now()) })
      .onConflict((oc) => oc.columns(['owner', 'repo', 'head_sha', 'name']).doNothing())
      .returning('name')
      .executeTakeFirst();
    if (!inserted) return;
    const id = await createCheckRun(octokit, target, target.sha, body, { annotations });
    await upsertCheckRun(deps.db, { ...checkKey, check_run_id: id, last_written: { key } });
    return;
  }
  // Another writer is creating it (a negative id marks the claim).
  if (existing.check_run_id <= 0) return;
  await upsertCheckRun(deps.db, { ...checkKey, check_run_id: existing.check_run_id, last_written: { key } });
  await updateCheckRun(octokit, target, existing.check_run_id, body, annotations);
}
