/**
 * What a pull request's `.github/shipgate.yml` changes in the gates (SPEC §3:
 * the `shipgate/config` check notes it), as sentences: gates added, removed,
 * and options changed (`coverage: min 80 → 70`), pipeline by pipeline.
 */

/** A gate as the config gives it: a name and its options. */
export type GateOptions = { readonly name: string } & Readonly<Record<string, unknown>>;

/** Gates by pipeline id. */
export type GatesByPipeline = Readonly<Record<string, readonly GateOptions[]>>;

function shown(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The changes from `before` (the default branch) to `after` (the pull request), one sentence each, in pipeline and gate order. */
export function gateChanges(before: GatesByPipeline, after: GatesByPipeline): string[] {
  const changes: string[] = [];
  const pipelines = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  for (const pipeline of pipelines) {
    const old = new Map((before[pipeline] ?? []).map((gate) => [gate.name, gate]));
    const now = new Map((after[pipeline] ?? []).map((gate) => [gate.name, gate]));
    for (const [name, gate] of now) {
      const previous = old.get(name);
      if (!previous) {
        changes.push(`${pipeline}: gate '${name}' added (${shown(gate.type)})`);
        continue;
      }
      const keys = [...new Set([...Object.keys(previous), ...Object.keys(gate)])].filter((key) => key !== 'name');
      const differing = keys.filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(gate[key]));
      if (differing.length > 0) changes.push(`${pipeline}: gate '${name}' changes ${differing.map((key) => `${key} ${shown(previous[key])} → ${shown(gate[key])}`).join(', ')}`);
    }
    for (const name of old.keys()) if (!now.has(name)) changes.push(`${pipeline}: gate '${name}' removed`);
  }
  return changes;
}
