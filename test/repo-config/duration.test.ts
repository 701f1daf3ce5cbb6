import { describe, expect, it } from 'vitest';
import { checkDuration, parseDuration } from '../../src/repo-config/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '20', 'm', '1.5h', '1h30m', '20 m', '-1s', '10w', '1234567s'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('checkDuration', () => {
  it.each([
    { input: '30m', options: {}, errorContains: undefined },
    { input: '0s', options: { allowZero: true }, errorContains: undefined },
    { input: '365d', options: {}, errorContains: undefined },
    { input: '0m', options: {}, errorContains: 'greater than zero' },
    { input: '366d', options: {}, errorContains: 'at most 365d' },
    { input: '1h30m', options: {}, errorContains: 'expected a duration like 90s, 20m, 2h or 1d' },
    { input: 'x'.repeat(100), options: {}, errorContains: 'x…"' },
  ])('$input', ({ input, options, errorContains }) => {
    const error = checkDuration(input, options);
    if (errorContains === undefined) expect(error).toBeUndefined();
    else expect(error).toContain(errorContains);
  });
});
