import type { ConfigIssue } from './config-issue.ts';

/** Largest config file accepted, in bytes (1 MB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type DecodeResult = { ok: true; text: string } | { ok: false; error: ConfigIssue };

/**
 * Turns a config file's content into text: refuses files over
 * {@link MAX_CONFIG_BYTES} before looking at them, and bytes that are not UTF-8
 * (naming the line and column of the first bad byte). A leading BOM is dropped.
 */
export function decodeConfigText(content: string | Uint8Array, file: string): DecodeResult {
  const size = typeof content === 'string' ? stringByteLength(content) : content.byteLength;
  if (size > MAX_CONFIG_BYTES) {
    return {
      ok: false,
      error: {
        file,
        line: 1,
        column: 1,
        message: `the file is ${formatSize(size)}, over the 1 MB limit (${MAX_CONFIG_BYTES} bytes) for shipgate configs`,
        path: [],
      },
    };
  }
  if (typeof content === 'string') return { ok: true, text: content.startsWith('\uFEFF') ? content.slice(1) : content };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(content) };
  } catch {
    const offset = firstInvalidUtf8Offset(content);
    const { line, column } = bytePosition(content, offset);
    const byte = (content[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      error: { file, line, column, message: `the file is not valid UTF-8 (byte 0x${byte}); save it as UTF-8`, path: [] },
    };
  }
}

/** UTF-8 length of a string, stopping early once it is clearly over the limit. */
function stringByteLength(text: string): number {
  if (text.length > MAX_CONFIG_BYTES) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

function formatSize(bytes: number): string {
  return bytes >= 1.1 * 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${bytes} bytes`;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] ?? 0;
    if (b0 < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) [length, min] = [2, 0x80];
    else if (b0 >= 0xe0 && b0 <= 0xef) [length, min] = [3, 0x800];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let codePoint = b0 & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k] ?? 0;
      if ((b & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

/** 1-based line and column (in characters) of a byte offset in valid UTF-8 before it. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, column: Array.from(before).length + 1 };
}
