import { describe, expect, it } from 'vitest';
import { admit, releasable, type AdmissionPolicy, type AdmissionRun } from '../../src/engine/admission.ts';
import { reason } from '../../src/engine/reasons.ts';

const policy = (overrides: Partial<AdmissionPolicy> = {}): AdmissionPolicy => ({
  pipeline: 'ci',
  concurrency: 'none',
  fromFork: false,
  sha: 'abc1234def',
  forkApproved: false,
  ...overrides,
});
const run = (id: number, overrides: Partial<AdmissionRun> = {}): AdmissionRun => ({ id, status: 'queued', waiting: null, cancelRequested: false, ...overrides });
const running = (id: number) => run(id, { status: 'in_progress' });
const queueWait = (behind: number) => reason('wait.concurrency-queue', { behind, pipeline: 'ci' });

describe('admit', () => {
  const cases: Array<{ name: string; self: AdmissionRun; others: AdmissionRun[]; policy: AdmissionPolicy; expected: ReturnType<typeof admit> }> = [
    { name: 'starts with no concurrency policy, whatever runs', self: run(3), others: [running(1), running(2)], policy: policy(), expected: { kind: 'start' } },
    {
      name: 'holds a fork run until /ok-to-test for its sha',
      self: run(1),
      others: [],
      policy: policy({ fromFork: true }),
      expected: { kind: 'wait', reason: reason('wait.fork-needs-ok-to-test', { sha: 'abc1234def' }) },
    },
    { name: 'lets an approved fork run start', self: run(1), others: [], policy: policy({ fromFork: true, forkApproved: true }), expected: { kind: 'start' } },
    {
      name: 'fork gating comes before the queue',
      self: run(2),
      others: [running(1)],
      policy: policy({ fromFork: true, concurrency: 'queue' }),
      expected: { kind: 'wait', reason: reason('wait.fork-needs-ok-to-test', { sha: 'abc1234def' }) },
    },
    { name: 'queue: waits behind the running run', self: run(2), others: [running(1)], policy: policy({ concurrency: 'queue' }), expected: { kind: 'wait', reason: queueWait(1) } },
    {
      name: 'queue: waits behind the newest run ahead, waiting or running',
      self: run(4),
      others: [running(1), run(2, { waiting: queueWait(1) }), run(3, { waiting: queueWait(2) })],
      policy: policy({ concurrency: 'queue' }),
      expected: { kind: 'wait', reason: queueWait(3) },
    },
    { name: 'queue: a run being cancelled still holds the queue', self: run(2), others: [run(1, { status: 'in_progress', cancelRequested: true })], policy: policy({ concurrency: 'queue' }), expected: { kind: 'wait', reason: queueWait(1) } },
    {
      name: 'queue: a fork run waiting for /ok-to-test does not hold it',
      self: run(2),
      others: [run(1, { waiting: reason('wait.fork-needs-ok-to-test', { sha: 'f00' }) })],
      policy: policy({ concurrency: 'queue' }),
      expected: { kind: 'start' },
    },
    { name: 'queue: newer runs never hold an older one', self: run(1), others: [running(2)], policy: policy({ concurrency: 'queue' }), expected: { kind: 'start' } },
    { name: 'queue: finished runs do not count', self: run(2), others: [run(1, { status: 'completed' })], policy: policy({ concurrency: 'queue' }), expected: { kind: 'start' } },
    {
      name: 'cancel-in-progress: cancels every older run not already cancelled',
      self: run(4),
      others: [running(1), run(2, { status: 'in_progress', cancelRequested: true }), run(3), running(5)],
      policy: policy({ concurrency: 'cancel-in-progress' }),
      expected: { kind: 'cancel-others', runIds: [1, 3], reason: reason('cancel.superseded', { newer: 4 }) },
    },
    { name: 'cancel-in-progress: nothing older, starts', self: run(1), others: [running(2)], policy: policy({ concurrency: 'cancel-in-progress' }), expected: { kind: 'start' } },
  ];
  it.each(cases)('$name', ({ self, others, policy: p, expected }) => {
    expect(admit(self, others, p)).toEqual(expected);
  });
});

describe('releasable', () => {
  const queue = policy({ concurrency: 'queue' });
  it('releases only the oldest waiting run once nothing runs ahead of it', () => {
    const runs = [run(1, { status: 'completed' }), run(2, { waiting: queueWait(1) }), run(3, { waiting: queueWait(2) })];
    expect(releasable(runs, () => queue)).toEqual([2]);
  });
  it('releases nothing while a run is still going', () => {
    expect(releasable([running(1), run(2, { waiting: queueWait(1) })], () => queue)).toEqual([]);
  });
  it('releases a fork run once its sha was allowed, and not before', () => {
    const fork = run(1, { waiting: reason('wait.fork-needs-ok-to-test', { sha: 'abc' }) });
    expect(releasable([fork], () => policy({ fromFork: true }))).toEqual([]);
    expect(releasable([fork], () => policy({ fromFork: true, forkApproved: true }))).toEqual([1]);
  });
  it('never releases a run whose cancel was asked for (the engine ends it instead)', () => {
    expect(releasable([run(1, { waiting: queueWait(0), cancelRequested: true })], () => queue)).toEqual([]);
  });
});
