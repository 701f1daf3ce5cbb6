/** What a report parser reads: a file of an artifact, as bytes or text. */
export type ReportInput = Uint8Array | string;

/** Characters fed to a streaming parser at a time. */
const SLICE_BYTES = 1024 * 1024;

/**
 * The input as text slices of about 1 MB, decoded as UTF-8 (a BOM is dropped),
 * so a parser never holds the whole file as one string.
 */
export function* bytesToChunks(input: ReportInput): Generator<string> {
  if (typeof input === 'string') {
    for (let start = 0; start < input.length; start += SLICE_BYTES) yield input.slice(start, start + SLICE_BYTES);
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for (let start = 0; start < input.byteLength; start += SLICE_BYTES) {
    const text = decoder.decode(input.subarray(start, start + SLICE_BYTES), { stream: true });
    if (text.length > 0) yield text;
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield rest;
}

/** The whole input as text (for formats that are parsed at once, such as JSON). */
export function inputText(input: ReportInput): string {
  return typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
}

/** Lines of the input, one at a time, without their line ending. */
export function* inputLines(input: ReportInput): Generator<string> {
  let carry = '';
  for (const chunk of bytesToChunks(input)) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() ?? '';
    for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
  }
  if (carry.length > 0) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
}
