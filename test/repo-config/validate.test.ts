import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfigText } from '../../src/repo-config/parse.ts';

const errorsOf = (text: string) => {
  const result = parseConfigText(text, 'shipgate.yml');
  return result.ok ? [] : result.errors.map(formatIssue);
};

describe('schema errors and structure errors in one pass', () => {
  it('reports a schema error and an unknown need together, in line order', () => {
    const text = [
      'pipelines:', //                        1
      '  ci:', //                              2
      '    on: { push: {} }', //               3
      '    stages:', //                        4
      '      build:', //                       5
      '        jobs:', //                      6
      '          app: { workflow: build.yml, retries: many }', // 7
      '      test:', //                        8
      '        needs: [biuld]', //             9
      '        jobs:', //                      10
      '          unit: { workflow: test.yml }', // 11
      '    gates:', //                         12
      '      - { name: cov, type: coverage, job: unti, artifact: coverage, min: 80 }', // 13
    ].join('\n');
    const errors = errorsOf(text);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^shipgate\.yml:7:\d+ .*retries/);
    expect(errors[1]).toBe(
      'shipgate.yml:9:17 pipelines.ci.stages.test.needs[0]: needs "biuld", which is not a stage of pipeline "ci" (stages: build, test) — did you mean "build"?',
    );
    expect(errors[2]).toMatch(/^shipgate\.yml:13:\d+ pipelines\.ci\.gates\[0\]\.job: job "unti" is not a job of pipeline "ci"/);
  });

  it('reports a cycle next to an unknown key', () => {
    const text = [
      'pipelines:',
      '  ci:',
      '    on: { manual: true }',
      '    stagse: {}',
      '    stages:',
      '      a: { needs: [b], jobs: { x: { workflow: a.yml } } }',
      '      b: { needs: [a], jobs: { y: { workflow: a.yml } } }',
    ].join('\n');
    const errors = errorsOf(text);
    expect(errors.map((line) => line.split(' ')[0])).toEqual(['shipgate.yml:4:5', 'shipgate.yml:6:20']);
    expect(errors[1]).toContain('a → b → a');
  });

  it('does not report a malformed need twice', () => {
    const text = 'pipelines:\n  ci:\n    on: { manual: true }\n    stages:\n      a: { needs: [Not-An-Id], jobs: { x: { workflow: a.yml } } }\n';
    expect(errorsOf(text)).toHaveLength(1);
  });
});
