import { describe, expect, it } from 'vitest';
import { DAG_WORKFLOWS, MAX_PIPELINES, allDelaysMs, completionDelayMs, followUpDelaysMs, runDurationMs, startDelayMs } from '../../bench/run-timings.ts';

describe('run timings', () => {
  it('gives every pipeline timers no other pipeline uses', () => {
    const owner = new Map<number, number>();
    for (let i = 1; i <= MAX_PIPELINES; i++) {
      for (const delay of allDelaysMs(i)) {
        expect(owner.get(delay), `delay ${delay} of pipeline ${i}`).toBeUndefined();
        owner.set(delay, i);
      }
    }
  });

  it('ends each run after it started, builds last', () => {
    for (const workflow of DAG_WORKFLOWS) expect(completionDelayMs(workflow, 3)).toBe(runDurationMs(workflow, 3) - startDelayMs(3));
    expect(runDurationMs('build.yml', 1)).toBeGreaterThan(Math.max(...DAG_WORKFLOWS.filter((w) => w !== 'build.yml').map((w) => runDurationMs(w, MAX_PIPELINES))));
  });

  it("keeps the build's end out of the follow-up timers", () => {
    expect(followUpDelaysMs(4).has(completionDelayMs('build.yml', 4))).toBe(false);
    expect(followUpDelaysMs(4).size).toBe(4);
  });

  it('refuses a pipeline number out of range', () => {
    expect(() => startDelayMs(0)).toThrow(RangeError);
    expect(() => runDurationMs('test.yml', MAX_PIPELINES + 1)).toThrow(RangeError);
  });
});
