/**
 * Gate baselines (SPEC §5a): what successful default-branch runs measured,
 * per gate and commit, kept in the database so they outlive artifact
 * retention. Chosen by commit date: for a pull request, the latest at or
 * before its merge-base.
 */
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { GateBaselineRow, JsonObject } from '../schema/index.ts';

/** Which gate's baselines. */
export interface BaselineScope {
  owner: string;
  repo: string;
  pipeline: string;
  gate: string;
}

/** Records a baseline; the same commit twice keeps the first (a re-run of a green commit measures the same code). */
export async function recordBaseline(
  db: DbOrTrx,
  baseline: BaselineScope & { type: string; sha: string; branch: string; committedAt: Date; pipelineRunId: number; data: JsonObject; now: Date },
): Promise<void> {
  await db
    .insertInto('gate_baselines')
    .values({
      owner: baseline.owner,
      repo: baseline.repo,
      pipeline: baseline.pipeline,
      gate: baseline.gate,
      type: baseline.type,
      sha: baseline.sha,
      branch: baseline.branch,
      committed_at: baseline.committedAt,
      pipeline_run_id: baseline.pipelineRunId,
      data: toJsonb(baseline.data),
      created_at: baseline.now,
    })
    .onConflict((oc) => oc.columns(['owner', 'repo', 'pipeline', 'gate', 'sha']).doNothing())
    .execute();
}

/**
 * The latest baselines of a gate, newest first: the one of `atSha` when there
 * is one, else those committed at or before `notAfter` (excluding `excludeSha`,
 * the commit being evaluated).
 */
export async function latestBaselines(db: DbOrTrx, scope: BaselineScope, options: { notAfter: Date; excludeSha?: string; limit: number }): Promise<GateBaselineRow[]> {
  let query = db
    .selectFrom('gate_baselines')
    .selectAll()
    .where('owner', '=', scope.owner)
    .where('repo', '=', scope.repo)
    .where('pipeline', '=', scope.pipeline)
    .where('gate', '=', scope.gate)
    .where('committed_at', '<=', options.notAfter);
  if (options.excludeSha !== undefined) query = query.where('sha', '!=', options.excludeSha);
  return query.orderBy('committed_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** The baseline recorded for exactly this commit, if any. */
export async function baselineAt(db: DbOrTrx, scope: BaselineScope, sha: string): Promise<GateBaselineRow | undefined> {
  return db
    .selectFrom('gate_baselines')
    .selectAll()
    .where('owner', '=', scope.owner)
    .where('repo', '=', scope.repo)
    .where('pipeline', '=', scope.pipeline)
    .where('gate', '=', scope.gate)
    .where('sha', '=', sha)
    .executeTakeFirst();
}
