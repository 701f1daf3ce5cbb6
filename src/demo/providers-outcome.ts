/**
 * Did `--story providers` end as scripted? A pure verdict over what the demo
 * observed on the GitHub, Jenkins and GitLab simulators and in shipgate's
 * records, one plain sentence per thing that went differently.
 */
import { judgePipelineRun, type DemoOutcome, type GateEvaluation, type RecordedDeployment } from './outcome.ts';
import type { RecordedJobAttempt } from './job-attempts.ts';

/** What the story scripts: where each job runs and how it ends, which gate reads what, what deploys. */
export interface ProvidersScript {
  /** The pipeline's check run, e.g. `shipgate/ci`. */
  pipelineCheck: string;
  /** The stages the config declares, in order. */
  stages: readonly string[];
  /** The Actions workflows dispatched, in order. */
  workflows: readonly string[];
  /** The Jenkins job: its stage and job id, its path on Jenkins, and the result of each attempt's build in order. */
  jenkins: { stage: string; job: string; path: string; results: readonly string[] };
  /** The GitLab job: its stage and job id, its project, and how its one pipeline ends. */
  gitlab: { stage: string; job: string; project: string; status: string };
  /** The gate on the Jenkins build's report, and the attempt it is judged on (the one that passed). */
  gate: { name: string; attempt: number };
  /** The environment the pipeline deploys. */
  environment: string;
}

/** A Jenkins build as the simulator holds it. */
export interface SeenJenkinsBuild {
  number: number;
  building: boolean;
  result: string | null;
  /** Its `SHIPGATE_RUN` parameter. */
  correlation: string | undefined;
}

/** A GitLab pipeline as the simulator holds it. */
export interface SeenGitLabPipeline {
  id: number;
  status: string;
  /** Its `SHIPGATE_RUN` variable. */
  correlation: string | undefined;
}

/** What the demo observed by the end of the story. */
export interface ProvidersObservations {
  /** The pipeline run's conclusion, if it completed. */
  pipelineConclusion: string | undefined;
  /** Stage → conclusion or `skipped: reason`. */
  stages: Record<string, string>;
  /** The latest state of the app's check runs by name. */
  checkRuns: Record<string, { status: string; conclusion: string | null }>;
  /** Accepted Actions dispatches (HTTP < 300), workflow files in order. */
  dispatchedWorkflows: readonly string[];
  /** The job attempts shipgate recorded for the run. */
  attempts: readonly RecordedJobAttempt[];
  /** Every build of the Jenkins job, oldest first. */
  jenkinsBuilds: readonly SeenJenkinsBuild[];
  /** Every pipeline of the GitLab project, oldest first. */
  gitlabPipelines: readonly SeenGitLabPipeline[];
  /** shipgate's evaluations of the gate, by attempt. */
  gateEvaluations: readonly GateEvaluation[];
  /** The deployment requests shipgate recorded. */
  deployments: readonly RecordedDeployment[];
  /** How each Notification plugin post and each Pipeline Hook was answered by the app. */
  hooks: { jenkins: ReadonlyArray<{ status: number | undefined; error: string | undefined }>; gitlab: ReadonlyArray<{ status: number | undefined; error: string | undefined; dropped: boolean }> };
  /** Requests a simulator refused as the real service would (or crashed on), as text. */
  violations: readonly string[];
  /** Set when the story did not end in time. */
  unfinished?: string;
  /** The user stopped the story before its end (nothing else is judged then). */
  interrupted?: boolean;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The problems of the Jenkins job: one attempt per scripted build, exactly one build per attempt (by correlation id), each ending as scripted. */
function judgeJenkins(script: ProvidersScript['jenkins'], seen: ProvidersObservations): string[] {
  const problems: string[] = [];
  const label = `${script.stage}/${script.job}`;
  const attempts = seen.attempts.filter((a) => a.stage === script.stage && a.job === script.job);
  if (attempts.some((a) => a.provider !== 'jenkins')) problems.push(`${label} ran on ${[...new Set(attempts.map((a) => a.provider))].join(', ')}, expected jenkins`);
  if (attempts.length !== script.results.length) problems.push(`${label} has ${plural(attempts.length, 'attempt')}, expected ${script.results.length} (${script.results.join(', then ')} on its automatic retry)`);
  if (seen.jenkinsBuilds.length !== script.results.length) {
    problems.push(`Jenkins built ${script.path} ${seen.jenkinsBuilds.length} times, expected ${script.results.length}: exactly one build per attempt`);
  }
  for (const attempt of attempts) {
    const builds = seen.jenkinsBuilds.filter((b) => b.correlation === attempt.correlationId);
    const expected = script.results[attempt.attempt - 1];
    if (builds.length !== 1) {
      problems.push(`attempt ${attempt.attempt} of ${label} started ${plural(builds.length, 'Jenkins build')} (SHIPGATE_RUN=${attempt.correlationId}), expected exactly one`);
      continue;
    }
    const [build] = builds;
    if (!build) continue;
    if (build.building) problems.push(`Jenkins build #${build.number} of ${script.path} (attempt ${attempt.attempt}) is still building`);
    else if (expected !== undefined && build.result !== expected) problems.push(`Jenkins build #${build.number} of ${script.path} (attempt ${attempt.attempt}) ended ${build.result ?? 'without a result'}, expected ${expected}`);
  }
  const known = new Set(attempts.map((a) => a.correlationId));
  for (const build of seen.jenkinsBuilds) {
    if (build.correlation === undefined || !known.has(build.correlation)) problems.push(`Jenkins build #${build.number} of ${script.path} belongs to no attempt of ${label} (SHIPGATE_RUN=${build.correlation ?? 'none'})`);
  }
  const last = attempts.at(-1);
  if (last && last.conclusion !== 'success') problems.push(`the last attempt of ${label} concluded ${last.conclusion ?? last.status}, expected success`);
  return problems;
}

/** The problems of the GitLab job: one attempt, exactly one pipeline carrying its correlation id, ending as scripted. */
function judgeGitLab(script: ProvidersScript['gitlab'], seen: ProvidersObservations): string[] {
  const problems: string[] = [];
  const label = `${script.stage}/${script.job}`;
  const attempts = seen.attempts.filter((a) => a.stage === script.stage && a.job === script.job);
  if (attempts.some((a) => a.provider !== 'gitlab')) problems.push(`${label} ran on ${[...new Set(attempts.map((a) => a.provider))].join(', ')}, expected gitlab`);
  if (attempts.length !== 1) problems.push(`${label} has ${plural(attempts.length, 'attempt')}, expected one`);
  if (seen.gitlabPipelines.length !== 1) problems.push(`GitLab ran ${plural(seen.gitlabPipelines.length, 'pipeline')} of ${script.project}, expected exactly one`);
  const attempt = attempts[0];
  const pipeline = attempt && seen.gitlabPipelines.find((p) => p.correlation === attempt.correlationId);
  if (attempt && !pipeline) problems.push(`no GitLab pipeline of ${script.project} carries SHIPGATE_RUN=${attempt.correlationId} of ${label}`);
  if (pipeline && pipeline.status !== script.status) problems.push(`GitLab pipeline ${pipeline.id} of ${script.project} is ${pipeline.status}, expected ${script.status}`);
  if (attempt && attempt.conclusion !== 'success') problems.push(`${label} concluded ${attempt.conclusion ?? attempt.status}, expected success`);
  return problems;
}

/** The problems of the gate: judged once, on the scripted attempt (the retry's build), and passed. */
function judgeGate(script: ProvidersScript['gate'], evaluations: readonly GateEvaluation[]): string[] {
  const own = evaluations.filter((e) => e.gate === script.name);
  const on = own.find((e) => e.attempt === script.attempt);
  const problems: string[] = [];
  if (!on) problems.push(`gate ${script.name} was not evaluated on attempt ${script.attempt}${own.length ? ` (only on attempt ${own.map((e) => e.attempt).join(', ')})` : ''}`);
  else if (on.status !== 'completed' || on.result !== 'pass') problems.push(`gate ${script.name} is ${on.status === 'completed' ? (on.result ?? 'no result') : on.status}${on.measured ? ` (${on.measured})` : ''} on attempt ${script.attempt}, expected pass`);
  const others = own.filter((e) => e.attempt !== script.attempt);
  if (others.length) problems.push(`gate ${script.name} was also evaluated on attempt ${others.map((e) => e.attempt).join(', ')}; a job's gates are judged once its outcome is final`);
  return problems;
}

/**
 * Checks the observations against the script: the pipeline run and every
 * stage succeeded; both check runs are green; Actions dispatched the
 * scripted workflows in order; the Jenkins job had one attempt per scripted
 * build and started exactly one build for each (2: UNSTABLE, then SUCCESS);
 * the GitLab job exactly one pipeline, which succeeded; the gate passed on
 * the retry's attempt (and only there); the stage deployed the environment
 * once; every Notification plugin post and Pipeline Hook was answered 2xx;
 * and no simulator refused a request.
 */
export function judgeProvidersStory(script: ProvidersScript, seen: ProvidersObservations): DemoOutcome {
  if (seen.interrupted) return { ok: false, problems: ['interrupted before the story ended'] };
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  problems.push(...judgePipelineRun(seen, script.stages));
  for (const name of [script.pipelineCheck, 'shipgate']) {
    const check = seen.checkRuns[name];
    if (!check) problems.push(`the app did not write the check run ${name}`);
    else if (check.status !== 'completed' || check.conclusion !== 'success') problems.push(`check run ${name} is ${check.status}/${check.conclusion ?? ''}, expected completed/success`);
  }
  if (seen.dispatchedWorkflows.join(',') !== script.workflows.join(',')) {
    problems.push(`GitHub Actions dispatched ${seen.dispatchedWorkflows.join(', ') || 'nothing'}, expected ${script.workflows.join(' then ')}`);
  }
  problems.push(...judgeJenkins(script.jenkins, seen), ...judgeGitLab(script.gitlab, seen), ...judgeGate(script.gate, seen.gateEvaluations));

  const deployed = seen.deployments.filter((d) => d.environment === script.environment);
  if (deployed.length !== 1) problems.push(`${script.environment} has ${plural(deployed.length, 'deployment request')}, expected one from the pipeline`);
  for (const d of deployed) if (d.source !== 'stage' || d.status !== 'succeeded') problems.push(`${script.environment} deployment #${d.id} (${d.source}) is ${d.status}, expected a succeeded stage deployment`);

  const { jenkins, gitlab } = seen.hooks;
  if (jenkins.length === 0) problems.push('the Jenkins Notification plugin posted nothing to the app');
  const badPosts = jenkins.filter((h) => h.status === undefined || h.status >= 300);
  if (badPosts.length) problems.push(`${plural(badPosts.length, 'Jenkins notification')} got no 2xx answer from the app: ${badPosts.map((h) => h.status ?? h.error ?? 'no answer').join(', ')}`);
  if (gitlab.length === 0) problems.push('GitLab sent no pipeline hook to the app');
  const badHooks = gitlab.filter((h) => h.dropped || h.status === undefined || h.status >= 300);
  if (badHooks.length) problems.push(`${plural(badHooks.length, 'GitLab pipeline hook')} got no 2xx answer from the app: ${badHooks.map((h) => (h.dropped ? 'not sent' : (h.status ?? h.error ?? 'no answer'))).join(', ')}`);

  if (seen.violations.length) problems.push(`the simulators refused ${plural(seen.violations.length, 'request')} as the real services would: ${seen.violations.join('; ')}`);
  return problems.length ? { ok: false, problems } : { ok: true };
}
