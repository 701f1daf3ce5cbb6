import { evaluateTemplate, type ExpressionContext } from '../matching/conditions.ts';
import type { PlannedJob } from '../engine/run-plan.ts';

type Value = string | number | boolean;

/** The values a job sends (workflow inputs, Jenkins parameters, GitLab variables, a webhook's payload), as written in the config. */
export function configuredValues(job: PlannedJob): Record<string, Value> {
  switch (job.target?.provider) {
    case 'jenkins':
      return job.target.parameters;
    case 'gitlab':
      return job.target.variables;
    case 'webhook':
      return job.target.payload;
    default:
      return job.inputs;
  }
}

/** Those values with their `${{ }}` expressions evaluated (pure), or the first that cannot be. */
export function jobValues(job: PlannedJob, context: ExpressionContext): { ok: true; values: Record<string, Value> } | { ok: false; name: string; error: string } {
  const values: Record<string, Value> = {};
  for (const [name, value] of Object.entries(configuredValues(job))) {
    const evaluated = evaluateTemplate(value, context);
    if (!evaluated.ok) return { ok: false, name, error: evaluated.error };
    values[name] = evaluated.value;
  }
  return { ok: true, values };
}
