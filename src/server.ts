import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Probot, ProbotOctokit, Server } from 'probot';
import { pino, type Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { AppConfig } from './config/app-config.ts';
import { systemClock, type Clock } from './clock.ts';
import { openDatabase, type Store } from './store/db.ts';
import { migrateToLatest } from './store/migrations/migrate.ts';
import { QUEUES, startQueue, type QueueRetry } from './queue/boss.ts';
import { startDeliveryWorker, requeueUnprocessedDeliveries } from './queue/delivery-worker.ts';
import { runDeliveryUpkeep, type DeliveryUpkeepReport } from './queue/delivery-upkeep.ts';
import { shipgateApp } from './app.ts';
import { withWebhookBodyLimit } from './intake/body-limit.ts';
import { DEFAULT_REQUEST_POLICY, WritePacer, requestPolicyPlugin, type RequestPolicyOptions } from './github/request-policy.ts';
import type { GitHubClient } from './github/client.ts';
import { databaseWriteSlots, memoryWriteSlots } from './github/write-slots.ts';
import type { EngineDeps, EngineEvent } from './engine/deps.ts';
import { storeWorkflowCache } from './engine/workflow-cache.ts';
import { advanceRun } from './engine/advance.ts';
import { registerInstance } from './effects/instance.ts';
import { pruneSettledEffects } from './store/repos/effects.ts';
import { EffectRunner } from './effects/runner.ts';
import { EFFECT_KINDS } from './effects/kinds.ts';
import { WorkflowListings, dispatchPerformer } from './effects/perform-dispatch.ts';
import { cancelJobPerformer, pollJobPerformer } from './effects/perform-provider-job.ts';
import { createProviders } from './providers/registry.ts';
import { signingKeys } from './notify/settings.ts';
import { cancelPerformer } from './effects/perform-cancel.ts';
import { gatePerformer } from './effects/perform-gate.ts';
import { createDeploymentPerformer, deploymentStatusPerformer } from './effects/perform-deployment.ts';
import { approvalCommentPerformer, approvalReactionsPerformer } from './effects/perform-approval.ts';
import { protectionCallbackPerformer } from './effects/perform-protection.ts';
import { notifyPerformer } from './effects/perform-notify.ts';
import { checkRunPerformer } from './effects/perform-check-run.ts';
import { commandReplyPerformer, commentReactionPerformer, statusReplyPerformer } from './effects/command-feedback.ts';
import { reconcile } from './engine/reconcile.ts';
import { createShipgateMetrics, type ShipgateMetrics } from './metrics/registry.ts';
import { githubMetricsPlugin } from './metrics/github-requests.ts';
import { metricsEventObserver } from './metrics/engine-events.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** An already open store (tests share one between restarts); otherwise opened from the config. */
  store?: Store;
  /** GitHub request pacing and retries (tests shorten the waits). */
  requestPolicy?: Partial<RequestPolicyOptions>;
  /** Engine tuning (retry base, quiet and redispatch thresholds). */
  engine?: Partial<Pick<EngineDeps, 'retryBaseMs' | 'quietAfterMs'>>;
  onEvent?: (event: EngineEvent) => void;
  /** Run the reconciliation every minute (default true). */
  scheduleReconcile?: boolean;
  /** How the delivery and wake queues retry (tests shorten it); see `startQueue`. */
  queueRetry?: Partial<QueueRetry>;
}

export interface RunningShipgate {
  url: string;
  port: number;
  store: Store;
  boss: PgBoss;
  probot: Probot;
  engine: EngineDeps;
  log: Logger;
  pacer: WritePacer;
  /** The effect outbox's runner in this process (tests wait for it to be idle). */
  effects: EffectRunner;
  /** This app's metrics, on a registry of its own (served at `/metrics`). */
  metrics: ShipgateMetrics;
  /** The deliveries' upkeep of each reconciliation pass (retention, GitHub redeliveries), run now. */
  upkeepDeliveries(): Promise<DeliveryUpkeepReport>;
  /** Stops serving and working; closes the store unless it was handed in. */
  stop(): Promise<void>;
}

/** A port the OS says is free on `host` right now. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('could not find a free port');
  return address.port;
}

/** A URL with the value of any `token` query parameter replaced (the dashboard's `/login?token=`). */
export function redactUrlToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** shipgate's logger: Probot's pino, structured JSON, secrets redacted. */
export function createLogger(level: AppConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    formatters: {
      // Probot logs each request's URL before any handler runs: a login link's token never reaches the log.
      log: (object) => {
        const req = object.req as { url?: unknown } | undefined;
        if (req && typeof req.url === 'string' && /[?&]token=/i.test(req.url)) return { ...object, req: { ...req, url: redactUrlToken(req.url) } };
        return object;
      },
    },
    redact: {
      paths: ['privateKey', 'token', '*.token', 'headers.authorization', 'req.headers.authorization', '*.privateKey', 'request.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Starts the real app: store (migrated), queue, Probot server with the webhook
 * route and `/healthz`, the workers that process recorded deliveries, and the
 * reconciliation (once at start for what a crash left, then every minute).
 */
export async function startShipgate(config: AppConfig, options: StartOptions = {}): Promise<RunningShipgate> {
  const clock = options.clock ?? systemClock();
  const log = options.log ?? createLogger(config.logLevel);
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const stoppers: Array<() => Promise<void>> = [];
  try {
    await migrateToLatest(store.db);
    const boss = await startQueue(store, { log, retry: options.queueRetry });
    stoppers.push(() => boss.stop({ graceful: true, timeout: 5_000 }));

    const policy: RequestPolicyOptions = { ...DEFAULT_REQUEST_POLICY, ...options.requestPolicy };
    policy.onRetry ??= (info) => log.warn(info, 'GitHub request retried');
    // Paced on the app's clock. On PostgreSQL the schedule is shared through the
    // database, so replicas together keep GitHub's gap; PGlite is one process.
    const pacer = new WritePacer(policy.writeIntervalMs, policy.sleep ?? ((ms) => new Promise((r) => clock.setTimeout(r, ms))), {
      now: () => clock.now(),
      slots: store.kind === 'postgres' ? databaseWriteSlots(store.db) : memoryWriteSlots(),
      onSlotError: (err, lane) => log.warn({ err, lane }, 'could not take a write slot from the database; pacing this write in memory'),
    });
    // A function, not an object: Probot gives every client its own `throttle` options, which would
    // replace an object default's `throttle` and turn plugin-throttling (1 write/s) back on.
    const metrics = createShipgateMetrics({ db: store.db, clock, onGaugeError: (err, metric) => log.warn({ err, metric }, 'a metrics gauge could not be read; left out of this scrape') });
    // The metrics plugin first: the request policy wraps it, so each retry is counted.
    const ShipgateOctokit = ProbotOctokit.plugin(githubMetricsPlugin, requestPolicyPlugin).defaults((options: Record<string, unknown>) => ({
      ...options,
      throttle: { ...(options['throttle'] as object | undefined), enabled: false },
      retry: { enabled: false },
      shipgate: { policy, pacer, metrics },
    }));
    const ProbotWithConfig = Probot.defaults({
      appId: config.appId,
      privateKey: config.privateKey,
      secret: config.webhookSecret,
      baseUrl: config.githubBaseUrl,
      log,
      Octokit: ShipgateOctokit,
    });
    const server = new Server({
      // Webhook bodies over GitHub's 25 MB are refused before they are read (SPEC §8).
      Probot: withWebhookBodyLimit(ProbotWithConfig, { path: config.webhookPath }),
      // Probot's server reads port 0 as "default 3000": pick a free port ourselves.
      port: config.port === 0 ? await freePort(config.host) : config.port,
      host: config.host,
      webhookPath: config.webhookPath,
      log,
      enableStaticFiles: false,
    });
    let probot: Probot | undefined;
    // Webhook jobs sign with these and their status reports are checked with them.
    const webhookKeys = signingKeys(config.notificationSecret);
    // The provider webhooks are served before the engine exists; they answer 503 until it does.
    const engineRef: { current: EngineDeps | undefined } = { current: undefined };
    const beforeClose: Array<() => void> = [];
    const workers: string[] = [];
    await server.load((app, opts) => {
      probot = app;
      const onQueued = () => {
        for (const id of workers) boss.notifyWorker(id);
      };
      return shipgateApp({
        store,
        boss,
        clock,
        version: VERSION,
        onQueued,
        metrics,
        metricsToken: config.metricsToken,
        dashboardToken: config.dashboardToken,
        beforeClose: (close) => beforeClose.push(close),
        providers: { engine: () => engineRef.current, settings: config.providers, webhookKeys },
      })(app, opts);
    });
    const httpServer = await server.start();
    stoppers.push(async () => {
      // Open dashboard event streams first: the server waits for every open answer before it closes.
      for (const close of beforeClose) close();
      await server.stop();
    });
    if (!probot) throw new Error('Probot did not load the app');
    const app = probot;

    const instance = await registerInstance(store);
    const observeMetrics = metricsEventObserver(metrics, store.db, (err, event) => log.warn({ err, event: event.kind }, 'an engine event could not be measured'));
    const workflowCache = storeWorkflowCache(store.db);
    const workflowListings = new WorkflowListings();
    const engine: EngineDeps = {
      db: store.db,
      clock,
      log,
      github: async (installationId): Promise<GitHubClient> => app.auth(installationId),
      workflowCache,
      workflowListings,
      providers: createProviders(
        { db: store.db, clock, github: async (installationId): Promise<GitHubClient> => app.auth(installationId), workflowCache, workflowListings },
        { settings: config.providers, webhookKeys, allowPrivateUrls: config.allowPrivateUrls ?? false, clock },
      ),
      appId: config.appId,
      ...options.engine,
      onEvent: (event) => {
        observeMetrics(event);
        options.onEvent?.(event);
      },
      metrics,
      wakeAt: (runId, at) => {
        const startAfter = new Date(Math.max(Date.now(), Date.now() + (at - clock.now())) + 1000);
        void boss.send(QUEUES.wake, { runId }, { startAfter }).catch((err: unknown) => log.warn({ err, runId }, 'could not schedule a wake-up'));
      },
    };

    const effects = new EffectRunner({
      db: store.db,
      clock,
      log,
      instance: instance.id,
      performers: {
        [EFFECT_KINDS.dispatch]: dispatchPerformer(engine),
        [EFFECT_KINDS.cancelWorkflowRun]: cancelPerformer(engine),
        [EFFECT_KINDS.checkRun]: checkRunPerformer(engine),
        [EFFECT_KINDS.evaluateGate]: gatePerformer(engine),
        [EFFECT_KINDS.createDeployment]: createDeploymentPerformer(engine),
        [EFFECT_KINDS.deploymentStatus]: deploymentStatusPerformer(engine),
        [EFFECT_KINDS.commentReaction]: commentReactionPerformer(engine),
        [EFFECT_KINDS.commandReply]: commandReplyPerformer(engine),
        [EFFECT_KINDS.statusReply]: statusReplyPerformer(engine),
        [EFFECT_KINDS.approvalComment]: approvalCommentPerformer(engine),
        [EFFECT_KINDS.approvalReactions]: approvalReactionsPerformer(engine),
        [EFFECT_KINDS.protectionCallback]: protectionCallbackPerformer(engine),
        [EFFECT_KINDS.notify]: notifyPerformer(engine, config),
        [EFFECT_KINDS.pollJob]: pollJobPerformer(engine),
        [EFFECT_KINDS.cancelJob]: cancelJobPerformer(engine),
      },
    });
    engine.effects = effects;
    engineRef.current = engine;
    stoppers.push(async () => {
      await effects.stop();
      await instance.release();
    });

    const upkeepDeliveries = () =>
      runDeliveryUpkeep({ db: store.db, clock, log, retentionDays: config.deliveryRetentionDays, appGitHub: async () => app.auth() });
    const upkeepOrWarn = () =>
      upkeepDeliveries().catch((err: unknown) => log.warn({ err }, 'delivery upkeep failed; the next pass tries again'));

    workers.push(await startDeliveryWorker({ boss, engine, log }));
    // A wake-up is sent with a future start, which sends no NOTIFY: poll every 5 s (pg-boss polls a notify queue only every 30 s by default).
    await boss.work<{ runId: number }>(QUEUES.wake, { batchSize: 1, pollingIntervalSeconds: 5, notifyPollingIntervalSeconds: 5 }, async ([job]) => {
      if (job) await advanceRun(engine, job.data.runId);
    });
    await boss.work(QUEUES.reconcile, { batchSize: 1, pollingIntervalSeconds: 5 }, async () => {
      const swept = await requeueUnprocessedDeliveries(store.db, boss, { olderThan: new Date(clock.now() - 30_000) });
      if (swept > 0) log.warn({ swept }, 'queued deliveries that were recorded but never queued');
      const report = await reconcile(engine);
      if (report.advanced + report.polled + report.recovered + report.released + report.failed > 0) log.info(report, 'reconciled');
      await effects.sweep();
      const day = 24 * 3600_000;
      await pruneSettledEffects(store.db, { doneBefore: new Date(clock.now() - day), failedBefore: new Date(clock.now() - config.deliveryRetentionDays * day) }).catch(
        (err: unknown) => log.warn({ err }, 'pruning settled effects failed; the next pass tries again'),
      );
      await upkeepOrWarn();
    });
    if (options.scheduleReconcile ?? true) await boss.schedule(QUEUES.reconcile, '* * * * *');

    const requeued = await requeueUnprocessedDeliveries(store.db, boss, { fresh: true });
    if (requeued > 0) log.info({ requeued }, 'requeued deliveries recorded before the last stop');
    const reclaimed = await effects.sweep();
    const recovered = await reconcile(engine, { startup: true });
    if (reclaimed + recovered.advanced + recovered.recovered + recovered.released > 0) log.info({ ...recovered, reclaimedEffects: reclaimed }, 'recovered work left by the last stop');
    await effects.sweep();
    await upkeepOrWarn();

    const address = httpServer.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    return {
      url: `http://${host}:${port}`,
      port,
      store,
      boss,
      probot: app,
      engine,
      log,
      pacer,
      effects,
      metrics,
      upkeepDeliveries,
      async stop() {
        for (const stop of stoppers.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'stop step failed'));
        if (ownsStore) await store.close();
      },
    };
  } catch (err) {
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    if (ownsStore) await store.close();
    throw err;
  }
}
