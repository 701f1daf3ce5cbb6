import type { ColumnType, Selectable } from 'kysely';

/** A notification receiver, by the hash of its URL; a row exists once it was disabled. */
export interface NotificationEndpointTable {
  /** `urlHash(url)`: the URL itself (a secret for Slack) is never stored. */
  hash: string;
  kind: 'slack' | 'webhook';
  /** Scheme, host and port, for operators. */
  origin: string;
  /** When it answered 410 Gone; null: enabled again by an operator. */
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: ColumnType<Date, Date | undefined, Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** The last outcome (success or a failure) of a pipeline on a ref, whichever run it was. */
export interface NotificationOutcomeTable {
  owner: string;
  repo: string;
  pipeline: string;
  /** The run's ref (`refs/heads/main`), or `pr:<number>` for a pull request's runs. */
  ref: string;
  conclusion: string;
  run_id: number;
  completed_at: Date;
}

export type NotificationEndpoint = Selectable<NotificationEndpointTable>;
