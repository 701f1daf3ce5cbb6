import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfigText, type ConfigResult } from '../../src/repo-config/parse.ts';

const FILE = '.github/shipgate.yml';

/** A valid pipeline to build cases around; `stages` is indented for `pipelines.ci`. */
function pipeline(lines: string[]): string {
  return ['pipelines:', '  ci:', ...lines.map((line) => `    ${line}`), ''].join('\n');
}

function errorsOf(result: ConfigResult) {
  if (result.ok) throw new Error(`expected errors, the config is valid (warnings: ${result.warnings.map(formatIssue).join('; ')})`);
  return result.errors;
}

interface ErrorCase {
  name: string;
  input: string | Uint8Array;
  errorContains: string;
  line: number;
  column: number;
  hint?: string;
}

const errorCases: ErrorCase[] = [
  // --- YAML
  { name: 'broken YAML (unclosed flow list)', input: 'pipelines: [a, b\nversion: 1\n', errorContains: 'invalid YAML', line: 2, column: 1 },
  { name: 'tab used for indentation', input: 'pipelines:\n\tci: {}\n', errorContains: 'tab is used for indentation', line: 2, column: 1 },
  {
    name: 'duplicate key',
    input: 'version: 1\npipelines: {}\nversion: 1\n',
    errorContains: 'duplicate key "version" (first defined at line 1, column 1)',
    line: 3,
    column: 1,
  },
  {
    name: 'duplicate key deep inside',
    input: pipeline(['on: { manual: true }', 'stages:', '  a: { jobs: { x: { workflow: a.yml, workflow: b.yml } } }']),
    errorContains: 'duplicate key "workflow"',
    line: 5,
    column: 42,
  },
  { name: 'two YAML documents', input: 'version: 1\n---\nversion: 1\n', errorContains: 'more than one YAML document', line: 2, column: 1 },
  { name: 'a list as a key', input: '[a]: 1\n', errorContains: 'keys must be plain text', line: 1, column: 1 },
  // --- schema: unknown keys with suggestions
  { name: 'misspelt top-level key', input: 'pipline: {}\n', errorContains: 'unknown key "pipline"', line: 1, column: 1, hint: 'did you mean "pipelines"?' },
  {
    name: 'misspelt stage key',
    input: pipeline(['on: { manual: true }', 'stages:', '  build:', '    need: [test]', '    jobs: { app: { workflow: build.yml } }']),
    errorContains: 'pipelines.ci.stages.build: unknown key "need"',
    line: 6,
    column: 9,
    hint: 'did you mean "needs"?',
  },
  {
    name: 'misspelt trigger filter',
    input: pipeline(['on:', '  push: { branch: [main] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: 'unknown key "branch"',
    line: 4,
    column: 15,
    hint: 'did you mean "branches"?',
  },
  {
    name: 'misspelt gate key',
    input: pipeline([
      'on: { manual: true }',
      'stages: { a: { jobs: { unit: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: tests, type: junit, job: unit, artifact: junit, max-failure: 0 }',
    ]),
    errorContains: 'pipelines.ci.gates[0]: unknown key "max-failure"',
    line: 6,
    column: 65,
    hint: 'did you mean "max-failures"?',
  },
  // --- schema: types and values
  {
    name: 'number where a string is expected',
    input: pipeline(['on: { manual: true }', 'stages: { a: { jobs: { x: { workflow: 3 } } } }']),
    errorContains: 'pipelines.ci.stages.a.jobs.x.workflow: expected a string, got the number 3',
    line: 4,
    column: 43,
  },
  {
    name: 'string where a list is expected',
    input: pipeline(['on: { manual: true }', 'stages:', '  b: { needs: a, jobs: { x: { workflow: a.yml } } }']),
    errorContains: 'needs: expected a list, got "a"',
    line: 5,
    column: 19,
  },
  {
    name: 'unquoted number as a variable',
    input: pipeline(['on: { manual: true }', 'variables: { NODE_VERSION: 24 }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: 'variables.NODE_VERSION: expected a string, got the number 24',
    line: 4,
    column: 32,
    hint: "quote it to make it a string: '24'",
  },
  {
    name: 'a job without workflow (or another kind) points at its id',
    input: pipeline(['on: { manual: true }', 'stages:', '  a:', '    jobs:', '      x:', '        inputs: { a: b }']),
    errorContains: 'pipelines.ci.stages.a.jobs.x: job "x" needs one of workflow, jenkins, gitlab, webhook',
    line: 7,
    column: 11,
  },
  {
    name: 'pipeline without stages',
    input: pipeline(['on: { manual: true }']),
    errorContains: 'pipelines.ci: missing required key "stages"',
    line: 2,
    column: 3,
  },
  {
    name: 'stage without jobs',
    input: pipeline(['on: { manual: true }', 'stages:', '  a:', '    jobs: {}']),
    errorContains: 'a stage needs at least one job',
    line: 6,
    column: 15,
  },
  {
    name: 'invalid pipeline id',
    input: 'pipelines:\n  CI:\n    on: { manual: true }\n    stages: { a: { jobs: { x: { workflow: a.yml } } } }\n',
    errorContains: 'invalid key "CI": pipeline ids are lowercase letters',
    line: 2,
    column: 3,
    hint: 'did you mean "ci"?',
  },
  {
    name: 'unknown enum value with suggestion',
    input: pipeline(['on: { manual: true }', 'concurrency: cancel-in-progres', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: 'expected one of: none, queue, cancel-in-progress, got "cancel-in-progres"',
    line: 4,
    column: 18,
    hint: 'did you mean "cancel-in-progress"?',
  },
  {
    name: 'unknown pull_request type',
    input: pipeline(['on:', '  pull_request: { types: [opened, synchronized] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: 'pull_request.types[1]: expected one of:',
    line: 4,
    column: 39,
    hint: 'did you mean "synchronize"?',
  },
  {
    name: 'unknown gate type',
    input: pipeline([
      'on: { manual: true }',
      'stages: { a: { jobs: { unit: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: cov, type: coverag, job: unit, artifact: c, min: 80 }',
    ]),
    errorContains: 'pipelines.ci.gates[0].type: expected one of: coverage, junit, sarif, benchmark, duration',
    line: 6,
    column: 28,
    hint: 'did you mean "coverage"?',
  },
  {
    name: 'gate without job',
    input: pipeline([
      'on: { manual: true }',
      'stages: { a: { jobs: { unit: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: cov, type: coverage, artifact: c, min: 80 }',
    ]),
    errorContains: 'pipelines.ci.gates[0]: missing required key "job"',
    line: 6,
    column: 9,
  },
  {
    name: 'coverage above 100',
    input: pipeline([
      'on: { manual: true }',
      'stages: { a: { jobs: { unit: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: cov, type: coverage, job: unit, artifact: c, min: 180 }',
    ]),
    errorContains: 'min: expected a number at most 100, got the number 180',
    line: 6,
    column: 67,
  },
  {
    name: 'sarif gate without thresholds',
    input: pipeline([
      'on: { manual: true }',
      'stages: { a: { jobs: { scan: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: sec, type: sarif, job: scan, artifact: s, max: {} }',
    ]),
    errorContains: 'give at least one threshold',
    line: 6,
    column: 64,
  },
  {
    name: 'invalid approver',
    input: 'environments:\n  production:\n    approvers: ["@acme", octocat]\n',
    errorContains: 'expected a user login or a team as @org/team-slug',
    line: 3,
    column: 17,
  },
  // --- durations
  {
    name: 'duration with a space',
    input: pipeline(['on: { manual: true }', 'stages: { a: { jobs: { x: { workflow: a.yml, timeout: 20 min } } } }']),
    errorContains: 'expected a duration like 90s, 20m, 2h or 1d',
    line: 4,
    column: 59,
  },
  {
    name: 'duration of zero for a timeout',
    input: 'defaults: { timeout: 0m }\n',
    errorContains: 'expected a duration greater than zero, got "0m"',
    line: 1,
    column: 22,
  },
  {
    name: 'duration over a year',
    input: 'environments:\n  production: { approval-timeout: 400d }\n',
    errorContains: 'at most 365d',
    line: 2,
    column: 35,
  },
  // --- beyond the schema
  {
    name: 'needs an unknown stage',
    input: pipeline(['on: { manual: true }', 'stages:', '  build: { jobs: { x: { workflow: a.yml } } }', '  test: { needs: [biuld], jobs: { y: { workflow: a.yml } } }']),
    errorContains: 'needs "biuld", which is not a stage of pipeline "ci"',
    line: 6,
    column: 23,
    hint: 'did you mean "build"?',
  },
  {
    name: 'cycle in needs',
    input: pipeline([
      'on: { manual: true }',
      'stages:',
      '  a: { needs: [c], jobs: { x: { workflow: a.yml } } }',
      '  b: { needs: [a], jobs: { y: { workflow: a.yml } } }',
      '  c: { needs: [b], jobs: { z: { workflow: a.yml } } }',
    ]),
    errorContains: 'cycle: a → c → b → a',
    line: 5,
    column: 20,
  },
  {
    name: 'stage that needs itself',
    input: pipeline(['on: { manual: true }', 'stages:', '  a: { needs: [a], jobs: { x: { workflow: a.yml } } }']),
    errorContains: 'cycle: a → a',
    line: 5,
    column: 20,
  },
  {
    name: 'gate on a job that does not exist',
    input: pipeline([
      'on: { manual: true }',
      'stages: { test: { jobs: { unit: { workflow: a.yml } } } }',
      'gates:',
      '  - { name: cov, type: coverage, job: unitt, artifact: c, min: 80 }',
    ]),
    errorContains: 'job "unitt" is not a job of pipeline "ci"',
    line: 6,
    column: 43,
    hint: 'did you mean "unit"?',
  },
  {
    name: 'job id used in two stages',
    input: pipeline(['on: { manual: true }', 'stages:', '  a: { jobs: { x: { workflow: a.yml } } }', '  b: { jobs: { x: { workflow: b.yml } } }']),
    errorContains: 'job id "x" is already used in stage "a"',
    line: 6,
    column: 20,
  },
  {
    name: 'invalid filter pattern',
    input: pipeline(['on:', '  push: { paths: ["src/[z-a]/**"] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: 'invalid filter pattern "src/[z-a]/**"',
    line: 4,
    column: 23,
  },
  {
    name: 'only negative patterns',
    input: pipeline(['on:', '  push: { paths: ["!docs/**"] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: "every pattern starts with '!'",
    line: 4,
    column: 22,
  },
  {
    name: 'branches together with branches-ignore',
    input: pipeline(['on:', '  push: { branches: [main], branches-ignore: [dev] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: '"branches" and "branches-ignore" cannot be used together',
    line: 4,
    column: 33,
  },
  {
    name: 'tags together with tags-ignore',
    input: pipeline(['on:', '  tag: { tags: ["v*"], tags-ignore: ["v0*"] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: '"tags" and "tags-ignore" cannot be used together',
    line: 4,
    column: 28,
  },
  {
    name: 'paths together with paths-ignore on pull requests',
    input: pipeline(['on:', '  pull_request: { paths: [src], paths-ignore: [docs] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
    errorContains: '"paths" and "paths-ignore" cannot be used together',
    line: 4,
    column: 37,
  },
  {
    name: 'stage environment not defined',
    input: pipeline(['on: { manual: true }', 'stages:', '  deploy: { environment: prodution, jobs: { x: { workflow: a.yml } } }']) + 'environments:\n  production: {}\n',
    errorContains: 'environment "prodution" is not defined under "environments"',
    line: 5,
    column: 30,
    hint: 'did you mean "production"?',
  },
  {
    name: 'environment after an undefined environment',
    input: 'environments:\n  production: { after: stagin }\n  staging: {}\n',
    errorContains: 'environment "stagin" is not defined',
    line: 2,
    column: 24,
    hint: 'did you mean "staging"?',
  },
  {
    name: 'environments after each other',
    input: 'environments:\n  a: { after: b }\n  b: { after: a }\n',
    errorContains: 'cycle: a → b → a',
    line: 2,
    column: 15,
  },
  {
    name: 'approvals without approvers',
    input: 'environments:\n  production: { approvals: 2 }\n',
    errorContains: 'lists no approvers',
    line: 2,
    column: 28,
  },
  {
    name: 'more approvals than listed users',
    input: 'environments:\n  production: { approvals: 3, approvers: [alice, bob] }\n',
    errorContains: 'requires 3 approvals but only 2 approvers are listed',
    line: 2,
    column: 28,
  },
  {
    name: 'more than 25 workflow inputs',
    input: pipeline([
      'on: { manual: true }',
      'variables: { A: a, B: b, C: c }',
      'stages:',
      '  a:',
      '    jobs:',
      '      x:',
      '        workflow: a.yml',
      `        inputs: { ${Array.from({ length: 21 }, (_, i) => `in${i}: v`).join(', ')} }`,
    ]),
    errorContains: 'dispatched with 26 inputs (21 from inputs, 3 pipeline variables, and shipgate_run, sha added by shipgate)',
    line: 10,
    column: 21,
  },
  {
    name: 'if: expression that does not parse',
    input: pipeline(['on: { manual: true }', 'stages:', "  a: { if: \"${{ shipgate.branch == 'main' \", jobs: { x: { workflow: a.yml } } }"]),
    errorContains: 'pipelines.ci.stages.a.if: invalid if: expression',
    line: 5,
    column: 16,
  },
  {
    name: 'input expression that does not parse',
    input: pipeline(['on: { manual: true }', 'stages:', "  a: { jobs: { x: { workflow: a.yml, inputs: { ref: '${{ shipgate.ref' } } } }"]),
    errorContains: 'invalid expression in input "ref"',
    line: 5,
    column: 57,
  },
  // --- decoding
  {
    name: 'non-UTF-8 bytes',
    input: Uint8Array.from([...Buffer.from('version: 1\npipelines:\n  c'), 0xff, ...Buffer.from(': {}\n')]),
    errorContains: 'not valid UTF-8 (byte 0xFF)',
    line: 3,
    column: 4,
  },
  {
    name: 'truncated UTF-8 sequence after accented text',
    input: Uint8Array.from([...Buffer.from('# café\nversion: 1 '), 0xe2, 0x82]),
    errorContains: 'not valid UTF-8 (byte 0xE2)',
    line: 2,
    column: 12,
  },
];

describe('parseConfigText errors', () => {
  it.each(errorCases)('$name', ({ input, errorContains, line, column, hint }) => {
    const errors = errorsOf(parseConfigText(input, FILE));
    const match = errors.find((error) => error.message.includes(errorContains));
    expect(match, `no error contains ${JSON.stringify(errorContains)}; got:\n${errors.map(formatIssue).join('\n')}`).toBeDefined();
    expect({ file: match?.file, line: match?.line, column: match?.column }).toEqual({ file: FILE, line, column });
    if (hint !== undefined) expect(match?.hint).toBe(hint);
  });
});

describe('parseConfigText on hostile input', () => {
  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
    '',
  ].join('\n');
  let blockNesting = '';
  for (let depth = 0; depth < 1000; depth++) blockNesting += `${' '.repeat(depth)}a:\n`;

  const cases: Array<{ name: string; input: () => string | Uint8Array; errorContains: string; line: number; column: number }> = [
    { name: 'a 5 MB file', input: () => `version: 1\n# ${'x'.repeat(5_000_000)}\n`, errorContains: 'over the 1 MB limit (1048576 bytes)', line: 1, column: 1 },
    { name: 'a 5 MB file as bytes', input: () => new Uint8Array(5_000_000).fill(0x20), errorContains: 'over the 1 MB limit', line: 1, column: 1 },
    { name: 'an alias bomb', input: () => bomb, errorContains: 'too many alias expansions', line: 2, column: 8 },
    { name: '10,000 levels of [', input: () => '['.repeat(10_000), errorContains: 'nested more than 64 levels', line: 1, column: 65 },
    { name: '10,000 balanced levels of [ ]', input: () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`, errorContains: 'nested more than 64 levels', line: 1, column: 65 },
    { name: '5,000 levels of {a:', input: () => `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`, errorContains: 'nested more than 64 levels', line: 1, column: 257 },
    { name: '5,000 compact sequences', input: () => `${'- '.repeat(5_000)}1\n`, errorContains: 'nested more than 64 levels', line: 1, column: 129 },
    { name: '1,000 indented mappings', input: () => blockNesting, errorContains: 'nested more than 64 levels', line: 65, column: 65 },
    {
      name: 'a flat list of 400,000 items',
      input: () => `pipelines: [${'1,'.repeat(400_000)}]\n`,
      errorContains: 'more than 50000 YAML tokens',
      line: 1,
      column: 33_342,
    },
    {
      name: '100,000 duplicate keys',
      input: () => 'x: 1\n'.repeat(100_000),
      errorContains: 'more than 50000 YAML tokens',
      line: 7_143,
      column: 4,
    },
    {
      name: 'a 500,000-character key',
      input: () => `${'k'.repeat(500_000)}: 1\n`,
      errorContains: 'invalid YAML',
      line: 1,
      column: 1,
    },
    {
      name: 'patterns built to backtrack',
      input: () =>
        pipeline([
          'on:',
          `  push: { branches: ['${'a*'.repeat(400)}[', '${'**/'.repeat(300)}x'] }`,
          'stages: { a: { jobs: { x: { workflow: a.yml } } } }',
        ]),
      errorContains: 'invalid filter pattern',
      line: 4,
      column: 26,
    },
  ];

  it.each(cases)('$name: refused within a second', ({ input, errorContains, line, column }) => {
    const text = input();
    const started = performance.now();
    let result: ConfigResult | undefined;
    expect(() => {
      result = parseConfigText(text, FILE);
    }).not.toThrow();
    expect(performance.now() - started).toBeLessThan(1000);
    const errors = errorsOf(result as ConfigResult);
    const match = errors.find((error) => error.message.includes(errorContains));
    expect(match, errors.map(formatIssue).join('\n')).toBeDefined();
    expect({ line: match?.line, column: match?.column }).toEqual({ line, column });
  });

  it('keeps the number of reported errors bounded', () => {
    const text = `pipelines:\n${Array.from({ length: 2_000 }, (_, i) => `  p${i}: { stages: 1 }`).join('\n')}\n`;
    const errors = errorsOf(parseConfigText(text, FILE));
    expect(errors).toHaveLength(100);
    expect(errors[0]).toMatchObject({ line: 2, column: 3 });
  });
});

describe('parseConfigText on valid input', () => {
  it('applies every default', () => {
    const result = parseConfigText(
      pipeline(['on:', '  push:', '  pull_request:', 'stages:', '  build:', '    jobs:', '      app: { workflow: build.yml }']),
      FILE,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toEqual({
      version: 1,
      defaults: { timeout: '30m', retries: 0 },
      pipelines: {
        ci: {
          on: { push: {}, pull_request: { types: ['opened', 'synchronize', 'reopened'] }, manual: false },
          concurrency: 'none',
          variables: {},
          stages: { build: { needs: [], jobs: { app: { workflow: 'build.yml', inputs: {}, 'continue-on-error': false } } } },
          gates: [],
        },
      },
      environments: {},
      commands: { prefix: '/' },
    });
    expect(result.warnings).toEqual([]);
  });

  it('parses the full example of SPEC §3, keeping YAML keys', () => {
    const result = parseConfigText(readFileSync(new URL('../../examples/full.yml', import.meta.url)), 'examples/full.yml');
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    const ci = result.config.pipelines['ci'];
    expect(ci?.on.push).toEqual({ branches: ['main', 'release/**'], 'branches-ignore': [], paths: ['src/**', '!src/**/*.md'], 'paths-ignore': [] });
    expect(ci?.on.tag).toEqual({ tags: ['v*'], 'tags-ignore': [] });
    expect(ci?.on.manual).toBe(true);
    expect(ci?.stages['test']?.jobs['e2e']).toEqual({ workflow: 'e2e.yml', inputs: {}, 'continue-on-error': true });
    expect(ci?.stages['deploy-staging']?.environment).toBe('staging');
    expect(ci?.gates).toContainEqual({ name: 'tests', type: 'junit', job: 'unit', artifact: 'junit', 'max-failures': 0 });
    expect(ci?.gates).toContainEqual({ name: 'performance', type: 'benchmark', job: 'bench', artifact: 'bench', 'max-regression': '10%', 'higher-is-better': false });
    expect(result.config.environments['production']).toMatchObject({
      approvals: 2,
      'allow-self-approval': false,
      'approval-timeout': '24h',
      'auto-rollback': true,
      after: 'staging',
    });
    expect(result.config.environments['staging']).toMatchObject({ approvals: 0, approvers: [] });
    expect(result.config.notifications).toEqual({ slack: { on: ['failure', 'recovery', 'deployment', 'approval-requested'] } });
  });

  it('requires one approval by default when approvers are listed', () => {
    const result = parseConfigText('environments:\n  production: { approvers: ["@acme/sre"] }\n', FILE);
    expect(result.ok && result.config.environments['production']?.approvals).toBe(1);
  });

  it('accepts empty -ignore lists next to their positive twin', () => {
    const result = parseConfigText(
      pipeline(['on:', '  push: { branches: [main], branches-ignore: [] }', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']),
      FILE,
    );
    expect(result.ok).toBe(true);
  });

  it('reads a few aliases, a BOM and CRLF line ends', () => {
    const text = '\uFEFFdefaults: &d { timeout: 10m }\r\npipelines:\r\n  ci:\r\n    on: { manual: true }\r\n    stages:\r\n      a: { jobs: { x: { workflow: a.yml } } }\r\n';
    const result = parseConfigText(text, FILE);
    expect(result.ok).toBe(true);
  });

  it('warns about an empty file and a pipeline nothing starts', () => {
    const empty = parseConfigText('', FILE);
    expect(empty.ok && empty.warnings.map((w) => w.message)).toEqual(['no pipelines are defined, so nothing will run; add one under "pipelines"']);
    const idle = parseConfigText(pipeline(['on: {}', 'stages: { a: { jobs: { x: { workflow: a.yml } } } }']), FILE);
    expect(idle.ok && idle.warnings).toEqual([
      expect.objectContaining({ line: 3, column: 5, message: expect.stringContaining('no trigger is set') }),
    ]);
  });
});

describe('formatIssue', () => {
  it('prints FILE:LINE:COL message and the hint', () => {
    expect(formatIssue({ file: 'a.yml', line: 3, column: 7, message: 'unknown key "pipline"', hint: 'did you mean "pipelines"?', path: ['pipline'] })).toBe(
      'a.yml:3:7 unknown key "pipline" — did you mean "pipelines"?',
    );
    expect(formatIssue({ file: 'a.yml', line: 1, column: 1, message: 'bad', path: [] })).toBe('a.yml:1:1 bad');
  });
});
