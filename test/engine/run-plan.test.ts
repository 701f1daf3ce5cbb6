import { describe, expect, it } from 'vitest';
import { plannedJobOf, type PlannedJob } from '../../src/engine/run-plan.ts';
import { formatIssue, parseConfigText } from '../../src/repo-config/parse.ts';
import type { Job } from '../../src/repo-config/schema.ts';

/** The job `x` of a config whose one stage has it, parsed as the app parses it. */
function jobOf(line: string): Job {
  const text = ['pipelines:', '  ci:', '    on: { manual: true }', '    stages:', '      a:', '        jobs:', `          x: ${line}`, ''].join('\n');
  const result = parseConfigText(text, 'shipgate.yml');
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  const job = result.config.pipelines['ci']?.stages['a']?.jobs['x'];
  if (!job) throw new Error('no job x');
  return job;
}

const planned = (line: string): PlannedJob => plannedJobOf(jobOf(line));

describe('plannedJobOf', () => {
  it('keeps an Actions job as its workflow and inputs, with no target', () => {
    const job = planned("{ workflow: build.yml, inputs: { target: app, n: 2, sha: '${{ shipgate.sha }}' } }");
    expect(job).toStrictEqual({ workflow: 'build.yml', inputs: { target: 'app', n: 2, sha: '${{ shipgate.sha }}' }, 'continue-on-error': false });
    expect('target' in job).toBe(false);
  });

  it('gives a Jenkins job its target and a "jenkins <job>" label, and no inputs', () => {
    expect(planned("{ jenkins: { job: 'platform/x', parameters: { TARGET: '${{ shipgate.sha }}' } } }")).toStrictEqual({
      workflow: 'jenkins platform/x',
      target: { provider: 'jenkins', job: 'platform/x', parameters: { TARGET: '${{ shipgate.sha }}' } },
      inputs: {},
      'continue-on-error': false,
    });
  });

  it('gives a GitLab job its target and a "gitlab <project>" label', () => {
    expect(planned("{ gitlab: { project: 'acme/mobile', ref: main, variables: { FLAVOR: release } } }")).toStrictEqual({
      workflow: 'gitlab acme/mobile',
      target: { provider: 'gitlab', project: 'acme/mobile', ref: 'main', variables: { FLAVOR: 'release' } },
      inputs: {},
      'continue-on-error': false,
    });
    expect(planned('{ gitlab: { project: 4711 } }').workflow).toBe('gitlab 4711');
  });

  it('gives a webhook job its target and a "webhook <host>" label, without the path or query of the URL', () => {
    expect(planned("{ webhook: { url: 'https://scanner.example.com/hooks/shipgate?team=sec', payload: { profile: strict } } }")).toStrictEqual({
      workflow: 'webhook scanner.example.com',
      target: { provider: 'webhook', url: 'https://scanner.example.com/hooks/shipgate?team=sec', payload: { profile: 'strict' } },
      inputs: {},
      'continue-on-error': false,
    });
    expect(planned("{ webhook: { url: 'https://scanner.example.com:8443/x' } }").workflow).toBe('webhook scanner.example.com:8443');
  });

  it.each([
    { kind: 'Actions', line: '{ workflow: deploy.yml' },
    { kind: 'Jenkins', line: "{ jenkins: { job: 'platform/x' }" },
    { kind: 'GitLab', line: "{ gitlab: { project: 'acme/mobile' }" },
    { kind: 'webhook', line: "{ webhook: { url: 'https://scanner.example.com' }" },
  ])('keeps timeout, retries and continue-on-error of a $kind job', ({ line }) => {
    expect(planned(`${line}, timeout: 40m, retries: 2, continue-on-error: true }`)).toMatchObject({ timeout: '40m', retries: 2, 'continue-on-error': true });
    const defaults = planned(`${line} }`);
    expect('timeout' in defaults).toBe(false);
    expect('retries' in defaults).toBe(false);
    expect(defaults['continue-on-error']).toBe(false);
  });

  it('copies the values, so changing the plan does not change the parsed config', () => {
    const job = jobOf("{ jenkins: { job: 'platform/x', parameters: { A: '1' } } }");
    const first = plannedJobOf(job);
    if (first.target?.provider === 'jenkins') first.target.parameters['A'] = 'changed';
    expect(job.jenkins?.parameters).toStrictEqual({ A: '1' });
    expect(plannedJobOf(job).target).toStrictEqual({ provider: 'jenkins', job: 'platform/x', parameters: { A: '1' } });
  });
});
