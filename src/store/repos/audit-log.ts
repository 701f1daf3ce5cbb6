import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { AuditEntry } from '../schema/index.ts';

/** One audit entry (see `AuditLogTable`). */
export interface AuditEntryInput {
  actor: string;
  action: string;
  outcome: string;
  owner?: string | null;
  repo?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
  /** Default: the database's `now()`. */
  at?: Date;
}

/** Appends an entry to the audit log and returns it. */
export async function appendAudit(db: DbOrTrx, entry: AuditEntryInput): Promise<AuditEntry> {
  return db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      outcome: entry.outcome,
      owner: entry.owner ?? null,
      repo: entry.repo ?? null,
      target: entry.target ?? null,
      details: toJsonb(entry.details ?? {}),
      ...(entry.at ? { at: entry.at } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The newest audit entries of a repository, newest first. */
export async function listAudit(
  db: DbOrTrx,
  options: { owner: string; repo: string; limit?: number },
): Promise<AuditEntry[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('owner', '=', options.owner)
    .where('repo', '=', options.repo)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
}

/** Audit entries, newest first: of one repository when given, since a time when given (`shipgate audit`). */
export async function findAudit(db: DbOrTrx, options: { owner?: string; repo?: string; since?: Date; limit: number }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (options.owner !== undefined) query = query.where('owner', '=', options.owner);
  if (options.repo !== undefined) query = query.where('repo', '=', options.repo);
  if (options.since !== undefined) query = query.where('at', '>=', options.since);
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}
