/**
 * Parses Cobertura XML (coverage.py, istanbul/nyc/c8/jest, Java tools, grcov…),
 * streaming. Only a class's own `<lines>` count (istanbul lists function
 * declarations under `<methods>`, Java and grcov repeat lines there); lines are
 * merged per file by the highest hit count, so Java's several `<class>` per file count once;
 * totals are recomputed from the lines, never read from the rates.
 */
import { gateReason } from '../reasons.ts';
import type { CoverageReport, LineHits, ParseResult } from '../report.ts';
import { repoPathOrRaw } from '../repo-path.ts';
import { lineTotals, mergeLineHit } from './line-hits.ts';
import type { ReportInput } from './report-input.ts';
import { stopXml, streamXml } from './xml-stream.ts';

const FORMAT = 'Cobertura';

/** Per-line hits and totals of a Cobertura report; file paths are joined to the first `<source>` and made repository-relative. */
export function parseCobertura(input: ReportInput): ParseResult<CoverageReport> {
  const files = new Map<string, LineHits>();
  const branchesByLine = new Map<string, { covered: number; valid: number }>();
  const sources: string[] = [];
  let inSource = false;
  let sourceText = '';
  let root = true;
  let currentFile: string | null = null;
  let inMethods = false;
  const refusal = streamXml(input, FORMAT, {
    open(name, attributes) {
      if (root) {
        root = false;
        if (name !== 'coverage') stopXml(gateReason('report.invalid', { format: FORMAT, error: `the root element is <${name}>, not <coverage>` }));
        return;
      }
      if (name === 'source') {
        inSource = true;
        sourceText = '';
      } else if (name === 'class') {
        const filename = attributes['filename'] ?? attributes['name'] ?? '';
        currentFile = filePath(filename, sources);
      } else if (name === 'methods') {
        inMethods = true;
      } else if (name === 'line' && currentFile !== null && !inMethods) {
        const line = Number(attributes['number']);
        const hits = Number(attributes['hits'] ?? '0');
        if (!Number.isInteger(line) || !Number.isFinite(hits) || hits < 0) {
          stopXml(gateReason('report.invalid', { format: FORMAT, error: `a <line> of ${currentFile} has number="${attributes['number']}" hits="${attributes['hits']}"` }));
        }
        if (line <= 0) return;
        mergeLineHit(files, currentFile, line, hits);
        const condition = /\((\d+)\/(\d+)\)/.exec(attributes['condition-coverage'] ?? '');
        if (attributes['branch'] === 'true' && condition) {
          const key = `${currentFile}\0${line}`;
          const covered = Number(condition[1]);
          const valid = Number(condition[2]);
          const previous = branchesByLine.get(key);
          if (previous === undefined || covered > previous.covered) branchesByLine.set(key, { covered: Math.min(covered, valid), valid });
        }
      }
    },
    close(name) {
      if (name === 'source') {
        inSource = false;
        const source = sourceText.trim();
        if (source.length > 0) sources.push(source);
      } else if (name === 'class') currentFile = null;
      else if (name === 'methods') inMethods = false;
    },
    text(text) {
      if (inSource && sourceText.length < 4096) sourceText += text;
    },
  });
  if (refusal !== null) return { ok: false, reason: refusal };
  let branches = { covered: 0, valid: 0 };
  for (const counts of branchesByLine.values()) branches = { covered: branches.covered + counts.covered, valid: branches.valid + counts.valid };
  return { ok: true, report: { kind: 'coverage', format: 'cobertura', lines: lineTotals(files), branches: branches.valid > 0 ? branches : null, files } };
}

function filePath(filename: string, sources: readonly string[]): string {
  const normal = filename.replaceAll('\\', '/');
  if (normal.startsWith('/') || /^[A-Za-z]:\//.test(normal)) return repoPathOrRaw(normal);
  const source = sources[0];
  return source === undefined ? repoPathOrRaw(normal) : repoPathOrRaw(`${source.replaceAll('\\', '/').replace(/\/+$/, '')}/${normal}`);
}
