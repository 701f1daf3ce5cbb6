import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-23T00-00-initial.ts';
import * as effects from './2026-12-01T10-00-effects.ts';
import * as redeliveries from './2026-12-01T10-10-redeliveries.ts';
import * as writeSlots from './2026-12-01T10-20-write-slots.ts';
import * as gates from './2026-12-01T13-00-gates.ts';
import * as deployments from './2026-12-01T14-00-deployments.ts';
import * as approvals from './2026-12-01T15-00-approvals.ts';
import * as analyticsIndexes from './2026-12-01T16-00-analytics-indexes.ts';
import * as notifications from './2026-12-01T16-10-notifications.ts';
import * as providers from './2026-12-01T17-00-providers.ts';

/**
 * Every migration, by name. Names are the file names without `.ts`: ISO dates,
 * so they sort in the order they were written and run in that order. Add a new
 * file and one line here; never edit a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-23T00-00-initial': initial,
  '2026-12-01T10-00-effects': effects,
  '2026-12-01T10-10-redeliveries': redeliveries,
  '2026-12-01T10-20-write-slots': writeSlots,
  '2026-12-01T13-00-gates': gates,
  '2026-12-01T14-00-deployments': deployments,
  '2026-12-01T15-00-approvals': approvals,
  '2026-12-01T16-00-analytics-indexes': analyticsIndexes,
  '2026-12-01T16-10-notifications': notifications,
  '2026-12-01T17-00-providers': providers,
};
