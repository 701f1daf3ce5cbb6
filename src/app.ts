import type { ApplicationFunction } from 'probot';
import type { PgBoss } from 'pg-boss';
import type { Clock } from './clock.ts';
import type { Store } from './store/db.ts';
import { enqueueDelivery, receiveDelivery } from './intake/receive-delivery.ts';
import { healthHandler } from './http/health.ts';
import { statsApiHandler } from './http/stats-api.ts';
import { jobStatusHandler } from './http/job-status.ts';
import { providerHooksHandler } from './http/provider-hooks.ts';
import type { EngineDeps } from './engine/deps.ts';
import type { ProviderSettings } from './providers/settings.ts';
import { createDashboard } from './dashboard/handler.ts';
import { listRunArtifacts } from './github/artifacts.ts';
import type { ShipgateMetrics } from './metrics/registry.ts';
import { metricsHandler } from './metrics/handler.ts';

export interface AppDeps {
  store: Store;
  boss: PgBoss;
  clock: Clock;
  version: string;
  /** Called after a delivery was queued: wakes this process's worker at once instead of at its next poll. */
  onQueued?: () => void;
  /** This app's metrics (`GET /metrics`), and the token a scrape must bear when set (`METRICS_TOKEN`). */
  metrics: ShipgateMetrics;
  metricsToken?: string | undefined;
  /** `DASHBOARD_TOKEN`: the dashboard's access token; unset, the dashboard answers 404. */
  dashboardToken?: string | undefined;
  /** Takes what must run before the HTTP server closes: the dashboard's open event streams would keep it waiting. */
  beforeClose?: (close: () => void) => void;
  /** Webhook jobs' status reports and Jenkins/GitLab hooks (SPEC §13); absent: not served. */
  providers?: { engine: () => EngineDeps | undefined; settings: ProviderSettings | undefined; webhookKeys: readonly Buffer[] };
}

/**
 * The Probot application: wires webhook intake and HTTP routes, nothing else.
 * Every verified webhook is recorded and queued before it is acknowledged; the
 * queue workers (see `server.ts`) do the processing.
 */
export function shipgateApp(deps: AppDeps): ApplicationFunction {
  return (app, { addHandler }) => {
    app.onAny(async (context) => {
      const outcome = await receiveDelivery(
        deps.store.db,
        // A plain copy of the JSON object GitHub sent: its fields are parsed when processed.
        { id: context.id, name: context.name, payload: { ...context.payload } },
        new Date(deps.clock.now()),
      );
      deps.metrics.observeWebhook(context.name, outcome.kind);
      if (outcome.kind === 'recorded') {
        // Recorded is safe: queue it once the answer has gone (a lost enqueue is swept up).
        setImmediate(() => {
          enqueueDelivery(deps.boss, context.id).then(
            () => deps.onQueued?.(),
            (err: unknown) => app.log.warn({ err, delivery: context.id }, 'queueing a recorded delivery failed; the next sweep queues it'),
          );
        });
      }
      app.log.debug({ delivery: context.id, event: context.name, outcome: outcome.kind }, 'webhook received');
    });
    app.onError((error) => {
      app.log.error({ err: error, event: error.event?.name, delivery: error.event?.id }, 'webhook intake failed');
    });
    addHandler(healthHandler(deps.store, deps.version));
    if (deps.providers) {
      const { engine, settings, webhookKeys } = deps.providers;
      addHandler(jobStatusHandler({ engine, keys: webhookKeys, clock: deps.clock, onError: (err) => app.log.error({ err }, 'a job status report failed') }));
      addHandler(providerHooksHandler({ engine, settings, onError: (err) => app.log.error({ err }, 'a provider webhook failed') }));
    }
    addHandler(statsApiHandler(deps.store, { clock: deps.clock, token: deps.dashboardToken, onError: (err) => app.log.error({ err }, 'statistics request failed') }));
    const dashboard = createDashboard({
      db: deps.store.db,
      clock: deps.clock,
      token: deps.dashboardToken,
      listArtifacts: async (installationId, repo, runId) => listRunArtifacts(await app.auth(installationId), repo, runId),
      log: app.log,
    });
    deps.beforeClose?.(() => dashboard.close());
    addHandler(metricsHandler(deps.metrics, { token: deps.metricsToken, onError: (err) => app.log.error({ err }, 'metrics scrape failed') }));
    addHandler(dashboard.handler);
  };
}
