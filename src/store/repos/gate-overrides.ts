/** `/override GATE reason` records, bound to one commit of one pipeline (SPEC §5a). */
import type { DbOrTrx } from '../db.ts';
import type { GateOverride } from '../schema/index.ts';

/** The commit and pipeline an override applies to. */
export interface OverrideScope {
  owner: string;
  repo: string;
  sha: string;
  pipeline: string;
}

/** Records an override; a second one for the same gate and commit replaces who and why (the latest word counts). */
export async function recordGateOverride(db: DbOrTrx, override: OverrideScope & { gate: string; actor: string; reason: string; now: Date }): Promise<GateOverride> {
  return db
    .insertInto('gate_overrides')
    .values({ owner: override.owner, repo: override.repo, sha: override.sha, pipeline: override.pipeline, gate: override.gate, actor: override.actor, reason: override.reason, created_at: override.now })
    .onConflict((oc) =>
      oc.columns(['owner', 'repo', 'sha', 'pipeline', 'gate']).doUpdateSet((eb) => ({ actor: eb.ref('excluded.actor'), reason: eb.ref('excluded.reason'), created_at: eb.ref('excluded.created_at') })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The overrides of a pipeline on a commit, by gate name. */
export async function overridesFor(db: DbOrTrx, scope: OverrideScope): Promise<Map<string, GateOverride>> {
  const rows = await db
    .selectFrom('gate_overrides')
    .selectAll()
    .where('owner', '=', scope.owner)
    .where('repo', '=', scope.repo)
    .where('sha', '=', scope.sha)
    .where('pipeline', '=', scope.pipeline)
    .execute();
  return new Map(rows.map((row) => [row.gate, row]));
}
