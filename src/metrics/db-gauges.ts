import type { Kysely } from 'kysely';
import type { Database, DeploymentStatus } from '../store/schema/index.ts';
import { OPEN_DELIVERY_STATUSES } from '../store/repos/deliveries.ts';
import { openDeploymentStatuses } from '../store/repos/deployments.ts';

/** The queues whose depth and age `/metrics` reports. */
export const METRIC_QUEUES = ['deliveries', 'effects'] as const;
export type MetricQueue = (typeof METRIC_QUEUES)[number];

/** How much waits in one queue, and since when the oldest of it waits. */
export interface QueueSnapshot {
  queue: MetricQueue;
  depth: number;
  /** Null when nothing waits. */
  oldestAt: Date | null;
}

function asDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  return null;
}

/**
 * Both queues in one query. Deliveries wait while `received` or `processing`
 * (since `received_at`); effects while due (`pending` with `next_attempt_at` ≤
 * now) or `running` (since `next_attempt_at`): an effect scheduled for later
 * (a backoff, the next poll of an approval's reactions) is not waiting yet.
 */
export async function readQueueSnapshot(db: Kysely<Database>, now: Date): Promise<QueueSnapshot[]> {
  const row = await db
    .selectNoFrom((eb) => {
      const deliveries = () => eb.selectFrom('deliveries').where('status', 'in', OPEN_DELIVERY_STATUSES);
      const effects = () =>
        eb.selectFrom('effects').where((w) => w.or([w('status', '=', 'running'), w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', now)])]));
      return [
        deliveries()
          .select((s) => s.fn.countAll<number>().as('n'))
          .as('deliveries_depth'),
        deliveries()
          .select((s) => s.fn.min('received_at').as('at'))
          .as('deliveries_oldest'),
        effects()
          .select((s) => s.fn.countAll<number>().as('n'))
          .as('effects_depth'),
        effects()
          .select((s) => s.fn.min('next_attempt_at').as('at'))
          .as('effects_oldest'),
      ];
    })
    .executeTakeFirstOrThrow();
  return [
    { queue: 'deliveries', depth: Number(row.deliveries_depth ?? 0), oldestAt: asDate(row.deliveries_oldest) },
    { queue: 'effects', depth: Number(row.effects_depth ?? 0), oldestAt: asDate(row.effects_oldest) },
  ];
}

/** Deployment requests not yet ended, counted by environment and status (one query). */
export async function countOpenDeployments(db: Kysely<Database>): Promise<Array<{ environment: string; status: DeploymentStatus; count: number }>> {
  const rows = await db
    .selectFrom('deployments')
    .select((eb) => ['environment', 'status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', openDeploymentStatuses)
    .groupBy(['environment', 'status'])
    .orderBy('environment')
    .orderBy('status')
    .execute();
  return rows.map((row) => ({ environment: row.environment, status: row.status, count: Number(row.n) }));
}

/** Approval requests still waiting for approvals (one query). */
export async function countPendingApprovals(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('approval_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
