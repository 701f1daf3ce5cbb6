/**
 * What `shipgate stats` and `GET /api/v1/stats` are asked, read the same way
 * by both: the repository (`OWNER/REPO`, optional when the store has exactly
 * one), the window (`since` and `until`: a duration such as `30d` or `12h`, or
 * an ISO 8601 date or time, UTC unless it says otherwise) and the filters.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { findRepository, listRepositories, type StatsQuery } from './stats.ts';

/** The request as given: text from the command line or the query string; absent means the default. */
export interface StatsRequest {
  repo?: string | undefined;
  /** Default `30d`: a duration counts back from `until`. */
  since?: string | undefined;
  /** Default now: a duration counts back from now. */
  until?: string | undefined;
  pipeline?: string | undefined;
  branch?: string | undefined;
  environment?: string | undefined;
}

/**
 * Why a request cannot be answered: `bad-request` (malformed, or nothing to
 * choose the repository by) or `unknown-repository` (no history for it), with a
 * sentence that says what to do.
 */
export type StatsRequestProblem = { kind: 'bad-request' | 'unknown-repository'; message: string };

/** The default window: the last 30 days. */
export const DEFAULT_SINCE = '30d';

const DURATION = /^([0-9]{1,6})([smhdw])$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;
/** Windows longer than this are refused (ten years). */
const MAX_WINDOW_MS = 3_660 * 86_400_000;
const MAX_TEXT = 200;

const WHEN_EXPECTED = 'expected a duration such as 30d, 12h or 2w, or an ISO date such as 2026-03-01 or 2026-03-01T12:00:00Z';

/**
 * A point in time from `text`: a duration (`90s`, `30m`, `12h`, `7d`, `2w`)
 * counted back from `from`, or an ISO 8601 date (midnight UTC) or date-time
 * (UTC when it names no offset). Null when it is neither.
 */
export function parseWhen(text: string, from: Date): Date | null {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) return new Date(from.getTime() - Number(duration[1]) * (UNIT_MS[duration[2] ?? 'd'] ?? 0));
  if (DATE.test(value)) return validDate(`${value}T00:00:00Z`, value);
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) return validDate(dateTime[6] ? value : `${value}Z`, dateTime[1] ?? '');
  return null;
}

/** The date of `iso`, unless JavaScript rolled an impossible day over (2026-02-30 → 2 March). */
function validDate(iso: string, day: string): Date | null {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  // Only a UTC date can be checked against its text; with an offset the day may differ legitimately.
  if (/Z$/.test(iso) && date.toISOString().slice(0, 10) !== day) return null;
  return date;
}

/** `OWNER/REPO`, or null. */
export function parseRepository(text: string): { owner: string; repo: string } | null {
  const match = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/.exec(text.trim());
  return match?.[1] && match[2] ? { owner: match[1], repo: match[2] } : null;
}

function filter(name: string, value: string | undefined): { value?: string; problem?: string } {
  if (value === undefined) return {};
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > MAX_TEXT) return { problem: `${name} must be between 1 and ${MAX_TEXT} characters` };
  return { value: trimmed };
}

/**
 * Reads a request into a {@link StatsQuery}, looking the repository up in the
 * store (its stored spelling; the only one when none is named). `names` are how
 * the caller calls the parameters in its messages (`--since` or `since`).
 */
export async function resolveStatsRequest(
  db: Kysely<Database>,
  request: StatsRequest,
  now: Date,
  names: { repo: string; since: string; until: string; pipeline: string; branch: string; environment: string },
): Promise<{ ok: true; query: StatsQuery } | ({ ok: false } & StatsRequestProblem)> {
  const bad = (message: string) => ({ ok: false as const, kind: 'bad-request' as const, message });
  const until = request.until === undefined ? now : parseWhen(request.until, now);
  if (!until) return bad(`${names.until} ${JSON.stringify(request.until)}: ${WHEN_EXPECTED}`);
  const sinceText = request.since ?? DEFAULT_SINCE;
  const since = parseWhen(sinceText, until);
  if (!since) return bad(`${names.since} ${JSON.stringify(sinceText)}: ${WHEN_EXPECTED}`);
  if (since.getTime() >= until.getTime()) return bad(`${names.since} (${since.toISOString()}) must be before ${names.until} (${until.toISOString()})`);
  if (until.getTime() - since.getTime() > MAX_WINDOW_MS) return bad(`the window from ${since.toISOString()} to ${until.toISOString()} is longer than ten years; choose a later ${names.since}`);
  const filters = { pipeline: filter(names.pipeline, request.pipeline), branch: filter(names.branch, request.branch), environment: filter(names.environment, request.environment) };
  for (const f of Object.values(filters)) if (f.problem) return bad(f.problem);

  let repository: { owner: string; repo: string } | null;
  if (request.repo === undefined) {
    const known = await listRepositories(db);
    if (known.length !== 1) {
      return bad(known.length === 0 ? 'the store has no pipeline runs or deployments yet: there is nothing to count' : `give ${names.repo} OWNER/REPO: the store has ${known.length} repositories (${listed(known)})`);
    }
    repository = parseRepository(known[0] ?? '');
  } else {
    const asked = parseRepository(request.repo);
    if (!asked) return bad(`${names.repo} ${JSON.stringify(request.repo)}: expected OWNER/REPO`);
    repository = await findRepository(db, asked.owner, asked.repo);
    if (!repository) {
      const known = await listRepositories(db);
      return { ok: false, kind: 'unknown-repository', message: `no pipeline runs or deployments of ${asked.owner}/${asked.repo} in this store${known.length > 0 ? `; it has ${listed(known)}` : ''}` };
    }
  }
  if (!repository) return bad(`give ${names.repo} OWNER/REPO`);
  return {
    ok: true,
    query: {
      ...repository,
      since,
      until,
      ...(filters.pipeline.value !== undefined ? { pipeline: filters.pipeline.value } : {}),
      ...(filters.branch.value !== undefined ? { branch: filters.branch.value } : {}),
      ...(filters.environment.value !== undefined ? { environment: filters.environment.value } : {}),
    },
  };
}

function listed(names: readonly string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
}
