/**
 * Checks beyond the schema (SPEC §3): references between stages, gates and
 * environments, cycles and pipeline size (those in `structure-checks.ts`),
 * filter-pattern and expression syntax (in inputs, parameters, variables and
 * payloads), exclusive keys, and GitHub's limit on workflow_dispatch inputs (for
 * workflow jobs). Pure: config in, issues out.
 */
import { checkExpression, checkTemplate } from '../matching/conditions.ts';
import { checkFilterPattern } from '../matching/patterns.ts';
import { MAX_ISSUES, type UnplacedIssue } from './config-issue.ts';
import { createIssueReport, didYouMean, type ConfigPath as Path, type IssueReport as Report } from './issue-report.ts';
import { jobTargetOf, type JobValues } from './job-target.ts';
import type { Environment, Pipeline, ShipgateConfig, Stage } from './schema.ts';
import { checkConfigStructure } from './structure-checks.ts';

/** GitHub accepts at most this many inputs in a workflow_dispatch event. */
export const MAX_WORKFLOW_INPUTS = 25;
/** Inputs shipgate adds to every job dispatch (when the workflow declares them). */
export const SHIPGATE_JOB_INPUTS = ['shipgate_run', 'sha'] as const;
/** Inputs shipgate adds when it dispatches a deployment (SPEC §6). */
export const DEPLOYMENT_INPUTS = ['environment', 'sha', 'deployment_id'] as const;

/** Errors and warnings of a schema-valid config: the structure checks (`structure-checks.ts`) and the rest. */
export function checkConfigSemantics(config: ShipgateConfig): { errors: UnplacedIssue[]; warnings: UnplacedIssue[] } {
  const report = createIssueReport();
  checkConfigStructure(config, report);
  const environmentNames = Object.keys(config.environments);
  if (Object.keys(config.pipelines).length === 0) {
    report.warning([], 'value', 'no pipelines are defined, so nothing will run; add one under "pipelines"');
  }
  for (const [pipelineId, pipeline] of Object.entries(config.pipelines)) {
    const base: Path = ['pipelines', pipelineId];
    checkTriggers(pipeline, [...base, 'on'], report);
    checkStages(pipeline, base, environmentNames, report);
    checkGates(pipeline, base, report);
  }
  checkEnvironments(config.environments, report);
  return { errors: report.errors.slice(0, MAX_ISSUES), warnings: report.warnings.slice(0, MAX_ISSUES) };
}

// ---------------------------------------------------------------------------
// Triggers

const EXCLUSIVE_FILTERS = [
  ['branches', 'branches-ignore'],
  ['paths', 'paths-ignore'],
  ['tags', 'tags-ignore'],
] as const;

function checkTriggers(pipeline: Pipeline, path: Path, report: Report): void {
  const triggers = pipeline.on;
  const filterSets: Array<[string, Record<string, string[] | undefined>]> = [];
  if (triggers.push) filterSets.push(['push', triggers.push]);
  if (triggers.pull_request) filterSets.push(['pull_request', triggers.pull_request]);
  if (triggers.tag) filterSets.push(['tag', triggers.tag]);
  for (const [event, filters] of filterSets) {
    for (const [include, exclude] of EXCLUSIVE_FILTERS) {
      const included = filters[include];
      const excluded = filters[exclude];
      // An empty list says nothing, so `branches: [main]` with `branches-ignore: []` is accepted.
      if (included && excluded && included.length > 0 && excluded.length > 0) {
        report.error(
          [...path, event, exclude],
          'key',
          `"${include}" and "${exclude}" cannot be used together; use "${include}" with '!' patterns to exclude some`,
        );
      }
    }
    for (const [key, patterns] of Object.entries(filters)) {
      if (key === 'types' || !patterns) continue;
      checkPatternList(patterns, [...path, event, key], report);
    }
  }
  if (!triggers.push && !triggers.pull_request && !triggers.tag && !triggers.manual) {
    report.warning(path, 'key', 'no trigger is set (push, pull_request, tag or manual: true), so this pipeline never starts');
  }
}

function checkPatternList(patterns: readonly string[], path: Path, report: Report): void {
  patterns.forEach((pattern, index) => {
    let error: string | undefined;
    try {
      error = checkFilterPattern(pattern);
    } catch (cause) {
      error = `the pattern could not be checked (${(cause as Error).message})`;
    }
    if (error !== undefined) report.error([...path, index], 'value', `invalid filter pattern ${JSON.stringify(pattern)}: ${error}`);
  });
  if (patterns.length > 0 && patterns.every((pattern) => pattern.startsWith('!'))) {
    report.error(
      path,
      'value',
      "every pattern starts with '!', so nothing can match; add a positive pattern (such as '**') before the exclusions, or use the -ignore key",
    );
  }
}

// ---------------------------------------------------------------------------
// Stages and jobs

/** The stage checks that need the parsed config (needs, job ids and cycles are structure checks). */
function checkStages(pipeline: Pipeline, base: Path, environmentNames: readonly string[], report: Report): void {
  for (const [stageId, stage] of Object.entries(pipeline.stages)) {
    const stagePath: Path = [...base, 'stages', stageId];
    if (stage.if !== undefined) {
      const error = checkExpression(stage.if);
      if (error !== undefined) report.error([...stagePath, 'if'], 'value', `invalid if: expression: ${error}`);
    }
    if (stage.environment !== undefined && !environmentNames.includes(stage.environment)) {
      report.error(
        [...stagePath, 'environment'],
        'value',
        `environment "${stage.environment}" is not defined under "environments"`,
        didYouMean(stage.environment, environmentNames),
      );
    }
    for (const [jobId, job] of Object.entries(stage.jobs)) {
      const jobPath: Path = [...stagePath, 'jobs', jobId];
      const target = jobTargetOf(job);
      switch (target.provider) {
        case 'actions':
          checkTemplates(target.inputs, [...jobPath, 'inputs'], report);
          // GitHub's limit on workflow_dispatch inputs; Jenkins, GitLab and webhooks have none that near.
          checkJobInputCount(pipeline, stage, jobId, jobPath, report);
          break;
        case 'jenkins':
          checkTemplates(target.parameters, [...jobPath, 'jenkins', 'parameters'], report, 'parameter');
          break;
        case 'gitlab':
          checkTemplates(target.variables, [...jobPath, 'gitlab', 'variables'], report, 'variable');
          break;
        case 'webhook':
          checkTemplates(target.payload, [...jobPath, 'webhook', 'payload'], report, 'payload value');
          break;
      }
    }
  }
}

/** The `${{ }}` expressions of inputs (or parameters, variables, payload values: `noun`) must parse. */
function checkTemplates(values: JobValues, path: Path, report: Report, noun = 'input'): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' || !value.includes('${{')) continue;
    const error = checkTemplate(value);
    if (error !== undefined) report.error([...path, name], 'value', `invalid expression in ${noun} "${name}": ${error}`);
  }
}

/**
 * Counts what one dispatch of the job may send: the job's `inputs`, the pipeline
 * `variables` (sent when the workflow declares them), `shipgate_run` and `sha`, and
 * in a stage with an `environment` also `environment` and `deployment_id`.
 */
function checkJobInputCount(pipeline: Pipeline, stage: Stage, jobId: string, jobPath: Path, report: Report): void {
  const job = stage.jobs[jobId];
  if (!job) return;
  const own = Object.keys(job.inputs);
  const fromVariables = Object.keys(pipeline.variables).filter((name) => !Object.hasOwn(job.inputs, name));
  const added: string[] = [...SHIPGATE_JOB_INPUTS];
  if (stage.environment !== undefined) added.push('environment', 'deployment_id');
  const extra = added.filter((name) => !own.includes(name) && !fromVariables.includes(name));
  const total = own.length + fromVariables.length + extra.length;
  if (total <= MAX_WORKFLOW_INPUTS) return;
  report.error(
    own.length > 0 ? [...jobPath, 'inputs'] : jobPath,
    own.length > 0 ? 'value' : 'key',
    `this job may be dispatched with ${total} inputs (${own.length} from inputs, ${fromVariables.length} pipeline variables, and ${extra.join(', ')} added by shipgate); GitHub's workflow_dispatch accepts at most ${MAX_WORKFLOW_INPUTS}`,
  );
}

// ---------------------------------------------------------------------------
// Gates

/** Gate names are unique (a gate's job is a structure check). */
function checkGates(pipeline: Pipeline, base: Path, report: Report): void {
  const names = new Map<string, number>();
  pipeline.gates.forEach((gate, index) => {
    const first = names.get(gate.name);
    if (first !== undefined) {
      report.error([...base, 'gates', index, 'name'], 'value', `gate name "${gate.name}" is already used by gates[${first}]; gate names must be unique`);
    } else {
      names.set(gate.name, index);
    }
  });
}

// ---------------------------------------------------------------------------
// Environments

function checkEnvironments(environments: Record<string, Environment>, report: Report): void {
  const names = Object.keys(environments);
  for (const [name, environment] of Object.entries(environments)) {
    const path: Path = ['environments', name];
    if (environment.branches) checkPatternList(environment.branches, [...path, 'branches'], report);
    if (environment.after !== undefined) {
      if (environment.after === name) {
        report.error([...path, 'after'], 'value', `environment "${name}" cannot come after itself`);
      } else if (!Object.hasOwn(environments, environment.after)) {
        report.error(
          [...path, 'after'],
          'value',
          `environment "${environment.after}" is not defined under "environments"`,
          didYouMean(environment.after, names),
        );
      }
    }
    checkApprovals(name, environment, path, report);
    checkTemplates(environment.inputs, [...path, 'inputs'], report);
    const own = Object.keys(environment.inputs);
    const extra = ['shipgate_run', ...DEPLOYMENT_INPUTS].filter((input) => !own.includes(input));
    if (own.length + extra.length > MAX_WORKFLOW_INPUTS) {
      report.error(
        [...path, 'inputs'],
        'value',
        `the deploy workflow may be dispatched with ${own.length + extra.length} inputs (${own.length} from inputs, and ${extra.join(', ')} added by shipgate); GitHub's workflow_dispatch accepts at most ${MAX_WORKFLOW_INPUTS}`,
      );
    }
  }
  reportAfterCycle(environments, report);
}

/** The distinct approvers of an environment: user logins (case-insensitive, first spelling kept) and `@org/slug` teams. */
function distinctApprovers(approvers: readonly string[]): { users: string[]; teams: string[] } {
  const users = new Map<string, string>();
  const teams = new Map<string, string>();
  for (const approver of approvers) {
    const into = approver.startsWith('@') ? teams : users;
    const key = approver.toLowerCase();
    if (!into.has(key)) into.set(key, approver);
  }
  return { users: [...users.values()], teams: [...teams.values()] };
}

/**
 * `approvals` must be reachable: with no teams listed, at most one approval per
 * distinct user can ever be given. A team counts as "at least one" member with no
 * known upper bound, so an environment with a team is never flagged. An unwritten
 * `approvals` defaults to 1 with approvers and 0 without, so it cannot fail here.
 */
function checkApprovals(name: string, environment: Environment, path: Path, report: Report): void {
  const required = environment.approvals;
  if (required === 0) return;
  const approvals = `${required} approval${required === 1 ? '' : 's'}`;
  if (environment.approvers.length === 0) {
    report.error(
      [...path, 'approvals'],
      'value',
      `environment "${name}" requires ${approvals} but lists no approvers; add users or teams (@org/team-slug) under "approvers", or set approvals: 0`,
    );
    return;
  }
  const { users, teams } = distinctApprovers(environment.approvers);
  if (teams.length === 0 && required === users.length && !environment['allow-self-approval']) {
    // Reachable, but not for a request made by one of them: they may not approve their own.
    report.warning(
      [...path, 'approvals'],
      'value',
      `environment "${name}" requires ${approvals} from exactly ${users.length} listed approver${users.length === 1 ? '' : 's'} (${users.join(', ')}) and allow-self-approval is off, so a deployment one of them asks for can never be approved; list another approver, lower approvals, or ask from another account`,
    );
    return;
  }
  if (teams.length > 0 || required <= users.length) return;
  report.error(
    [...path, 'approvals'],
    'value',
    `environment "${name}" requires ${approvals} but only ${users.length} approver${users.length === 1 ? ' is' : 's are'} listed (${users.join(', ')}); list more approvers or lower approvals`,
  );
}

function reportAfterCycle(environments: Record<string, Environment>, report: Report): void {
  const reported = new Set<string>();
  for (const start of Object.keys(environments)) {
    const chain: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !chain.includes(current) && Object.hasOwn(environments, current)) {
      chain.push(current);
      current = environments[current]?.after;
    }
    if (current === undefined || !chain.includes(current) || chain.length < 2) continue;
    const cycle = chain.slice(chain.indexOf(current));
    if (cycle.length < 2 || cycle.some((name) => reported.has(name))) continue;
    for (const name of cycle) reported.add(name);
    const [first] = cycle;
    if (first === undefined) continue;
    report.error(
      ['environments', first, 'after'],
      'value',
      `environments wait for each other in a cycle: ${[...cycle, first].join(' → ')}; no deployment could ever start`,
    );
  }
}
