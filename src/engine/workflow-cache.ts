import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { WorkflowCache, WorkflowDefinition } from '../github/workflows.ts';
import { getWorkflowDefinition, putWorkflowDefinition } from '../store/repos/workflow-definitions.ts';
import type { Database, JsonObject } from '../store/schema/index.ts';

/** A definition as stored (without path and blob sha, which are columns): parsed when read back. */
const storedDefinition = z.object({
  dispatchable: z.boolean(),
  inputs: z.record(z.string(), z.object({ required: z.boolean(), type: z.string(), hasDefault: z.boolean() })),
  runName: z.string().nullable(),
  error: z.string().nullable(),
});

/**
 * Workflow definitions cached by blob sha: in memory first, then in the store
 * (shared by replicas and kept across restarts). A blob sha names the content,
 * so an entry is never stale, and the same file in another repository (a
 * template, a fork) is the same entry.
 */
export function storeWorkflowCache(db: Kysely<Database>, maxInMemory = 1000): WorkflowCache {
  const memory = new Map<string, WorkflowDefinition>();
  const keyOf = (k: { blobSha: string }) => k.blobSha;
  const remember = (key: string, definition: WorkflowDefinition) => {
    memory.set(key, definition);
    if (memory.size > maxInMemory) memory.delete(memory.keys().next().value as string);
  };
  return {
    async get(key) {
      const hit = memory.get(keyOf(key));
      if (hit) return hit;
      const row =
        (await getWorkflowDefinition(db, { owner: key.owner, repo: key.repo, blob_sha: key.blobSha })) ??
        (await db.selectFrom('workflow_definitions').selectAll().where('blob_sha', '=', key.blobSha).limit(1).executeTakeFirst());
      const stored = row ? storedDefinition.safeParse(row.inputs) : undefined;
      // A row written by another version, or damaged, is read again from GitHub.
      if (!row || !stored?.success) return undefined;
      const definition: WorkflowDefinition = { ...stored.data, path: row.path, blobSha: row.blob_sha };
      remember(keyOf(key), definition);
      return definition;
    },
    async put(key, definition) {
      remember(keyOf(key), definition);
      const { path, dispatchable, runName, error } = definition;
      const inputs: JsonObject = Object.fromEntries(Object.entries(definition.inputs).map(([name, spec]) => [name, { ...spec }]));
      await putWorkflowDefinition(db, { owner: key.owner, repo: key.repo, blob_sha: key.blobSha, path, inputs: { dispatchable, inputs, runName, error } });
    },
  };
}
