/**
 * Rows for the statistics tests, written straight into the tables with the
 * times given (the engine's own paths stamp rows from its clock, one event
 * at a time; these tests need histories).
 */
import type { Kysely } from 'kysely';
import { toJsonb } from '../../src/store/json.ts';
import type { Conclusion, Database, DeploymentSource, DeploymentStatus, JsonObject, PipelineTrigger } from '../../src/store/schema/index.ts';

export interface SeedJob {
  job: string;
  stage?: string;
  /** One conclusion per attempt, in order. */
  attempts: Conclusion[];
  /** Seconds from the run's start to the first attempt's dispatch (default 0). */
  dispatchAfter?: number;
  /** Seconds from dispatch to start (queue wait; default 5). */
  wait?: number;
  /** Seconds from start to completion of each attempt (default 30). */
  duration?: number;
}

export interface SeedRun {
  owner?: string;
  repo?: string;
  pipeline?: string;
  trigger?: PipelineTrigger;
  branch?: string;
  sha: string;
  prNumber?: number;
  conclusion: Conclusion;
  /** When the run was created and started. */
  startedAt: Date;
  /** Seconds from start to completion. */
  duration: number;
  /** `plan.defaultBranch` (default `main`). */
  defaultBranch?: string;
  /** `plan.commitDate`. */
  commitDate?: string;
  /** Per stage: its conclusion and duration in seconds (default: none). */
  stages?: Record<string, { conclusion: Conclusion | null; duration?: number; status?: 'completed' | 'skipped' }>;
  jobs?: SeedJob[];
}

let sequence = 0;

/** Inserts one finished pipeline run with its stages and job attempts; returns its id. */
export async function seedRun(db: Kysely<Database>, run: SeedRun): Promise<number> {
  const owner = run.owner ?? 'acme';
  const repo = run.repo ?? 'app';
  const pipeline = run.pipeline ?? 'ci';
  const completedAt = new Date(run.startedAt.getTime() + run.duration * 1000);
  const plan: JsonObject = { stages: {}, context: {}, defaultBranch: run.defaultBranch ?? 'main', ...(run.commitDate ? { commitDate: run.commitDate } : {}) };
  const { id } = await db
    .insertInto('pipeline_runs')
    .values({
      installation_id: 1,
      owner,
      repo,
      pipeline,
      trigger: run.trigger ?? 'push',
      ref: `refs/heads/${run.branch ?? 'main'}`,
      sha: run.sha,
      pr_number: run.prNumber ?? null,
      concurrency_key: `${pipeline}:${run.branch ?? 'main'}:${(sequence += 1)}`,
      status: 'completed',
      conclusion: run.conclusion,
      plan: toJsonb(plan),
      created_at: run.startedAt,
      updated_at: completedAt,
      started_at: run.startedAt,
      completed_at: completedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const stageIds = new Map<string, number>();
  const stageNames = new Set([...Object.keys(run.stages ?? {}), ...(run.jobs ?? []).map((job) => job.stage ?? 'build')]);
  for (const stage of stageNames) {
    const spec = run.stages?.[stage] ?? { conclusion: 'success' as Conclusion };
    const status = spec.status ?? 'completed';
    const row = await db
      .insertInto('stage_runs')
      .values({
        pipeline_run_id: id,
        stage,
        status,
        conclusion: spec.conclusion,
        started_at: status === 'skipped' ? null : run.startedAt,
        completed_at: status === 'skipped' ? null : new Date(run.startedAt.getTime() + (spec.duration ?? run.duration) * 1000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    stageIds.set(stage, row.id);
  }
  for (const job of run.jobs ?? []) {
    let dispatched = run.startedAt.getTime() + (job.dispatchAfter ?? 0) * 1000;
    for (const [index, conclusion] of job.attempts.entries()) {
      const started = dispatched + (job.wait ?? 5) * 1000;
      const completed = started + (job.duration ?? 30) * 1000;
      await db
        .insertInto('job_attempts')
        .values({
          pipeline_run_id: id,
          stage_run_id: stageIds.get(job.stage ?? 'build') ?? 0,
          job: job.job,
          attempt: index + 1,
          workflow: `${job.job}.yml`,
          correlation_id: `seed-${id}-${job.job}-${index + 1}-${(sequence += 1)}`,
          status: 'completed',
          conclusion,
          dispatched_at: new Date(dispatched),
          started_at: new Date(started),
          completed_at: new Date(completed),
        })
        .execute();
      dispatched = completed + 1000;
    }
  }
  return id;
}

export interface SeedDeployment {
  owner?: string;
  repo?: string;
  environment?: string;
  production?: boolean;
  sha: string;
  status: DeploymentStatus;
  source?: DeploymentSource;
  prNumber?: number;
  rollbackOf?: number;
  /** When it was asked for (default: 10 minutes before completion). */
  requestedAt?: Date;
  completedAt: Date;
}

/** Inserts one deployment request that ended; returns its id. */
export async function seedDeployment(db: Kysely<Database>, deployment: SeedDeployment): Promise<number> {
  const environment = deployment.environment ?? 'production';
  const requestedAt = deployment.requestedAt ?? new Date(deployment.completedAt.getTime() - 600_000);
  const { id } = await db
    .insertInto('deployments')
    .values({
      owner: deployment.owner ?? 'acme',
      repo: deployment.repo ?? 'app',
      environment,
      ref: 'main',
      sha: deployment.sha,
      requested_by: 'alice',
      source: deployment.source ?? 'stage',
      status: deployment.status,
      pr_number: deployment.prNumber ?? null,
      rollback_of: deployment.rollbackOf ?? null,
      ref_branches: toJsonb(['main']),
      policy: toJsonb({ name: environment, production: deployment.production ?? environment === 'production' }),
      created_at: requestedAt,
      updated_at: deployment.completedAt,
      started_at: requestedAt,
      completed_at: deployment.completedAt,
      succeeded_at: deployment.status === 'succeeded' ? deployment.completedAt : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** The week `seedWeek` fills, `[since, until)`. */
export const SEEDED_WEEK = { since: new Date('2026-03-02T00:00:00Z'), until: new Date('2026-03-09T00:00:00Z') };

/** A time in March 2026, UTC. */
const t = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 2, day, hour, minute));

const jobs = (build: Conclusion[], test?: Conclusion[], testWait = 5): SeedJob[] => [
  { job: 'build', stage: 'build', attempts: build },
  ...(test ? [{ job: 'test', stage: 'test', attempts: test, wait: testWait }] : []),
];

/**
 * One week (Monday 2 March 2026 to Monday 9 March) of `acme/app`, plus rows
 * just outside it and another repository's: the known answers of
 * `stats.test.ts` are worked out by hand from these.
 */
export async function seedWeek(db: Kysely<Database>): Promise<void> {
  const both = (test: Conclusion) => ({ build: { conclusion: 'success' as Conclusion, duration: 40 }, test: { conclusion: test } });
  // ci on main: success, failure, failure, success, cancelled.
  await seedRun(db, { sha: 's1', conclusion: 'success', startedAt: t(2, 10), duration: 100, commitDate: '2026-03-02T04:00:00-05:00', stages: both('success'), jobs: jobs(['success'], ['failure', 'success']) });
  await seedRun(db, { sha: 's2', conclusion: 'failure', startedAt: t(3, 10), duration: 200, stages: both('failure'), jobs: jobs(['success'], ['failure']) });
  await seedRun(db, { sha: 's3', conclusion: 'failure', startedAt: t(3, 12), duration: 300, stages: both('failure'), jobs: jobs(['success'], ['failure']) });
  await seedRun(db, { sha: 's4', conclusion: 'success', startedAt: t(4, 10), duration: 400, stages: both('success'), jobs: jobs(['success'], ['success'], 65) });
  await seedRun(db, {
    sha: 's5',
    conclusion: 'cancelled',
    startedAt: t(4, 11),
    duration: 50,
    stages: { build: { conclusion: 'cancelled', duration: 40 }, test: { conclusion: 'skipped', status: 'skipped' } },
    jobs: jobs(['cancelled']),
  });
  // ci on a pull request's branch: timed out.
  await seedRun(db, { sha: 'p1', trigger: 'pull_request', branch: 'feature', prNumber: 7, conclusion: 'timed_out', startedAt: t(5, 9), duration: 60, stages: { build: { conclusion: 'timed_out', duration: 40 } }, jobs: jobs(['timed_out']) });
  // nightly: a success, then three failing shas in a row (broken).
  for (const [i, conclusion] of (['success', 'failure', 'failure', 'failure'] as const).entries()) {
    await seedRun(db, { pipeline: 'nightly', sha: `n${i}`, conclusion, startedAt: t(2 + (i === 0 ? 0 : i + 2), 2), duration: 600, stages: { e2e: { conclusion } }, jobs: [{ job: 'e2e', stage: 'e2e', attempts: [conclusion] }] });
  }
  // Outside the window: completed just before `since`, and exactly at `until` (excluded); an older PR run; another repository.
  await seedRun(db, { sha: 's0', conclusion: 'success', startedAt: new Date(t(2, 0).getTime() - 120_000), duration: 60, jobs: jobs(['success']) });
  await seedRun(db, { sha: 's9', conclusion: 'failure', startedAt: new Date(t(9, 0).getTime() - 60_000), duration: 60, jobs: jobs(['failure']) });
  await seedRun(db, { sha: 'p0', trigger: 'pull_request', branch: 'feature2', prNumber: 8, conclusion: 'success', startedAt: new Date(Date.UTC(2026, 1, 27, 8)), duration: 10 });
  await seedRun(db, { repo: 'other', sha: 'x1', conclusion: 'failure', startedAt: t(3, 10), duration: 10, jobs: jobs(['failure']) });

  // Production: s0 before the window; s1; s4 (from PR 8); then a rollback to s1 an hour later. Staging: s2.
  await seedDeployment(db, { sha: 's0', status: 'succeeded', completedAt: t(1, 12) });
  await seedDeployment(db, { sha: 's1', status: 'succeeded', completedAt: t(2, 12) });
  const s4 = await seedDeployment(db, { sha: 's4', status: 'succeeded', completedAt: t(4, 12), prNumber: 8 });
  await seedDeployment(db, { sha: 's1', status: 'succeeded', source: 'rollback', rollbackOf: s4, requestedAt: t(4, 13), completedAt: t(4, 13, 10) });
  await seedDeployment(db, { environment: 'staging', sha: 's2', status: 'succeeded', completedAt: t(3, 12) });
  // Never carried out: not counted anywhere.
  await seedDeployment(db, { sha: 's3', status: 'refused', completedAt: t(3, 13) });
  await seedDeployment(db, { repo: 'other', sha: 'x1', status: 'failed', completedAt: t(3, 13) });
}

