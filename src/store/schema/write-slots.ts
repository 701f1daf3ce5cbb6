import type { Insertable, Selectable } from 'kysely';

/**
 * The write schedule of each GitHub token, shared by every replica: a write in
 * `lane` (`installation:<id>`, or `app`) may go no earlier than `next_at`.
 * Taken and moved on in one statement (`repos/write-slots.ts`).
 */
export interface WriteSlotTable {
  lane: string;
  /** The earliest time the lane's next write may be sent (the injected clock's time). */
  next_at: Date;
}

export type WriteSlot = Selectable<WriteSlotTable>;
export type NewWriteSlot = Insertable<WriteSlotTable>;
