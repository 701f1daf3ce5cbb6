import { describe, expect, it } from 'vitest';
import type { HookDelivery } from '../../src/github/hook-deliveries.ts';
import { ANSWERED_BUT_LOST_AFTER_MS, missedDeliveries } from '../../src/intake/redeliver-missed.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
let nextId = 1;
function attempt(guid: string, statusCode: number, agoMs: number, redelivery = false): HookDelivery {
  return { id: nextId++, guid, deliveredAt: NOW - agoMs, redelivery, statusCode, status: statusCode === 200 ? 'OK' : 'x', event: 'push', action: null, installationId: 1 };
}
const none = { recorded: new Set<string>(), claimed: new Set<string>() };

describe('missedDeliveries', () => {
  it('picks events that never got a 2xx and that shipgate did not record, once each, with their newest attempt', () => {
    const first = attempt('a', 500, 60_000);
    const retried = attempt('a', 0, 30_000, true);
    const missed = missedDeliveries([retried, first, attempt('b', 200, 600_000), attempt('c', 502, 10_000)], { ...none, recorded: new Set(['b']) }, { now: NOW });
    expect(missed.map((m) => [m.guid, m.id])).toEqual([
      ['a', retried.id],
      ['c', missed[1]?.id],
    ]);
  });

  it('leaves out recorded events and events asked for already', () => {
    const attempts = [attempt('rec', 500, 1000), attempt('asked', 500, 1000)];
    expect(missedDeliveries(attempts, { recorded: new Set(['rec']), claimed: new Set(['asked']) }, { now: NOW })).toEqual([]);
  });

  it('takes an answered event as lost only when it is still not recorded a while later', () => {
    const recent = attempt('recent', 202, ANSWERED_BUT_LOST_AFTER_MS - 1);
    const lost = attempt('lost', 202, ANSWERED_BUT_LOST_AFTER_MS + 1);
    expect(missedDeliveries([recent, lost], none, { now: NOW }).map((m) => m.guid)).toEqual(['lost']);
    // A failed attempt followed by a recent success: the success may still be being recorded.
    expect(missedDeliveries([attempt('x', 200, 1000), attempt('x', 500, 5000)], none, { now: NOW })).toEqual([]);
  });
});
