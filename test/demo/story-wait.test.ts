import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createStoryWait, type StoryEnd } from '../../src/demo/story-wait.ts';

/** The wait's result once it settled, or `pending` (a microtask turn lets it settle). */
async function state(promise: Promise<StoryEnd>): Promise<StoryEnd | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('createStoryWait', () => {
  it('ends when the condition holds after some progress, and not before', async () => {
    const clock = new ManualClock();
    const wait = createStoryWait({ clock, deadline: clock.now() + 10_000 });
    let done = false;
    const waiting = wait.until(() => done);
    wait.progress();
    expect(await state(waiting)).toBe('pending');
    done = true;
    wait.progress();
    expect(await state(waiting)).toBe('ended');
    expect(clock.pending).toBe(0);
  });

  it('ends at once when the condition already holds', async () => {
    const clock = new ManualClock();
    expect(await state(createStoryWait({ clock, deadline: clock.now() + 1_000 }).until(() => true))).toBe('ended');
  });

  it("times out at the story's deadline, shared by every wait", async () => {
    const clock = new ManualClock();
    const wait = createStoryWait({ clock, deadline: clock.now() + 10_000 });
    const first = wait.until(() => false);
    clock.advance(9_999);
    expect(await state(first)).toBe('pending');
    clock.advance(1);
    expect(await state(first)).toBe('timed-out');
    // The time is up for the next step too.
    const second = wait.until(() => false);
    clock.advance(0);
    expect(await state(second)).toBe('timed-out');
  });

  it('ends as interrupted on Ctrl-C, also when it came before the wait', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const wait = createStoryWait({ clock, deadline: clock.now() + 10_000, signal: controller.signal });
    const waiting = wait.until(() => false);
    controller.abort();
    expect(await state(waiting)).toBe('interrupted');
    expect(await state(wait.until(() => true))).toBe('interrupted');
    expect(clock.pending).toBe(0);
  });
});
