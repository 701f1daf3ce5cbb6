import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { PRIORITY, WritePacer } from '../../src/github/request-policy.ts';
import { databaseWriteSlots, memoryWriteSlots, nextWriteSlot, type WriteSlots } from '../../src/github/write-slots.ts';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { takeWriteSlot } from '../../src/store/repos/write-slots.ts';
import { databaseTargets } from '../helpers/databases.ts';

const INTERVAL = 1000;
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

describe('nextWriteSlot', () => {
  it.each([
    { nextAt: undefined, now: T0, slotAt: T0, after: T0 + INTERVAL, why: 'a lane that never wrote writes now' },
    { nextAt: T0 + 400, now: T0, slotAt: T0 + 400, after: T0 + 1400, why: 'a write soon after another waits for the gap' },
    { nextAt: T0, now: T0, slotAt: T0, after: T0 + 1000, why: 'exactly at the free time' },
    { nextAt: T0 - 5000, now: T0, slotAt: T0, after: T0 + 1000, why: 'an idle lane does not bank slots' },
    { nextAt: T0 + 3000, now: T0, slotAt: T0 + 3000, after: T0 + 4000, why: 'slots queue up one interval apart' },
  ])('$why', ({ nextAt, now, slotAt, after }) => {
    expect(nextWriteSlot(nextAt, now, INTERVAL)).toEqual({ slotAt, nextAt: after });
  });

  it('hands out consecutive slots an interval apart, per lane, in memory', () => {
    const slots = memoryWriteSlots();
    expect([slots.take('a', T0, INTERVAL), slots.take('a', T0, INTERVAL), slots.take('b', T0, INTERVAL), slots.take('a', T0 + 2500, INTERVAL)]).toEqual([
      T0,
      T0 + 1000,
      T0,
      T0 + 2500,
    ]);
  });
});

/** Several stores on one database, as replicas have: separate pools on PostgreSQL; PGlite has one process, so one store. */
async function replicaStores(store: Store, count: number): Promise<Store[]> {
  if (store.kind !== 'postgres') return Array.from({ length: count }, () => store);
  const url = String(store.pool?.options.connectionString);
  const others = await Promise.all(Array.from({ length: count - 1 }, () => openDatabase({ url, poolSize: 3 })));
  return [store, ...others];
}

/** Gaps between consecutive times, sorted. */
function gaps(times: number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - (sorted[i] as number));
}

/**
 * Three pacers (replicas) on one clock, each sending writes in two lanes.
 * `sends` records, per lane, the clock time at which each write was sent. The
 * clock moves only when no slot is being taken and every lane sleeps or is
 * done, and then straight to the next timer: a write is sent exactly at the
 * time the pacer's wait ends.
 */
async function runThreePacers(slotsOf: (replica: number) => WriteSlots): Promise<Map<string, number[]>> {
  const clock = new ManualClock(T0);
  let inFlight = 0;
  const sends = new Map<string, number[]>();
  const pacers = [0, 1, 2].map((replica) => {
    const inner = slotsOf(replica);
    const counted: WriteSlots = {
      take(lane, nowMs, intervalMs) {
        const taken = inner.take(lane, nowMs, intervalMs);
        if (typeof taken === 'number') return taken;
        inFlight++;
        return taken.finally(() => inFlight--);
      },
    };
    return new WritePacer(INTERVAL, (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)), { now: () => clock.now(), slots: counted });
  });
  const writes = pacers.flatMap((pacer, replica) =>
    ['installation:1', 'installation:1', 'installation:1', 'installation:2', 'installation:1', 'installation:2'].map((lane, k) =>
      pacer.schedule(lane, k % 2 === 0 ? PRIORITY.critical : PRIORITY.cosmetic, undefined, async () => {
        sends.set(lane, [...(sends.get(lane) ?? []), clock.now()]);
        return `${replica}:${k}`;
      }),
    ),
  );
  let done = false;
  const all = Promise.all(writes).finally(() => (done = true));
  const quiet = async () => {
    // Real time: a take is a round trip to the database.
    for (let round = 0; round < 5000; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (inFlight === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error('a slot take never finished');
  };
  for (let step = 0; step < 200 && !done; step++) {
    await quiet();
    if (done) break;
    if (!clock.runNext()) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await all).toHaveLength(18);
  return sends;
}

describe.each(databaseTargets())('write slots shared through $name', (target) => {
  let store: Store;
  let replicas: Store[] = [];
  beforeEach(async () => {
    store = await target.open();
    replicas = await replicaStores(store, 3);
  });
  afterEach(async () => {
    for (const other of new Set(replicas)) if (other !== store) await other.close();
    await store.close();
  });

  it('takes the first slot now, then one interval after the last, and does not bank idle time', async () => {
    expect(await takeWriteSlot(store.db, 'installation:7', T0, INTERVAL)).toBe(T0);
    expect(await takeWriteSlot(store.db, 'installation:7', T0 + 10, INTERVAL)).toBe(T0 + 1000);
    expect(await takeWriteSlot(store.db, 'installation:8', T0 + 10, INTERVAL)).toBe(T0 + 10);
    expect(await takeWriteSlot(store.db, 'installation:7', T0 + 60_000, INTERVAL)).toBe(T0 + 60_000);
    const row = await store.db.selectFrom('write_slots').selectAll().where('lane', '=', 'installation:7').executeTakeFirstOrThrow();
    expect(row.next_at.getTime()).toBe(T0 + 61_000);
  });

  it('gives concurrent takes from three replicas distinct slots, one interval apart', async () => {
    const takes = replicas.flatMap((replica) => Array.from({ length: 8 }, () => takeWriteSlot(replica.db, 'installation:1', T0, INTERVAL)));
    const slots = await Promise.all(takes);
    expect(new Set(slots).size).toBe(24);
    expect(Math.min(...slots)).toBe(T0);
    expect(gaps(slots).every((gap) => gap === INTERVAL)).toBe(true);
  });

  it('keeps three pacers on one database an interval apart per installation', async () => {
    const sends = await runThreePacers((replica) => databaseWriteSlots((replicas[replica] as Store).db));
    expect(sends.get('installation:1')).toHaveLength(12);
    expect(sends.get('installation:2')).toHaveLength(6);
    for (const [lane, times] of sends) {
      expect(Math.min(...gaps(times)), lane).toBeGreaterThanOrEqual(INTERVAL);
      // Nothing idles either: the lane's writes go out back to back.
      expect(Math.max(...gaps(times)), lane).toBe(INTERVAL);
    }
  });
});

describe('pacers with a schedule each (per process)', () => {
  it('together write more than once per interval: the reason the schedule is shared', async () => {
    const own = [memoryWriteSlots(), memoryWriteSlots(), memoryWriteSlots()];
    const sends = await runThreePacers((replica) => own[replica] as WriteSlots);
    expect(Math.min(...gaps(sends.get('installation:1') ?? []))).toBe(0);
  });
});
