import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, Jsonb, JsonValue, NullableTimestamp } from './columns.ts';

/**
 * Where a webhook delivery is in its life: `received` on receipt (and again
 * after a failed try that will be retried), `processing` during a try, then one
 * of `processed`, `ignored`, or `failed` when its last try failed too. Open =
 * `received` | `processing` (`OPEN_DELIVERY_STATUSES` in `repos/deliveries.ts`).
 */
export const deliveryStatuses = ['received', 'processing', 'processed', 'failed', 'ignored'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One webhook delivery, keyed by GitHub's `X-GitHub-Delivery` id, so a
 * redelivery of the same event is recognised and not processed twice.
 */
export interface DeliveryTable {
  /** The `X-GitHub-Delivery` header. */
  id: string;
  /** The `X-GitHub-Event` header, e.g. `workflow_run`. */
  event: string;
  /** `payload.action`, when the event has one. */
  action: string | null;
  installation_id: number | null;
  /** `owner/name`, when the event concerns a repository. */
  repository: string | null;
  payload: Jsonb<JsonValue>;
  received_at: CreatedAt;
  status: Generated<DeliveryStatus>;
  /** How many times processing started (incremented on each move to `processing`). */
  attempts: Generated<number>;
  /** When it reached `processed`, `failed` or `ignored`. */
  processed_at: NullableTimestamp;
  /** The last processing error: why it `failed`, or why a `received` one waits for a retry. */
  error: string | null;
}

export type Delivery = Selectable<DeliveryTable>;
export type NewDelivery = Insertable<DeliveryTable>;
export type DeliveryUpdate = Updateable<DeliveryTable>;
