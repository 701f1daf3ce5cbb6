import { describe, expect, it } from 'vitest';
import { cellWidth, formatNumber, formatTable, withUnit } from '../../bench/table.ts';

describe('formatTable', () => {
  it('aligns columns under a header and a rule, two spaces apart, without trailing spaces', () => {
    const text = formatTable(['figure', 'pglite', 'target'], [
      ['ack p99', '2.1 ms ✓', '≤ 2×'],
      ['event → dispatch p50', '23 ms', ''],
    ]);
    expect(text.split('\n')).toEqual([
      'figure                pglite    target',
      '────────────────────  ────────  ──────',
      'ack p99               2.1 ms ✓  ≤ 2×',
      'event → dispatch p50  23 ms',
    ]);
  });

  it('pads short rows and widens for long cells', () => {
    const lines = formatTable(['a'], [['x', 'longer cell'], []]).split('\n');
    expect(lines[0]).toBe('a');
    expect(lines[1]).toBe('─  ───────────');
    expect(lines[2]).toBe('x  longer cell');
    expect(lines[3]).toBe('');
  });

  it('counts symbols as one column each', () => {
    expect(cellWidth('✓ ✗ → ≤ ×')).toBe(9);
  });
});

describe('numbers', () => {
  it.each([
    { value: 1.234, decimals: 1, expected: '1.2' },
    { value: 12, decimals: 2, expected: '12.00' },
    { value: Number.NaN, decimals: 1, expected: '—' },
    { value: Number.POSITIVE_INFINITY, decimals: 0, expected: '—' },
  ])('formatNumber($value, $decimals) → $expected', ({ value, decimals, expected }) => {
    expect(formatNumber(value, decimals)).toBe(expected);
  });

  it('puts a unit after a number, and nothing after a missing one', () => {
    expect(withUnit(41.5, 'ms', 2)).toBe('41.50 ms');
    expect(withUnit(Number.NaN, 'ms')).toBe('—');
  });
});
