import { describe, expect, it } from 'vitest';
import { median, percentile, summarize } from '../../bench/stats.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([
    { name: 'p50 of 1..100', samples: hundred, p: 50, expected: 50 },
    { name: 'p99 of 1..100', samples: hundred, p: 99, expected: 99 },
    { name: 'p100 is the largest', samples: hundred, p: 100, expected: 100 },
    { name: 'a tiny p is the smallest', samples: hundred, p: 0.001, expected: 1 },
    { name: 'p99 of 300 samples is the 297th smallest', samples: Array.from({ length: 300 }, (_, i) => 300 - i), p: 99, expected: 297 },
    { name: 'one sample', samples: [7], p: 99, expected: 7 },
    { name: 'unsorted input', samples: [5, 1, 4, 2, 3], p: 50, expected: 3 },
    { name: 'p50 of an even count takes the lower middle', samples: [1, 2, 3, 4], p: 50, expected: 2 },
  ])('$name → $expected', ({ samples, p, expected }) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  it('is NaN without samples and refuses a p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('leaves its input alone', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('gives count, min, p50, p99, max and mean', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, min: 1, p50: 2, p99: 4, max: 4, mean: 2.5 });
  });

  it('is all NaN but the count without samples', () => {
    const empty = summarize([]);
    expect(empty.count).toBe(0);
    for (const value of [empty.min, empty.p50, empty.p99, empty.max, empty.mean]) expect(value).toBeNaN();
  });

  it('has a median for counts', () => {
    expect(median([15, 15, 14])).toBe(15);
  });
});
