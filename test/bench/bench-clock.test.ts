import { describe, expect, it } from 'vitest';
import { GatedClock } from '../../bench/bench-clock.ts';

describe('GatedClock', () => {
  it('never fires timers by itself, and releases the chosen ones in due order', () => {
    const clock = new GatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('long'), 5_000);
    clock.setTimeout(() => fired.push('short'), 10);
    clock.setTimeout(() => fired.push('other'), 700);
    expect(fired).toEqual([]);
    expect(clock.release((t) => t.delayMs !== 700)).toBe(2);
    expect(fired).toEqual(['short', 'long']);
    expect(clock.pending().map((t) => t.delayMs)).toEqual([700]);
  });

  it('leaves timers set while releasing for a later release', () => {
    const clock = new GatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('second'), 0);
    }, 0);
    expect(clock.release()).toBe(1);
    expect(fired).toEqual(['first']);
    expect(clock.release()).toBe(1);
    expect(fired).toEqual(['first', 'second']);
  });

  it('skips a timer cleared by an earlier callback of the same release', () => {
    const clock = new GatedClock();
    const fired: string[] = [];
    const later = clock.setTimeout(() => fired.push('cleared'), 20);
    clock.setTimeout(() => clock.clearTimeout(later), 10);
    expect(clock.release()).toBe(1);
    expect(fired).toEqual([]);
  });
});
