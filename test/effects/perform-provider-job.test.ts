import { describe, expect, it } from 'vitest';
import { nextPollDelayMs } from '../../src/effects/perform-provider-job.ts';

describe('nextPollDelayMs', () => {
  it.each([
    { elapsed: 0, delay: 5_000 },
    { elapsed: 29_999, delay: 5_000 },
    { elapsed: 30_000, delay: 10_000 },
    { elapsed: 119_999, delay: 10_000 },
    { elapsed: 120_000, delay: 30_000 },
    { elapsed: 599_999, delay: 30_000 },
    { elapsed: 600_000, delay: 60_000 },
    { elapsed: 6 * 3_600_000, delay: 60_000 },
  ])('polls a run going $elapsed ms again in $delay ms', ({ elapsed, delay }) => {
    expect(nextPollDelayMs(elapsed)).toBe(delay);
  });

  it('polls as often as at the start when the clock says the run started in the future', () => {
    expect(nextPollDelayMs(-10_000)).toBe(5_000);
  });

  it('never waits less as a run goes on', () => {
    let previous = 0;
    for (let elapsed = 0; elapsed <= 3_600_000; elapsed += 1_000) {
      const delay = nextPollDelayMs(elapsed);
      expect(delay).toBeGreaterThanOrEqual(previous);
      previous = delay;
    }
  });

  it('costs about 80 polls for an hour-long build', () => {
    let polls = 0;
    for (let elapsed = 0; elapsed < 3_600_000; elapsed += nextPollDelayMs(elapsed)) polls++;
    expect(polls).toBeGreaterThanOrEqual(75);
    expect(polls).toBeLessThanOrEqual(85);
  });
});
