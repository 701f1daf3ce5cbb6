import type { Insertable, Selectable } from 'kysely';
import type { CreatedAt, IdentityKey, Jsonb, JsonObject } from './columns.ts';

/** One command or decision: who, what, when, outcome. Append-only. */
export interface AuditLogTable {
  id: IdentityKey;
  at: CreatedAt;
  /** A login, or `shipgate` for the app's own decisions. */
  actor: string;
  /** What was done, e.g. `command.deploy`, `deployment.approved`, `gate.override`. */
  action: string;
  owner: string | null;
  repo: string | null;
  /** What it was done to, e.g. `production`, `pipeline_run:42`, `gate:coverage`. */
  target: string | null;
  /** e.g. `ok`, `refused`, `failed`. */
  outcome: string;
  details: Jsonb<JsonObject>;
}

export type AuditEntry = Selectable<AuditLogTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
