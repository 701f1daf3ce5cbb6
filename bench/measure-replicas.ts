import { migrateToLatest } from '../src/store/migrations/migrate.ts';
import { startRoundRobin } from '../test/helpers/round-robin.ts';
import { startShipgateProcess, type ShipgateProcess } from './app-process.ts';
import { openReachablePostgres, type BenchDatabase } from './databases.ts';
import { startIdleTraffic } from './idle-traffic.ts';
import type { Progress } from './measure-pipelines.ts';
import { runPipelines, startProcessSim, type ProcessSim } from './process-pipelines.ts';
import type { TargetResult } from './results.ts';
import { writeRate } from './write-rate.ts';

/** App processes behind the balancer. */
export const REPLICAS = 3;
/** The organisation (one installation) whose repositories are pushed at once. */
const ORG = 'replicated';

/**
 * Several replicas, one installation: `REPLICAS` shipgate processes on one
 * PostgreSQL database behind a round-robin balancer; `pushes` repositories of
 * one organisation are pushed at once, and every workflow run ends as soon as
 * it starts. The figure is the pace of that installation's writes (GraphQL queries are reads) as the sim
 * saw them, all replicas together (GitHub's one write a second per token).
 */
export async function measureReplicas(pushes: number, progress: Progress): Promise<TargetResult> {
  const started = performance.now();
  const result: TargetResult = { database: 'postgres', notes: [], durationMs: 0 };
  const say: Progress = (message) => progress(`postgres (${REPLICAS} replicas): ${message}`);
  let database: BenchDatabase | undefined;
  let env: ProcessSim | undefined;
  const apps: ShipgateProcess[] = [];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>> | undefined;
  try {
    const opened = await openReachablePostgres();
    if ('skipped' in opened) {
      result.skipped = opened.skipped;
      return result;
    }
    database = opened.database;
    // Migrated once up front, so the replicas do not race to do it.
    await migrateToLatest(database.store.db);
    const repos = Array.from({ length: pushes }, (_, i) => `${ORG}/svc-${i + 1}`);
    env = await startProcessSim(repos);
    const sim = env.sim;
    say(`starting ${REPLICAS} app processes`);
    const databaseUrl = String(database.store.pool?.options.connectionString);
    apps.push(...(await Promise.all(Array.from({ length: REPLICAS }, () => startShipgateProcess(sim, { url: databaseUrl })))));
    const proxy = await startRoundRobin(apps.map((app) => app.url));
    balancer = proxy;
    const webhookUrl = `${proxy.url}/api/github/webhooks`;
    sim.setWebhookUrl(webhookUrl);
    say(`${pushes} pushes at once on one installation`);
    const traffic = startIdleTraffic({ idlePushes: env.idlePushes, webhookUrl, secret: sim.app.webhookSecret });
    let runs;
    try {
      runs = await runPipelines(env, repos, 'replicated', 150_000);
    } finally {
      await traffic.stop();
    }
    const installationId = sim.installation(ORG);
    const pushedAt = Math.min(...runs.map((r) => r.pushedAt));
    const writes = sim.requests.filter((e) => e.api && e.installationId === installationId && e.at >= pushedAt && e.method !== 'GET' && e.method !== 'HEAD' && e.route !== 'POST /graphql');
    const rate = writeRate(writes.map((e) => e.at));
    result.replicas = { replicas: REPLICAS, pipelines: pushes, rate, webhooksPerReplica: [...proxy.hits] };
    say(`${rate.writes} writes in ${(rate.spanMs / 1000).toFixed(1)} s: ${rate.perSecond.toFixed(2)} per second, smallest gap ${rate.minGapMs.toFixed(0)} ms; webhooks per replica ${proxy.hits.join('/')}`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    say(`FAILED: ${result.error}`);
  } finally {
    await balancer?.close().catch(() => {});
    await Promise.all(apps.map((app) => app.stop().catch(() => {})));
    await env?.close().catch(() => {});
    await database?.dispose().catch(() => {});
    result.durationMs = performance.now() - started;
  }
  return result;
}
