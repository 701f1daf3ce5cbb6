/** Tells a report's format from its content (never from its file name). */
import type { ReportInput } from './parsers/report-input.ts';

/** The report formats shipgate reads. */
export type ReportFormat = 'istanbul' | 'cobertura' | 'lcov' | 'junit' | 'sarif' | 'benchmark';

/** The gate type that reads each format. */
export const FORMAT_GATE_TYPE = {
  istanbul: 'coverage',
  cobertura: 'coverage',
  lcov: 'coverage',
  junit: 'junit',
  sarif: 'sarif',
  benchmark: 'benchmark',
} as const satisfies Record<ReportFormat, string>;

const PREFIX_CHARACTERS = 65_536;

/**
 * The format of a report, from its first 64 KB: the XML root element
 * (`<coverage>` Cobertura, `<testsuites>`/`<testsuite>` JUnit), SARIF's `runs`
 * or schema, istanbul's `total.lines`, other JSON as benchmark values, LCOV's
 * `TN:`/`SF:` records. Null when it is none of these.
 */
export function detectFormat(input: ReportInput): ReportFormat | null {
  const head = (typeof input === 'string' ? input.slice(0, PREFIX_CHARACTERS) : new TextDecoder('utf-8').decode(input.subarray(0, PREFIX_CHARACTERS))).replace(/^\uFEFF/, '');
  const text = head.trimStart();
  if (text.startsWith('<')) {
    const root = xmlRootName(text);
    if (root === 'coverage') return 'cobertura';
    if (root === 'testsuites' || root === 'testsuite') return 'junit';
    return null;
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    if (/"\$schema"\s*:\s*"[^"]*sarif/i.test(text) || (/"version"\s*:\s*"2\.1\.0"/.test(text) && /"runs"\s*:/.test(text))) return 'sarif';
    if (/^\{\s*"total"\s*:\s*\{\s*"(lines|statements|functions|branches)"\s*:/.test(text)) return 'istanbul';
    if (/"lines"\s*:\s*\{\s*"total"\s*:/.test(text) && /"covered"\s*:/.test(text)) return 'istanbul';
    return 'benchmark';
  }
  const firstRecord = /^(?:[ \t]*(?:#.*)?\r?\n)*[ \t]*([A-Z_a-z]+):?/.exec(text);
  if (firstRecord && ['TN', 'SF', 'VER'].includes(firstRecord[1] ?? '')) return 'lcov';
  return null;
}

/** The name of the first element, after the declaration, comments, processing instructions and a DOCTYPE. */
function xmlRootName(text: string): string | null {
  let rest = text;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<?')) rest = after(rest, '?>');
    else if (rest.startsWith('<!--')) rest = after(rest, '-->');
    else if (rest.startsWith('<!')) {
      const bracket = rest.indexOf('[');
      // An internal subset may hold '>'; skip to its end so the parser (which refuses it) gets the file.
      rest = bracket >= 0 && bracket < rest.indexOf('>') ? after(after(rest, ']'), '>') : after(rest, '>');
    }
    else break;
    if (rest.length === 0) return null;
  }
  const match = /^<([A-Za-z_][\w.:-]*)/.exec(rest);
  return match?.[1] ?? null;
}

function after(text: string, marker: string): string {
  const at = text.indexOf(marker);
  return at < 0 ? '' : text.slice(at + marker.length);
}
