import { describe, expect, it } from 'vitest';
import { shipgateConfigSchema } from '../../src/repo-config/schema.ts';
import { knownKeysAt } from '../../src/repo-config/schema-issues.ts';

const stages = { a: { jobs: { x: { workflow: 'a.yml' } } } };
/** A config whose one job is `job`. */
const withJob = (job: unknown) => ({ pipelines: { ci: { on: { manual: true }, stages: { a: { jobs: { x: job } } } } } });

describe('shipgateConfigSchema', () => {
  it.each([
    { name: 'an empty file', input: {}, valid: true },
    { name: 'push with no filters', input: { pipelines: { ci: { on: { push: null }, stages } } }, valid: true },
    { name: 'an uppercase environment name', input: { environments: { Production: {} } }, valid: true },
    { name: 'a team approver', input: { environments: { p: { approvers: ['@acme/sre-team'] } } }, valid: true },
    { name: 'a sarif gate by security-severity', input: { pipelines: { ci: { on: { manual: true }, stages, gates: [{ name: 's', type: 'sarif', job: 'x', artifact: 'a', max: { critical: 0, high: 2 } }] } } }, valid: true },
    { name: 'a duration gate without job', input: { pipelines: { ci: { on: { manual: true }, stages, gates: [{ name: 'd', type: 'duration', max: '1h' }] } } }, valid: true },
    { name: 'the shipgate command prefix', input: { commands: { prefix: 'shipgate ' } }, valid: true },
    { name: 'version 2', input: { version: 2 }, valid: false },
    { name: 'a pipeline id with a dot', input: { pipelines: { 'c.i': { on: { manual: true }, stages } } }, valid: false },
    { name: 'a workflow path', input: { pipelines: { ci: { on: { manual: true }, stages: { a: { jobs: { x: { workflow: '.github/workflows/a.yml' } } } } } } }, valid: false },
    { name: 'a variable that is a number', input: { pipelines: { ci: { on: { manual: true }, variables: { V: 1 }, stages } } }, valid: false },
    { name: 'retries over 10', input: { defaults: { retries: 11 } }, valid: false },
    { name: 'an empty command prefix', input: { commands: { prefix: '' } }, valid: false },
    { name: 'an unknown slack event', input: { notifications: { slack: { on: ['success'] } } }, valid: false },
    { name: 'an https webhook with its events', input: { notifications: { webhooks: [{ url: 'https://hooks.example.com/shipgate', on: ['failure', 'deployment'] }] } }, valid: true },
    { name: 'an https webhook with the default events', input: { notifications: { webhooks: [{ url: 'https://hooks.example.com/x?token=abc' }] } }, valid: true },
    { name: 'a plain http webhook to a loopback address', input: { notifications: { webhooks: [{ url: 'http://127.0.0.1:8080/hook' }] } }, valid: true },
    { name: 'a plain http webhook to a private IPv6 address', input: { notifications: { webhooks: [{ url: 'http://[fd00::1]/hook' }] } }, valid: true },
    { name: 'a plain http webhook to localhost', input: { notifications: { webhooks: [{ url: 'http://localhost:9000/hook' }] } }, valid: true },
    { name: 'a plain http webhook to a public host', input: { notifications: { webhooks: [{ url: 'http://hooks.example.com/shipgate' }] } }, valid: false },
    { name: 'a plain http webhook to a public address', input: { notifications: { webhooks: [{ url: 'http://8.8.8.8/hook' }] } }, valid: false },
    { name: 'a webhook that is not http(s)', input: { notifications: { webhooks: [{ url: 'ftp://example.com/hook' }] } }, valid: false },
    { name: 'a webhook without a url', input: { notifications: { webhooks: [{ on: ['failure'] }] } }, valid: false },
    { name: 'a webhook with an unknown event', input: { notifications: { webhooks: [{ url: 'https://hooks.example.com', on: ['success'] }] } }, valid: false },
    { name: 'a webhook with an unknown key', input: { notifications: { webhooks: [{ url: 'https://hooks.example.com', secret: 'x' }] } }, valid: false },
    { name: 'ten webhooks', input: { notifications: { webhooks: Array.from({ length: 10 }, (_, i) => ({ url: `https://h${i}.example.com` })) } }, valid: true },
    { name: 'eleven webhooks', input: { notifications: { webhooks: Array.from({ length: 11 }, (_, i) => ({ url: `https://h${i}.example.com` })) } }, valid: false },
    { name: 'a non-http url', input: { environments: { p: { url: 'ftp://example.com' } } }, valid: false },
    { name: 'a regression as a number of percent', input: { pipelines: { ci: { on: { manual: true }, stages, gates: [{ name: 'b', type: 'benchmark', job: 'x', artifact: 'a', 'max-regression': 10 }] } } }, valid: true },
    { name: 'a regression in words', input: { pipelines: { ci: { on: { manual: true }, stages, gates: [{ name: 'b', type: 'benchmark', job: 'x', artifact: 'a', 'max-regression': 'ten' }] } } }, valid: false },
    { name: 'a jenkins job', input: withJob({ jenkins: { job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}', N: 2, DRY: false } }, timeout: '40m', retries: 1 }), valid: true },
    { name: 'a gitlab job by id', input: withJob({ gitlab: { project: 42 } }), valid: true },
    { name: 'a gitlab job by path, with ref and variables', input: withJob({ gitlab: { project: 'acme/mobile', ref: 'main', variables: { FLAVOR: 'release' } }, 'continue-on-error': true }), valid: true },
    { name: 'a webhook job', input: withJob({ webhook: { url: 'https://scanner.example.com/shipgate', payload: { profile: 'strict' } } }), valid: true },
    { name: 'a job with no kind', input: withJob({ timeout: '5m' }), valid: false },
    { name: 'a job with workflow and jenkins', input: withJob({ workflow: 'a.yml', jenkins: { job: 'a' } }), valid: false },
    { name: 'a job with gitlab and webhook', input: withJob({ gitlab: { project: 1 }, webhook: { url: 'https://h.example' } }), valid: false },
    { name: 'a jenkins job with inputs', input: withJob({ jenkins: { job: 'a' }, inputs: { a: 'b' } }), valid: false },
    { name: 'a jenkins job with an empty parameters', input: withJob({ jenkins: { job: 'a', parameters: {} } }), valid: true },
    { name: 'a jenkins job without job', input: withJob({ jenkins: { parameters: {} } }), valid: false },
    { name: 'a jenkins job path with a .. segment', input: withJob({ jenkins: { job: 'a/../b' } }), valid: false },
    { name: 'a jenkins parameter SHIPGATE_RUN', input: withJob({ jenkins: { job: 'a', parameters: { SHIPGATE_RUN: 'x' } } }), valid: false },
    { name: 'a jenkins parameter that is a mapping', input: withJob({ jenkins: { job: 'a', parameters: { A: { b: 1 } } } }), valid: false },
    { name: 'a gitlab project id of 0', input: withJob({ gitlab: { project: 0 } }), valid: false },
    { name: 'a gitlab project path of one segment', input: withJob({ gitlab: { project: 'mobile' } }), valid: false },
    { name: 'a gitlab variable SHIPGATE_RUN', input: withJob({ gitlab: { project: 1, variables: { SHIPGATE_RUN: 'x' } } }), valid: false },
    { name: 'a gitlab variable with a dash', input: withJob({ gitlab: { project: 1, variables: { 'A-B': 'x' } } }), valid: false },
    { name: 'a gitlab ref with ..', input: withJob({ gitlab: { project: 1, ref: 'a..b' } }), valid: false },
    { name: 'a webhook url with credentials', input: withJob({ webhook: { url: 'https://u:p@h.example/x' } }), valid: false },
    { name: 'a webhook url with a fragment', input: withJob({ webhook: { url: 'https://h.example/x#y' } }), valid: false },
    { name: 'a plain http webhook job url to a public host', input: withJob({ webhook: { url: 'http://h.example/x' } }), valid: true },
    { name: 'a webhook job without url', input: withJob({ webhook: { payload: {} } }), valid: false },
    { name: 'an environment deploying with jenkins', input: { environments: { p: { jenkins: { job: 'deploy' } } } }, valid: false },
  ])('$name → valid: $valid', ({ input, valid }) => {
    expect(shipgateConfigSchema.safeParse(input).success).toBe(valid);
  });
});

describe('notifications.webhooks', () => {
  it('defaults a webhook to every event and says why plain http to a public host is refused', () => {
    const parsed = shipgateConfigSchema.parse({ notifications: { webhooks: [{ url: 'https://hooks.example.com/a' }] } });
    expect(parsed.notifications?.webhooks).toEqual([{ url: 'https://hooks.example.com/a', on: ['failure', 'recovery', 'deployment', 'approval-requested'] }]);
    const refused = shipgateConfigSchema.safeParse({ notifications: { webhooks: [{ url: 'http://hooks.example.com/a' }] } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['notifications', 'webhooks', 0, 'url'], message: expect.stringContaining('use https') });
  });
});

describe('jobs on other CI providers', () => {
  it('parses each kind with its defaults, keeping inputs empty on jobs that are not workflows', () => {
    const jobOf = (job: unknown) => shipgateConfigSchema.parse(withJob(job)).pipelines['ci']?.stages['a']?.jobs['x'];
    expect(jobOf({ jenkins: { job: 'a/b' } })).toEqual({ jenkins: { job: 'a/b', parameters: {} }, inputs: {}, 'continue-on-error': false });
    expect(jobOf({ gitlab: { project: 7 } })).toEqual({ gitlab: { project: 7, variables: {} }, inputs: {}, 'continue-on-error': false });
    expect(jobOf({ webhook: { url: 'https://h.example/x' } })).toEqual({ webhook: { url: 'https://h.example/x', payload: {} }, inputs: {}, 'continue-on-error': false });
    expect(jobOf({ workflow: 'a.yml' })).toEqual({ workflow: 'a.yml', inputs: {}, 'continue-on-error': false });
  });

  it('names the job and its kinds in the issue, at the second kind', () => {
    const result = shipgateConfigSchema.safeParse(withJob({ workflow: 'a.yml', webhook: { url: 'https://h.example' } }));
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['pipelines', 'ci', 'stages', 'a', 'jobs', 'x', 'webhook'],
        message: 'job "x" has both "workflow" and "webhook"; a job runs on exactly one of workflow, jenkins, gitlab, webhook',
      }),
    ]);
  });
});

describe('keys named __proto__', () => {
  it('never reach an object prototype', () => {
    const parsed = shipgateConfigSchema.parse({ environments: { p: { inputs: JSON.parse('{"__proto__": {"polluted": "x"}, "a": "b"}') } } });
    expect(parsed.environments['p']?.inputs).toEqual({ a: 'b' });
    expect(Object.getPrototypeOf(parsed.environments['p']?.inputs)).toBe(Object.prototype);
    expect(shipgateConfigSchema.safeParse(JSON.parse('{"__proto__": {}}')).success).toBe(false);
  });

  it('never reach an object prototype from Jenkins parameters, GitLab variables or a webhook payload', () => {
    const values = () => JSON.parse('{"__proto__": {"polluted": "x"}, "a": "b"}') as unknown;
    const job = shipgateConfigSchema.parse(
      withJob({ jenkins: { job: 'a', parameters: values() } }),
    ).pipelines['ci']?.stages['a']?.jobs['x'];
    expect(job?.jenkins?.parameters).toEqual({ a: 'b' });
    expect(Object.getPrototypeOf(job?.jenkins?.parameters)).toBe(Object.prototype);
    const gitlab = shipgateConfigSchema.parse(withJob({ gitlab: { project: 1, variables: values() } })).pipelines['ci']?.stages['a']?.jobs['x']?.gitlab;
    expect(Object.getPrototypeOf(gitlab?.variables)).toBe(Object.prototype);
    expect(gitlab?.variables).toEqual({ a: 'b' });
    const webhook = shipgateConfigSchema.parse(withJob({ webhook: { url: 'https://h.example', payload: values() } })).pipelines['ci']?.stages['a']?.jobs['x']?.webhook;
    expect(Object.getPrototypeOf(webhook?.payload)).toBe(Object.prototype);
    expect(webhook?.payload).toEqual({ a: 'b' });
  });
});

describe('knownKeysAt', () => {
  it('finds the keys of the object schema at a path, through records, lists and unions', () => {
    const input = { pipelines: { ci: { gates: [{ type: 'junit' }] } } };
    expect(knownKeysAt(shipgateConfigSchema, [], input)).toContain('pipelines');
    expect(knownKeysAt(shipgateConfigSchema, ['pipelines', 'ci', 'on', 'push'], input)).toEqual(['branches', 'branches-ignore', 'paths', 'paths-ignore']);
    expect(knownKeysAt(shipgateConfigSchema, ['pipelines', 'ci', 'gates', 0], input)).toEqual(['name', 'type', 'job', 'artifact', 'max-failures', 'min-tests']);
    expect(knownKeysAt(shipgateConfigSchema, ['environments', 'prod'], input)).toContain('allow-self-approval');
    expect(knownKeysAt(shipgateConfigSchema, ['pipelines', 'ci', 'variables'], input)).toEqual([]);
  });

  it('finds the keys of a job and of its jenkins, gitlab and webhook mappings', () => {
    const input = withJob({ jenkins: { job: 'a' } });
    const job = ['pipelines', 'ci', 'stages', 'a', 'jobs', 'x'];
    expect(knownKeysAt(shipgateConfigSchema, job, input)).toEqual(['workflow', 'inputs', 'jenkins', 'gitlab', 'webhook', 'timeout', 'retries', 'continue-on-error']);
    expect(knownKeysAt(shipgateConfigSchema, [...job, 'jenkins'], input)).toEqual(['job', 'parameters']);
    expect(knownKeysAt(shipgateConfigSchema, [...job, 'gitlab'], input)).toEqual(['project', 'ref', 'variables']);
    expect(knownKeysAt(shipgateConfigSchema, [...job, 'webhook'], input)).toEqual(['url', 'payload']);
    expect(knownKeysAt(shipgateConfigSchema, [...job, 'jenkins', 'parameters'], input)).toEqual([]);
  });
});
