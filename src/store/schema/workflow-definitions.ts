import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, Jsonb, JsonObject } from './columns.ts';

/**
 * The declared `workflow_dispatch` inputs of a workflow file, cached by the
 * file's blob sha: the same content never needs to be fetched and parsed twice.
 */
export interface WorkflowDefinitionTable {
  owner: string;
  repo: string;
  blob_sha: string;
  /** e.g. `.github/workflows/build.yml`. */
  path: string;
  /** `on.workflow_dispatch.inputs` as declared (name → { type, required, default, ... }). */
  inputs: Jsonb<JsonObject>;
  fetched_at: CreatedAt;
}

export type WorkflowDefinition = Selectable<WorkflowDefinitionTable>;
export type NewWorkflowDefinition = Insertable<WorkflowDefinitionTable>;
export type WorkflowDefinitionUpdate = Updateable<WorkflowDefinitionTable>;
