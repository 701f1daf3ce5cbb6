import type { Kysely } from 'kysely';
import type { WorkflowCache, WorkflowDefinition } from '../github/workflows.ts';
import { getWorkflowDefinition, putWorkflowDefinition } from '../store/repos/workflow-definitions.ts';
import type { Database, JsonObject } from '../store/schema/index.ts';

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
      if (!row) return undefined;
      const stored = row.inputs as unknown as Omit<WorkflowDefinition, 'path' | 'blobSha'>;
      const definition: WorkflowDefinition = { ...stored, path: row.path, blobSha: row.blob_sha };
      remember(keyOf(key), definition);
      return definition;
    },
    async put(key, definition) {
      remember(keyOf(key), definition);
      const { path, blobSha: _blob, ...rest } = definition;
      await putWorkflowDefinition(db, { owner: key.owner, repo: key.repo, blob_sha: key.blobSha, path, inputs: rest as unknown as JsonObject });
    },
  };
}
