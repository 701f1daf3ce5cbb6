import type { GitHubClient, RepoRef } from './client.ts';
import type { WorkflowDefinition } from './workflows.ts';
import { PRIORITY } from './request-policy.ts';

export type InputValue = string | number | boolean;

/** GitHub accepts at most this many inputs in one workflow dispatch. */
export const MAX_DISPATCH_INPUTS = 25;

/**
 * The inputs of one dispatch, checked against what the workflow declares (pure).
 * Config inputs the workflow does not declare are an error before any dispatch;
 * pipeline variables, `shipgate_run` and `sha` are sent only when declared.
 */
export function buildDispatchInputs(args: {
  workflow: WorkflowDefinition;
  inputs: Record<string, InputValue>;
  variables: Record<string, string>;
  correlationId: string;
  sha: string;
  /** A deploying stage's environment and GitHub deployment: sent as `environment` and `deployment_id` where declared. */
  deployment?: { environment: string; id: number };
}): { ok: true; inputs: Record<string, InputValue> } | { ok: false; error: string } {
  const { workflow } = args;
  if (workflow.error) return { ok: false, error: workflow.error };
  if (!workflow.dispatchable) {
    return { ok: false, error: `${workflow.path} cannot be dispatched: add \`on: workflow_dispatch\` to it.` };
  }
  const declared = Object.keys(workflow.inputs);
  const undeclared = Object.keys(args.inputs).filter((name) => !(name in workflow.inputs));
  if (undeclared.length > 0) {
    const list = undeclared.map((n) => `'${n}'`).join(', ');
    return {
      ok: false,
      error:
        `${workflow.path} does not declare the input${undeclared.length > 1 ? 's' : ''} ${list} that shipgate.yml passes ` +
        `(declared: ${declared.length ? declared.join(', ') : 'none'}). Add ${undeclared.length > 1 ? 'them' : 'it'} under on.workflow_dispatch.inputs or remove ${undeclared.length > 1 ? 'them' : 'it'} from the job's inputs.`,
    };
  }
  const inputs: Record<string, InputValue> = {};
  for (const [name, value] of Object.entries(args.variables)) if (name in workflow.inputs) inputs[name] = value;
  Object.assign(inputs, args.inputs);
  if ('shipgate_run' in workflow.inputs) inputs.shipgate_run = args.correlationId;
  if ('sha' in workflow.inputs) inputs.sha = args.sha;
  if (args.deployment) {
    if ('environment' in workflow.inputs && !('environment' in args.inputs)) inputs.environment = args.deployment.environment;
    if ('deployment_id' in workflow.inputs) inputs.deployment_id = String(args.deployment.id);
  }
  const missing = Object.entries(workflow.inputs)
    .filter(([name, spec]) => spec.required && !spec.hasDefault && !(name in inputs))
    .map(([name]) => name);
  if (missing.length > 0) {
    return { ok: false, error: `${workflow.path} requires the input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}, which shipgate.yml does not give.` };
  }
  if (Object.keys(inputs).length > MAX_DISPATCH_INPUTS) {
    return { ok: false, error: `${workflow.path} would get ${Object.keys(inputs).length} inputs; GitHub accepts at most ${MAX_DISPATCH_INPUTS}.` };
  }
  return { ok: true, inputs };
}

/**
 * `POST …/actions/workflows/{file}/dispatches` with `return_run_details: true`.
 * Returns the run id when GitHub gives it (200), or null when it answers 204
 * (GitHub Enterprise Server), in which case the caller finds the run by its
 * correlation id. Marked not idempotent: a 5xx is not blindly repeated.
 */
export async function dispatchWorkflow(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  args: { workflow: string; ref: string; inputs: Record<string, InputValue> },
): Promise<{ runId: number | null; htmlUrl: string | null }> {
  const response = await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
    owner,
    repo,
    workflow_id: args.workflow,
    ref: args.ref,
    inputs: args.inputs,
    return_run_details: true,
    request: { shipgate: { notIdempotent: true, priority: PRIORITY.critical } },
  });
  const data = (response.status === 200 ? response.data : undefined) as { workflow_run_id?: number; html_url?: string } | undefined;
  return { runId: data?.workflow_run_id ?? null, htmlUrl: data?.html_url ?? null };
}
