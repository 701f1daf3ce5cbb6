import { describe, expect, it } from 'vitest';
import { originOf, plannedNotifications, readTargets, targetKey, targetsFor, targetsFromConfig } from '../../src/notify/targets.ts';

const ALL = ['failure', 'recovery', 'deployment', 'approval-requested'] as const;

describe('notification targets', () => {
  it('keeps a config\'s Slack events and webhooks, and nothing for a config without any', () => {
    expect(targetsFromConfig({ slack: { on: ['failure'] }, webhooks: [{ url: 'https://a.example', on: [...ALL] }] })).toEqual({ slack: ['failure'], webhooks: [{ url: 'https://a.example', on: [...ALL] }] });
    expect(targetsFromConfig(undefined)).toBeUndefined();
    expect(targetsFromConfig({})).toBeUndefined();
    expect(targetsFromConfig({ webhooks: [] })).toBeUndefined();
    expect(plannedNotifications(undefined)).toEqual({});
    expect(plannedNotifications({ slack: { on: ['deployment'] } })).toEqual({ notifications: { slack: ['deployment'] } });
  });

  it('sends an event to Slack and to each webhook that lists it, once per URL', () => {
    const targets = {
      slack: ['failure' as const],
      webhooks: [
        { url: 'https://a.example/1', on: ['failure' as const, 'recovery' as const] },
        { url: 'https://a.example/1', on: ['failure' as const] },
        { url: 'https://b.example/2', on: ['deployment' as const] },
      ],
    };
    expect(targetsFor(targets, 'failure')).toEqual([{ kind: 'slack' }, { kind: 'webhook', url: 'https://a.example/1' }]);
    expect(targetsFor(targets, 'recovery')).toEqual([{ kind: 'webhook', url: 'https://a.example/1' }]);
    expect(targetsFor(targets, 'approval-requested')).toEqual([]);
    expect(targetsFor(undefined, 'failure')).toEqual([]);
  });

  it('reads stored targets back, dropping what is malformed', () => {
    expect(readTargets({ slack: ['failure', 'nonsense', 3], webhooks: [{ url: 'https://a.example', on: ['deployment', 'x'] }, { url: 5, on: [] }, 'junk'] })).toEqual({
      slack: ['failure'],
      webhooks: [{ url: 'https://a.example', on: ['deployment'] }],
    });
    expect(readTargets(null)).toBeUndefined();
    expect(readTargets('slack')).toBeUndefined();
    expect(readTargets({ webhooks: [] })).toBeUndefined();
  });

  it('names a target by a hash of its URL, stable and without the URL', () => {
    const key = targetKey({ kind: 'webhook', url: 'https://a.example/secret-token' });
    expect(key).toMatch(/^webhook-[0-9a-f]{16}$/);
    expect(targetKey({ kind: 'webhook', url: 'https://a.example/secret-token' })).toBe(key);
    expect(targetKey({ kind: 'webhook', url: 'https://a.example/other' })).not.toBe(key);
    expect(targetKey({ kind: 'slack' })).toBe('slack');
    expect(originOf('https://hooks.slack.com/services/T0/B0/XXXX?x=1')).toBe('https://hooks.slack.com');
    expect(originOf('not a url')).toBe('(invalid URL)');
  });
});
