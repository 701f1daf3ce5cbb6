import { describe, expect, it } from 'vitest';
import type { ShipgateEvent } from '../../src/matching/event.ts';
import { matchTriggers } from '../../src/matching/triggers.ts';

const base = { sha: 's', actor: 'mona', labels: [], repository: 'acme/app', payload: {} };
const push: ShipgateEvent = { ...base, kind: 'push', ref: 'refs/heads/main', branch: 'main', changedFiles: ['a.ts'] };
const tag: ShipgateEvent = { ...base, kind: 'tag', ref: 'refs/tags/v1', tag: 'v1' };

describe('matchTriggers', () => {
  it('matches a push with an empty on.push (every branch, no path filter)', () => {
    expect(matchTriggers(push, { push: {} })).toEqual({ ok: true, reasons: ['on.push.branches is not set, so every branch matches'] });
  });

  it('does not apply on.push to tags, nor on.tag to branches', () => {
    expect(matchTriggers(tag, { push: {} })).toEqual({ ok: false, reason: 'the pipeline has no on.tag trigger' });
    expect(matchTriggers(push, { tag: {} })).toEqual({ ok: false, reason: 'the pipeline has no on.push trigger' });
  });

  it('matches every tag with an empty on.tag and ignores paths for tags', () => {
    expect(matchTriggers(tag, { tag: {} })).toEqual({ ok: true, reasons: ['on.tag.tags is not set, so every tag matches'] });
    expect(matchTriggers(tag, { tag: { 'tags-ignore': ['v0*'] } })).toEqual({
      ok: true,
      reasons: ["tag 'v1' is not ignored by on.tag.tags-ignore ('v0*')"],
    });
  });

  it('never matches deletions, even with every trigger set', () => {
    const everything = { push: {}, tag: {}, pull_request: {}, manual: true };
    expect(matchTriggers({ ...push, deleted: true }, everything)).toEqual({
      ok: false,
      reason: "branch 'main' was deleted; deletions never start pipelines",
    });
    expect(matchTriggers({ ...tag, deleted: true }, everything).ok).toBe(false);
  });

  it('uses the documented default pull request types', () => {
    const pr: ShipgateEvent = { ...base, kind: 'pull_request', ref: 'refs/heads/f', branch: 'f', baseBranch: 'main', action: 'edited', changedFiles: [] };
    expect(matchTriggers(pr, { pull_request: { types: ['edited'] } })).toEqual({
      ok: true,
      reasons: ["pull request action 'edited' is in on.pull_request.types", 'on.pull_request.branches is not set, so every base branch matches'],
    });
    expect(matchTriggers(pr, { pull_request: {} }).ok).toBe(false);
  });

  it('needs on.manual to be exactly true', () => {
    const manual: ShipgateEvent = { ...push, kind: 'manual' };
    expect(matchTriggers(manual, { manual: true }).ok).toBe(true);
    expect(matchTriggers(manual, { manual: false }).ok).toBe(false);
    expect(matchTriggers(manual, {}).ok).toBe(false);
  });
});
