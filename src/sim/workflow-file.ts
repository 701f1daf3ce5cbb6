/**
 * Reading a GitHub Actions workflow file the way Actions does for a dispatch:
 * its triggers, `workflow_dispatch` inputs, `name`, `run-name` and jobs.
 */
import { parse } from 'yaml';

export interface WorkflowInput {
  description: string | undefined;
  required: boolean;
  default: string | undefined;
  type: 'string' | 'boolean' | 'choice' | 'number' | 'environment';
  options: string[];
}

export interface WorkflowDefinition {
  name: string | undefined;
  runName: string | undefined;
  triggers: string[];
  /** Declared `workflow_dispatch` inputs; undefined when the workflow cannot be dispatched. */
  dispatchInputs: Record<string, WorkflowInput> | undefined;
  jobs: Array<{ id: string; name: string }>;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Parses a workflow file; throws with a readable message when it is not valid YAML or has no `on`. */
export function parseWorkflow(text: string): WorkflowDefinition {
  const doc = asRecord(parse(text));
  if (!doc) throw new Error('workflow is not a mapping');
  const on: unknown = doc.on ?? doc.true;
  let triggers: string[];
  let dispatch: unknown;
  if (typeof on === 'string') triggers = [on];
  else if (Array.isArray(on)) triggers = on.map(String);
  else if (asRecord(on)) {
    triggers = Object.keys(on as Record<string, unknown>);
    dispatch = (on as Record<string, unknown>).workflow_dispatch;
  } else throw new Error("workflow has no 'on' triggers");

  let dispatchInputs: WorkflowDefinition['dispatchInputs'];
  if (triggers.includes('workflow_dispatch')) {
    dispatchInputs = {};
    const declared = asRecord(asRecord(dispatch)?.inputs) ?? {};
    for (const [name, spec] of Object.entries(declared)) {
      const input = asRecord(spec) ?? {};
      const type = typeof input.type === 'string' ? input.type : 'string';
      dispatchInputs[name] = {
        description: typeof input.description === 'string' ? input.description : undefined,
        required: input.required === true,
        default: input.default === undefined || input.default === null ? undefined : String(input.default),
        type: (['string', 'boolean', 'choice', 'number', 'environment'].includes(type) ? type : 'string') as WorkflowInput['type'],
        options: Array.isArray(input.options) ? input.options.map(String) : [],
      };
    }
  }
  const jobs = Object.entries(asRecord(doc.jobs) ?? {}).map(([id, spec]) => {
    const name = asRecord(spec)?.name;
    return { id, name: typeof name === 'string' ? name : id };
  });
  return {
    name: typeof doc.name === 'string' ? doc.name : undefined,
    runName: typeof doc['run-name'] === 'string' ? doc['run-name'] : undefined,
    triggers,
    dispatchInputs,
    jobs,
  };
}

/**
 * Substitutes `${{ … }}` in `run-name` with the few contexts a dispatch has:
 * `inputs.*`, `github.event.inputs.*`, `github.ref_name`, `github.actor`,
 * `github.sha`, `github.workflow`, `github.event_name`; `a || 'b'` picks the
 * first non-empty value. Anything else becomes an empty string.
 */
export function substituteExpressions(template: string, context: {
  inputs: Record<string, string>;
  github: Record<string, string>;
}): string {
  const lookup = (path: string): string => {
    const parts = path.trim().split('.');
    if (parts[0] === 'inputs') return context.inputs[parts.slice(1).join('.')] ?? '';
    if (parts[0] === 'github' && parts[1] === 'event' && parts[2] === 'inputs') {
      return context.inputs[parts.slice(3).join('.')] ?? '';
    }
    if (parts[0] === 'github') return context.github[parts.slice(1).join('.')] ?? '';
    return '';
  };
  return template.replace(/\$\{\{([^}]*)\}\}/g, (_, expression: string) => {
    for (const term of expression.split('||')) {
      const trimmed = term.trim();
      const quoted = /^'(.*)'$/.exec(trimmed);
      const value = quoted ? (quoted[1] ?? '').replace(/''/g, "'") : lookup(trimmed);
      if (value) return value;
    }
    return '';
  });
}
