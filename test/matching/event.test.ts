import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { describe, expect, it } from 'vitest';
import {
  changedFilesFromPushPayload,
  eventFromPullRequest,
  eventFromPush,
  isPushPayloadTruncated,
  NULL_SHA,
  withChangedFiles,
  type PushPayload,
} from '../../src/matching/event.ts';
import { webhookExample } from './webhook-examples.ts';

type PushWebhook = EmitterWebhookEvent<'push'>['payload'];
type PullRequestWebhook = EmitterWebhookEvent<'pull_request'>['payload'];

function commits(count: number): NonNullable<PushPayload['commits']> {
  return Array.from({ length: count }, (_, i) => ({ added: [`file-${i}.txt`], removed: [], modified: [] }));
}

function branchPush(overrides: Partial<PushPayload> = {}): PushPayload {
  return {
    ref: 'refs/heads/main',
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    commits: [
      { added: ['src/new.ts'], removed: ['old.md'], modified: ['src/app.ts'] },
      { added: [], removed: [], modified: ['src/app.ts', 'README.md'] },
    ],
    sender: { login: 'mona' },
    repository: { full_name: 'acme/app' },
    ...overrides,
  };
}

describe('eventFromPush', () => {
  it('normalizes a branch push from a GitHub webhook example', () => {
    const payload = webhookExample<PushWebhook>('push', (p) => p.ref === 'refs/heads/master');
    const event = eventFromPush(payload);
    expect(event).toMatchObject({
      kind: 'push',
      ref: 'refs/heads/master',
      branch: 'master',
      sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      actor: 'Codertocat',
      repository: 'Codertocat/Hello-World',
      labels: [],
      changedFiles: ['README.md'],
    });
    expect(event.tag).toBeUndefined();
    expect(event.deleted).toBeUndefined();
    expect(event.payload).toBe(payload);
  });

  it('normalizes a tag deletion from a GitHub webhook example', () => {
    const payload = webhookExample<PushWebhook>('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === true);
    const event = eventFromPush(payload);
    expect(event).toMatchObject({ kind: 'tag', tag: 'simple-tag', deleted: true, sha: NULL_SHA });
    expect(event.changedFiles).toBeUndefined();
  });

  it('treats a tag push as kind tag without changed files (paths do not apply)', () => {
    const event = eventFromPush(branchPush({ ref: 'refs/tags/v1.2.0' }));
    expect(event.kind).toBe('tag');
    expect(event.tag).toBe('v1.2.0');
    expect(event.branch).toBeUndefined();
    expect(event.changedFiles).toBeUndefined();
  });

  it('keeps slashes in branch names', () => {
    expect(eventFromPush(branchPush({ ref: 'refs/heads/release/v1' })).branch).toBe('release/v1');
  });

  it('collects added, modified and removed paths once each, in first-seen order', () => {
    expect(eventFromPush(branchPush()).changedFiles).toEqual(['src/new.ts', 'src/app.ts', 'old.md', 'README.md']);
  });

  it('marks a branch deletion, by flag or by an all-zero after sha', () => {
    expect(eventFromPush(branchPush({ deleted: true, after: NULL_SHA, commits: [] })).deleted).toBe(true);
    const byZeroSha = eventFromPush(branchPush({ after: NULL_SHA, commits: [] }));
    expect(byZeroSha.deleted).toBe(true);
    expect(byZeroSha.changedFiles).toBeUndefined();
  });

  it('leaves changed files unknown when the payload is truncated', () => {
    expect(eventFromPush(branchPush({ commits: commits(20) })).changedFiles).toBeUndefined();
    expect(eventFromPush(branchPush({ commits: commits(3), size: 4 })).changedFiles).toBeUndefined();
  });

  it('falls back to the pusher name without a sender', () => {
    const { sender: _sender, ...rest } = branchPush();
    expect(eventFromPush({ ...rest, pusher: { name: 'octocat' } }).actor).toBe('octocat');
  });
});

describe('isPushPayloadTruncated', () => {
  it.each([
    { name: 'empty list', payload: { commits: [] }, truncated: false },
    { name: '19 commits', payload: { commits: commits(19) }, truncated: false },
    { name: '20 commits (the limit)', payload: { commits: commits(20) }, truncated: true },
    { name: 'size above the list', payload: { commits: commits(2), size: 3 }, truncated: true },
    { name: 'distinct_size above the list', payload: { commits: commits(2), distinct_size: 5 }, truncated: true },
    { name: 'size equal to the list', payload: { commits: commits(2), size: 2, distinct_size: 1 }, truncated: false },
    { name: 'no list', payload: {}, truncated: true },
    { name: 'null list', payload: { commits: null }, truncated: true },
  ])('$name → $truncated', ({ payload, truncated }) => {
    expect(isPushPayloadTruncated(payload)).toBe(truncated);
    expect(changedFilesFromPushPayload(payload) === undefined).toBe(truncated);
  });
});

describe('eventFromPullRequest', () => {
  it('normalizes a GitHub webhook example', () => {
    const payload = webhookExample<PullRequestWebhook>('pull_request', (p) => p.action === 'labeled');
    const event = eventFromPullRequest(payload);
    expect(event).toMatchObject({
      kind: 'pull_request',
      action: 'labeled',
      pr: 2,
      branch: 'changes',
      ref: 'refs/heads/changes',
      baseBranch: 'master',
      fork: false,
      labels: ['bug'],
      actor: 'Codertocat',
      repository: 'Codertocat/Hello-World',
    });
    expect(event.sha).toBe(payload.pull_request.head.sha);
    expect(event.changedFiles).toBeUndefined();
  });

  function pullRequest(headRepo: { full_name: string } | null) {
    return {
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        labels: [{ name: 'deploy' }, { name: 'ui' }],
        head: { ref: 'feature', sha: 'c'.repeat(40), repo: headRepo },
        base: { ref: 'main', sha: 'd'.repeat(40), repo: { full_name: 'acme/app' } },
      },
      sender: { login: 'hubot' },
      repository: { full_name: 'acme/app' },
    };
  }

  it('uses the head sha and reads labels', () => {
    const event = eventFromPullRequest(pullRequest({ full_name: 'acme/app' }));
    expect(event.sha).toBe('c'.repeat(40));
    expect(event.labels).toEqual(['deploy', 'ui']);
    expect(event.fork).toBe(false);
  });

  it('marks a fork when the head repository differs or is gone', () => {
    expect(eventFromPullRequest(pullRequest({ full_name: 'mallory/app' })).fork).toBe(true);
    expect(eventFromPullRequest(pullRequest(null)).fork).toBe(true);
  });
});

describe('withChangedFiles', () => {
  it('sets the files and flags a partial list', () => {
    const event = eventFromPush(branchPush({ commits: commits(25) }));
    const complete = withChangedFiles(event, { files: ['a'], complete: true });
    expect(complete.changedFiles).toEqual(['a']);
    expect(complete.changedFilesIncomplete).toBeUndefined();
    const partial = withChangedFiles(event, { files: ['a'], complete: false });
    expect(partial.changedFilesIncomplete).toBe(true);
    expect(withChangedFiles(partial, { files: ['b'], complete: true }).changedFilesIncomplete).toBeUndefined();
  });
});
