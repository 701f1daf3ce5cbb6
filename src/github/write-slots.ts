import type { DbOrTrx } from '../store/db.ts';
import { takeWriteSlot } from '../store/repos/write-slots.ts';

/**
 * Where the write schedule of each lane (one GitHub token) lives. `take`
 * reserves the lane's next slot for one write and returns when it is (ms since
 * the epoch, the caller's clock): the later of the lane's next free time and
 * `nowMs`; the lane's next free time moves to one interval after it.
 *
 * A reservation is taken right before a write is sent, never ahead, so a
 * process that dies holding one costs its lane at most one interval.
 */
export interface WriteSlots {
  /** Reserves a slot; a plain number when no I/O is needed (the in-memory fast path). */
  take(lane: string, nowMs: number, intervalMs: number): number | Promise<number>;
}

/**
 * The slot arithmetic (pure): given the lane's next free time (undefined when
 * the lane never wrote), the slot is `max(nextAt, now)` and the next free time
 * becomes `slot + interval`. The database statement computes the same.
 */
export function nextWriteSlot(nextAt: number | undefined, nowMs: number, intervalMs: number): { slotAt: number; nextAt: number } {
  const slotAt = nextAt === undefined ? nowMs : Math.max(nextAt, nowMs);
  return { slotAt, nextAt: slotAt + intervalMs };
}

/** The schedule in this process's memory: one process only (PGlite, tests). */
export function memoryWriteSlots(): WriteSlots {
  const nextAt = new Map<string, number>();
  return {
    take(lane, nowMs, intervalMs) {
      const slot = nextWriteSlot(nextAt.get(lane), nowMs, intervalMs);
      nextAt.set(lane, slot.nextAt);
      return slot.slotAt;
    },
  };
}

/**
 * The schedule in the `write_slots` table, taken with one atomic upsert, so
 * that every replica on the database paces against it: N replicas together
 * make at most one write per interval per lane.
 */
export function databaseWriteSlots(db: DbOrTrx): WriteSlots {
  return { take: (lane, nowMs, intervalMs) => takeWriteSlot(db, lane, nowMs, intervalMs) };
}
