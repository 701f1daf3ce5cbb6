import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/repo-config/parse.ts';
import { shipgateConfigSchema, type ShipgateConfig } from '../../src/repo-config/schema.ts';
import { checkConfigSemantics, MAX_WORKFLOW_INPUTS } from '../../src/repo-config/semantic-checks.ts';

function configWith(options: { inputs: number; variables: number; environment?: boolean }): ShipgateConfig {
  const inputs = Object.fromEntries(Array.from({ length: options.inputs }, (_, i) => [`in${i}`, 'v']));
  const variables = Object.fromEntries(Array.from({ length: options.variables }, (_, i) => [`VAR${i}`, 'v']));
  return shipgateConfigSchema.parse({
    pipelines: {
      ci: {
        on: { manual: true },
        variables,
        stages: { a: { ...(options.environment ? { environment: 'staging' } : {}), jobs: { x: { workflow: 'a.yml', inputs } } } },
      },
    },
    environments: { staging: {} },
  });
}

describe('the workflow_dispatch input limit', () => {
  it.each([
    { inputs: 23, variables: 0, environment: false, errors: 0 },
    { inputs: 24, variables: 0, environment: false, errors: 1 },
    { inputs: 13, variables: 10, environment: false, errors: 0 },
    { inputs: 13, variables: 11, environment: false, errors: 1 },
    { inputs: 21, variables: 0, environment: true, errors: 0 },
    { inputs: 22, variables: 0, environment: true, errors: 1 },
  ])('$inputs inputs, $variables variables, environment: $environment → $errors error(s)', ({ errors, ...options }) => {
    expect(checkConfigSemantics(configWith(options)).errors).toHaveLength(errors);
  });

  it('counts a variable that an input overrides once', () => {
    const config = configWith({ inputs: 20, variables: 0 });
    const pipeline = config.pipelines['ci'];
    if (pipeline) pipeline.variables = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`in${i}`, 'v']));
    expect(checkConfigSemantics(config).errors).toEqual([]);
  });

  it('says what it counted', () => {
    const [error] = checkConfigSemantics(configWith({ inputs: 20, variables: 3, environment: true })).errors;
    expect(error?.message).toBe(
      `pipelines.ci.stages.a.jobs.x.inputs: this job may be dispatched with 27 inputs (20 from inputs, 3 pipeline variables, and shipgate_run, sha, environment, deployment_id added by shipgate); GitHub's workflow_dispatch accepts at most ${MAX_WORKFLOW_INPUTS}`,
    );
  });

  it('counts the deploy workflow of an environment with environment, sha, deployment_id and shipgate_run', () => {
    const inputs = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`in${i}`, 'v']));
    const result = parseConfigText(JSON.stringify({ environments: { production: { workflow: 'deploy.yml', inputs } } }), 'f.yml');
    expect(result.ok === false && result.errors[0]?.message).toContain('the deploy workflow may be dispatched with 26 inputs');
  });
});

describe('cycles', () => {
  it('names one cycle even when several stages wait behind it', () => {
    const config = shipgateConfigSchema.parse({
      pipelines: {
        ci: {
          on: { manual: true },
          stages: {
            root: { jobs: { r: { workflow: 'a.yml' } } },
            a: { needs: ['root', 'b'], jobs: { x: { workflow: 'a.yml' } } },
            b: { needs: ['a'], jobs: { y: { workflow: 'a.yml' } } },
            after: { needs: ['b'], jobs: { z: { workflow: 'a.yml' } } },
          },
        },
      },
    });
    const { errors } = checkConfigSemantics(config);
    expect(errors).toEqual([
      expect.objectContaining({ path: ['pipelines', 'ci', 'stages', 'a', 'needs', 1], message: expect.stringContaining('a → b → a') }),
    ]);
  });

  it('handles long chains without recursion', () => {
    const stages = Object.fromEntries(
      Array.from({ length: 3_000 }, (_, i) => [`s${i}`, { needs: i === 0 ? ['s2999'] : [`s${i - 1}`], jobs: { [`j${i}`]: { workflow: 'a.yml' } } }]),
    );
    const config = shipgateConfigSchema.parse({ pipelines: { ci: { on: { manual: true }, stages } } });
    const { errors } = checkConfigSemantics(config);
    // The cycle, and the caps on stages (3,000 > 64) and jobs (3,000 > 256) per pipeline.
    expect(errors).toHaveLength(3);
    expect(errors.find((e) => e.path.includes('needs'))?.message).toContain('s0 → s2999 → s2998');
    expect(errors.filter((e) => e.path.length === 3).map((e) => e.message)).toEqual([
      expect.stringContaining('has 3000 stages'),
      expect.stringContaining('has 3000 jobs'),
    ]);
  });
});

describe('approvals that can never be given', () => {
  function approvalErrors(production: Record<string, unknown>) {
    const config = shipgateConfigSchema.parse({ environments: { production } });
    return checkConfigSemantics(config).errors.map((error) => error.message);
  }

  it.each([
    { name: 'as many approvals as users', production: { approvals: 2, approvers: ['alice', 'bob'] }, errors: 0 },
    { name: 'one approval more than users', production: { approvals: 3, approvers: ['alice', 'bob'] }, errors: 1 },
    { name: 'a user listed twice in other case counts once', production: { approvals: 2, approvers: ['alice', 'Alice'] }, errors: 1 },
    { name: 'a team makes the maximum unknown', production: { approvals: 5, approvers: ['@acme/sre', 'alice'] }, errors: 0 },
    { name: 'only a team', production: { approvals: 20, approvers: ['@acme/sre'] }, errors: 0 },
    { name: 'self-approval does not change the count', production: { approvals: 2, approvers: ['alice', 'bob'], 'allow-self-approval': false }, errors: 0 },
    { name: 'approvals left out with approvers (default 1)', production: { approvers: ['alice'] }, errors: 0 },
    { name: 'approvals left out without approvers (default 0)', production: {}, errors: 0 },
    { name: 'approvals: 0 without approvers', production: { approvals: 0 }, errors: 0 },
    { name: 'approvals without approvers', production: { approvals: 1 }, errors: 1 },
    { name: 'approvals with an empty approvers list', production: { approvals: 2, approvers: [] }, errors: 1 },
  ])('$name → $errors error(s)', ({ production, errors }) => {
    expect(approvalErrors(production)).toHaveLength(errors);
  });

  it('names the environment, the users it counted and what to do', () => {
    expect(approvalErrors({ approvals: 3, approvers: ['alice', 'Bob', 'bob'] })).toEqual([
      'environments.production.approvals: environment "production" requires 3 approvals but only 2 approvers are listed (alice, Bob); list more approvers or lower approvals',
    ]);
    expect(approvalErrors({ approvals: 2, approvers: ['alice'] })).toEqual([
      'environments.production.approvals: environment "production" requires 2 approvals but only 1 approver is listed (alice); list more approvers or lower approvals',
    ]);
  });

  it('warns when every listed user is needed and none may approve their own request', () => {
    const config = shipgateConfigSchema.parse({ environments: { production: { approvals: 2, approvers: ['alice', 'bob'] } } });
    const { errors, warnings } = checkConfigSemantics(config);
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('a deployment one of them asks for can never be approved'));
    const allowed = shipgateConfigSchema.parse({ environments: { production: { approvals: 2, approvers: ['alice', 'bob'], 'allow-self-approval': true } } });
    expect(checkConfigSemantics(allowed).warnings.map((w) => w.message).join('\n')).not.toContain('can never be approved');
    const spare = shipgateConfigSchema.parse({ environments: { production: { approvals: 2, approvers: ['alice', 'bob', 'carol'] } } });
    expect(checkConfigSemantics(spare).warnings.map((w) => w.message).join('\n')).not.toContain('can never be approved');
  });

  it('says when no approvers are listed at all', () => {
    expect(approvalErrors({ approvals: 1 })).toEqual([
      'environments.production.approvals: environment "production" requires 1 approval but lists no approvers; add users or teams (@org/team-slug) under "approvers", or set approvals: 0',
    ]);
  });

  it('points at the value of approvals, with line and column', () => {
    const text = ['environments:', '  staging: {}', '  production:', '    approvers:', '      - alice', '      - bob', '    approvals: 3', ''].join('\n');
    const result = parseConfigText(text, 'f.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ file: 'f.yml', line: 7, column: 16, path: ['environments', 'production', 'approvals'] }),
    ]);
    expect(result.errors[0]?.message).toContain('requires 3 approvals but only 2 approvers are listed (alice, bob)');
  });

  it('accepts approvals: 0 without approvers, and places approvals: 1 without approvers at its value', () => {
    expect(parseConfigText('environments:\n  production: { approvals: 0 }\n', 'f.yml').ok).toBe(true);
    const result = parseConfigText('environments:\n  production: { approvals: 1 }\n', 'f.yml');
    expect(result.ok === false && result.errors.map(({ line, column }) => [line, column])).toEqual([[2, 28]]);
  });
});

describe('jobs on other CI providers', () => {
  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`P${i}`, 'v']));
  const pipelineWith = (job: Record<string, unknown>, variables = 0) =>
    shipgateConfigSchema.parse({
      pipelines: { ci: { on: { manual: true }, variables: many(variables), stages: { a: { environment: 'staging', jobs: { x: job } } } } },
      environments: { staging: {} },
    });

  it.each([
    { kind: 'jenkins', job: { jenkins: { job: 'a', parameters: many(40) } } },
    { kind: 'gitlab', job: { gitlab: { project: 1, variables: many(40) } } },
    { kind: 'webhook', job: { webhook: { url: 'https://h.example', payload: many(40) } } },
  ])('does not apply the workflow_dispatch input limit to a $kind job', ({ job }) => {
    expect(checkConfigSemantics(pipelineWith(job, 30)).errors).toEqual([]);
  });

  it('still applies it to a workflow job next to them', () => {
    const config = pipelineWith({ workflow: 'a.yml', inputs: many(30) });
    expect(checkConfigSemantics(config).errors.map((error) => error.message)).toEqual([expect.stringContaining("GitHub's workflow_dispatch accepts at most 25")]);
  });

  it.each([
    { kind: 'jenkins', job: "{ jenkins: { job: a, parameters: { TARGET: '${{ shipgate.sha' } } }", path: 'jenkins.parameters.TARGET', noun: 'parameter "TARGET"' },
    { kind: 'gitlab', job: "{ gitlab: { project: 1, variables: { TARGET: '${{ shipgate.sha' } } }", path: 'gitlab.variables.TARGET', noun: 'variable "TARGET"' },
    { kind: 'webhook', job: "{ webhook: { url: 'https://h.example', payload: { TARGET: '${{ shipgate.sha' } } }", path: 'webhook.payload.TARGET', noun: 'payload value "TARGET"' },
  ])('checks the expressions of a $kind job, at the value', ({ job, path, noun }) => {
    const text = ['pipelines:', '  ci:', '    on: { manual: true }', '    stages:', '      a:', '        jobs:', `          x: ${job}`, ''].join('\n');
    const result = parseConfigText(text, 'f.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const column = text.split('\n')[6]?.indexOf("'${{") ?? -1;
    expect(result.errors).toEqual([
      expect.objectContaining({ line: 7, column: column + 1, message: expect.stringMatching(new RegExp(`^pipelines\\.ci\\.stages\\.a\\.jobs\\.x\\.${path.replaceAll('.', '\\.')}: invalid expression in ${noun}: `)) }),
    ]);
    expect(parseConfigText(text.replace("'${{ shipgate.sha'", "'${{ shipgate.sha }}'"), 'f.yml').ok).toBe(true);
  });
});
