/**
 * The runs list's data: the query parameters read (a filter or cursor that
 * is not understood is left out and named in a notice, never an error), and
 * one keyset page of `pipeline_runs` by id, newest first.
 */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { pageLink, RUN_STATUS_FILTERS, type RunFilters, type RunRow, type RunsPageView, type RunStatusFilter } from './runs-page.ts';

/** Runs per page. */
export const RUNS_PAGE_SIZE = 25;
/** A filter value is cut to this many characters. */
const MAX_FILTER_LENGTH = 200;

/** Where a page starts: the newest runs, runs older than a run, or runs newer than one. */
export type RunsCursor = { kind: 'newest' } | { kind: 'before'; id: number } | { kind: 'after'; id: number };

/** The runs list's request, as understood. */
export interface RunsRequest {
  filters: RunFilters;
  cursor: RunsCursor;
  notices: string[];
}

/** `refs/heads/<branch>`, or the ref itself when a full ref is given (as the analytics read a branch filter). */
function branchRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value ? value.slice(0, MAX_FILTER_LENGTH) : undefined;
}

function runId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}

/** Reads the runs list's query parameters. */
export function parseRunsRequest(params: URLSearchParams): RunsRequest {
  const notices: string[] = [];
  const filters: RunFilters = {};
  const repo = text(params, 'repo');
  if (repo !== undefined) {
    if (/^[^/\s]+\/[^/\s]+$/.test(repo)) filters.repo = repo;
    else notices.push(`The repository filter must be owner/repo; "${repo}" was left out.`);
  }
  const pipeline = text(params, 'pipeline');
  if (pipeline !== undefined) filters.pipeline = pipeline;
  const branch = text(params, 'branch');
  if (branch !== undefined) filters.branch = branch;
  const status = text(params, 'status');
  if (status !== undefined) {
    if ((RUN_STATUS_FILTERS as readonly string[]).includes(status)) filters.status = status as RunStatusFilter;
    else notices.push(`Unknown status "${status}" was left out; use one of ${RUN_STATUS_FILTERS.join(', ')}.`);
  }
  let cursor: RunsCursor = { kind: 'newest' };
  for (const kind of ['before', 'after'] as const) {
    const raw = text(params, kind);
    if (raw === undefined) continue;
    const id = runId(raw);
    if (id === undefined) notices.push(`"${kind}" must be a run id; showing the newest runs.`);
    else if (cursor.kind === 'newest') cursor = { kind, id };
  }
  return { filters, cursor, notices };
}

type RunsQuery = SelectQueryBuilder<Database, 'pipeline_runs', object>;

function filtered(db: Kysely<Database>, filters: RunFilters): RunsQuery {
  let query: RunsQuery = db.selectFrom('pipeline_runs');
  if (filters.repo) {
    const [owner = '', repo = ''] = filters.repo.split('/');
    query = query.where('owner', '=', owner).where('repo', '=', repo);
  }
  if (filters.pipeline) query = query.where('pipeline', '=', filters.pipeline);
  if (filters.branch) {
    const branch = filters.branch;
    query = query.where((eb) => eb.or([eb('ref', '=', branchRef(branch)), eb('ref', '=', branch)]));
  }
  if (filters.status === 'queued' || filters.status === 'in_progress') query = query.where('status', '=', filters.status);
  else if (filters.status) query = query.where('status', '=', 'completed').where('conclusion', '=', filters.status);
  return query;
}

async function exists(query: RunsQuery): Promise<boolean> {
  return (await query.select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** One page of runs with its newer/older links. */
export async function loadRunsPage(db: Kysely<Database>, request: RunsRequest, now: Date, pageSize = RUNS_PAGE_SIZE): Promise<RunsPageView> {
  const { filters, cursor } = request;
  const base = filtered(db, filters);
  const columns = ['id', 'owner', 'repo', 'pipeline', 'trigger', 'ref', 'sha', 'pr_number', 'actor', 'status', 'conclusion', 'created_at', 'started_at', 'completed_at'] as const;
  let rows;
  if (cursor.kind === 'after') {
    rows = (await base.select(columns).where('id', '>', cursor.id).orderBy('id', 'asc').limit(pageSize + 1).execute()).reverse();
    // Newer rows past the page: drop the newest one beyond it (the list is newest first).
    if (rows.length > pageSize) rows = rows.slice(rows.length - pageSize);
  } else {
    let query = base.select(columns);
    if (cursor.kind === 'before') query = query.where('id', '<', cursor.id);
    rows = await query.orderBy('id', 'desc').limit(pageSize + 1).execute();
  }
  const hasExtraOlder = cursor.kind !== 'after' && rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  const first = page[0];
  const last = page[page.length - 1];
  const newer = first && cursor.kind !== 'newest' && (await exists(base.where('id', '>', first.id))) ? pageLink(filters, { after: first.id }) : null;
  const older = last && (hasExtraOlder || (cursor.kind === 'after' && (await exists(base.where('id', '<', last.id))))) ? pageLink(filters, { before: last.id }) : null;
  const view: RunRow[] = page.map((row) => ({
    id: row.id,
    owner: row.owner,
    repo: row.repo,
    pipeline: row.pipeline,
    trigger: row.trigger,
    ref: row.ref,
    sha: row.sha,
    prNumber: row.pr_number,
    actor: row.actor,
    status: row.status,
    conclusion: row.conclusion,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  }));
  return { filters, rows: view, newer, older, notices: request.notices, now };
}
