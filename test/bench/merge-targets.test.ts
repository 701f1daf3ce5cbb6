import { describe, expect, it } from 'vitest';
import { mergeTargets } from '../../bench/merge-targets.ts';
import type { TargetResult } from '../../bench/results.ts';

const summary = { count: 1, min: 1, p50: 1, p99: 1, max: 1, mean: 1 };

describe('mergeTargets', () => {
  it('puts the parts of one database together: figures, notes, durations, errors', () => {
    const inProcess: TargetResult = { database: 'postgres', notes: ['a'], durationMs: 100, ack: { shipgate: summary, bare: summary, errors: 0 } };
    const replicas: TargetResult = {
      database: 'postgres',
      notes: ['b'],
      durationMs: 30,
      error: 'replica 2 did not start',
      replicas: { replicas: 3, pipelines: 3, rate: { writes: 2, spanMs: 1000, perSecond: 1, minGapMs: 1000, maxInOneSecond: 1 }, webhooksPerReplica: [1, 1, 1] },
    };
    const merged = mergeTargets(mergeTargets(undefined, inProcess), replicas);
    expect(merged.notes).toEqual(['a', 'b']);
    expect(merged.durationMs).toBe(130);
    expect(merged.error).toBe('replica 2 did not start');
    expect(merged.ack).toBe(inProcess.ack);
    expect(merged.replicas?.replicas).toBe(3);
  });

  it('stays skipped only when every part was', () => {
    const skipped: TargetResult = { database: 'postgres', notes: [], durationMs: 0, skipped: 'no PostgreSQL' };
    expect(mergeTargets(skipped, skipped).skipped).toBe('no PostgreSQL');
    expect(mergeTargets(skipped, { database: 'postgres', notes: [], durationMs: 5 }).skipped).toBeUndefined();
  });
});
