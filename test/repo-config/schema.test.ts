import { describe, expect, it } from 'vitest';
import { shipgateConfigSchema } from '../../src/repo-config/schema.ts';
import { knownKeysAt } from '../../src/repo-config/schema-issues.ts';

const stages = { a: { jobs: { x: { workflow: 'a.yml' } } } };

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

describe('keys named __proto__', () => {
  it('never reach an object prototype', () => {
    const parsed = shipgateConfigSchema.parse({ environments: { p: { inputs: JSON.parse('{"__proto__": {"polluted": "x"}, "a": "b"}') } } });
    expect(parsed.environments['p']?.inputs).toEqual({ a: 'b' });
    expect(Object.getPrototypeOf(parsed.environments['p']?.inputs)).toBe(Object.prototype);
    expect(shipgateConfigSchema.safeParse(JSON.parse('{"__proto__": {}}')).success).toBe(false);
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
});
