/**
 * From an artifact's zip to a gate's report (SPEC §5a): the zip is read with
 * limits, the files whose content is a report of the gate's type are parsed,
 * several of them are combined (Surefire writes one JUnit file per class).
 * Every failure is a typed refusal whose sentence names the artifact, the file
 * and the run, so the gate fails closed with something a user can act on.
 */
import { detectFormat, FORMAT_GATE_TYPE, type ReportFormat } from './detect-format.ts';
import type { UnreadableReport } from './evaluate.ts';
import { parseBenchmark } from './parsers/benchmark.ts';
import { parseCobertura } from './parsers/cobertura.ts';
import { parseIstanbulSummary } from './parsers/coverage-istanbul-summary.ts';
import { parseJunit } from './parsers/junit.ts';
import { parseLcov } from './parsers/lcov.ts';
import { parseSarif, type SarifOptions } from './parsers/sarif.ts';
import { readArtifactZip, type ArtifactLimits, type ArtifactRefusal } from './read-artifact-zip.ts';
import { gateReason, renderGateReason, type GateReason } from './reasons.ts';
import { mergeReports } from './merge-reports.ts';
import type { ParseResult, Report } from './report.ts';

/** Gate types whose report comes from an artifact. */
export type ArtifactGateType = 'coverage' | 'junit' | 'sarif' | 'benchmark';

/** Where the artifact comes from, for messages. */
export interface ReportSource {
  /** The artifact's name. */
  readonly artifact: string;
  readonly runId: number;
  /** The run's page, when known. */
  readonly runUrl?: string;
}

/** Why no report could be had. */
export interface ReportRefusal {
  readonly ok: false;
  readonly reason: GateReason;
  readonly artifact: string;
  /** The file (zip entry) at fault, or null when it is the artifact as a whole. */
  readonly file: string | null;
  readonly runId: number;
  /** The sentence, naming the artifact, the file and the run. */
  readonly detail: string;
}

/** A report read from an artifact, with the files it came from. */
export type ReportRead = { readonly ok: true; readonly report: Report; readonly files: string[] } | ReportRefusal;

/** Options of {@link readReport}. */
export interface ReadReportOptions {
  readonly limits?: ArtifactLimits;
  readonly sarif?: SarifOptions;
}

/**
 * The report of a `gateType` gate in the artifact zip `zip` of `source`: every
 * file whose content is a report of that type (by {@link detectFormat}, never
 * by its name), parsed and combined. Refuses an unreadable zip, an artifact
 * with no such report (saying which other report it found, if any), and a
 * file that does not parse.
 */
export async function readReport(gateType: ArtifactGateType, source: ReportSource, zip: Uint8Array, options: ReadReportOptions = {}): Promise<ReportRead> {
  const read = await readArtifactZip(source.artifact, zip, options.limits ? { limits: options.limits } : {});
  if (!read.ok) return refusalFromArtifact(read, source);
  const matching: Array<{ name: string; format: ReportFormat; bytes: Uint8Array }> = [];
  const others: Array<{ name: string; format: ReportFormat }> = [];
  for (const entry of read.entries) {
    const format = detectFormat(entry.bytes);
    if (format === null) continue;
    if (FORMAT_GATE_TYPE[format] === gateType) matching.push({ name: entry.name, format, bytes: entry.bytes });
    else others.push({ name: entry.name, format });
  }
  matching.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (matching.length === 0) {
    const other = others[0];
    if (other !== undefined) return refuse(gateReason('report.wrong-type', { expected: gateType, found: `${FORMAT_NAMES[other.format]}` }), source, other.name);
    return refuse(gateReason('artifact.no-report', { entries: read.entries.length }), source, null);
  }
  const reports: Array<{ name: string; report: Report }> = [];
  for (const file of matching) {
    const parsed = parseAs(file.format, file.bytes, options);
    if (!parsed.ok) return refuse(parsed.reason, source, file.name);
    reports.push({ name: file.name, report: parsed.report });
  }
  const merged = mergeReports(reports);
  if (!merged.ok) return refuse(merged.reason, source, null);
  return { ok: true, report: merged.report, files: matching.map((file) => file.name) };
}

/** The refusal of an artifact (missing, expired, too big, unsafe zip) as a report refusal naming the run. */
export function refusalFromArtifact(refusal: ArtifactRefusal, source: ReportSource): ReportRefusal {
  return refuse(refusal.gateReason, source, refusal.entry);
}

/** What {@link evaluateGate} takes for a report that could not be had. */
export function unreadableReport(refusal: ReportRefusal): UnreadableReport {
  return { kind: 'unreadable', reason: refusal.reason };
}

const FORMAT_NAMES: Record<ReportFormat, string> = {
  istanbul: 'an istanbul coverage summary',
  cobertura: 'a Cobertura coverage report',
  lcov: 'an LCOV coverage report',
  junit: 'a JUnit report',
  sarif: 'a SARIF log',
  benchmark: 'benchmark JSON',
};

function parseAs(format: ReportFormat, bytes: Uint8Array, options: ReadReportOptions): ParseResult<Report> {
  switch (format) {
    case 'istanbul':
      return parseIstanbulSummary(bytes);
    case 'cobertura':
      return parseCobertura(bytes);
    case 'lcov':
      return parseLcov(bytes);
    case 'junit':
      return parseJunit(bytes);
    case 'sarif':
      return parseSarif(bytes, options.sarif ?? {});
    case 'benchmark':
      return parseBenchmark(bytes);
  }
}

function refuse(reason: GateReason, source: ReportSource, file: string | null): ReportRefusal {
  const where = `artifact '${source.artifact}'${file === null ? '' : `, file '${file}'`}, workflow run ${source.runId}${source.runUrl ? ` (${source.runUrl})` : ''}`;
  return { ok: false, reason, artifact: source.artifact, file, runId: source.runId, detail: `${where}: ${renderGateReason(reason)}` };
}
