import { describe, expect, it } from 'vitest';
import { jobTargetOf, type JobTarget } from '../../src/repo-config/job-target.ts';
import { formatIssue, parseConfigText } from '../../src/repo-config/parse.ts';
import type { Job } from '../../src/repo-config/schema.ts';

/** The jobs of a config whose one stage has the given job lines, parsed as the app parses them. */
function jobsOf(...lines: string[]): Record<string, Job> {
  const text = ['pipelines:', '  ci:', '    on: { manual: true }', '    stages:', '      a:', '        jobs:', ...lines.map((line) => `          ${line}`), ''].join('\n');
  const result = parseConfigText(text, 'shipgate.yml');
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config.pipelines['ci']?.stages['a']?.jobs ?? {};
}

function targetOf(line: string): JobTarget {
  const job = jobsOf(`x: ${line}`)['x'];
  if (!job) throw new Error('no job x');
  return jobTargetOf(job);
}

describe('jobTargetOf', () => {
  it.each<{ name: string; job: string; target: JobTarget }>([
    {
      name: 'a workflow job (inputs default to empty)',
      job: '{ workflow: build.yml }',
      target: { provider: 'actions', workflow: 'build.yml', inputs: {} },
    },
    {
      name: 'a workflow job with inputs',
      job: "{ workflow: build.yml, inputs: { target: app, n: 2, dry: true, sha: '${{ shipgate.sha }}' } }",
      target: { provider: 'actions', workflow: 'build.yml', inputs: { target: 'app', n: 2, dry: true, sha: '${{ shipgate.sha }}' } },
    },
    {
      name: 'a jenkins job',
      job: "{ jenkins: { job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}' } }, timeout: 40m, retries: 1 }",
      target: { provider: 'jenkins', job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}' } },
    },
    {
      name: 'a jenkins job without parameters',
      job: '{ jenkins: { job: build } }',
      target: { provider: 'jenkins', job: 'build', parameters: {} },
    },
    {
      name: 'a gitlab job by path with ref and variables',
      job: "{ gitlab: { project: 'acme/mobile', ref: main, variables: { FLAVOR: release } } }",
      target: { provider: 'gitlab', project: 'acme/mobile', ref: 'main', variables: { FLAVOR: 'release' } },
    },
    {
      name: 'a gitlab job by numeric id (a string in the target)',
      job: '{ gitlab: { project: 4711 } }',
      target: { provider: 'gitlab', project: '4711', variables: {} },
    },
    {
      name: 'a webhook job',
      job: "{ webhook: { url: 'https://scanner.example.com/shipgate', payload: { profile: strict } } }",
      target: { provider: 'webhook', url: 'https://scanner.example.com/shipgate', payload: { profile: 'strict' } },
    },
    {
      name: 'a webhook job without payload',
      job: "{ webhook: { url: 'https://scanner.example.com/shipgate' } }",
      target: { provider: 'webhook', url: 'https://scanner.example.com/shipgate', payload: {} },
    },
  ])('$name', ({ job, target }) => {
    expect(targetOf(job)).toStrictEqual(target);
  });

  it('leaves ref out of a gitlab target when the config does not set it', () => {
    const target = targetOf('{ gitlab: { project: 1 } }');
    expect(target.provider).toBe('gitlab');
    expect('ref' in target).toBe(false);
  });

  it('gives each kind of a parsed config, so the engine can switch on provider', () => {
    const jobs = jobsOf(
      'app: { workflow: build.yml }',
      "legacy: { jenkins: { job: 'platform/build-legacy' } }",
      'mobile: { gitlab: { project: 12 } }',
      "scan: { webhook: { url: 'https://h.example' } }",
    );
    const describe = (target: JobTarget): string => {
      switch (target.provider) {
        case 'actions':
          return `workflow ${target.workflow}`;
        case 'jenkins':
          return `jenkins ${target.job}`;
        case 'gitlab':
          return `gitlab ${target.project}@${target.ref ?? 'the run ref'}`;
        case 'webhook':
          return `webhook ${target.url}`;
      }
    };
    expect(Object.values(jobs).map((job) => describe(jobTargetOf(job)))).toEqual([
      'workflow build.yml',
      'jenkins platform/build-legacy',
      'gitlab 12@the run ref',
      'webhook https://h.example',
    ]);
  });

  it('returns copies: changing the target does not change the config', () => {
    const job = jobsOf("x: { jenkins: { job: a, parameters: { A: '1' } } }")['x'];
    if (!job) throw new Error('no job x');
    const target = jobTargetOf(job);
    if (target.provider !== 'jenkins') throw new Error(`expected a jenkins target, got ${target.provider}`);
    target.parameters['B'] = '2';
    expect(job.jenkins?.parameters).toEqual({ A: '1' });
  });

  it('throws for a job without a kind, or with two (the schema lets neither through)', () => {
    const none: Job = { inputs: {}, 'continue-on-error': false };
    expect(() => jobTargetOf(none)).toThrow('a job runs on exactly one of workflow, jenkins, gitlab, webhook (found none)');
    const two: Job = { workflow: 'a.yml', inputs: {}, jenkins: { job: 'a', parameters: {} }, 'continue-on-error': false };
    expect(() => jobTargetOf(two)).toThrow('(found workflow and jenkins)');
  });
});
