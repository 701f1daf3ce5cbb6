import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ArtifactCache, failureReason, type ListArtifacts } from '../../src/dashboard/artifact-cache.ts';
import type { ArtifactSummary } from '../../src/github/artifacts.ts';

const REPO = { owner: 'acme', repo: 'api' };
const ARTIFACT: ArtifactSummary = { id: 1, name: 'coverage', sizeInBytes: 10, expired: false, createdAt: null, expiresAt: null, digest: null };

/** A lister that counts its calls and answers as told. */
function lister(answer: () => Promise<ArtifactSummary[]>): { list: ListArtifacts; calls: Array<[number, string, number]> } {
  const calls: Array<[number, string, number]> = [];
  return {
    calls,
    list: (installationId, repo, runId) => {
      calls.push([installationId, `${repo.owner}/${repo.repo}`, runId]);
      return answer();
    },
  };
}

const httpError = (status: number, message: string) => Object.assign(new Error(message), { status, response: { data: { message } } });

describe('artifact cache', () => {
  it('asks GitHub once within the TTL, per installation, repository and run', async () => {
    const clock = new ManualClock();
    const { list, calls } = lister(async () => [ARTIFACT]);
    const cache = new ArtifactCache({ list, clock, ttlMs: 60_000 });
    expect(await cache.get(5, REPO, 100)).toEqual({ ok: true, artifacts: [ARTIFACT] });
    expect(await cache.get(5, REPO, 100)).toEqual({ ok: true, artifacts: [ARTIFACT] });
    await cache.get(5, REPO, 101);
    expect(calls).toEqual([
      [5, 'acme/api', 100],
      [5, 'acme/api', 101],
    ]);
    clock.advance(60_000);
    await cache.get(5, REPO, 100);
    expect(calls).toHaveLength(3);
  });

  it('asks again once the workflow run is in another state, so artifacts uploaded as it ends show at once', async () => {
    const clock = new ManualClock();
    let uploaded: ArtifactSummary[] = [];
    const { list, calls } = lister(async () => uploaded);
    const cache = new ArtifactCache({ list, clock, ttlMs: 60_000 });
    expect(await cache.get(5, REPO, 100, '1:in_progress')).toEqual({ ok: true, artifacts: [] });
    uploaded = [ARTIFACT];
    expect(await cache.get(5, REPO, 100, '1:in_progress')).toEqual({ ok: true, artifacts: [] });
    expect(await cache.get(5, REPO, 100, '1:completed')).toEqual({ ok: true, artifacts: [ARTIFACT] });
    expect(calls).toHaveLength(2);
  });

  it('shares one request between pages asking at the same time', async () => {
    const clock = new ManualClock();
    let release: (value: ArtifactSummary[]) => void = () => {};
    const { list, calls } = lister(() => new Promise((resolve) => (release = resolve)));
    const cache = new ArtifactCache({ list, clock });
    const both = Promise.all([cache.get(5, REPO, 100), cache.get(5, REPO, 100)]);
    release([ARTIFACT]);
    expect((await both).map((r) => r.ok)).toEqual([true, true]);
    expect(calls).toHaveLength(1);
  });

  it('turns a GitHub error into a reason, kept for the shorter failure TTL', async () => {
    const clock = new ManualClock();
    let fail = true;
    const { list, calls } = lister(async () => (fail ? Promise.reject(httpError(502, 'Server Error')) : [ARTIFACT]));
    const cache = new ArtifactCache({ list, clock, failureTtlMs: 10_000 });
    expect(await cache.get(5, REPO, 100)).toEqual({ ok: false, reason: 'GitHub answered 502: Server Error' });
    fail = false;
    expect((await cache.get(5, REPO, 100)).ok).toBe(false);
    clock.advance(10_000);
    expect((await cache.get(5, REPO, 100)).ok).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('answers a page after the deadline, and keeps the listing once it arrives', async () => {
    const clock = new ManualClock();
    let release: (value: ArtifactSummary[]) => void = () => {};
    const { list } = lister(() => new Promise((resolve) => (release = resolve)));
    const cache = new ArtifactCache({ list, clock, timeoutMs: 5_000 });
    const waiting = cache.get(5, REPO, 100);
    clock.advance(5_000);
    expect(await waiting).toEqual({ ok: false, reason: 'GitHub did not answer within 5 s' });
    release([ARTIFACT]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get(5, REPO, 100)).toEqual({ ok: true, artifacts: [ARTIFACT] });
    expect(clock.pending).toBe(0);
  });

  it('keeps at most maxEntries listings, dropping the oldest', async () => {
    const clock = new ManualClock();
    const { list } = lister(async () => []);
    const cache = new ArtifactCache({ list, clock, maxEntries: 2 });
    for (const run of [1, 2, 3]) await cache.get(5, REPO, run);
    expect(cache.size).toBe(2);
  });

  it('names a network error without a status by its message', () => {
    expect(failureReason(new Error('connect ECONNREFUSED'))).toBe('connect ECONNREFUSED');
    expect(failureReason(httpError(404, 'Not Found'))).toBe('GitHub answered 404: Not Found');
  });
});
