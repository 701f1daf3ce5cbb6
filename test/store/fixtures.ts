import type { DbOrTrx } from '../../src/store/db.ts';
import { createPipelineRun, type PipelineRunInput } from '../../src/store/repos/pipeline-runs.ts';
import { createStageRuns } from '../../src/store/repos/stage-runs.ts';
import type { PipelineRun, StageRun } from '../../src/store/schema/index.ts';

/** The time the store tests stamp rows with (the store never reads the database's clock). */
export const AT = new Date('2026-11-30T12:00:00Z');

/** Larger than 2^31 and 2^32: GitHub ids of this size must survive every column. */
export const BIG_ID = 2 ** 33 + 7;

/** A pipeline run input with sensible defaults; `overrides` replaces any field. */
export function pipelineRunInput(overrides: Partial<PipelineRunInput> = {}): PipelineRunInput {
  return {
    installation_id: BIG_ID,
    owner: 'acme',
    repo: 'app',
    pipeline: 'ci',
    delivery_id: null,
    trigger: 'push',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    concurrency_key: 'ci:refs/heads/main',
    plan: { stages: ['build', 'test'] },
    now: AT,
    ...overrides,
  };
}

/** Creates a pipeline run with stages `build` and `test`. */
export async function createRunWithStages(
  db: DbOrTrx,
  overrides: Partial<PipelineRunInput> = {},
): Promise<{ pipelineRun: PipelineRun; build: StageRun; test: StageRun }> {
  const { pipelineRun } = await createPipelineRun(db, pipelineRunInput(overrides));
  const [build, test] = await createStageRuns(db, pipelineRun.id, ['build', 'test']);
  if (!build || !test) throw new Error('stages were not created');
  return { pipelineRun, build, test };
}
