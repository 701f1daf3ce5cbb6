import { MAX_ISSUES, placeIssue, type ConfigIssue, type ConfigResult, type Locate } from './config-issue.ts';
import { shipgateConfigSchema } from './schema.ts';
import { describeSchemaIssues } from './schema-issues.ts';
import { checkConfigSemantics } from './semantic-checks.ts';
import { checkConfigStructure } from './structure-checks.ts';

/**
 * Validates config data (as parsed from YAML) against the schema and the checks
 * beyond it; every issue gets its position from `locate`. When the schema fails,
 * the structure checks (needs, cycles, job ids, gate jobs, sizes) still run on the
 * data as written, so one pass reports both kinds, in file order. An empty file
 * (`null`) is an empty config.
 */
export function validateConfigValue(value: unknown, locate: Locate): ConfigResult {
  const input = value ?? {};
  const parsed = shipgateConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = [...describeSchemaIssues(parsed.error.issues, input, shipgateConfigSchema), ...checkConfigStructure(input)];
    return { ok: false, errors: inFileOrder(issues.map((issue) => placeIssue(issue, locate))) };
  }
  const semantic = checkConfigSemantics(parsed.data);
  const warnings = inFileOrder(semantic.warnings.map((issue) => placeIssue(issue, locate)));
  if (semantic.errors.length > 0) {
    return { ok: false, errors: inFileOrder(semantic.errors.map((issue) => placeIssue(issue, locate))) };
  }
  return { ok: true, config: parsed.data, warnings };
}

/** Issues by file (in order of first appearance), then line and column; at most {@link MAX_ISSUES}. */
export function inFileOrder(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const fileRank = new Map<string, number>();
  for (const issue of issues) if (!fileRank.has(issue.file)) fileRank.set(issue.file, fileRank.size);
  return [...issues]
    .sort(
      (a, b) =>
        (fileRank.get(a.file) ?? 0) - (fileRank.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
    )
    .slice(0, MAX_ISSUES);
}
