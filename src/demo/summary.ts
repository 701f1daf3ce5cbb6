/**
 * The demo's closing summary, read from the simulator's records: the GitHub
 * API calls the app made (per route), the workflow dispatches, and the app's
 * check runs. Building it and printing it are separate, pure steps.
 */
import type { CheckRun, DispatchCall, RequestLogEntry } from '../sim/index.ts';
import { GRAPHQL_ROUTE } from '../sim/request-log.ts';
import { formatElapsed } from './timeline.ts';

/** What the app did on the simulated GitHub. */
export interface DemoSummary {
  apiCalls: {
    total: number;
    /** POST, PATCH, PUT and DELETE. */
    writes: number;
    /** Answered with an error status (4xx/5xx). */
    failed: number;
    /** Most called first. */
    byRoute: Array<{ route: string; count: number }>;
  };
  dispatches: Array<{ elapsedMs: number; workflow: string; ref: string; inputs: Record<string, unknown>; status: number }>;
  checkRuns: Array<{ name: string; status: string; conclusion: string | null; title: string | null; writes: number }>;
}

/** What the summary is built from. */
export interface SummarySource {
  /** Every request the simulator served. */
  requests: readonly RequestLogEntry[];
  dispatches: readonly DispatchCall[];
  /** The check runs of the story's repository. */
  checkRuns: readonly CheckRun[];
  /** The app whose calls are counted. */
  appId: number;
  /** Simulator time at which the story started. */
  startedAt: number;
}

/** Counts and lists what the app did, from the simulator's records. */
export function summariseDemo(source: SummarySource): DemoSummary {
  const calls = source.requests.filter((entry) => entry.api && entry.appId === source.appId);
  const byRoute = new Map<string, number>();
  for (const call of calls) {
    const route = call.route ?? `${call.method} ${call.path}`;
    byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
  }
  return {
    apiCalls: {
      total: calls.length,
      // GraphQL queries are POSTs that only read.
      writes: calls.filter((call) => call.method !== 'GET' && call.route !== GRAPHQL_ROUTE).length,
      failed: calls.filter((call) => call.status >= 400).length,
      byRoute: [...byRoute].map(([route, count]) => ({ route, count })).sort((a, b) => b.count - a.count || a.route.localeCompare(b.route)),
    },
    dispatches: source.dispatches.map((dispatch) => ({
      elapsedMs: Math.max(0, dispatch.at - source.startedAt),
      workflow: dispatch.workflow,
      ref: dispatch.ref,
      inputs: dispatch.inputs,
      status: dispatch.status,
    })),
    checkRuns: source.checkRuns
      .filter((checkRun) => checkRun.app.id === source.appId)
      .map((checkRun) => ({
        name: checkRun.name,
        status: checkRun.status,
        conclusion: checkRun.conclusion,
        title: checkRun.output.title,
        writes: checkRun.history.length,
      })),
  };
}

/** The summary as terminal lines. */
export function formatSummary(summary: DemoSummary): string[] {
  const { apiCalls } = summary;
  const width = String(Math.max(1, ...apiCalls.byRoute.map((r) => r.count))).length;
  return [
    `GitHub API calls made by the app: ${apiCalls.total} (${apiCalls.writes} write${apiCalls.writes === 1 ? '' : 's'}${apiCalls.failed ? `, ${apiCalls.failed} answered with an error` : ''})`,
    ...apiCalls.byRoute.map(({ route, count }) => `  ${String(count).padStart(width)}  ${route}`),
    `Workflow dispatches: ${summary.dispatches.length}`,
    ...summary.dispatches.map((d) => {
      const inputs = Object.entries(d.inputs).map(([name, value]) => `${name}=${name === 'sha' ? String(value).slice(0, 7) : String(value)}`);
      return `  +${formatElapsed(d.elapsedMs).padEnd(6)}  ${d.workflow.padEnd(11)} ref ${d.ref}  ${inputs.join(' ')}${d.status >= 300 ? `  → HTTP ${d.status}` : ''}`;
    }),
    `Check runs written by the app: ${summary.checkRuns.length}`,
    ...summary.checkRuns.map(
      (c) => `  ${c.name.padEnd(12)} ${c.status === 'completed' ? (c.conclusion ?? 'completed') : c.status}${c.title ? ` — ${c.title}` : ''} (${c.writes} write${c.writes === 1 ? '' : 's'})`,
    ),
  ];
}
