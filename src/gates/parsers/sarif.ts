/**
 * Parses SARIF 2.1.0 (CodeQL, ESLint, Semgrep, Bandit, Trivy, Snyk…) into
 * unsuppressed findings with a level, a security-severity band, a
 * repository-relative location and a fingerprint. The log is JSON and is parsed
 * at once; each result is validated and reduced on its own, so the work per
 * result stays small even for 100,000 results.
 */
import { z } from 'zod';
import { gateReason } from '../reasons.ts';
import type { ParseResult, SarifFinding, SarifLevel, SarifReport, SecuritySeverity } from '../report.ts';
import { toRepoPath, uriToPath } from '../repo-path.ts';
import { inputText, type ReportInput } from './report-input.ts';

const FORMAT = 'SARIF';
const MAX_MESSAGE = 1000;

const levelSchema = z.enum(['none', 'note', 'warning', 'error']);
const propertiesSchema = z.record(z.string(), z.unknown());
const ruleSchema = z.looseObject({
  id: z.string(),
  defaultConfiguration: z.looseObject({ level: levelSchema.optional() }).optional(),
  properties: propertiesSchema.optional(),
});
const componentSchema = z.looseObject({ name: z.string().optional(), rules: z.array(ruleSchema).optional() });
const artifactLocationSchema = z.looseObject({ uri: z.string().optional(), uriBaseId: z.string().optional(), index: z.int().min(0).optional() });
const runSchema = z.looseObject({
  tool: z.looseObject({ driver: componentSchema, extensions: z.array(componentSchema).optional() }),
  results: z.array(z.unknown()).optional(),
  artifacts: z.array(z.looseObject({ location: artifactLocationSchema.optional() })).optional(),
  originalUriBaseIds: z.record(z.string(), z.looseObject({ uri: z.string().optional(), uriBaseId: z.string().optional() })).optional(),
});
const logSchema = z.looseObject({ version: z.literal('2.1.0', { error: 'only SARIF version 2.1.0 is read' }), runs: z.array(runSchema) });
const resultSchema = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.int().min(-1).optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.int().min(-1).optional(), toolComponent: z.looseObject({ index: z.int().min(0).optional(), name: z.string().optional() }).optional() }).optional(),
  level: levelSchema.optional(),
  kind: z.string().optional(),
  message: z.looseObject({ text: z.string().optional(), markdown: z.string().optional() }).optional(),
  locations: z
    .array(
      z.looseObject({
        physicalLocation: z
          .looseObject({
            artifactLocation: artifactLocationSchema.optional(),
            region: z.looseObject({ startLine: z.int().optional(), endLine: z.int().optional(), snippet: z.looseObject({ text: z.string().optional() }).optional() }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  partialFingerprints: z.record(z.string(), z.string()).optional(),
  fingerprints: z.record(z.string(), z.string()).optional(),
  suppressions: z.array(z.looseObject({ kind: z.string().optional(), status: z.string().optional() })).optional(),
  properties: propertiesSchema.optional(),
});

type Run = z.infer<typeof runSchema>;
type Rule = z.infer<typeof ruleSchema>;
type SarifResult = z.infer<typeof resultSchema>;

/** Options of {@link parseSarif}. */
export interface SarifOptions {
  /** Checkout roots to strip from absolute paths, besides the hosted runners' (e.g. the workspace of a self-hosted runner). */
  readonly roots?: readonly string[];
}

/** The unsuppressed findings of a SARIF log, with counts by level and by security-severity band. */
export function parseSarif(input: ReportInput, options: SarifOptions = {}): ParseResult<SarifReport> {
  let json: unknown;
  try {
    json = JSON.parse(inputText(input));
  } catch (error) {
    return invalid((error as Error).message);
  }
  const log = logSchema.safeParse(json);
  if (!log.success) return invalid(issueText(log.error));
  const levels: Record<SarifLevel, number> = { error: 0, warning: 0, note: 0, none: 0 };
  const severities: Record<SecuritySeverity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  const findings: SarifFinding[] = [];
  let suppressed = 0;
  for (const [runIndex, run] of log.data.runs.entries()) {
    const context = runContext(run, options.roots ?? []);
    for (const [resultIndex, raw] of (run.results ?? []).entries()) {
      const parsed = resultSchema.safeParse(raw);
      if (!parsed.success) return invalid(`runs[${runIndex}].results[${resultIndex}]: ${issueText(parsed.error)}`);
      const result = parsed.data;
      if (isSuppressed(result)) {
        suppressed += 1;
        continue;
      }
      const finding = toFinding(result, context);
      levels[finding.level] += 1;
      if (finding.severity !== null) severities[finding.severity] += 1;
      findings.push(finding);
    }
  }
  return { ok: true, report: { kind: 'sarif', runs: log.data.runs.length, levels, severities, suppressed, findings } };
}

interface RunContext {
  readonly tool: string;
  readonly run: Run;
  readonly rulesById: Map<string, Rule>;
  readonly roots: string[];
  readonly bases: Map<string, string>;
}

function runContext(run: Run, extraRoots: readonly string[]): RunContext {
  const rulesById = new Map<string, Rule>();
  for (const component of [run.tool.driver, ...(run.tool.extensions ?? [])]) {
    for (const rule of component.rules ?? []) if (!rulesById.has(rule.id)) rulesById.set(rule.id, rule);
  }
  const bases = new Map<string, string>();
  for (const [id, base] of Object.entries(run.originalUriBaseIds ?? {})) if (base.uri !== undefined) bases.set(id, uriToPath(base.uri));
  return { tool: run.tool.driver.name ?? 'unknown', run, rulesById, roots: [...extraRoots, ...bases.values()], bases };
}

function isSuppressed(result: SarifResult): boolean {
  const suppressions = result.suppressions ?? [];
  return suppressions.length > 0 && !suppressions.some((s) => s.status === 'underReview' || s.status === 'rejected');
}

/** The rule a result points at: through its tool component (CodeQL keeps rules in extensions), its index, or its id. */
function ruleOf(result: SarifResult, context: RunContext): Rule | undefined {
  const { run } = context;
  const reference = result.rule;
  const index = reference?.index ?? result.ruleIndex;
  const component = reference?.toolComponent;
  let rules = run.tool.driver.rules;
  if (component?.index !== undefined) rules = run.tool.extensions?.[component.index]?.rules;
  else if (component?.name !== undefined && component.name !== run.tool.driver.name) rules = run.tool.extensions?.find((e) => e.name === component.name)?.rules;
  if (index !== undefined && index >= 0 && rules?.[index] !== undefined) return rules[index];
  const id = result.ruleId ?? reference?.id;
  return id === undefined ? undefined : (rules?.find((rule) => rule.id === id) ?? context.rulesById.get(id));
}

function toFinding(result: SarifResult, context: RunContext): SarifFinding {
  const rule = ruleOf(result, context);
  const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unknown';
  // The level: none for kinds other than fail, else the result's, else the rule's default, else warning.
  const level: SarifLevel = result.kind !== undefined && result.kind !== 'fail' ? 'none' : (result.level ?? rule?.defaultConfiguration?.level ?? 'warning');
  const score = securityScore(rule?.properties?.['security-severity'] ?? result.properties?.['security-severity']);
  const physical = result.locations?.[0]?.physicalLocation;
  const path = locationPath(physical?.artifactLocation, context);
  const startLine = physical?.region?.startLine ?? null;
  const line = startLine !== null && startLine > 0 ? startLine : null;
  const endLine = physical?.region?.endLine ?? line;
  const message = (result.message?.text ?? result.message?.markdown ?? '').slice(0, MAX_MESSAGE);
  return {
    tool: context.tool,
    ruleId,
    level,
    severity: score === null ? null : band(score),
    message,
    path,
    line,
    endLine: endLine !== null && line !== null && endLine >= line ? endLine : line,
    fingerprint: fingerprintOf(result, ruleId, path, line, physical?.region?.snippet?.text),
  };
}

/** A numeric security-severity in (0, 10], or null ("undefined", out of range, not a number). */
export function securityScore(value: unknown): number | null {
  const score = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(score) && score > 0 && score <= 10 ? score : null;
}

/** The band of a security-severity score: ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
export function band(score: number): SecuritySeverity {
  return score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
}

function locationPath(location: z.infer<typeof artifactLocationSchema> | undefined, context: RunContext): string | null {
  if (location === undefined) return null;
  let uri = location.uri;
  let baseId = location.uriBaseId;
  if (uri === undefined && location.index !== undefined) {
    const artifact = context.run.artifacts?.[location.index]?.location;
    uri = artifact?.uri;
    baseId ??= artifact?.uriBaseId;
  }
  if (uri === undefined) return null;
  const path = uriToPath(uri);
  const base = baseId === undefined ? undefined : context.bases.get(baseId);
  // A relative URI under a known base is resolved against it, then the checkout root is stripped.
  const absolute = base !== undefined && !/^[a-z]+:/i.test(uri) && !path.startsWith('/') ? `${base.replace(/\/+$/, '')}/${path}` : path;
  const relative = toRepoPath(absolute, context.roots);
  if (relative !== null) return relative;
  // A relative URI whose base is outside any known checkout (Trivy's ROOTPATH file:///) is taken as written.
  if (absolute !== path) return toRepoPath(path);
  // A leading slash without a known root (Snyk's "/requirements.txt") is taken as repository-relative.
  return base === undefined && uri.startsWith('/') && !uri.slice(1).includes('/') ? toRepoPath(uri.slice(1)) : null;
}

function fingerprintOf(result: SarifResult, ruleId: string, path: string | null, line: number | null, snippet: string | undefined): string {
  for (const prints of [result.partialFingerprints, result.fingerprints]) {
    if (prints === undefined) continue;
    const key = 'primaryLocationLineHash' in prints ? 'primaryLocationLineHash' : Object.keys(prints).sort()[0];
    if (key !== undefined) return `${ruleId}/${key}:${prints[key]}`;
  }
  const where = snippet !== undefined ? snippet.trim().replace(/\s+/g, ' ') : String(line ?? 0);
  return `${ruleId}/${path ?? ''}:${where}`;
}

function invalid(error: string): ParseResult<SarifReport> {
  return { ok: false, reason: gateReason('report.invalid', { format: FORMAT, error: error.slice(0, 300) }) };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'unexpected shape' : `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
}
