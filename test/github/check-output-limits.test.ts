import { describe, expect, it } from 'vitest';
import { CHECK_OUTPUT_LIMIT, fitCheckOutput } from '../../src/github/check-output-limits.ts';

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
const NOTICE = /\n\n---\n_shipgate cut ([\d,]+) characters? \(([\d,]+) lines?\) here: GitHub shows at most 65,535 characters\. The full details are in (.+)\._$/;

/** Splits a fitted field into what was kept and the numbers its notice gives. */
function readCut(value: string) {
  const match = NOTICE.exec(value);
  if (!match) throw new Error(`no cut notice at the end of: …${value.slice(-200)}`);
  return {
    kept: value.slice(0, match.index),
    characters: Number(match[1]?.replace(/,/g, '')),
    lines: Number(match[2]?.replace(/,/g, '')),
    where: match[3],
  };
}

/** `count` table rows, each `| ${cell} | n |`. */
function table(count: number, cell: string): string {
  return ['| Stage | n |', '| --- | --- |', ...Array.from({ length: count }, (_, i) => `| ${cell} | ${i} |`)].join('\n');
}

describe('fitCheckOutput', () => {
  it('returns output within the limit as it is, title and other fields included', () => {
    const output = { title: 'ci succeeded', summary: table(10, '✅ build'), text: 'short' };
    const fitted = fitCheckOutput(output);
    expect(fitted.cuts).toEqual([]);
    expect(fitted.output).toBe(output);
  });

  it('keeps a summary of exactly the limit', () => {
    const summary = 'a'.repeat(CHECK_OUTPUT_LIMIT);
    expect(fitCheckOutput({ summary }).cuts).toEqual([]);
  });

  it('cuts an ASCII summary at a line boundary, under the limit, and says how much was cut', () => {
    const summary = table(5000, 'build-and-test');
    const { output, cuts } = fitCheckOutput({ title: 't', summary });
    expect(bytes(output.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    const cut = readCut(output.summary);
    expect(summary.startsWith(cut.kept)).toBe(true);
    // The kept part ends with a whole row; the next character of the original is its newline.
    expect(cut.kept.endsWith('|')).toBe(true);
    expect(summary[cut.kept.length]).toBe('\n');
    const removed = summary.slice(cut.kept.length);
    expect(cut.characters).toBe(removed.length);
    expect(cut.lines).toBe(removed.slice(1).split('\n').length);
    expect(cut.where).toMatch(/shipgate's logs/);
    expect(cuts).toEqual([{ field: 'summary', characters: cut.characters, lines: cut.lines }]);
    expect(output.title).toBe('t');
    // Nearly all of the budget is used.
    expect(bytes(output.summary)).toBeGreaterThan(CHECK_OUTPUT_LIMIT - 200);
  });

  it('counts multi-byte text in bytes and characters, never splitting a character', () => {
    // ✅ is 3 UTF-8 bytes and 1 UTF-16 unit; 🚀 is 4 bytes and 2 units (a surrogate pair).
    const summary = table(3000, '✅ 🚀 déploiement ünd 测试');
    expect(summary.length).toBeLessThan(CHECK_OUTPUT_LIMIT * 2);
    expect(bytes(summary)).toBeGreaterThan(CHECK_OUTPUT_LIMIT);
    const { output } = fitCheckOutput({ summary });
    expect(bytes(output.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(output.summary.isWellFormed()).toBe(true);
    const cut = readCut(output.summary);
    const removed = summary.slice(cut.kept.length);
    expect(cut.characters).toBe([...removed].length);
    expect(cut.characters).toBeLessThan(removed.length); // code points, not UTF-16 units
    expect(cut.lines).toBe(removed.slice(1).split('\n').length);
  });

  it('cuts one huge line at a character boundary rather than dropping it whole', () => {
    const summary = `header\n${'🚀'.repeat(20_000)}`;
    const { output } = fitCheckOutput({ summary });
    expect(bytes(output.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(output.summary.isWellFormed()).toBe(true);
    const cut = readCut(output.summary);
    expect(cut.kept.length).toBeGreaterThan(60_000 / 2);
    expect(cut.lines).toBe(1);
    expect([...cut.kept].length + cut.characters).toBe([...summary].length);
  });

  it('cuts text independently of the summary, with the reader told where the rest is', () => {
    const text = `### Problems\n\n${Array.from({ length: 4000 }, (_, i) => `- **build/app**: failure ${i} — ünïcödé`).join('\n')}`;
    const { output, cuts } = fitCheckOutput({ summary: 'ok', text }, { fullDetailsAt: 'the workflow run logs' });
    expect(output.summary).toBe('ok');
    expect(bytes(output.text ?? '')).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(readCut(output.text ?? '').where).toBe('the workflow run logs');
    expect(cuts.map((c) => c.field)).toEqual(['text']);
  });

  it('is idempotent: fitting a fitted output changes nothing', () => {
    const once = fitCheckOutput({ summary: table(6000, '⏳ pending') }).output;
    expect(fitCheckOutput(once).output).toBe(once);
  });

  it('honours a smaller limit', () => {
    const { output } = fitCheckOutput({ summary: table(100, 'x') }, { limit: 1000 });
    expect(bytes(output.summary)).toBeLessThanOrEqual(1000);
    expect(readCut(output.summary.replace('at most 1,000', 'at most 65,535')).kept.endsWith('|')).toBe(true);
  });
});
