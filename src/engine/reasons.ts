/**
 * Every reason shipgate gives for a skip, a wait, a refusal or a failure, as a
 * code with its parameters. The sentence a user reads (check run, reply, log,
 * dashboard) is rendered from the code here and nowhere else; analytics and
 * tests match on the code, never on the sentence.
 */

const REASON_TEXT = {
  // Stages that do not run.
  'stage.needs-failed': (p: { need: string; conclusion: string }) => `needs '${p.need}', which ended ${p.conclusion}`,
  'stage.needs-skipped': (p: { need: string }) => `needs '${p.need}', which was skipped`,
  'stage.needs-unknown': (p: { need: string }) => `needs '${p.need}', which is not a stage of this pipeline`,
  'stage.needs-cycle': (p: { stages: string[] }) => `its needs form a cycle (${p.stages.join(', ')})`,
  'stage.if-false': (p: { expression: string }) => `if: ${p.expression} was false`,
  'stage.if-error': (p: { expression: string; error: string }) => `if: ${p.expression} could not be evaluated: ${p.error}`,
  'stage.run-cancelled': () => 'the run was cancelled',
  'stage.pipeline-stopped': () => 'an earlier failure stopped the pipeline',

  // Runs and attempts that are cancelled.
  'cancel.requested': (p: { by?: string }) => (p.by ? `cancelled by ${p.by}` : 'the run was cancelled'),
  'cancel.other-job-failed': () => 'another job of the pipeline failed',
  'cancel.superseded': (p: { newer: number }) => `a newer run (#${p.newer}) of the same pipeline on the same branch or pull request started (concurrency: cancel-in-progress)`,
  'cancel.duplicate-run': (p: { correlation: string }) => `a second workflow run carried the dispatch ${p.correlation}; it was cancelled so the job runs once`,

  // Runs that wait.
  'wait.fork-needs-ok-to-test': (p: { sha: string }) =>
    `this pull request comes from a fork; a user with write access must comment \`/ok-to-test\` before shipgate dispatches anything for ${p.sha.slice(0, 7)}.`,
  'wait.concurrency-queue': (p: { behind: number; pipeline: string }) =>
    `waiting for run #${p.behind} of ${p.pipeline} on the same branch or pull request to finish (concurrency: queue)`,

  // Jobs that fail before or while they run.
  'job.plan-missing': (p: { stage: string; job: string }) => `job ${p.stage}/${p.job} is not in the run's plan`,
  'job.workflow-missing': (p: { workflow: string; sha: string }) =>
    `.github/workflows/${p.workflow} does not exist at ${p.sha.slice(0, 7)}; check the job's \`workflow:\` in shipgate.yml.`,
  'job.workflow-invalid': (p: { detail: string }) => p.detail,
  'job.input-invalid': (p: { input: string; stage: string; job: string; error: string }) => `input '${p.input}' of ${p.stage}/${p.job}: ${p.error}`,
  'job.dispatch-refused': (p: { workflow: string; ref: string; message: string; status: number }) =>
    `GitHub refused to start ${p.workflow} on ${p.ref}: ${p.message} (HTTP ${p.status})`,
  'job.rerun-refused': (p: { message: string; status: number }) => `GitHub refused to re-run the failed jobs: ${p.message} (HTTP ${p.status})`,
  'job.dispatch-unknown-no-run-name': (p: { workflow: string; message: string }) =>
    `the dispatch of ${p.workflow} may or may not have reached GitHub (${p.message}), and the workflow has no \`run-name: \${{ inputs.shipgate_run }}\` ` +
    `with a \`shipgate_run\` input, so shipgate cannot tell without risking a second run. Add both to .github/workflows/${p.workflow}, then re-run the failed jobs.`,
  'job.dispatch-unknown': (p: { message: string }) => `dispatch outcome unknown (${p.message}); looking for the run by its correlation id`,
  'job.timed-out': (p: { limit: string; provider?: string; lastError?: string }) =>
    p.provider === undefined
      ? `timed out after ${p.limit}; the workflow run was cancelled`
      : `timed out after ${p.limit}${p.lastError ? `; the last error from ${p.provider}: ${p.lastError}` : ''}; shipgate asked ${p.provider} to cancel whatever it started`,
  // Jobs on other CI providers (SPEC §13); `provider` is the provider's name for people (Jenkins, GitLab CI).
  'job.provider-not-configured': (p: { provider: string; settings: string }) =>
    `this job runs on ${p.provider}, which this shipgate is not set up for: set ${p.settings} in shipgate's environment (README, "Other CI providers"), restart it, then re-run the job`,
  'job.provider-refused': (p: { provider: string; message: string }) => `${p.provider} refused the job: ${p.message}`,
  'job.provider-unknown': (p: { provider: string; message: string }) => `${p.provider} did not answer (${p.message}); looking for the run by its correlation id before sending again`,
  'job.provider-poll-failed': (p: { provider: string; message: string }) => `${p.provider} did not answer a status poll (${p.message}); polling again until the job's timeout`,
  'job.provider-unreachable': (p: { provider: string; message: string }) => `${p.provider} did not answer (${p.message}); nothing was sent yet, trying again until the job's timeout`,
  'job.provider-failed': (p: { provider: string; message: string }) => `${p.provider}: ${p.message}`,
  'job.jenkins-no-correlation-parameter': (p: { job: string }) =>
    `the Jenkins job ${p.job} does not declare the string parameter SHIPGATE_RUN, and Jenkins drops parameters a job does not declare, so shipgate could not find its build again: ` +
    'add it (This project is parameterized → String Parameter, name SHIPGATE_RUN), then re-run the job',

  // Refusals of a user's action (buttons, re-requests, later commands).
  'refuse.run-not-found': (p: { runId: number }) => `run #${p.runId} does not exist`,
  'refuse.run-still-going': (p: { runId: number; pipeline: string }) => `run #${p.runId} of ${p.pipeline} is still going`,
  'refuse.run-already-ended': (p: { runId: number }) => `run #${p.runId} has already ended`,
  'refuse.nothing-failed': (p: { runId: number; pipeline: string }) => `run #${p.runId} of ${p.pipeline} succeeded; nothing failed to re-run`,
  'refuse.fork-not-approved': (p: { sha: string }) =>
    `this run is for a fork's commit ${p.sha.slice(0, 7)}, which nobody with write access has allowed with \`/ok-to-test\`; nothing is dispatched until then`,
  'refuse.permission': (p: { user: string; needed: string; has: string }) =>
    `@${p.user} has ${p.has} access to this repository; this needs ${p.needed} access`,
  'refuse.permission-unknown': (p: { user: string; message: string }) =>
    `shipgate could not check @${p.user}'s permission (${p.message}); try again in a minute`,
  'refuse.foreign-app': (p: { appId: number | null }) => `the check run belongs to another app (${p.appId ?? 'unknown'}), not to shipgate`,

  // Comment commands (SPEC §7): what was refused or invalid, and what to do.
  'command.unknown': (p: { command: string }) => `\`${p.command}\` is not a shipgate command; the commands are listed below`,
  'command.unterminated-quote': (p: { text: string }) => `a quote in \`${p.text}\` is not closed; close it with " and comment again`,
  'command.bad-arguments': (p: { problem: string; usage: string }) => `${p.problem}; write it as \`${p.usage}\``,
  'command.too-many': (p: { count: number; max: number }) =>
    `this comment has ${p.count} commands and at most ${p.max} run from one comment, so none ran; split them over several comments`,
  'command.rate-limited': (p: { user: string; max: number; minutes: number }) =>
    `@${p.user} sent more than ${p.max} commands to this repository in ${p.minutes} minutes; this one did not run, wait a few minutes and comment again`,
  'command.needs-pull-request': (p: { command: string }) => `\`${p.command}\` acts on a pull request's commit; comment it on the pull request`,
  'command.no-runs': (p: { sha: string }) => `shipgate has no runs for ${p.sha.slice(0, 7)}; nothing to act on`,
  'command.pipeline-unknown': (p: { pipeline: string; known: string[] }) =>
    `no run of a pipeline '${p.pipeline}' on this commit; ${p.known.length > 0 ? `the pipelines that ran are ${p.known.map((k) => `'${k}'`).join(', ')}` : 'no pipeline ran'}`,
  'command.nothing-failed': (p: { sha: string }) => `nothing failed in the latest runs of ${p.sha.slice(0, 7)}; there is nothing to retry`,
  'command.nothing-running': (p: { sha: string }) => `no run of ${p.sha.slice(0, 7)} is going; there is nothing to cancel`,
  'command.not-a-fork': (p: { number: number }) => `pull request #${p.number} does not come from a fork; its runs need no \`/ok-to-test\``,
  'command.failed': (p: { message: string }) => `shipgate could not do it (${p.message}); try again in a minute`,
  'command.run-not-manual': (p: { pipeline: string; manual: string[]; exists: boolean }) =>
    `${p.exists ? `pipeline '${p.pipeline}' has no \`on.manual: true\`, so it cannot be started by hand` : `there is no pipeline '${p.pipeline}'`}; ${p.manual.length ? `the pipelines that can: ${p.manual.map((m) => `'${m}'`).join(', ')}` : 'no pipeline of this commit has `on.manual: true`'}`,
  'command.run-no-config': (p: { sha: string; invalid: boolean }) =>
    p.invalid ? `.github/shipgate.yml at ${p.sha.slice(0, 7)} is invalid; fix it (see the shipgate/config check) and comment again` : `${p.sha.slice(0, 7)} has no .github/shipgate.yml; nothing can run there`,

  'command.override-needs-reason': (p: { usage: string }) => `an override needs a reason, for the audit log; write it as \`${p.usage}\``,
  'command.override-unknown-gate': (p: { gate: string; pipeline: string; known: string[] }) =>
    `pipeline '${p.pipeline}' has no gate '${p.gate}'; ${p.known.length > 0 ? `its gates are ${p.known.map((k) => `'${k}'`).join(', ')}` : 'it has no gates'}`,
  'command.override-ambiguous': (p: { gate: string; pipelines: string[] }) =>
    `gate '${p.gate}' is in several pipelines (${p.pipelines.join(', ')}); name one: \`override PIPELINE/${p.gate} reason…\``,
  'command.override-not-failing': (p: { gate: string; result: string }) => `gate '${p.gate}' is ${p.result}; only a failed gate (fail or error) can be overridden`,
  'command.override-not-allowed': (p: { user: string; environments: string[] }) =>
    `@${p.user} may not override gates here: it takes admin access to the repository${p.environments.length > 0 ? `, or being an approver of ${p.environments.map((e) => `'${e}'`).join(' or ')}` : ''}`,

  // Deployments (SPEC §6): why a request is refused, waits, or ended.
  'deploy.environment-unknown': (p: { environment: string; known: string[] }) =>
    `there is no environment '${p.environment}' in .github/shipgate.yml on the default branch; ${p.known.length > 0 ? `the environments are ${p.known.map((k) => `'${k}'`).join(', ')}` : 'it defines none'}`,
  'deploy.environment-required': (p: { usage: string }) => `name the environment to deploy to: \`${p.usage}\``,
  'deploy.ref-unknown': (p: { ref: string }) => `'${p.ref}' is neither a branch of this repository nor a commit sha`,
  'deploy.ref-not-allowed': (p: { ref: string; environment: string; patterns: string[] }) =>
    `${p.ref} may not be deployed to ${p.environment}: its \`branches\` are ${p.patterns.map((b) => `'${b}'`).join(', ')}`,
  'deploy.sha-not-on-branch': (p: { sha: string; environment: string }) =>
    `${p.sha.slice(0, 7)} is on no branch that may be deployed to ${p.environment}; deploy a branch, or a commit of one`,
  'deploy.after-missing': (p: { environment: string; after: string; sha: string }) =>
    `${p.environment} deploys only commits already deployed to ${p.after}; ${p.sha.slice(0, 7)} has no successful ${p.after} deployment yet`,
  'deploy.pipelines-running': (p: { sha: string; pipelines: string[] }) => `waiting for the pipelines of ${p.sha.slice(0, 7)} to finish (${p.pipelines.join(', ')})`,
  'deploy.pipelines-failed': (p: { sha: string; pipelines: string[] }) =>
    `the pipelines of ${p.sha.slice(0, 7)} did not succeed (${p.pipelines.join(', ')}); fix them (or \`/retry\`) before deploying`,
  'deploy.locked': (p: { environment: string; holder: string; reason: string | null; since: string }) =>
    `${p.environment} is locked by @${p.holder}${p.reason ? ` (“${p.reason}”)` : ''} since ${p.since}; ask them to \`/unlock ${p.environment}\``,
  'deploy.approvals-needed': (p: { environment: string; given: number; required: number; approvers: string[] }) =>
    `waiting for approval${p.required === 1 ? '' : 's'} to deploy to ${p.environment}: ${p.given} of ${p.required} given${p.approvers.length > 0 ? ` (approvers: ${p.approvers.map((a) => (a.startsWith('@') ? a : `@${a}`)).join(', ')})` : ''}`,
  'deploy.approval-rejected': (p: { environment: string; by: string; reason: string | null }) =>
    `@${p.by} rejected the deployment to ${p.environment}${p.reason ? `: “${p.reason}”` : ''}`,
  'deploy.approval-expired': (p: { environment: string; at: string }) =>
    `the approval request for ${p.environment} expired at ${p.at} without enough approvals; ask again with \`/deploy ${p.environment}\``,
  'deploy.sha-changed': (p: { environment: string; sha: string; head: string }) =>
    `a new push (${p.head.slice(0, 7)}) replaced ${p.sha.slice(0, 7)}: its approvals for ${p.environment} no longer count; a new \`/deploy ${p.environment}\` is needed`,
  'deploy.approval-wait-timer': (p: { environment: string; until: string }) => `approved; ${p.environment}'s wait timer runs until ${p.until}`,
  'deploy.wait-timer': (p: { environment: string; until: string }) => `${p.environment}'s wait timer runs until ${p.until}`,
  'deploy.queued': (p: { environment: string; position: number; ahead: number[] }) =>
    `number ${p.position} in ${p.environment}'s queue, behind deployment${p.ahead.length === 1 ? '' : 's'} ${p.ahead.map((id) => `#${id}`).join(', ')}`,
  'deploy.superseded': (p: { newer: number }) => `replaced by a newer request (#${p.newer}) of the same pull request for the same environment`,
  'deploy.duplicate': (p: { id: number; sha: string }) => `${p.sha.slice(0, 7)} is already requested for this environment (deployment #${p.id})`,
  'deploy.no-workflow': (p: { environment: string }) =>
    `environment ${p.environment} has no \`workflow:\` in .github/shipgate.yml, so shipgate has nothing to dispatch for \`/deploy\` or a rollback`,
  'deploy.github-refused': (p: { status: number; message: string }) => `GitHub refused the deployment: ${p.message} (HTTP ${p.status})`,
  'deploy.cancelled': (p: { by: string }) => `cancelled by @${p.by}`,
  'deploy.run-cancelled': () => 'the pipeline run was cancelled',
  'deploy.job-failed': (p: { conclusion: string }) => `the deploy job ended ${p.conclusion}`,
  'deploy.stage-not-reached': () => 'the pipeline ended before the deploying stage started',
  'deploy.rolled-back': (p: { by: number }) => `rolled back by deployment #${p.by}`,
  'deploy.from-fork': (p: { environment: string }) =>
    `a fork's pull request does not deploy to ${p.environment} from a pipeline stage; a maintainer can \`/deploy ${p.environment}\` its commit, which the environment's policy then decides`,
  'deploy.gates-failed': () => 'the deploy job succeeded but a gate of the stage failed',
  'refuse.deploy-stage-retry': (p: { stages: string[] }) =>
    `a deploying stage (${p.stages.join(', ')}) is not re-run: its deployment request has ended; use \`/deploy ENV\` (or \`/rollback ENV\`) to deploy again`,
  'rollback.nothing': (p: { environment: string }) => `${p.environment} has no earlier successful deployment of another commit to roll back to`,
  'rollback.target-unknown': (p: { target: string; environment: string }) =>
    `${p.target} is no successful deployment to ${p.environment} (give a deployment id or the sha of one)`,
  'lock.held': (p: { environment: string; holder: string; reason: string | null; since: string }) =>
    `${p.environment} is already locked by @${p.holder}${p.reason ? ` (“${p.reason}”)` : ''} since ${p.since}`,
  'lock.not-locked': (p: { environment: string }) => `${p.environment} is not locked`,
  'lock.not-holder': (p: { environment: string; holder: string }) => `${p.environment} is locked by @${p.holder}; only they or an admin may unlock it`,
  // Approvals (SPEC §6): why an approval, a rejection or a button click does not count.
  'approval.no-request': (p: { environment: string | null; known: string[] }) =>
    p.environment === null
      ? 'nothing here waits for approval; approvals are asked for by a `/deploy` or a deploying stage of an environment with `approvals:`'
      : `no deployment to ${p.environment} waits for approval here${p.known.length > 0 ? `; open requests are for ${p.known.map((k) => `'${k}'`).join(', ')}` : ''}`,
  'approval.ambiguous': (p: { environments: string[]; usage: string }) =>
    `several deployments wait for approval here (${p.environments.map((e) => `'${e}'`).join(', ')}); name one: \`${p.usage}\``,
  'approval.bot': (p: { user: string }) => `@${p.user} is a bot; bots never approve or reject deployments`,
  'approval.not-approver': (p: { user: string; environment: string; approvers: string[] }) =>
    `@${p.user} is not an approver of ${p.environment} (approvers: ${p.approvers.map((a) => (a.startsWith('@') ? a : `@${a}`)).join(', ') || 'none'}; a team counts only for its active members)`,
  'approval.self': (p: { user: string; environment: string }) =>
    `@${p.user} asked for this deployment to ${p.environment} and may not approve it (allow-self-approval is off); another approver must`,
  'approval.no-access': (p: { user: string; has: string }) => `@${p.user} has no read access to this repository any more (${p.has}), so the approval does not count`,
  'approval.lookup-failed': (p: { user: string; message: string }) => `GitHub could not say whether @${p.user} may approve (${p.message}); try again in a minute`,
  'approval.not-pending': (p: { environment: string; status: string }) => `the approval request for ${p.environment} is ${p.status}; nothing to approve any more`,
  'approval.sha-changed': (p: { environment: string; sha: string; head: string }) =>
    `the request for ${p.environment} is for ${p.sha.slice(0, 7)}, but the pull request is now at ${p.head.slice(0, 7)}; a new \`/deploy ${p.environment}\` is needed`,
  'approval.expired': (p: { environment: string; at: string }) => `the approval request for ${p.environment} expired at ${p.at}`,
  'approval.unknown-check': () => 'this check run is no approval request of shipgate any more',

  // Event-level outcomes.
  'config.invalid': (p: { errors: number }) => `.github/shipgate.yml has ${p.errors} error${p.errors === 1 ? '' : 's'}`,
  'rollup.none-applies': () => 'No pipeline of `.github/shipgate.yml` matched this event.',
} as const satisfies Record<string, (params: never) => string>;

/** Every reason code, in one list (for docs, analytics and tests). */
export type ReasonCode = keyof typeof REASON_TEXT;
export const REASON_CODES = Object.keys(REASON_TEXT) as ReasonCode[];

type ParamsOf<C extends ReasonCode> = Parameters<(typeof REASON_TEXT)[C]>[0];

/** A reason: its code and the parameters its sentence needs. */
export type Reason = { [C in ReasonCode]: { code: C } & (ParamsOf<C> extends undefined ? object : ParamsOf<C>) }[ReasonCode];

/** Builds a reason, type-checking its parameters against its code. */
export function reason<C extends ReasonCode>(code: C, ...params: ParamsOf<C> extends undefined ? [] : [ParamsOf<C>]): Extract<Reason, { code: C }> {
  return { code, ...(params[0] ?? {}) } as Extract<Reason, { code: C }>;
}

/** The sentence for a reason. */
export function renderReason(value: Reason): string {
  const render = REASON_TEXT[value.code] as (params: Reason) => string;
  return render(value);
}

/** Whether a stored value is a reason this version knows (rows written by older versions hold text). */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && Object.hasOwn(REASON_TEXT, (value as { code: string }).code);
}
