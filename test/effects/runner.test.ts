import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { registerInstance, type Instance } from '../../src/effects/instance.ts';
import { backoffDelay, EffectRunner, type Performer } from '../../src/effects/runner.ts';
import type { Store } from '../../src/store/db.ts';
import { getEffectByKey, pruneSettledEffects, recordEffect } from '../../src/store/repos/effects.ts';
import { databaseTargets } from '../helpers/databases.ts';

const log = pino({ level: 'silent' });

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, response: { data: { message } } });
}

describe('backoffDelay', () => {
  it('doubles from the base per try, up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 2_000, 60_000))).toEqual([2_000, 4_000, 8_000, 16_000, 60_000]);
  });
});

describe.each(databaseTargets())('the effect runner on $name', (target) => {
  let store: Store;
  let clock: ManualClock;
  let instance: Instance;
  const runners: EffectRunner[] = [];
  beforeEach(async () => {
    store = await target.open();
    clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
    instance = await registerInstance(store);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await instance.release();
    await store.close();
  });

  function runner(performers: Record<string, Performer>, options: { instance?: number; maxAttempts?: number } = {}): EffectRunner {
    const made = new EffectRunner({ db: store.db, clock, log, instance: options.instance ?? instance.id, performers, ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}) });
    runners.push(made);
    return made;
  }
  const record = (key: string, kind = 'test', rearm = false) => recordEffect(store.db, { kind, key, payload: { key }, now: new Date(clock.now()), rearm });
  const run = async (r: EffectRunner) => {
    r.kick();
    await r.idle();
  };

  it('performs a recorded effect once and marks it done only after the performer returned', async () => {
    const seen: string[] = [];
    const r = runner({ test: async (effect) => void seen.push(String(effect.payload['key'])) });
    expect(await record('a')).toBe(true);
    expect(await record('a')).toBe(false);
    await run(r);
    await run(r);
    expect(seen).toEqual(['a']);
    expect(await getEffectByKey(store.db, 'a')).toMatchObject({ status: 'done', attempts: 1, last_error: null });
  });

  it('retries a 5xx with backoff on the clock, and fails a 4xx for good', async () => {
    let calls = 0;
    const r = runner({
      flaky: async () => {
        calls++;
        if (calls === 1) throw httpError(502, 'Server Error');
      },
      refused: async () => {
        throw httpError(422, 'Validation Failed');
      },
    });
    await record('f', 'flaky');
    await record('r', 'refused');
    await run(r);
    expect(await getEffectByKey(store.db, 'f')).toMatchObject({ status: 'pending', attempts: 1, last_error: 'Server Error' });
    expect((await getEffectByKey(store.db, 'f'))?.next_attempt_at.getTime()).toBe(clock.now() + 2_000);
    expect(await getEffectByKey(store.db, 'r')).toMatchObject({ status: 'failed', last_error: 'HTTP 422: Validation Failed' });
    clock.advance(1_999);
    await r.idle();
    expect(calls).toBe(1);
    clock.advance(1);
    await r.idle();
    await run(r);
    expect(calls).toBe(2);
    expect(await getEffectByKey(store.db, 'f')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('gives up a transient failure after its last try', async () => {
    const r = runner({ down: async () => Promise.reject(httpError(503, 'Service Unavailable')) }, { maxAttempts: 2 });
    await record('d', 'down');
    await run(r);
    clock.advance(2_000);
    await r.idle();
    await run(r);
    expect(await getEffectByKey(store.db, 'd')).toMatchObject({ status: 'failed', attempts: 2, last_error: 'gave up after 2 tries: Service Unavailable' });
  });

  it('performs a coalescing effect again when it is re-armed while running', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const r = runner({
      sync: async () => {
        calls++;
        if (calls === 1) await gate;
      },
    });
    await record('s', 'sync', true);
    r.kick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await getEffectByKey(store.db, 's')).toMatchObject({ status: 'running' });
    await record('s', 'sync', true);
    release();
    await r.idle();
    await run(r);
    expect(calls).toBe(2);
    expect(await getEffectByKey(store.db, 's')).toMatchObject({ status: 'done' });
  });

  it('never lets two runners perform one effect, and shares the work', async () => {
    const performedBy = new Map<string, number[]>();
    const perform = (who: number): Performer => async (effect) => {
      const key = String(effect.payload['key']);
      performedBy.set(key, [...(performedBy.get(key) ?? []), who]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const other = await registerInstance(store.kind === 'pglite' ? store : store);
    try {
      const first = runner({ test: perform(1) });
      const second = runner({ test: perform(2) }, { instance: other.id });
      for (let i = 0; i < 40; i++) await record(`k${i}`);
      first.kick();
      second.kick();
      await Promise.all([first.idle(), second.idle()]);
      expect(performedBy.size).toBe(40);
      expect([...performedBy.values()].every((who) => who.length === 1)).toBe(true);
    } finally {
      await other.release();
    }
  });

  it("takes over the effects of a process that is gone at once, and of a hung one after its lease", async () => {
    await record('orphan');
    await record('hung');
    // A process that claimed 'orphan' and died: its instance id holds no lock any more.
    await store.db.updateTable('effects').set({ status: 'running', locked_by: 77, locked_until: new Date(clock.now() + 600_000) }).where('key', '=', 'orphan').execute();
    // A live process (this test's own instance) that claimed 'hung' and never finished.
    await store.db.updateTable('effects').set({ status: 'running', locked_by: instance.id, locked_until: new Date(clock.now() + 600_000) }).where('key', '=', 'hung').execute();
    const seen: string[] = [];
    const self = await registerInstance(store);
    try {
      const r = runner({ test: async (effect) => void seen.push(String(effect.payload['key'])) }, { instance: self.id });
      expect(await r.sweep()).toBe(1);
      expect(seen).toEqual(['orphan']);
      clock.advance(600_001);
      expect(await r.sweep()).toBe(1);
      expect(seen).toEqual(['orphan', 'hung']);
    } finally {
      await self.release();
    }
  });

  it('prunes settled effects past their keep time, never pending ones', async () => {
    const r = runner({ test: async () => {}, refused: async () => Promise.reject(httpError(404, 'Not Found')) });
    await record('ok');
    await record('bad', 'refused');
    await run(r);
    await record('later');
    const now = clock.now();
    expect(await pruneSettledEffects(store.db, { doneBefore: new Date(now + 1), failedBefore: new Date(now - 1) })).toBe(1);
    expect(await getEffectByKey(store.db, 'ok')).toBeUndefined();
    expect(await getEffectByKey(store.db, 'bad')).toMatchObject({ status: 'failed' });
    expect(await getEffectByKey(store.db, 'later')).toMatchObject({ status: 'pending' });
    expect(await pruneSettledEffects(store.db, { doneBefore: new Date(now + 1), failedBefore: new Date(now + 1) })).toBe(1);
  });
});
