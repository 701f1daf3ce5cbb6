/**
 * GitHub's size limits on a check run's output. A `summary` or `text` over the
 * limit is refused with 422, which would leave the check run unwritten; so every
 * write is cut to fit first, and says what was cut.
 */

/**
 * Most of `output.summary` and of `output.text` GitHub accepts. Its documentation
 * says "65535 characters", but in practice it counts bytes
 * (github/rest-api-description#5399), so the budget here is UTF-8 bytes: that
 * also keeps it under 65,535 in characters or in UTF-16 units.
 */
export const CHECK_OUTPUT_LIMIT = 65_535;

/** The part of a check run's output that has limits. */
export interface LimitedOutput {
  summary: string;
  text?: string;
}

/** What was cut from one field. */
export interface OutputCut {
  field: 'summary' | 'text';
  /** Characters (code points) removed. */
  characters: number;
  /** Lines removed, counting a partly removed line. */
  lines: number;
}

export interface FitOptions {
  /** The budget per field in UTF-8 bytes (default {@link CHECK_OUTPUT_LIMIT}). */
  limit?: number;
  /** Where the reader finds what was cut, as the end of a sentence. */
  fullDetailsAt?: string;
}

const DEFAULT_FULL_DETAILS_AT = "shipgate's logs (the complete output is logged when it is cut)";

const utf8 = new TextEncoder();
const bytesOf = (value: string) => utf8.encode(value).length;
const count = (value: number) => value.toLocaleString('en-US');

function notice(cut: Omit<OutputCut, 'field'>, limit: number, fullDetailsAt: string): string {
  const chars = `${count(cut.characters)} character${cut.characters === 1 ? '' : 's'}`;
  const lines = `${count(cut.lines)} line${cut.lines === 1 ? '' : 's'}`;
  return `\n\n---\n_shipgate cut ${chars} (${lines}) here: GitHub shows at most ${count(limit)} characters. The full details are in ${fullDetailsAt}._`;
}

/** The longest prefix of `value` (in UTF-16 units) within `budget` UTF-8 bytes, never splitting a character. */
function prefixWithin(value: string, budget: number): number {
  let bytes = 0;
  let index = 0;
  while (index < value.length) {
    const point = value.codePointAt(index) ?? 0;
    const size = point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    if (bytes + size > budget) break;
    bytes += size;
    index += point > 0xffff ? 2 : 1;
  }
  return index;
}

function linesIn(value: string): number {
  if (value === '') return 0;
  const newlines = value.split('\n').length - 1;
  return value.endsWith('\n') ? newlines : newlines + 1;
}

function fitField(value: string, field: OutputCut['field'], limit: number, fullDetailsAt: string): { value: string; cut?: OutputCut } {
  if (bytesOf(value) <= limit) return { value };
  // Room for the notice at its longest: its counts are at most the whole value's.
  const reserve = bytesOf(notice({ characters: [...value].length, lines: linesIn(value) }, limit, fullDetailsAt));
  const budget = Math.max(0, limit - reserve);
  let keep = prefixWithin(value, budget);
  // Cut after a whole line, unless that would drop more than half of what fits (one huge line).
  const lastNewline = value.lastIndexOf('\n', keep - 1);
  if (lastNewline >= 0 && lastNewline >= keep / 2) keep = lastNewline;
  const removed = value.slice(keep);
  const cut: OutputCut = { field, characters: [...removed].length, lines: linesIn(removed.startsWith('\n') ? removed.slice(1) : removed) };
  return { value: value.slice(0, keep) + notice(cut, limit, fullDetailsAt), cut };
}

/**
 * Cuts `summary` and `text` to GitHub's limit, at a line boundary, each ending
 * with a sentence that says how many characters and lines were cut and where the
 * full details are. Other fields (title, annotations) pass through. Pure; output
 * within the limit is returned as it is.
 */
export function fitCheckOutput<T extends LimitedOutput>(output: T, options: FitOptions = {}): { output: T; cuts: OutputCut[] } {
  const limit = options.limit ?? CHECK_OUTPUT_LIMIT;
  const fullDetailsAt = options.fullDetailsAt ?? DEFAULT_FULL_DETAILS_AT;
  const cuts: OutputCut[] = [];
  const summary = fitField(output.summary, 'summary', limit, fullDetailsAt);
  if (summary.cut) cuts.push(summary.cut);
  const text = output.text === undefined ? undefined : fitField(output.text, 'text', limit, fullDetailsAt);
  if (text?.cut) cuts.push(text.cut);
  if (cuts.length === 0) return { output, cuts };
  return { output: { ...output, summary: summary.value, ...(text ? { text: text.value } : {}) }, cuts };
}
