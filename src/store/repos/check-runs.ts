import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { CheckRun, JsonObject } from '../schema/index.ts';

/** Identifies a check run shipgate owns: one per name on a commit. */
export interface CheckRunKey {
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
}

/**
 * Records what was written to a check run: inserts it, or replaces the
 * `check_run_id`, `last_written` (and `pipeline_run_id` when given) of the
 * check run with the same name on the same commit (a re-run creates a new one).
 */
export async function upsertCheckRun(
  db: DbOrTrx,
  checkRun: CheckRunKey & {
    check_run_id: number;
    last_written: JsonObject;
    pipeline_run_id?: number | null;
    /** Annotations this check run carries (default 0: a new check run, or one written without any). */
    annotations_sent?: number;
    now: Date;
  },
): Promise<CheckRun> {
  const now = checkRun.now;
  const lastWritten = toJsonb(checkRun.last_written);
  return db
    .insertInto('check_runs')
    .values({
      owner: checkRun.owner,
      repo: checkRun.repo,
      head_sha: checkRun.head_sha,
      name: checkRun.name,
      check_run_id: checkRun.check_run_id,
      pipeline_run_id: checkRun.pipeline_run_id ?? null,
      last_written: lastWritten,
      annotations_sent: checkRun.annotations_sent ?? 0,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['owner', 'repo', 'head_sha', 'name']).doUpdateSet((eb) => ({
        check_run_id: eb.ref('excluded.check_run_id'),
        last_written: eb.ref('excluded.last_written'),
        annotations_sent: eb.ref('excluded.annotations_sent'),
        updated_at: eb.ref('excluded.updated_at'),
        ...(checkRun.pipeline_run_id !== undefined ? { pipeline_run_id: eb.ref('excluded.pipeline_run_id') } : {}),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getCheckRun(db: DbOrTrx, key: CheckRunKey): Promise<CheckRun | undefined> {
  return db
    .selectFrom('check_runs')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('head_sha', '=', key.head_sha)
    .where('name', '=', key.name)
    .executeTakeFirst();
}

/** The check run with this GitHub id (for `check_run.rerequested` and button clicks). */
export async function findCheckRunById(db: DbOrTrx, checkRunId: number): Promise<CheckRun | undefined> {
  return db.selectFrom('check_runs').selectAll().where('check_run_id', '=', checkRunId).executeTakeFirst();
}
