import { describe, expect, it } from 'vitest';
import { sameJson, significance } from '../../src/engine/check-sync.ts';
import type { PipelineRunView } from '../../src/engine/check-output.ts';

const view = (overrides: Partial<PipelineRunView>): PipelineRunView => ({
  id: 1,
  pipeline: 'ci',
  status: 'in_progress',
  conclusion: null,
  error: null,
  waitingFor: null,
  createdAt: new Date(0),
  startedAt: new Date(0),
  completedAt: null,
  stages: [
    { id: 'build', status: 'completed', conclusion: 'success', reason: null, startedAt: new Date(0), completedAt: new Date(1), jobs: [] },
    { id: 'test', status: 'running', conclusion: null, reason: null, startedAt: new Date(1), completedAt: null, jobs: [] },
    { id: 'scan', status: 'running', conclusion: null, reason: null, startedAt: new Date(1), completedAt: null, jobs: [] },
  ],
  ...overrides,
});

describe('sameJson', () => {
  it('ignores key order (jsonb sorts keys) but not values', () => {
    expect(sameJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }, { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});

describe('significance', () => {
  it('does not change when a stage ends well and nothing new starts', () => {
    const before = view({});
    const scanDone = view({
      stages: before.stages.map((s) => (s.id === 'scan' ? { ...s, status: 'completed' as const, conclusion: 'success', completedAt: new Date(2) } : s)),
    });
    expect(sameJson(significance(before), significance(scanDone))).toBe(true);
  });

  it('changes when a stage starts, a stage fails, or the run ends', () => {
    const before = view({});
    const failed = view({ stages: before.stages.map((s) => (s.id === 'test' ? { ...s, status: 'completed' as const, conclusion: 'failure' } : s)) });
    const started = view({ stages: [...before.stages, { id: 'deploy', status: 'running', conclusion: null, reason: null, startedAt: new Date(3), completedAt: null, jobs: [] }] });
    const ended = view({ status: 'completed', conclusion: 'success' });
    for (const after of [failed, started, ended]) expect(sameJson(significance(before), significance(after))).toBe(false);
  });
});
