import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { pollEvery } from '../../src/demo/poll-loop.ts';

describe('pollEvery', () => {
  it('looks once per interval, the first time after one interval, until stopped', () => {
    const clock = new ManualClock();
    const looks: number[] = [];
    const start = clock.now();
    const loop = pollEvery(clock, 50, () => {
      looks.push(clock.now() - start);
    });
    clock.advance(49);
    expect(looks).toEqual([]);
    clock.advance(101);
    expect(looks).toEqual([50, 100, 150]);
    loop.stop();
    clock.advance(500);
    expect(looks).toEqual([50, 100, 150]);
    expect(clock.pending).toBe(0);
  });

  it('starts the next interval only once an asynchronous look has finished, so looks never overlap', async () => {
    const clock = new ManualClock();
    let looks = 0;
    let finish = () => {};
    const loop = pollEvery(clock, 100, () => {
      looks += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    clock.advance(100);
    expect(looks).toBe(1);
    // The look is still under way: no timer waits, however much time passes.
    expect(clock.pending).toBe(0);
    clock.advance(1_000);
    expect(looks).toBe(1);
    finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(clock.pending).toBe(1);
    clock.advance(100);
    expect(looks).toBe(2);
    loop.stop();
    finish();
    await Promise.resolve();
    await Promise.resolve();
    // Stopped while the second look ran: nothing is scheduled after it.
    expect(clock.pending).toBe(0);
  });
});
