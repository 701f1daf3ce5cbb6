import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  claimJobAttemptForDispatch,
  createJobAttempt,
  findJobAttemptByCorrelation,
  findJobAttemptByWorkflowRun,
  getJobAttempt,
  listJobAttempts,
  quietJobAttempts,
  updateJobAttempt,
  type JobAttemptInput,
} from '../../../src/store/repos/job-attempts.ts';
import type { PipelineRun, StageRun } from '../../../src/store/schema/index.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { AT, BIG_ID, createRunWithStages } from '../fixtures.ts';

/** The repository calls, stamped with the tests' fixed time. */
const claim = (db: Parameters<typeof claimJobAttemptForDispatch>[0], id: number) => claimJobAttemptForDispatch(db, id, AT);
const update = (db: Parameters<typeof updateJobAttempt>[0], id: number, changes: Parameters<typeof updateJobAttempt>[2], options: Omit<Parameters<typeof updateJobAttempt>[3], 'now'> = {}) =>
  updateJobAttempt(db, id, changes, { ...options, now: AT });
/** An input as raw columns (the repository's `now` is not one). */
const withoutNow = ({ now: _now, ...columns }: JobAttemptInput) => columns;

describe.each(databaseTargets())('job attempts on $name', (target) => {
  let store: Store;
  let pipelineRun: PipelineRun;
  let build: StageRun;

  function attempt(overrides: Partial<JobAttemptInput> = {}): JobAttemptInput {
    return {
      pipeline_run_id: pipelineRun.id,
      stage_run_id: build.id,
      job: 'app',
      attempt: 1,
      workflow: 'build.yml',
      correlation_id: `sg-${pipelineRun.id}-build-app-1`,
      now: AT,
      inputs: { target: 'app', shipgate_run: `sg-${pipelineRun.id}-build-app-1` },
      ...overrides,
    };
  }

  beforeEach(async () => {
    store = await target.open();
    ({ pipelineRun, build } = await createRunWithStages(store.db));
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates an attempt once per stage, job and attempt number', async () => {
    const first = await createJobAttempt(store.db, attempt());
    expect(first).toMatchObject({ created: true, jobAttempt: { status: 'pending', inputs: { target: 'app' } } });
    const again = await createJobAttempt(store.db, attempt());
    expect(again).toEqual({ created: false, jobAttempt: first.jobAttempt });

    await expect(
      store.db
        .insertInto('job_attempts')
        .values({ ...withoutNow(attempt()), created_at: AT, updated_at: AT, inputs: null, external: null, correlation_id: 'other' })
        .execute(),
    ).rejects.toThrow(/job_attempts_stage_run_job_attempt_key/);
    await expect(createJobAttempt(store.db, attempt({ job: 'docs' }))).rejects.toThrow(
      /job_attempts_correlation_id_key/,
    );
    expect((await createJobAttempt(store.db, attempt({ attempt: 2, correlation_id: 'sg-2' }))).created).toBe(true);
    expect(await listJobAttempts(store.db, pipelineRun.id)).toHaveLength(2);
  });

  it('lets exactly one of many concurrent callers claim an attempt for dispatch', async () => {
    const { jobAttempt } = await createJobAttempt(store.db, attempt());
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => claim(store.db, jobAttempt.id)),
    );
    const winners = claims.filter((claim) => claim !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'dispatching', dispatched_at: expect.any(Date) });
    expect(winners[0]?.last_event_at).toEqual(winners[0]?.dispatched_at);
    expect(await claim(store.db, jobAttempt.id)).toBeUndefined();
  });

  it('tracks a workflow run by its big id across retries', async () => {
    const first = (await createJobAttempt(store.db, attempt())).jobAttempt;
    await claim(store.db, first.id);
    await update(store.db, first.id, {
      status: 'completed',
      conclusion: 'failure',
      workflow_run_id: BIG_ID,
      run_attempt: 1,
      html_url: `https://github.com/acme/app/actions/runs/${BIG_ID}`,
    });
    const retry = (
      await createJobAttempt(store.db, attempt({ attempt: 2, correlation_id: 'sg-retry', workflow_run_id: BIG_ID }))
    ).jobAttempt;

    expect((await findJobAttemptByWorkflowRun(store.db, BIG_ID))?.id).toBe(retry.id);
    expect((await findJobAttemptByWorkflowRun(store.db, BIG_ID, 1))?.id).toBe(first.id);
    expect((await findJobAttemptByWorkflowRun(store.db, BIG_ID, 2))?.id).toBe(retry.id);
    await update(store.db, retry.id, { run_attempt: 2 });
    expect((await findJobAttemptByWorkflowRun(store.db, BIG_ID, 2))?.id).toBe(retry.id);
    expect(await findJobAttemptByWorkflowRun(store.db, BIG_ID, 3)).toBeUndefined();
    expect(await findJobAttemptByWorkflowRun(store.db, 1)).toBeUndefined();

    expect((await findJobAttemptByCorrelation(store.db, 'sg-retry'))?.id).toBe(retry.id);
    expect(await findJobAttemptByCorrelation(store.db, 'nope')).toBeUndefined();
    expect((await getJobAttempt(store.db, first.id))?.workflow_run_id).toBe(BIG_ID);
  });

  it('does not let a late event move an attempt backwards', async () => {
    const { jobAttempt } = await createJobAttempt(store.db, attempt());
    await update(store.db, jobAttempt.id, { status: 'completed', conclusion: 'success' });
    const late = await update(
      store.db,
      jobAttempt.id,
      { status: 'in_progress', conclusion: null },
      { onlyIf: { status: ['pending', 'dispatching', 'queued'] } },
    );
    expect(late).toBeUndefined();
    expect((await getJobAttempt(store.db, jobAttempt.id))?.status).toBe('completed');
  });

  it('finds unfinished attempts that went quiet', async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const ids: number[] = [];
    for (const [job, status, lastEvent] of [
      ['quiet', 'in_progress', at(1)],
      ['recent', 'in_progress', at(20)],
      ['finished', 'completed', at(0)],
      ['crashed', 'dispatching', at(2)],
      ['silent', 'queued', null],
      ['waiting', 'pending', null],
    ] as const) {
      const { jobAttempt } = await createJobAttempt(store.db, attempt({ job, correlation_id: `sg-${job}` }));
      await update(store.db, jobAttempt.id, {
        status,
        conclusion: status === 'completed' ? 'success' : null,
        last_event_at: lastEvent,
      });
      ids.push(jobAttempt.id);
    }
    const quiet = await quietJobAttempts(store.db, { quietSince: at(10) });
    expect(quiet.map((a) => a.job)).toEqual(['silent', 'quiet', 'crashed']);
  });
});
