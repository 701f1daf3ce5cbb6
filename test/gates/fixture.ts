import { readFileSync } from 'node:fs';

/** A report fixture's bytes, read fresh for each test (test/fixtures/reports/<tool>/<file>). */
export function reportFixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/reports/${path}`, import.meta.url)));
}
