import { describe, expect, it } from 'vitest';
import type { PlannedJob, PlannedTarget } from '../../src/engine/run-plan.ts';
import { buildExpressionContext } from '../../src/matching/conditions.ts';
import type { ShipgateEvent } from '../../src/matching/event.ts';
import { configuredValues, jobValues } from '../../src/providers/job-values.ts';

const pushEvent: ShipgateEvent = {
  kind: 'push',
  ref: 'refs/heads/main',
  branch: 'main',
  sha: 'a1b2c3d4',
  actor: 'mona',
  labels: [],
  repository: 'acme/app',
  payload: { ref: 'refs/heads/main' },
};

const context = buildExpressionContext(pushEvent, 'release');

/** An Actions job with `inputs`. */
function actionsJob(inputs: PlannedJob['inputs']): PlannedJob {
  return { workflow: 'build.yml', inputs, 'continue-on-error': false };
}

/**
 * A job on another provider. `inputs` is what a plan keeps for it (`{}`);
 * a test may set it to show it is not what is sent.
 */
function targetJob(target: PlannedTarget, inputs: PlannedJob['inputs'] = {}): PlannedJob {
  return { workflow: `${target.provider} job`, target, inputs, 'continue-on-error': false };
}

describe('configuredValues', () => {
  it('is the workflow inputs of an Actions job', () => {
    expect(configuredValues(actionsJob({ target: 'app', n: 2 }))).toStrictEqual({ target: 'app', n: 2 });
  });

  it('is the parameters of a Jenkins job, the variables of a GitLab job and the payload of a webhook job, never the inputs', () => {
    const stray = { stray: 'not sent' };
    expect(configuredValues(targetJob({ provider: 'jenkins', job: 'platform/build', parameters: { TARGET: 'prod' } }, stray))).toStrictEqual({ TARGET: 'prod' });
    expect(configuredValues(targetJob({ provider: 'gitlab', project: 'acme/mobile', variables: { FLAVOR: 'release' } }, stray))).toStrictEqual({ FLAVOR: 'release' });
    expect(configuredValues(targetJob({ provider: 'webhook', url: 'https://scan.example.com', payload: { profile: 'strict' } }, stray))).toStrictEqual({ profile: 'strict' });
  });

  it('is empty for a job that sends nothing', () => {
    expect(configuredValues(targetJob({ provider: 'jenkins', job: 'build', parameters: {} }))).toStrictEqual({});
    expect(configuredValues(actionsJob({}))).toStrictEqual({});
  });
});

describe('jobValues', () => {
  it('evaluates the expressions of each provider, keeping plain values and their types', () => {
    const values = {
      SHA: '${{ shipgate.sha }}',
      LABEL: '${{ shipgate.pipeline }}-${{ shipgate.branch }}',
      REPO: '${{ github.repository }}',
      plain: 'as written',
      n: 3,
      dry: false,
    };
    const expected = { SHA: 'a1b2c3d4', LABEL: 'release-main', REPO: 'acme/app', plain: 'as written', n: 3, dry: false };
    for (const job of [
      actionsJob(values),
      targetJob({ provider: 'jenkins', job: 'platform/build', parameters: values }),
      targetJob({ provider: 'gitlab', project: 'acme/mobile', variables: values }),
      targetJob({ provider: 'webhook', url: 'https://scan.example.com', payload: values }),
    ]) {
      expect(jobValues(job, context)).toStrictEqual({ ok: true, values: expected });
    }
  });

  it('reads the context it is given', () => {
    const other = buildExpressionContext({ ...pushEvent, sha: 'ffff0000', branch: 'hotfix', ref: 'refs/heads/hotfix' }, 'ci');
    const job = targetJob({ provider: 'jenkins', job: 'build', parameters: { SHA: '${{ shipgate.sha }}', BRANCH: '${{ shipgate.branch }}' } });
    expect(jobValues(job, other)).toStrictEqual({ ok: true, values: { SHA: 'ffff0000', BRANCH: 'hotfix' } });
  });

  it('reports the first value that cannot be evaluated, by name', () => {
    const job = targetJob({
      provider: 'gitlab',
      project: 'acme/mobile',
      variables: { GOOD: '${{ shipgate.sha }}', TOKEN: '${{ secrets.TOKEN }}', BROKEN: '${{ shipgate.sha == }}' },
    });
    const result = jobValues(job, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.name).toBe('TOKEN');
    expect(result.error).toMatch(/Unrecognized named-value: 'secrets'/);
  });

  it('reports an unclosed expression with its name', () => {
    const result = jobValues(actionsJob({ ok: 'fine', tag: 'v-${{ shipgate.tag' }), context);
    expect(result).toMatchObject({ ok: false, name: 'tag' });
    if (!result.ok) expect(result.error).toMatch(/never closed/);
  });
});
