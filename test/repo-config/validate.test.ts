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

describe('job kinds: exactly one of workflow, jenkins, gitlab, webhook (SPEC §13)', () => {
  /** A pipeline whose one stage has the job lines given (indented under `jobs:`), starting at line 7. */
  const withJobs = (...lines: string[]) =>
    ['pipelines:', '  ci:', '    on: { manual: true }', '    stages:', '      build:', '        jobs:', ...lines.map((line) => `          ${line}`), ''].join('\n');

  /** `shipgate.yml:LINE:COL` of the first `needle` after the `jobs:` line (1-based, as editors count). */
  const at = (text: string, needle: string): string => {
    const offset = text.indexOf(needle, text.indexOf('jobs:'));
    if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the test config`);
    const before = text.slice(0, offset).split('\n');
    return `shipgate.yml:${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
  };

  const KINDS = 'a job runs on exactly one of workflow, jenkins, gitlab, webhook';

  it('accepts one job of each kind, with timeout, retries and continue-on-error on any of them', () => {
    const text = withJobs(
      'app: { workflow: build.yml, inputs: { target: app } }',
      "legacy: { jenkins: { job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}' } }, timeout: 40m, retries: 1 }",
      "mobile: { gitlab: { project: 'acme/mobile', ref: main, variables: { FLAVOR: release } }, continue-on-error: true }",
      "scan: { webhook: { url: 'https://scanner.example.com/shipgate', payload: { profile: strict } }, timeout: 5m }",
    );
    const result = parseConfigText(text, 'shipgate.yml');
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.ok && result.config.pipelines['ci']?.stages['build']?.jobs).toEqual({
      app: { workflow: 'build.yml', inputs: { target: 'app' }, 'continue-on-error': false },
      legacy: {
        jenkins: { job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}' } },
        inputs: {},
        timeout: '40m',
        retries: 1,
        'continue-on-error': false,
      },
      mobile: { gitlab: { project: 'acme/mobile', ref: 'main', variables: { FLAVOR: 'release' } }, inputs: {}, 'continue-on-error': true },
      scan: { webhook: { url: 'https://scanner.example.com/shipgate', payload: { profile: 'strict' } }, inputs: {}, timeout: '5m', 'continue-on-error': false },
    });
  });

  it('reports two kinds at the second one, naming the job and both kinds', () => {
    const text = withJobs('legacy:', '  workflow: build.yml', '  jenkins:', '    job: platform/build-legacy');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'jenkins:')} pipelines.ci.stages.build.jobs.legacy.jenkins: job "legacy" has both "workflow" and "jenkins"; ${KINDS}`,
    ]);
    expect(at(text, 'jenkins:')).toBe('shipgate.yml:9:13');
  });

  it('reports three kinds in one error', () => {
    const text = withJobs('x: { workflow: a.yml, gitlab: { project: 7 }, webhook: { url: "https://h.example" } }');
    expect(errorsOf(text)).toEqual([`${at(text, 'gitlab')} pipelines.ci.stages.build.jobs.x.gitlab: job "x" has "workflow", "gitlab" and "webhook"; ${KINDS}`]);
  });

  it('reports a job with no kind at its id', () => {
    const text = withJobs('unit: { workflow: test.yml }', 'lint: { timeout: 5m, retries: 1 }');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'lint')} pipelines.ci.stages.build.jobs.lint: job "lint" needs one of workflow, jenkins, gitlab, webhook; for example workflow: build.yml (GitHub Actions), jenkins: { job: folder/name }, gitlab: { project: group/project } or webhook: { url: https://… }`,
    ]);
    expect(at(text, 'lint')).toBe('shipgate.yml:8:11');
  });

  it('reports a misspelt kind once, as an unknown key with the nearest one', () => {
    const text = withJobs('x: { jenkis: { job: a } }');
    expect(errorsOf(text)).toEqual([
      `${at(text, 'jenkis')} pipelines.ci.stages.build.jobs.x: unknown key "jenkis"; expected one of: workflow, inputs, jenkins, gitlab, webhook, timeout, retries, continue-on-error — did you mean "jenkins"?`,
    ]);
  });

  it('still says a kind is missing when the unknown key is something else', () => {
    const text = withJobs('x: { timout: 5m }');
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(new RegExp(`^${at(text, 'x:')} .*job "x" needs one of workflow, jenkins, gitlab, webhook`)),
      expect.stringMatching(new RegExp(`^${at(text, 'timout')} .*unknown key "timout".*did you mean "timeout"\\?$`)),
    ]);
  });

  it.each([
    { kind: 'jenkins', job: 'jenkins: { job: a }', instead: 'a Jenkins job takes "parameters": jenkins: { job: …, parameters: { NAME: value } }' },
    { kind: 'gitlab', job: 'gitlab: { project: 12 }', instead: 'a GitLab pipeline takes "variables": gitlab: { project: …, variables: { NAME: value } }' },
    { kind: 'webhook', job: 'webhook: { url: "https://h.example" }', instead: 'a webhook job takes "payload": webhook: { url: …, payload: { key: value } }' },
  ])('refuses inputs on a $kind job, at the inputs key, and says what to use', ({ job, instead }) => {
    const text = withJobs(`x: { ${job}, inputs: { target: app } }`);
    expect(errorsOf(text)).toEqual([`${at(text, 'inputs')} pipelines.ci.stages.build.jobs.x.inputs: "inputs" are for GitHub Actions workflows; ${instead}`]);
    // Written empty is still written: it would be silently ignored.
    expect(errorsOf(withJobs(`x: { ${job}, inputs: {} }`))).toHaveLength(1);
    expect(errorsOf(withJobs(`x: { ${job} }`))).toEqual([]);
  });

  it('reports inputs on another kind together with the other errors of the job', () => {
    const text = withJobs('x: { jenkins: { job: a }, inputs: { a: b }, retries: many }');
    expect(errorsOf(text).map((line) => line.split(' ')[0])).toEqual([at(text, 'inputs'), at(text, 'many')]);
  });

  it.each([
    { where: 'jenkins', job: 'x: { jenkins: { job: a, paramters: { A: 1 } } }', key: 'paramters', expected: 'job, parameters', nearest: 'parameters' },
    { where: 'gitlab', job: 'x: { gitlab: { project: 1, rev: main } }', key: 'rev', expected: 'project, ref, variables', nearest: 'ref' },
    { where: 'webhook', job: 'x: { webhook: { url: "https://h.example", paylod: {} } }', key: 'paylod', expected: 'url, payload', nearest: 'payload' },
  ])('suggests the nearest key for an unknown key under $where', ({ where, job, key, expected, nearest }) => {
    const text = withJobs(job);
    expect(errorsOf(text)).toEqual([
      `${at(text, key)} pipelines.ci.stages.build.jobs.x.${where}: unknown key "${key}"; expected one of: ${expected} — did you mean "${nearest}"?`,
    ]);
  });

  it('lets a gate name a job of any kind, and still reports a gate on a job that does not exist', () => {
    const gates = (job: string) =>
      `${withJobs('legacy: { jenkins: { job: a/b } }', 'scan: { webhook: { url: "https://h.example" } }')}    gates:\n      - { name: t, type: junit, job: ${job}, artifact: junit }\n`;
    expect(errorsOf(gates('legacy'))).toEqual([]);
    expect(errorsOf(gates('scan'))).toEqual([]);
    expect(errorsOf(gates('legacyy'))).toEqual([
      'shipgate.yml:10:38 pipelines.ci.gates[0].job: job "legacyy" is not a job of pipeline "ci" (jobs: legacy, scan) — did you mean "legacy"?',
    ]);
  });
});

describe('jenkins: job and parameters', () => {
  const withJenkins = (jenkins: string) => `pipelines:\n  ci:\n    on: { manual: true }\n    stages:\n      a:\n        jobs:\n          x: { jenkins: ${jenkins} }\n`;

  it.each(['build', 'platform/build-legacy', 'a/b/c', 'My Folder/My Job', 'release-1.x', 'a..b/c'])('accepts the job path %j', (job) => {
    expect(errorsOf(withJenkins(`{ job: ${JSON.stringify(job)} }`))).toEqual([]);
  });

  it.each(['/a/b', 'a/b/', 'a//b', '..', 'a/../b', '.', './a', '', 'a\u0001b', 'a\tb', 'a\u007fb'])('refuses the job path %j where it is written', (job) => {
    expect(errorsOf(withJenkins(`{ job: ${JSON.stringify(job)} }`))).toEqual([
      expect.stringMatching(
        /^shipgate\.yml:7:32 pipelines\.ci\.stages\.a\.jobs\.x\.jenkins\.job: expected a Jenkins job path like platform\/build-legacy: folders separated by "\/", no empty, "\." or "\.\." segment, no control characters, got /,
      ),
    ]);
  });

  it('refuses a job that is missing or not a string', () => {
    expect(errorsOf(withJenkins('{ parameters: {} }'))).toEqual([
      'shipgate.yml:7:16 pipelines.ci.stages.a.jobs.x.jenkins: missing required key "job" (expected a string)',
    ]);
    expect(errorsOf(withJenkins('{ job: 42 }'))).toEqual([
      "shipgate.yml:7:32 pipelines.ci.stages.a.jobs.x.jenkins.job: expected a string, got the number 42 — quote it to make it a string: '42'",
    ]);
  });

  it('takes parameters like inputs: strings (with expressions), numbers and booleans, named like Jenkins parameters', () => {
    const result = parseConfigText(withJenkins("{ job: a, parameters: { TARGET: '${{ shipgate.sha }}', _n: 3, dry.run-x: true } }"), 'shipgate.yml');
    expect(result.ok && result.config.pipelines['ci']?.stages['a']?.jobs['x']?.jenkins).toEqual({
      job: 'a',
      parameters: { TARGET: '${{ shipgate.sha }}', _n: 3, 'dry.run-x': true },
    });
    const omitted = parseConfigText(withJenkins('{ job: a }'), 'shipgate.yml');
    expect(omitted.ok && omitted.config.pipelines['ci']?.stages['a']?.jobs['x']?.jenkins).toEqual({ job: 'a', parameters: {} });
  });

  it('refuses parameter names that Jenkins would not take, and values that are not scalars', () => {
    expect(errorsOf(withJenkins("{ job: a, parameters: { '1st': x } }"))).toEqual([
      'shipgate.yml:7:49 pipelines.ci.stages.a.jobs.x.jenkins.parameters.1st: invalid key "1st": parameter names are letters, digits, "_", "." and "-", starting with a letter or "_"',
    ]);
    expect(errorsOf(withJenkins('{ job: a, parameters: { A: [1] } }'))).toEqual([
      'shipgate.yml:7:52 pipelines.ci.stages.a.jobs.x.jenkins.parameters.A: expected a string, a number or true or false, got a list',
    ]);
  });

  it('refuses SHIPGATE_RUN, which shipgate sets, at its key', () => {
    expect(errorsOf(withJenkins('{ job: a, parameters: { TARGET: x, SHIPGATE_RUN: y } }'))).toEqual([
      "shipgate.yml:7:60 pipelines.ci.stages.a.jobs.x.jenkins.parameters.SHIPGATE_RUN: SHIPGATE_RUN is set by shipgate on every Jenkins build (the run's correlation id); use another name",
    ]);
    // Another case is another parameter.
    expect(errorsOf(withJenkins('{ job: a, parameters: { shipgate_run: y } }'))).toEqual([]);
  });
});

describe('gitlab: project, ref and variables', () => {
  const withGitlab = (gitlab: string) => `pipelines:\n  ci:\n    on: { manual: true }\n    stages:\n      a:\n        jobs:\n          x: { gitlab: ${gitlab} }\n`;
  const gitlabOf = (gitlab: string) => {
    const result = parseConfigText(withGitlab(gitlab), 'shipgate.yml');
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    return result.config.pipelines['ci']?.stages['a']?.jobs['x']?.gitlab;
  };

  it.each([
    { project: '42', parsed: 42 },
    { project: "'42'", parsed: '42' },
    { project: 'acme/mobile', parsed: 'acme/mobile' },
    { project: 'acme/apps/ios_app.v2', parsed: 'acme/apps/ios_app.v2' },
    { project: '_x/9-a', parsed: '_x/9-a' },
  ])('accepts the project $project', ({ project, parsed }) => {
    expect(gitlabOf(`{ project: ${project} }`)).toEqual({ project: parsed, variables: {} });
  });

  it.each([
    { project: '0', message: 'expected a number at least 1, got the number 0' },
    { project: '-3', message: 'expected a number at least 1, got the number -3' },
    { project: '1.5', message: 'expected a whole number or a string, got the number 1.5' },
    { project: 'true', message: 'expected a number or a string, got true' },
    ...['acme', '-acme/x', '.acme/x', 'acme/.x', 'acme//x', 'acme/x/', '/acme/x', 'acme/m bile', "'007'"].map((project) => ({
      project: project.startsWith("'") ? project : JSON.stringify(project),
      message: `expected a GitLab project id or path like group/subgroup/project: segments of letters, digits, "_", "." and "-", not starting with "-" or ".", got ${project.startsWith("'") ? JSON.stringify(project.slice(1, -1)) : JSON.stringify(project)}`,
    })),
  ])('refuses the project $project at its value', ({ project, message }) => {
    expect(errorsOf(withGitlab(`{ project: ${project} }`))).toEqual([`shipgate.yml:7:35 pipelines.ci.stages.a.jobs.x.gitlab.project: ${message}`]);
  });

  it('refuses a gitlab job without a project', () => {
    expect(errorsOf(withGitlab('{ ref: main }'))).toEqual([
      'shipgate.yml:7:16 pipelines.ci.stages.a.jobs.x.gitlab: missing required key "project" (expected a number or a string)',
    ]);
  });

  it.each(['main', 'release/1.x', 'v1.2.0', 'feature/JIRA-12_fix', 'refs/heads/main'])('accepts the ref %j, and leaves ref out when it is not written', (ref) => {
    expect(gitlabOf(`{ project: 1, ref: ${JSON.stringify(ref)} }`)).toEqual({ project: 1, ref, variables: {} });
    const omitted = gitlabOf('{ project: 1 }');
    expect(omitted !== undefined && 'ref' in omitted).toBe(false);
  });

  it.each(['a..b', '-x', 'a b', 'x.lock', 'a/', '/a', '@', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', '.hidden', 'a/.b', 'a//b', 'a@{1}', 'a.', ''])('refuses the ref %j at its value', (ref) => {
    expect(errorsOf(withGitlab(`{ project: 1, ref: ${JSON.stringify(ref)} }`))).toEqual([
      expect.stringMatching(/^shipgate\.yml:7:43 pipelines\.ci\.stages\.a\.jobs\.x\.gitlab\.ref: expected a branch or tag name, like main or v1\.2\.0, got /),
    ]);
  });

  it('takes variables like inputs, named like GitLab variables, without SHIPGATE_RUN', () => {
    expect(gitlabOf("{ project: 1, variables: { FLAVOR: release, BUILD_NO: 7, _DRY: false, SHA: '${{ shipgate.sha }}' } }")).toEqual({
      project: 1,
      variables: { FLAVOR: 'release', BUILD_NO: 7, _DRY: false, SHA: '${{ shipgate.sha }}' },
    });
    expect(errorsOf(withGitlab('{ project: 1, variables: { A-B: x } }'))).toEqual([
      'shipgate.yml:7:51 pipelines.ci.stages.a.jobs.x.gitlab.variables.A-B: invalid key "A-B": GitLab variable names are letters, digits and "_", starting with a letter or "_"',
    ]);
    expect(errorsOf(withGitlab('{ project: 1, variables: { SHIPGATE_RUN: x } }'))).toEqual([
      "shipgate.yml:7:51 pipelines.ci.stages.a.jobs.x.gitlab.variables.SHIPGATE_RUN: SHIPGATE_RUN is set by shipgate on every GitLab pipeline (the run's correlation id); use another name",
    ]);
  });
});

describe('webhook: url and payload', () => {
  const withWebhook = (webhook: string) => `pipelines:\n  ci:\n    on: { manual: true }\n    stages:\n      a:\n        jobs:\n          x: { webhook: ${webhook} }\n`;

  it.each([
    'https://scanner.example.com/shipgate',
    'http://10.0.0.5:8080/hook?profile=strict',
    'https://ci.example.com',
    'https://ci.example.com/a@b',
    'https://[::1]:8443/x',
  ])('accepts the url %j; payload defaults to empty', (url) => {
    const result = parseConfigText(withWebhook(`{ url: ${JSON.stringify(url)} }`), 'shipgate.yml');
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.ok && result.config.pipelines['ci']?.stages['a']?.jobs['x']?.webhook).toEqual({ url, payload: {} });
  });

  it.each([
    { url: 'ftp://example.com/hook', problem: 'expected an absolute URL starting with https:// or http://, like https://ci.example.com/shipgate' },
    { url: '/shipgate', problem: 'expected an absolute URL starting with https:// or http://, like https://ci.example.com/shipgate' },
    { url: 'https:example.com', problem: 'expected an absolute URL starting with https:// or http://, like https://ci.example.com/shipgate' },
    { url: 'HTTPS://example.com', problem: 'expected an absolute URL starting with https:// or http://, like https://ci.example.com/shipgate' },
    { url: 'https://user:secret@example.com/hook', problem: 'credentials (user:password@) are not accepted in the URL; shipgate signs every request (Standard Webhooks, SHIPGATE_WEBHOOK_SECRET), so check the signature instead' },
    { url: 'https://token@example.com/hook', problem: 'credentials (user:password@) are not accepted in the URL; shipgate signs every request (Standard Webhooks, SHIPGATE_WEBHOOK_SECRET), so check the signature instead' },
    { url: 'https://@example.com/hook', problem: 'credentials (user:password@) are not accepted in the URL; shipgate signs every request (Standard Webhooks, SHIPGATE_WEBHOOK_SECRET), so check the signature instead' },
    { url: 'https://example.com/hook#top', problem: 'a URL fragment (#…) is never sent to the server; remove it' },
    { url: 'https://example.com/hook#', problem: 'a URL fragment (#…) is never sent to the server; remove it' },
    { url: 'https:///hook', problem: 'expected a host after "//"' },
    { url: 'https://example.com/a b', problem: 'a URL must not contain spaces or control characters; percent-encode them' },
    { url: 'https://exa mple.com/', problem: 'a URL must not contain spaces or control characters; percent-encode them' },
    { url: 'https://example.com:99999/', problem: 'not a valid URL' },
  ])('refuses the url $url at its value', ({ url, problem }) => {
    expect(errorsOf(withWebhook(`{ url: ${JSON.stringify(url)} }`))).toEqual([`shipgate.yml:7:32 pipelines.ci.stages.a.jobs.x.webhook.url: ${problem}`]);
  });

  it('takes a payload of input-like values', () => {
    const result = parseConfigText(withWebhook("{ url: 'https://h.example', payload: { profile: strict, depth: 3, fast: true } }"), 'shipgate.yml');
    expect(result.ok && result.config.pipelines['ci']?.stages['a']?.jobs['x']?.webhook?.payload).toEqual({ profile: 'strict', depth: 3, fast: true });
    expect(errorsOf(withWebhook("{ url: 'https://h.example', payload: { nested: { a: 1 } } }"))).toEqual([
      'shipgate.yml:7:72 pipelines.ci.stages.a.jobs.x.webhook.payload.nested: expected a string, a number or true or false, got a mapping',
    ]);
    expect(errorsOf(withWebhook("{ url: 'https://h.example', payload: { 'a b': 1 } }"))).toEqual([
      'shipgate.yml:7:64 pipelines.ci.stages.a.jobs.x.webhook.payload["a b"]: invalid key "a b": payload keys are letters, digits, "-" and "_", starting with a letter or "_"',
    ]);
  });
});
