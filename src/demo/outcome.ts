/**
 * Did the story end as scripted? A pure verdict over what was observed, with
 * one plain sentence per thing that went differently.
 */
import { DEMO_DISPATCH_WAVES } from './story.ts';

/** What the demo observed by the end of the story. */
export interface DemoObservations {
  /** The pipeline's run conclusion (`run-completed`), if it completed. */
  pipelineConclusion: string | undefined;
  /** Stage → conclusion (`stage-completed`) or `skipped: reason`. */
  stages: Record<string, string>;
  /** The stages the config declares, in order. */
  expectedStages: readonly string[];
  /** The latest state of the app's check runs by name (`completed/success`, `in_progress/`). */
  checkRuns: Record<string, { status: string; conclusion: string | null }>;
  /** The pipeline's check run name, e.g. `shipgate/ci`. */
  pipelineCheck: string;
  /** Accepted dispatches (HTTP < 300), workflow file names in order. */
  dispatchedWorkflows: readonly string[];
  /** Requests the simulator refused as GitHub would (route, body), as text. */
  violations: readonly string[];
  /** Set when the story did not end in time. */
  unfinished?: string;
  /** The user stopped the story before its end (nothing else is judged then). */
  interrupted?: boolean;
}

/** The verdict: `ok`, or what went wrong. */
export type DemoOutcome = { ok: true } | { ok: false; problems: string[] };

/**
 * The problems of a pipeline run that should have succeeded, every stage
 * too: each story's verdict starts with these (the same sentences whatever
 * the story), then judges what is its own.
 */
export function judgePipelineRun(seen: Pick<DemoObservations, 'pipelineConclusion' | 'stages'>, expectedStages: readonly string[]): string[] {
  const problems: string[] = [];
  if (seen.pipelineConclusion === undefined) problems.push('the pipeline run did not complete');
  else if (seen.pipelineConclusion !== 'success') problems.push(`the pipeline run concluded ${seen.pipelineConclusion}, expected success`);
  for (const stage of expectedStages) {
    const conclusion = seen.stages[stage];
    if (conclusion === undefined) problems.push(`stage ${stage} did not complete`);
    else if (conclusion !== 'success') problems.push(`stage ${stage} ended ${conclusion}, expected success`);
  }
  return problems;
}

/** Checks the observations against the script: every stage green, both check runs green, dispatches in waves. */
export function judgeDemo(seen: DemoObservations): DemoOutcome {
  if (seen.interrupted) return { ok: false, problems: ['interrupted before the story ended'] };
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  problems.push(...judgePipelineRun(seen, seen.expectedStages));
  for (const name of [seen.pipelineCheck, 'shipgate']) {
    const check = seen.checkRuns[name];
    if (!check) problems.push(`the app did not write the check run ${name}`);
    else if (check.status !== 'completed') problems.push(`check run ${name} is still ${check.status}`);
    else if (check.conclusion !== 'success') problems.push(`check run ${name} concluded ${check.conclusion ?? 'nothing'}, expected success`);
  }
  const waves = dispatchWaves(seen.dispatchedWorkflows);
  const expected = DEMO_DISPATCH_WAVES.map((wave) => [...wave].sort());
  if (JSON.stringify(waves) !== JSON.stringify(expected)) {
    problems.push(`dispatches were ${formatWaves(waves)}, expected ${formatWaves(expected)}`);
  }
  if (seen.violations.length) problems.push(`the simulator refused ${seen.violations.length} request(s) as GitHub would: ${seen.violations.join('; ')}`);
  return problems.length ? { ok: false, problems } : { ok: true };
}

/**
 * Groups dispatched workflows into the story's waves by position: the first
 * wave's size, then the next one's… so `build, scan, test, deploy` reads
 * `[build] [scan test] [deploy]` and any order inside a wave is accepted.
 */
function dispatchWaves(workflows: readonly string[]): string[][] {
  const waves: string[][] = [];
  let index = 0;
  for (const wave of DEMO_DISPATCH_WAVES) {
    if (index >= workflows.length) break;
    waves.push(workflows.slice(index, index + wave.length).sort());
    index += wave.length;
  }
  if (index < workflows.length) waves.push(workflows.slice(index).sort());
  return waves;
}

function formatWaves(waves: readonly (readonly string[])[]): string {
  return waves.length ? waves.map((wave) => wave.join(' + ')).join(', then ') : 'none';
}

/** What the demo observed in its pull-request part: `ci` fails on the PR, `/retry` re-runs the failed job, green. */
export interface PullRequestObservations {
  /** The PR run's conclusion before `/retry`, and its stages then. */
  before: { pipelineConclusion: string | undefined; stages: Record<string, string> };
  /** The PR run's conclusion and check runs at the end. */
  after: { pipelineConclusion: string | undefined; checkRuns: Record<string, { status: string; conclusion: string | null }> };
  /** The app's reactions to the `/retry` comment, in order. */
  reactions: readonly string[];
  /** Accepted "re-run failed jobs" requests. */
  rerunFailedJobs: number;
  /** The workflows dispatched for the pull request (before and after `/retry`). */
  dispatchedWorkflows: readonly string[];
  /** Set when a step did not happen in time. */
  unfinished?: string;
}

/** The problems of the pull-request part (none when it went as scripted). */
export function judgePullRequestAct(seen: PullRequestObservations, pipelineCheck: string): string[] {
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  if (seen.before.pipelineConclusion !== 'failure') problems.push(`the pull request's run concluded ${seen.before.pipelineConclusion ?? 'nothing'} before /retry, expected failure`);
  if (seen.before.stages['test'] !== 'failure') problems.push(`the pull request's stage test ended ${seen.before.stages['test'] ?? 'nothing'} before /retry, expected failure`);
  if (seen.rerunFailedJobs !== 1) problems.push(`/retry asked GitHub to re-run failed jobs ${seen.rerunFailedJobs} times, expected once`);
  if ([...seen.dispatchedWorkflows].sort().join(',') !== 'build.yml,scan.yml,test.yml') {
    problems.push(`the pull request dispatched ${seen.dispatchedWorkflows.join(', ') || 'nothing'}, expected build.yml, test.yml and scan.yml once each`);
  }
  if (seen.after.pipelineConclusion !== 'success') problems.push(`the pull request's run concluded ${seen.after.pipelineConclusion ?? 'nothing'} after /retry, expected success`);
  for (const name of [pipelineCheck, 'shipgate']) {
    const check = seen.after.checkRuns[name];
    if (check?.status !== 'completed' || check.conclusion !== 'success') problems.push(`the pull request's check run ${name} is ${check ? `${check.status}/${check.conclusion ?? ''}` : 'missing'}, expected completed/success`);
  }
  if (seen.reactions.join(',') !== 'eyes,rocket') problems.push(`the app reacted ${seen.reactions.join(', ') || 'nothing'} to /retry, expected eyes then rocket`);
  return problems;
}

/** One gate evaluation, as shipgate records it (`gate_results`): one per gate and attempt of its job. */
export interface GateEvaluation {
  gate: string;
  attempt: number;
  /** `pending` or `completed`. */
  status: string;
  /** `pass`, `fail`, `neutral` or `error` once completed. */
  result: string | null;
  /** The table's measured cell, e.g. `86% (86/100 lines)`. */
  measured: string | null;
}

/** What a check run showed about the gates: each gate's result word in its table (none: no table), and its annotations. */
export interface GatesCheck {
  results: Record<string, string>;
  annotations: ReadonlyArray<{ path: string; line: number; level: string }>;
}

/** What the demo observed of the gates: recorded evaluations and the pipeline's check runs, for the push and the pull request. */
export interface GateObservations {
  /** The gates the config declares. */
  gates: readonly string[];
  /** The gate that reads the test results (fails on the pull request, then passes). */
  testsGate: string;
  /** The test that fails on the pull request's first attempt, where its annotation points. */
  failingTest: { file: string; line: number };
  push: { evaluations: readonly GateEvaluation[]; check: GatesCheck | undefined };
  /** Absent when the story ended before the pull request. */
  pullRequest?: { evaluations: readonly GateEvaluation[]; before: GatesCheck | undefined; after: GatesCheck | undefined };
}

/**
 * The problems of the gates story (none when it went as scripted): on the
 * push every gate passed, once, and the check run's table says so; on the
 * pull request the tests gate failed on attempt 1 (its table says `fail`, an
 * annotation points at the failing test) and passed on attempt 2 after
 * `/retry`, with every gate passing in the final check run's table.
 */
export function judgeGates(seen: GateObservations): string[] {
  const problems: string[] = [];
  const push = seen.push;
  for (const gate of seen.gates) {
    const evaluations = push.evaluations.filter((e) => e.gate === gate);
    if (evaluations.length !== 1) problems.push(`on the push, gate ${gate} was evaluated ${evaluations.length} times, expected once`);
    const last = evaluations.at(-1);
    if (last && evaluationWord(last) !== 'pass') problems.push(`on the push, gate ${gate} is ${describeEvaluation(last)}, expected pass`);
  }
  problems.push(...judgeTable('the push', push.check, Object.fromEntries(seen.gates.map((gate) => [gate, 'pass']))));

  const pr = seen.pullRequest;
  if (!pr) return problems;
  const tests = pr.evaluations.filter((e) => e.gate === seen.testsGate);
  const first = tests.find((e) => e.attempt === 1);
  const retried = tests.find((e) => e.attempt === 2);
  if (!first) problems.push(`on the pull request, gate ${seen.testsGate} was not evaluated for attempt 1`);
  else if (evaluationWord(first) !== 'fail') problems.push(`on the pull request, gate ${seen.testsGate} is ${describeEvaluation(first)} for attempt 1, expected fail`);
  if (!retried) problems.push(`on the pull request, gate ${seen.testsGate} was not evaluated again after /retry (attempt 2)`);
  else if (evaluationWord(retried) !== 'pass') problems.push(`on the pull request, gate ${seen.testsGate} is ${describeEvaluation(retried)} after /retry, expected pass`);
  for (const gate of seen.gates) {
    if (gate === seen.testsGate) continue;
    const last = pr.evaluations.filter((e) => e.gate === gate).at(-1);
    if (!last) problems.push(`on the pull request, gate ${gate} was not evaluated`);
    else if (evaluationWord(last) !== 'pass') problems.push(`on the pull request, gate ${gate} is ${describeEvaluation(last)}, expected pass`);
  }
  problems.push(...judgeTable('the pull request before /retry', pr.before, { [seen.testsGate]: 'fail' }));
  const { file, line } = seen.failingTest;
  if (pr.before && !pr.before.annotations.some((a) => a.path === file && a.line === line && a.level === 'failure')) {
    problems.push(`the check run of the pull request before /retry has no failure annotation at ${file}:${line}`);
  }
  problems.push(...judgeTable('the pull request after /retry', pr.after, Object.fromEntries(seen.gates.map((gate) => [gate, 'pass']))));
  return problems;
}

/** A completed evaluation's result, or its status while it is not completed. */
function evaluationWord(evaluation: GateEvaluation): string {
  return evaluation.status === 'completed' ? (evaluation.result ?? 'no result') : evaluation.status;
}

function describeEvaluation(evaluation: GateEvaluation): string {
  return `${evaluationWord(evaluation)}${evaluation.measured ? ` (${evaluation.measured})` : ''}`;
}

/** The problems of one check run's gates table against the results expected of some gates. */
function judgeTable(when: string, check: GatesCheck | undefined, expected: Record<string, string>): string[] {
  if (!check) return [`the app wrote no pipeline check run for ${when}`];
  if (Object.keys(check.results).length === 0) return [`the check run of ${when} shows no gates table`];
  return Object.entries(expected).flatMap(([gate, result]) => {
    const shown = check.results[gate];
    if (shown === result) return [];
    return [`the gates table of ${when} shows ${gate} ${shown ?? 'nowhere'}, expected ${result}`];
  });
}

/** A deployment request as shipgate recorded it (`deployments`, `deployment_events`). */
export interface RecordedDeployment {
  id: number;
  environment: string;
  sha: string;
  /** `stage`, `command`, `rollback` or `auto-rollback`. */
  source: string;
  status: string;
  /** The deployment it rolls back. */
  rollbackOf: number | null;
  githubDeploymentId: number | null;
  /** The statuses it went through, in order, repeats left out (`requested`, `waiting`, `deploying`, …). */
  path: readonly string[];
  /** The reason codes of its transitions, in order. */
  reasons: readonly string[];
  /** When it first started deploying (ms since the epoch), if it did. */
  deployingAt: number | null;
}

/** An approval request as shipgate recorded it (`approval_requests`), with its approvals (`approvals`), oldest first. */
export interface RecordedApprovalRequest {
  id: number;
  deploymentId: number;
  environment: string;
  sha: string;
  required: number;
  /** `pending`, `approved`, `rejected`, `expired` or `cancelled`. */
  status: string;
  /** When the last required approval arrived (ms since the epoch). */
  approvedAt: number | null;
  approvals: ReadonlyArray<{ approver: string; via: string; sha: string; at: number }>;
}

/** One approval as the script has it: who, and through which channel (`command`, `reaction`, `check_run`). */
export interface ScriptedApproval {
  approver: string;
  via: string;
}

/** What the approvals of production should come to: how many, the wait timer after them, who gives them on each `/deploy`. */
export interface ApprovalScript {
  required: number;
  /** The wait timer after the last approval, in ms. */
  waitMs: number;
  /** The approvals of the first `/deploy` (before the merge). */
  first: readonly ScriptedApproval[];
  /** The approvals of the `/deploy` of the merge commit. */
  merge: readonly ScriptedApproval[];
}

/** A GitHub deployment as the simulated GitHub holds it. */
export interface GitHubDeploymentRecord {
  id: number;
  environment: string;
  sha: string;
  payload: unknown;
  /** The states of its statuses, oldest first. */
  states: readonly string[];
  /** The `environment_url` its statuses give ('' when none does). */
  environmentUrl: string;
}

/** What the release part should have done: who, which environments, which commits. */
export interface ReleaseScript {
  staging: string;
  production: string;
  releaseManager: string;
  /** The commit of part one's push (deployed to production first, and rolled back to). */
  firstSha: string;
  /** The merge commit of the pull request (deployed after waiting for its pipeline, then rolled back). */
  mergeSha: string;
  /** The approvals each production `/deploy` waits for (the rollback waits for none). */
  approvals: ApprovalScript;
}

/** What the demo observed of the deployments by the end of the story. */
export interface ReleaseObservations {
  deployments: readonly RecordedDeployment[];
  /** The approval requests shipgate recorded, with their approvals. */
  approvalRequests: readonly RecordedApprovalRequest[];
  github: readonly GitHubDeploymentRecord[];
  /** Who was seen taking a lock on production (undefined: nobody). */
  lockedBy: string | undefined;
  /** Environments still locked at the end → holder. */
  locks: Readonly<Record<string, string>>;
  /** Set when a step did not happen in time. */
  unfinished?: string;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function describeRecorded(d: RecordedDeployment): string {
  return `#${d.id} (${d.source} of ${short(d.sha)}, ${d.status})`;
}

/** The problems of one GitHub deployment against the request it mirrors: it exists, carries the request id, went in_progress then success. */
function judgeGitHubSide(d: RecordedDeployment, github: readonly GitHubDeploymentRecord[], rollbackOf: number | null): string[] {
  const what = `${d.environment} deployment #${d.id}`;
  if (d.githubDeploymentId === null) return [`${what} has no GitHub deployment`];
  const mirror = github.find((g) => g.id === d.githubDeploymentId);
  if (!mirror) return [`${what} names GitHub deployment ${d.githubDeploymentId}, which GitHub does not have`];
  const problems: string[] = [];
  if (mirror.sha !== d.sha || mirror.environment !== d.environment) problems.push(`GitHub deployment ${mirror.id} is ${short(mirror.sha)} to ${mirror.environment}, expected ${short(d.sha)} to ${d.environment}`);
  const payload = (typeof mirror.payload === 'object' && mirror.payload !== null ? mirror.payload : {}) as Record<string, unknown>;
  if (payload['shipgate_request_id'] !== d.id) problems.push(`GitHub deployment ${mirror.id} carries shipgate_request_id ${String(payload['shipgate_request_id'])}, expected ${d.id}`);
  if ((payload['rollback_of'] ?? null) !== rollbackOf) problems.push(`GitHub deployment ${mirror.id} carries rollback_of ${String(payload['rollback_of'] ?? null)}, expected ${String(rollbackOf)}`);
  const states = mirror.states.filter((state) => state !== 'inactive');
  const started = states.indexOf('in_progress');
  if (states.at(-1) !== 'success' || started < 0) problems.push(`GitHub deployment ${mirror.id} went ${mirror.states.join(' → ') || 'nowhere'}, expected in_progress then success`);
  return problems;
}

function describeApprovals(approvals: readonly ScriptedApproval[]): string {
  return (
    approvals
      .map((a) => `@${a.approver} by ${a.via}`)
      .sort()
      .join(', ') || 'none'
  );
}

/**
 * The problems of one approved production deployment (none when it went as
 * scripted): it has one approval request, approved, needing the scripted
 * count; its approvals are that many distinct approvers, none of them its
 * requester, each for its commit, through the scripted channels; it waited
 * for the approvals and then for the wait timer, and started deploying no
 * earlier than the wait after the last approval.
 */
function judgeApprovals(d: RecordedDeployment, what: string, expected: readonly ScriptedApproval[], script: ReleaseScript, requests: readonly RecordedApprovalRequest[]): string[] {
  const label = `${d.environment} deployment #${d.id} (${what})`;
  const own = requests.filter((r) => r.deploymentId === d.id);
  const request = own[0];
  if (own.length !== 1 || !request) return [`${label} has ${own.length} approval requests, expected one`];
  const problems: string[] = [];
  const { required, waitMs } = script.approvals;
  if (request.status !== 'approved') problems.push(`approval request #${request.id} of ${label} is ${request.status}, expected approved`);
  if (request.required !== required) problems.push(`approval request #${request.id} of ${label} needs ${request.required} approvals, expected ${required}`);
  const approvers = request.approvals.map((a) => a.approver.toLowerCase());
  if (new Set(approvers).size !== approvers.length) problems.push(`${label} counts an approver twice: ${approvers.join(', ')}`);
  if (request.approvals.length !== required) problems.push(`${label} has ${request.approvals.length} approvals, expected ${required} distinct ones`);
  if (approvers.includes(script.releaseManager.toLowerCase())) problems.push(`${label} counts an approval of its requester @${script.releaseManager}`);
  const given = describeApprovals(request.approvals);
  if (given !== describeApprovals(expected)) problems.push(`${label} was approved ${given}, expected ${describeApprovals(expected)}`);
  for (const a of request.approvals) if (a.sha !== d.sha) problems.push(`@${a.approver}'s approval of ${label} is for ${short(a.sha)}, expected ${short(d.sha)}`);
  const needed = d.reasons.indexOf('deploy.approvals-needed');
  const timer = d.reasons.indexOf('deploy.approval-wait-timer');
  if (needed < 0) problems.push(`${label} did not wait for approvals (went ${d.path.join(' → ')})`);
  if (timer < 0) problems.push(`${label} did not wait for the wait timer after its approvals`);
  else if (needed > timer) problems.push(`${label} waited for the wait timer before its approvals`);
  if (request.approvedAt !== null && d.deployingAt !== null && d.deployingAt < request.approvedAt + waitMs) {
    problems.push(`${label} started deploying ${((d.deployingAt - request.approvedAt) / 1000).toFixed(1)} s after its last approval, before its ${waitMs / 1000} s wait timer ran out`);
  }
  return problems;
}

/**
 * The problems of the release part (none when it went as scripted): the
 * pipeline deployed both commits of `main` to staging (its stage with
 * `environment:`); `/deploy` deployed the first commit to production, then
 * the merge commit after waiting for its pipeline; `/rollback` deployed the
 * first commit again with `rollback_of` naming the merge commit's
 * deployment; both `/deploy`s waited for their scripted approvals and the
 * wait timer after them (judgeApprovals), the rollback for neither; each has
 * a GitHub deployment with shipgate's request id that
 * went in_progress then success; the release manager locked production and
 * unlocked it; and no request was refused, failed, cancelled or otherwise
 * ended (none is scripted to).
 */
export function judgeRelease(script: ReleaseScript, seen: ReleaseObservations): string[] {
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  const find = (environment: string, source: string, sha: string) => seen.deployments.find((d) => d.environment === environment && d.source === source && d.sha === sha);
  const expect = (environment: string, source: string, sha: string, what: string): RecordedDeployment | undefined => {
    const found = find(environment, source, sha);
    if (!found) problems.push(`${environment} has no ${source} deployment of ${short(sha)} (${what})`);
    else if (found.status !== 'succeeded') problems.push(`${environment} deployment ${describeRecorded(found)} did not succeed (${what})`);
    return found?.status === 'succeeded' ? found : undefined;
  };

  const stagingFirst = expect(script.staging, 'stage', script.firstSha, 'the pipeline of the push');
  const stagingMerge = expect(script.staging, 'stage', script.mergeSha, 'the pipeline of the merge');
  const first = expect(script.production, 'command', script.firstSha, '/deploy of main before the merge');
  const merge = expect(script.production, 'command', script.mergeSha, '/deploy of main after the merge');
  const rollback = expect(script.production, 'rollback', script.firstSha, '/rollback');
  if (merge && !merge.reasons.includes('deploy.pipelines-running')) {
    problems.push(`production deployment #${merge.id} of the merge commit did not wait for its pipeline (went ${merge.path.join(' → ')})`);
  }
  if (first && merge && merge.id < first.id) problems.push(`production deployed the merge commit (#${merge.id}) before the first commit (#${first.id})`);
  if (rollback && merge && rollback.rollbackOf !== merge.id) problems.push(`the rollback #${rollback.id} rolls back ${rollback.rollbackOf === null ? 'nothing' : `#${rollback.rollbackOf}`}, expected #${merge.id}`);
  if (first) problems.push(...judgeApprovals(first, '/deploy of main before the merge', script.approvals.first, script, seen.approvalRequests));
  if (merge) problems.push(...judgeApprovals(merge, '/deploy of main after the merge', script.approvals.merge, script, seen.approvalRequests));
  if (rollback) {
    if (seen.approvalRequests.some((r) => r.deploymentId === rollback.id)) problems.push(`the rollback #${rollback.id} asked for approvals; a rollback skips them`);
    const waited = rollback.reasons.filter((code) => code === 'deploy.approvals-needed' || code === 'deploy.approval-wait-timer' || code === 'deploy.wait-timer');
    if (waited.length > 0) problems.push(`the rollback #${rollback.id} waited (${waited.join(', ')}); a rollback skips approvals and the wait timer`);
  }
  for (const d of [stagingFirst, stagingMerge, first, merge]) if (d) problems.push(...judgeGitHubSide(d, seen.github, null));
  if (rollback) problems.push(...judgeGitHubSide(rollback, seen.github, merge?.id ?? rollback.rollbackOf));

  const scripted = new Set([stagingFirst, stagingMerge, first, merge, rollback].flatMap((d) => (d ? [d.id] : [])));
  for (const d of seen.deployments) {
    if (scripted.has(d.id)) continue;
    const why = d.reasons.at(-1);
    problems.push(`unscripted ${d.environment} deployment #${d.id} (${d.source} of ${short(d.sha)}): ${d.status}${why ? ` (${why})` : ''}`);
  }

  if (seen.lockedBy === undefined) problems.push(`${script.production} was never locked`);
  else if (seen.lockedBy !== script.releaseManager) problems.push(`${script.production} was locked by @${seen.lockedBy}, expected @${script.releaseManager}`);
  for (const [environment, holder] of Object.entries(seen.locks)) problems.push(`${environment} is still locked by @${holder}`);
  return problems;
}
