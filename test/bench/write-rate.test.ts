import { describe, expect, it } from 'vitest';
import { writeRate } from '../../bench/write-rate.ts';

describe('writeRate', () => {
  it('measures writes one second apart as one per second', () => {
    expect(writeRate([3000, 1000, 2000, 4000])).toEqual({ writes: 4, spanMs: 3000, perSecond: 1, minGapMs: 1000, maxInOneSecond: 1 });
  });

  it('catches two replicas writing at once', () => {
    const rate = writeRate([0, 5, 1500, 1503, 3000]);
    expect(rate.perSecond).toBeCloseTo(4 / 3, 5);
    expect(rate.minGapMs).toBe(3);
    expect(rate.maxInOneSecond).toBe(2);
  });

  it('has no pace for a single write', () => {
    const rate = writeRate([42]);
    expect(rate).toMatchObject({ writes: 1, spanMs: 0, maxInOneSecond: 1 });
    expect(rate.perSecond).toBeNaN();
    expect(rate.minGapMs).toBeNaN();
  });
});
