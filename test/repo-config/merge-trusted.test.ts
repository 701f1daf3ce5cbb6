import { describe, expect, it } from 'vitest';
import { mergeTrusted } from '../../src/repo-config/merge-trusted.ts';
import { parseConfigText } from '../../src/repo-config/parse.ts';
import type { ShipgateConfig } from '../../src/repo-config/schema.ts';

function config(text: string): ShipgateConfig {
  const result = parseConfigText(text, 'shipgate.yml');
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.config;
}

const defaultBranch = config(`
pipelines:
  ci: { on: { push: {} }, stages: { build: { jobs: { app: { workflow: build.yml } } } } }
environments:
  production: { approvals: 2, approvers: [alice, bob] }
commands: { prefix: 'shipgate ' }
`);

const pullRequest = config(`
defaults: { timeout: 10m }
pipelines:
  ci:
    on: { pull_request: {} }
    stages: { build: { jobs: { app: { workflow: build.yml } } } }
    gates: [{ name: quick, type: duration, max: 5m }]
environments:
  production: { approvals: 0 }
commands: { prefix: '!' }
`);

describe('mergeTrusted', () => {
  it('takes pipelines and gates from the sha, environments and commands from the default branch', () => {
    const merged = mergeTrusted(pullRequest, defaultBranch);
    expect(merged.pipelines).toEqual(pullRequest.pipelines);
    expect(merged.pipelines['ci']?.gates).toEqual([{ name: 'quick', type: 'duration', max: '5m' }]);
    expect(merged.defaults).toEqual({ timeout: '10m', retries: 0 });
    expect(merged.environments).toEqual(defaultBranch.environments);
    expect(merged.environments['production']?.approvals).toBe(2);
    expect(merged.commands).toEqual({ prefix: 'shipgate ' });
  });

  it('has no environments and the default prefix without a default-branch config', () => {
    const merged = mergeTrusted(pullRequest, undefined);
    expect(merged.environments).toEqual({});
    expect(merged.commands).toEqual({ prefix: '/' });
    expect(merged.pipelines).toEqual(pullRequest.pipelines);
  });

  it('takes notifications from the default branch only: a pull request can neither add nor redirect them', () => {
    const trusted = config(`
notifications:
  slack: { on: [failure] }
  webhooks: [{ url: 'https://hooks.example.com/team' }]
`);
    const redirecting = config(`
notifications:
  webhooks: [{ url: 'https://attacker.example.net/collect' }]
`);
    expect(mergeTrusted(redirecting, trusted).notifications).toEqual(trusted.notifications);
    expect(mergeTrusted(redirecting, defaultBranch).notifications).toBeUndefined();
    expect(mergeTrusted(redirecting, undefined)).not.toHaveProperty('notifications');
  });

  it('does not change its arguments', () => {
    const before = structuredClone(pullRequest);
    mergeTrusted(pullRequest, defaultBranch);
    expect(pullRequest).toEqual(before);
  });
});
