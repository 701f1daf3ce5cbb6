import type { JsonObject } from './schema/index.ts';

/** A plain object (a run plan, a check-run body) as the JSON object a `jsonb` column gets back: a copy, `undefined` fields dropped. */
export function toJsonObject(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * Encodes a value for a `jsonb` column.
 *
 * `jsonb` cannot hold the NUL character (`\u0000`), which GitHub payloads can
 * carry (commit messages, file names from hostile input); PostgreSQL would
 * reject the whole row. It is replaced by U+FFFD, the replacement character,
 * so the event is stored instead of failing forever on every redelivery.
 */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot store ${typeof value} as JSON`);
  // An escaped NUL is `\u0000` preceded by an even number of backslashes
  // (an odd number means the backslash itself was escaped: literal text).
  return text.includes('\\u0000') ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : text;
}
