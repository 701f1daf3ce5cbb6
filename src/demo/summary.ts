/**
 * The demo's closing summary, read from the simulator's records: the GitHub
 * API calls the app made (per route), the workflow dispatches, the app's
 * check runs, the gates table (with the annotations) of the pipeline's
 * check runs the story points at, and each environment's deployments as
 * shipgate recorded them with their approvals and their GitHub deployments. Building it and
 * printing it are separate, pure steps.
 */
import type { CheckRun, DispatchCall, RequestLogEntry } from '../sim/index.ts';
import type { DeploymentRecord } from './deployment-records.ts';
import type { GitHubDeploymentRecord, RecordedApprovalRequest } from './outcome.ts';
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
  /** The gates tables of the check runs `SummarySource.gateChecks` names, in that order. */
  gates: GatesShown[];
  /** Each environment's deployment requests, environments in the order of their first request. */
  deployments: EnvironmentDeployments[];
}

/** One environment's deployment requests, oldest first. */
export interface EnvironmentDeployments {
  environment: string;
  deployments: Array<{
    id: number;
    sha: string;
    ref: string;
    source: string;
    status: string;
    rollbackOf: number | null;
    /** The GitHub deployment that mirrors it (null: none was created). */
    github: { id: number; states: readonly string[]; environmentUrl: string } | null;
    /** Its approval request: how many it needed, how it ended, who approved and how (null: it needed none). */
    approvals: { required: number; status: string; given: Array<{ approver: string; via: string }> } | null;
  }>;
}

/** The result words of a gates table (SPEC §5a). */
const GATE_RESULT_WORDS = ['pass', 'fail', 'neutral', 'overridden', 'error', 'pending', 'not run'] as const;

/** What a check run of the pipeline shows about its gates. */
export interface GatesShown {
  /** Which moment of the story: `push to main`, `pull request #1 before /retry`, … */
  label: string;
  /** The check run (absent: the app wrote none). */
  checkRun: { id: number; name: string; sha: string; conclusion: string | null } | undefined;
  /** The `### Gates` section of its summary, as written (markdown), or null when it has none. */
  section: string[] | null;
  /** Gate → the result its table row says (`pass`, `fail`, …). */
  results: Record<string, string>;
  /** Its annotations (from findings with a path and a line). */
  annotations: Array<{ path: string; line: number; level: string; title: string | null }>;
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
  /** The check runs whose gates tables the summary shows (undefined: the app wrote none), with a label each. */
  gateChecks?: ReadonlyArray<{ label: string; checkRun: CheckRun | undefined }>;
  /** The deployment requests shipgate recorded, and the GitHub deployments on the simulator. */
  deployments?: readonly DeploymentRecord[];
  githubDeployments?: readonly GitHubDeploymentRecord[];
  /** The approval requests shipgate recorded, with their approvals. */
  approvalRequests?: readonly RecordedApprovalRequest[];
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
    gates: (source.gateChecks ?? []).map(({ label, checkRun }) => gatesShown(label, checkRun)),
    deployments: deploymentsByEnvironment(source.deployments ?? [], source.githubDeployments ?? [], source.approvalRequests ?? []),
  };
}

/** Groups requests by environment (in the order of each environment's first request) and joins each to its GitHub deployment and its approval request. */
export function deploymentsByEnvironment(
  requests: readonly DeploymentRecord[],
  github: readonly GitHubDeploymentRecord[],
  approvalRequests: readonly RecordedApprovalRequest[] = [],
): EnvironmentDeployments[] {
  const groups = new Map<string, EnvironmentDeployments>();
  for (const request of [...requests].sort((a, b) => a.id - b.id)) {
    const group = groups.get(request.environment) ?? { environment: request.environment, deployments: [] };
    groups.set(request.environment, group);
    const mirror = request.githubDeploymentId === null ? undefined : github.find((g) => g.id === request.githubDeploymentId);
    const approval = approvalRequests.find((r) => r.deploymentId === request.id);
    group.deployments.push({
      id: request.id,
      sha: request.sha,
      ref: request.ref,
      source: request.source,
      status: request.status,
      rollbackOf: request.rollbackOf,
      github: mirror ? { id: mirror.id, states: mirror.states, environmentUrl: mirror.environmentUrl } : null,
      approvals: approval ? { required: approval.required, status: approval.status, given: approval.approvals.map((a) => ({ approver: a.approver, via: a.via })) } : null,
    });
  }
  return [...groups.values()];
}

/** The app's check runs named `name` on `sha`, oldest first (a re-run of failed jobs gets a new one). */
export function appCheckRuns(checkRuns: readonly CheckRun[], appId: number, name: string, sha: string): CheckRun[] {
  return checkRuns.filter((c) => c.app.id === appId && c.name === name && c.headSha === sha).sort((a, b) => a.id - b.id);
}

/** What one check run shows about the gates. */
export function gatesShown(label: string, checkRun: CheckRun | undefined): GatesShown {
  const section = checkRun ? gatesSection(checkRun.output.summary) : null;
  return {
    label,
    checkRun: checkRun && { id: checkRun.id, name: checkRun.name, sha: checkRun.headSha, conclusion: checkRun.conclusion },
    section,
    results: Object.fromEntries((section ?? []).flatMap((line) => {
      const row = gateRow(line);
      return row ? [[row.gate, row.result]] : [];
    })),
    annotations: (checkRun?.annotations ?? []).map((a) => ({ path: a.path, line: a.start_line, level: a.annotation_level, title: a.title })),
  };
}

/** The lines of the `### Gates` section of a check-run summary, up to the next heading; null when there is none. */
export function gatesSection(summary: string | null): string[] | null {
  const lines = (summary ?? '').split('\n');
  const start = lines.indexOf('### Gates');
  if (start < 0) return null;
  const after = lines.slice(start + 1);
  const end = after.findIndex((line) => /^#{1,3} /.test(line));
  const section = end < 0 ? after : after.slice(0, end);
  while (section.length > 0 && section.at(-1)?.trim() === '') section.pop();
  while (section.length > 0 && section[0]?.trim() === '') section.shift();
  return section;
}

/** A gates-table row: the gate and its result word (an icon may precede it); undefined for other lines. */
function gateRow(line: string): { gate: string; result: string } | undefined {
  const cells = tableCells(line);
  const gate = cells?.[0];
  const result = cells?.[1]?.replace(/<br>.*$/, '');
  if (gate === undefined || result === undefined) return undefined;
  const word = GATE_RESULT_WORDS.find((w) => result === w || result.endsWith(` ${w}`));
  return word ? { gate, result: word } : undefined;
}

/** The cells of a markdown table row (`| a | b |`), or undefined for any other line. */
function tableCells(line: string): string[] | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('|') || !trimmed.endsWith('|') || trimmed.length < 2) return undefined;
  return trimmed
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/**
 * A gates section for a terminal: the markdown table with its columns
 * padded to one width (still a markdown table), the notes below as written.
 */
export function alignGatesSection(section: readonly string[]): string[] {
  const rows = section.map(tableCells);
  const widths: number[] = [];
  for (const cells of rows) {
    if (!cells || cells.every((cell) => /^-+$/.test(cell))) continue;
    cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 3, displayWidth(cell))));
  }
  return section.map((line, index) => {
    const cells = rows[index];
    if (!cells) return line;
    const separator = cells.every((cell) => /^-+$/.test(cell));
    return `| ${cells.map((cell, i) => (separator ? '-'.repeat(widths[i] ?? 3) : cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell))))).join(' | ')} |`;
  });
}

/** Terminal columns a cell takes: emoji (and the variation selector after ⚠) count as two, one. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0xfe0f) continue;
    const wide = code >= 0x1f000 || (code >= 0x2600 && code <= 0x27bf) || (code >= 0x2300 && code <= 0x23ff);
    width += wide ? 2 : 1;
  }
  return width;
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
    ...summary.gates.flatMap(formatGatesShown),
    ...formatDeployments(summary.deployments),
  ];
}

/** What started a request, in a word or two: `stage`, `/deploy`, `/rollback of #4`. */
function sourceWords(source: string, rollbackOf: number | null): string {
  const of = rollbackOf === null ? '' : ` of #${rollbackOf}`;
  if (source === 'command') return '/deploy';
  if (source === 'rollback') return `/rollback${of}`;
  if (source === 'auto-rollback') return `auto-rollback${of}`;
  return source;
}

/** How an approval came in, in a word: the command, the reaction, the button. */
const APPROVAL_VIA_WORDS: Record<string, string> = { command: '/approve', reaction: '👍', check_run: 'Approve button' };

/** A request's approvals: `approvals 2/2 (approved): @carol /approve, @dave 👍`. */
function approvalWords(approvals: NonNullable<EnvironmentDeployments['deployments'][number]['approvals']>): string {
  const given = approvals.given.map((a) => `@${a.approver} ${APPROVAL_VIA_WORDS[a.via] ?? a.via}`);
  return `approvals ${approvals.given.length}/${approvals.required} (${approvals.status})${given.length ? `: ${given.join(', ')}` : ''}`;
}

/** Each environment's requests: id, commit and ref, what started it, its status, its GitHub deployment and that deployment's statuses, its approvals. */
function formatDeployments(environments: readonly EnvironmentDeployments[]): string[] {
  if (environments.length === 0) return [];
  const rows = environments.flatMap((group) => group.deployments.map((d) => ({ group, d })));
  const width = (cells: string[]) => Math.max(...cells.map((cell) => cell.length));
  const ids = width(rows.map(({ d }) => `#${d.id}`));
  const commits = width(rows.map(({ d }) => commitWords(d.sha, d.ref)));
  const sources = width(rows.map(({ d }) => sourceWords(d.source, d.rollbackOf)));
  const statuses = width(rows.map(({ d }) => d.status));
  return [
    '',
    'Deployments:',
    ...environments.flatMap((group) => [
      `  ${group.environment}`,
      ...group.deployments.map((d) => {
        const github = d.github
          ? `GitHub deployment ${d.github.id}: ${d.github.states.join(' → ') || 'no status'}${d.github.environmentUrl ? `  ${d.github.environmentUrl}` : ''}`
          : 'no GitHub deployment';
        const approvals = d.approvals ? `  ${approvalWords(d.approvals)}` : '';
        return `    ${`#${d.id}`.padEnd(ids)}  ${commitWords(d.sha, d.ref).padEnd(commits)}  ${sourceWords(d.source, d.rollbackOf).padEnd(sources)}  ${d.status.padEnd(statuses)}  ${github}${approvals}`;
      }),
    ]),
  ];
}

function commitWords(sha: string, ref: string): string {
  return ref === sha ? sha.slice(0, 7) : `${sha.slice(0, 7)} (${ref})`;
}

/** One check run's gates: a heading line, the table, the annotations. */
function formatGatesShown(gates: GatesShown): string[] {
  const check = gates.checkRun;
  if (!check) return ['', `Gates, ${gates.label}: the app wrote no check run`];
  const heading = `Gates, ${gates.label} (${check.name} ${check.conclusion ?? 'not completed'} on ${check.sha.slice(0, 7)}):`;
  if (!gates.section) return ['', heading, '  (no gates table in the check run)'];
  const annotations = gates.annotations.map((a) => `    ${a.path}:${a.line}  ${a.level}  ${a.title ?? ''}`.trimEnd());
  return [
    '',
    heading,
    ...alignGatesSection(gates.section).map((line) => (line === '' ? '' : `  ${line}`)),
    ...(annotations.length ? [`  annotations: ${annotations.length}`, ...annotations] : ['  annotations: none']),
  ];
}
