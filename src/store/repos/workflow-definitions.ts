import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { JsonObject, WorkflowDefinition } from '../schema/index.ts';

/** A workflow file's content, by blob sha. */
export interface WorkflowDefinitionKey {
  owner: string;
  repo: string;
  blob_sha: string;
}

/** The cached declared inputs of a workflow file with this blob sha, if any. */
export async function getWorkflowDefinition(
  db: DbOrTrx,
  key: WorkflowDefinitionKey,
): Promise<WorkflowDefinition | undefined> {
  return db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('blob_sha', '=', key.blob_sha)
    .executeTakeFirst();
}

/** Caches the declared inputs of a workflow file (replacing an earlier entry for the same blob). */
export async function putWorkflowDefinition(
  db: DbOrTrx,
  definition: WorkflowDefinitionKey & { path: string; inputs: JsonObject; now?: Date },
): Promise<WorkflowDefinition> {
  return db
    .insertInto('workflow_definitions')
    .values({
      owner: definition.owner,
      repo: definition.repo,
      blob_sha: definition.blob_sha,
      path: definition.path,
      inputs: toJsonb(definition.inputs),
      fetched_at: definition.now ?? sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc.columns(['owner', 'repo', 'blob_sha']).doUpdateSet((eb) => ({
        path: eb.ref('excluded.path'),
        inputs: eb.ref('excluded.inputs'),
        fetched_at: eb.ref('excluded.fetched_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}
