import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfigText } from '../../src/repo-config/parse.ts';
import { checkConfigStructure, MAX_JOBS_PER_PIPELINE, MAX_STAGES_PER_PIPELINE } from '../../src/repo-config/structure-checks.ts';

/** A pipeline of `stages` stages with `jobsPerStage` jobs each, as YAML. */
function pipelineYaml(stages: number, jobsPerStage: number): string {
  const lines = ['version: 1', 'pipelines:', '  ci:', '    on: { manual: true }', '    stages:'];
  for (let s = 0; s < stages; s++) {
    lines.push(`      s${s}:`, '        jobs:');
    for (let j = 0; j < jobsPerStage; j++) lines.push(`          j${s}-${j}: { workflow: a.yml }`);
  }
  return `${lines.join('\n')}\n`;
}

const errorsOf = (text: string) => {
  const result = parseConfigText(text, 'shipgate.yml');
  return result.ok ? [] : result.errors.map(formatIssue);
};

describe('caps on pipelines', () => {
  it.each([
    { stages: MAX_STAGES_PER_PIPELINE, jobsPerStage: 1, expected: [] },
    { stages: MAX_STAGES_PER_PIPELINE + 1, jobsPerStage: 1, expected: [`shipgate.yml:5:5 pipelines.ci.stages: pipeline "ci" has 65 stages; a pipeline may have at most 64: split it into several pipelines`] },
    { stages: 32, jobsPerStage: 8, expected: [] },
    { stages: 32, jobsPerStage: 9, expected: [`shipgate.yml:5:5 pipelines.ci.stages: pipeline "ci" has 288 jobs across its stages; a pipeline may have at most 256: split it into several pipelines`] },
  ])('$stages stages of $jobsPerStage jobs', ({ stages, jobsPerStage, expected }) => {
    expect(errorsOf(pipelineYaml(stages, jobsPerStage))).toEqual(expected);
  });

  it('caps at 64 stages and 256 jobs', () => {
    expect([MAX_STAGES_PER_PIPELINE, MAX_JOBS_PER_PIPELINE]).toEqual([64, 256]);
  });
});

describe('checkConfigStructure on data as written', () => {
  it('reads what is there and ignores what is malformed (the schema reports that)', () => {
    const errors = checkConfigStructure({
      pipelines: {
        ci: {
          stages: {
            build: { needs: ['tset', 42, 'Bad Id'], jobs: { app: {} } },
            test: { needs: ['deploy'], jobs: 'not a map' },
            deploy: { needs: ['test'], jobs: { app: {} } },
          },
          gates: [{ job: 'ap' }, 'not a gate', { job: 7 }],
        },
        broken: 'not a pipeline',
      },
    });
    expect(errors.map((e) => [e.path, e.hint])).toEqual([
      [['pipelines', 'ci', 'stages', 'build', 'needs', 0], 'did you mean "test"?'],
      [['pipelines', 'ci', 'stages', 'deploy', 'jobs', 'app'], undefined],
      [['pipelines', 'ci', 'stages', 'test', 'needs', 0], undefined],
      [['pipelines', 'ci', 'gates', 0, 'job'], 'did you mean "app"?'],
    ]);
    expect(errors[2]?.message).toContain('test → deploy → test');
  });

  it('finds nothing in values that are not configs', () => {
    expect([null, 'text', [], { pipelines: [] }].map((value) => checkConfigStructure(value))).toEqual([[], [], [], []]);
  });
});
