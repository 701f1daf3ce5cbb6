/**
 * Workflows of a repository: registered from `.github/workflows/*.yml` as
 * commits add them, and read at any ref (parsed once per blob sha).
 */
import { nodeId } from './identity.ts';
import type { Repository, Workflow } from './model.ts';
import type { SimState } from './state.ts';
import { parseWorkflow, type WorkflowDefinition } from './workflow-file.ts';

const WORKFLOW_PATH = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const parsed = new Map<string, WorkflowDefinition | Error>();

/** Registers every workflow file present in a commit's tree (as a push does). */
export function registerWorkflows(state: SimState, repo: Repository, sha: string): void {
  const commit = state.git.commit(sha);
  if (!commit) return;
  for (const path of commit.files.keys()) {
    if (!WORKFLOW_PATH.test(path) || repo.workflows.has(path)) continue;
    const id = state.ids.next('workflow');
    repo.workflows.set(path, { id, nodeId: nodeId('Workflow', id), path, createdAt: state.now(), updatedAt: state.now(), runCounter: 0 });
  }
}

/** Finds a workflow by numeric id, file name (`build.yml`) or path. */
export function findWorkflow(repo: Repository, idOrFile: string): Workflow | undefined {
  for (const workflow of repo.workflows.values()) {
    if (String(workflow.id) === idOrFile || workflow.path === idOrFile || workflow.path.split('/').pop() === idOrFile) {
      return workflow;
    }
  }
  return undefined;
}

/** The workflow file parsed at a commit; undefined when missing there, an Error when unparsable. */
export function workflowAt(state: SimState, workflow: Workflow, sha: string): WorkflowDefinition | Error | undefined {
  const blobSha = state.git.commit(sha)?.files.get(workflow.path);
  if (!blobSha) return undefined;
  let definition = parsed.get(blobSha);
  if (!definition) {
    try {
      definition = parseWorkflow(state.git.blob(blobSha)?.toString('utf8') ?? '');
    } catch (error) {
      definition = error instanceof Error ? error : new Error(String(error));
    }
    parsed.set(blobSha, definition);
  }
  return definition;
}

/** The workflow's display name: `name:` on the default branch, else its path. */
export function workflowName(state: SimState, repo: Repository, workflow: Workflow): string {
  const head = repo.branches.get(repo.defaultBranch);
  const definition = head ? workflowAt(state, workflow, head) : undefined;
  return definition && !(definition instanceof Error) && definition.name ? definition.name : workflow.path;
}
