import { describe, expect, it } from 'vitest';
import { pipelineCheckBody, type JobView, type PipelineRunView } from '../../src/engine/check-output.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

function jobView(overrides: Partial<JobView> & Pick<JobView, 'job'>): JobView {
  return { attempt: 1, status: 'completed', conclusion: 'success', htmlUrl: null, error: null, startedAt: at(0), completedAt: at(1), ...overrides };
}

/** A completed run with one stage holding `jobs`. */
function runWith(jobs: JobView[]): PipelineRunView {
  return {
    id: 1,
    pipeline: 'release',
    status: 'completed',
    conclusion: 'success',
    error: null,
    waitingFor: null,
    createdAt: at(0),
    startedAt: at(0),
    completedAt: at(2),
    stages: [{ id: 'build', status: 'completed', conclusion: 'success', reason: null, startedAt: at(0), completedAt: at(2), jobs }],
  };
}

/** The jobs cell of the one stage's row. */
function jobsCell(run: PipelineRunView): string {
  const row = pipelineCheckBody(run, at(3)).output.summary.split('\n').find((line) => line.includes(' build |'));
  if (row === undefined) throw new Error('no row for the build stage');
  return row.split(' | ').at(-1)?.replace(/ \|$/, '') ?? '';
}

describe('pipelineCheckBody jobs table', () => {
  it('says where a job on another provider ran, and nothing for a job without one', () => {
    const cell = jobsCell(
      runWith([
        jobView({ job: 'legacy', provider: 'Jenkins', htmlUrl: 'https://ci.acme.test/job/platform/job/x/12/' }),
        jobView({ job: 'app', htmlUrl: 'https://github.com/acme/api/actions/runs/1' }),
      ]),
    );
    expect(cell).toBe('[legacy](https://ci.acme.test/job/platform/job/x/12/) (success on Jenkins)<br>[app](https://github.com/acme/api/actions/runs/1) (success)');
  });

  it('puts the provider after the attempt and the state of a running job', () => {
    const run = runWith([
      jobView({ job: 'mobile', provider: 'GitLab CI', attempt: 2, conclusion: 'failure' }),
      jobView({ job: 'scan', provider: 'the webhook job receiver', status: 'in_progress', conclusion: null, completedAt: null }),
    ]);
    expect(jobsCell(run)).toBe('mobile (failure, attempt 2 on GitLab CI)<br>scan (in progress on the webhook job receiver)');
  });
});
