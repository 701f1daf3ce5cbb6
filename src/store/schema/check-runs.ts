import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, Jsonb, JsonObject } from './columns.ts';

/**
 * The check runs shipgate owns, one per `(owner, repo, head_sha, name)`, with
 * what was last sent to GitHub so an update that changes nothing is not sent.
 */
export interface CheckRunTable {
  owner: string;
  repo: string;
  head_sha: string;
  /** `shipgate`, `shipgate/<pipeline>`, `shipgate/config`, `shipgate/deploy/<env>`. */
  name: string;
  check_run_id: number;
  pipeline_run_id: number | null;
  /** The last body written to GitHub (status, conclusion, output, actions). */
  last_written: Jsonb<JsonObject>;
  /** Annotations already sent to this check run (GitHub appends them, at most 50 per request). */
  annotations_sent: ColumnType<number, number | undefined, number>;
  updated_at: CreatedAt;
}

export type CheckRun = Selectable<CheckRunTable>;
export type NewCheckRun = Insertable<CheckRunTable>;
export type CheckRunUpdate = Updateable<CheckRunTable>;
