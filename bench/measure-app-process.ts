import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startShipgateProcess, type ShipgateProcess } from './app-process.ts';
import { startBareProbot, type BareProbot } from './bare-probot.ts';
import { openReachablePostgres, type BenchDatabase } from './databases.ts';
import { startIdleTraffic } from './idle-traffic.ts';
import { ACK_SAMPLES, ACK_WARMUP, sampleAcks } from './measure-ack.ts';
import type { Progress } from './measure-pipelines.ts';
import { processMemory } from './process-memory.ts';
import { DAG_SHAPE, countRuns, runPipelines, startProcessSim, type ProcessSim } from './process-pipelines.ts';
import type { AppProcessResult, TargetResult } from './results.ts';
import { summarize } from './stats.ts';

/** Repositories of the process figure, each in its own organisation (installation). */
export const PROCESS_REPOS = ['proc-1/api', 'proc-2/api', 'proc-3/api'] as const;

/**
 * The figures of shipgate in a process of its own (`bin/shipgate.js start`),
 * the sim and the bare Probot app staying in this process: every repository's
 * first pipeline run (cold) and a second one (warm) — requests, writes and
 * check-run writes each; then the webhook acknowledgement against the bare app;
 * then the app process's RSS (`VmRSS`) and its peak (`VmHWM`).
 */
export async function measureAppProcess(kind: TargetResult['database'], progress: Progress): Promise<TargetResult> {
  const started = performance.now();
  const result: TargetResult = { database: kind, notes: [], durationMs: 0 };
  const say: Progress = (message) => progress(`${kind} (own process): ${message}`);
  let database: BenchDatabase | undefined;
  let dataDir: string | undefined;
  let env: ProcessSim | undefined;
  let app: ShipgateProcess | undefined;
  let bare: BareProbot | undefined;
  try {
    let where: { url: string } | { dataDir: string };
    if (kind === 'postgres') {
      const opened = await openReachablePostgres();
      if ('skipped' in opened) {
        result.skipped = opened.skipped;
        return result;
      }
      database = opened.database;
      where = { url: String(database.store.pool?.options.connectionString) };
    } else {
      dataDir = await mkdtemp(join(tmpdir(), 'shipgate-bench-app-'));
      where = { dataDir };
    }
    env = await startProcessSim(PROCESS_REPOS);
    say('starting bin/shipgate.js start');
    app = await startShipgateProcess(env.sim, where);
    env.sim.setWebhookUrl(app.webhookUrl);
    const memoryAtStart = await processMemory(app.pid);
    const traffic = startIdleTraffic({ idlePushes: env.idlePushes, webhookUrl: app.webhookUrl, secret: env.sim.app.webhookSecret });
    let cold, warm;
    try {
      say(`cold: the first pipeline of ${PROCESS_REPOS.length} repositories (one installation each)`);
      cold = countRuns(env.sim, await runPipelines(env, PROCESS_REPOS, 'cold', 90_000));
      say(`warm: a second pipeline of each`);
      warm = countRuns(env.sim, await runPipelines(env, PROCESS_REPOS, 'warm', 90_000));
    } finally {
      await traffic.stop();
    }
    const afterRuns = await processMemory(app.pid);

    say(`webhook ack: warm-up (${ACK_WARMUP} each), then ${ACK_SAMPLES} to a bare Probot app in the bench process and ${ACK_SAMPLES} to shipgate's process`);
    const log = pino({ level: 'silent' });
    bare = await startBareProbot({ appId: env.sim.app.id, privateKey: env.sim.app.privateKey, secret: env.sim.app.webhookSecret, webhookPath: '/api/github/webhooks', log });
    const secret = env.sim.app.webhookSecret;
    await sampleAcks(bare.webhookUrl, secret, env.idlePushes, ACK_WARMUP);
    await sampleAcks(app.webhookUrl, secret, env.idlePushes, ACK_WARMUP);
    const bareAcks = await sampleAcks(bare.webhookUrl, secret, env.idlePushes, ACK_SAMPLES);
    const appAcks = await sampleAcks(app.webhookUrl, secret, env.idlePushes, ACK_SAMPLES);
    const end = await processMemory(app.pid);
    const measured: AppProcessResult = {
      ...DAG_SHAPE,
      startupMs: app.startupMs,
      cold,
      warm,
      rss: { startMb: memoryAtStart.rssMb, afterRunsMb: afterRuns.rssMb, endMb: end.rssMb, peakMb: end.peakMb },
      ack: { shipgate: summarize(appAcks.ms), bare: summarize(bareAcks.ms), errors: appAcks.errors + bareAcks.errors },
    };
    result.process = measured;
    if (measured.ack.errors > 0) result.notes.push(`${measured.ack.errors} webhook(s) were not answered 200 in the own-process ack figure`);
    say(`RSS ${afterRuns.rssMb.toFixed(0)} MB after the runs, peak ${end.peakMb.toFixed(0)} MB; requests cold ${cold.requests.join('/')}, warm ${warm.requests.join('/')}`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    if (app) result.error += `\n(app output, last lines) ${app.output().split('\n').slice(-5).join('\n')}`;
    say(`FAILED: ${result.error}`);
  } finally {
    await bare?.stop().catch(() => {});
    await app?.stop().catch(() => {});
    await env?.close().catch(() => {});
    await database?.dispose().catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    result.durationMs = performance.now() - started;
  }
  return result;
}
