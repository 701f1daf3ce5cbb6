import { Octokit } from '@octokit/core';
import { describe, expect, it } from 'vitest';
import { isGraphqlQuery, requestPolicyPlugin, retryDelay, WritePacer, DEFAULT_REQUEST_POLICY, type RequestPolicyOptions } from '../../src/github/request-policy.ts';

interface Call {
  method: string;
  url: string;
  at: number;
}

/** An Octokit whose fetch answers from a script, recording every call. */
function scriptedOctokit(answers: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>, policy: Partial<RequestPolicyOptions>) {
  const calls: Call[] = [];
  const sleeps: number[] = [];
  let virtualNow = 0;
  const fetch = async (url: string | URL, init?: RequestInit) => {
    calls.push({ method: init?.method ?? 'GET', url: String(url), at: virtualNow });
    const answer = answers.shift() ?? { status: 200, body: {} };
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  const Policy = Octokit.plugin(requestPolicyPlugin);
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    virtualNow += ms;
  };
  const octokit = new Policy({
    request: { fetch },
    shipgate: { policy: { ...DEFAULT_REQUEST_POLICY, retryBaseMs: 10, writeIntervalMs: 0, ...policy, sleep } },
  } as ConstructorParameters<typeof Policy>[0]);
  return { octokit, calls, sleeps };
}

describe('request policy', () => {
  it('retries 5xx answers with backoff and returns the eventual success', async () => {
    const { octokit, calls, sleeps } = scriptedOctokit([{ status: 502 }, { status: 503 }, { status: 200, body: { ok: 1 } }], {});
    const response = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'a', repo: 'b' });
    expect(response.data).toEqual({ ok: 1 });
    expect(calls).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
  });

  it('honours retry-after on a secondary rate limit', async () => {
    const { octokit, calls, sleeps } = scriptedOctokit(
      [
        { status: 403, headers: { 'retry-after': '3' }, body: { message: 'You have exceeded a secondary rate limit.' } },
        { status: 201, body: { id: 1 } },
      ],
      {},
    );
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: 'a', repo: 'b', issue_number: 1, body: 'x' });
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([3000]);
  });

  it('does not retry 4xx errors other than rate limits', async () => {
    const { octokit, calls } = scriptedOctokit([{ status: 422, body: { message: 'Unexpected inputs provided' } }], {});
    await expect(octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { owner: 'a', repo: 'b', workflow_id: 'x.yml', ref: 'main' })).rejects.toMatchObject({ status: 422 });
    expect(calls).toHaveLength(1);
  });

  it('does not repeat a non-idempotent write after a 5xx, but does after a rate limit', async () => {
    const first = scriptedOctokit([{ status: 502 }], {});
    await expect(
      first.octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
        owner: 'a',
        repo: 'b',
        workflow_id: 'x.yml',
        ref: 'main',
        request: { shipgate: { notIdempotent: true } },
      }),
    ).rejects.toMatchObject({ status: 502 });
    expect(first.calls).toHaveLength(1);

    const second = scriptedOctokit([{ status: 429, headers: { 'retry-after': '1' } }, { status: 204 }], {});
    await second.octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
      owner: 'a',
      repo: 'b',
      workflow_id: 'x.yml',
      ref: 'main',
      request: { shipgate: { notIdempotent: true } },
    });
    expect(second.calls).toHaveLength(2);
  });

  it('gives up after maxRetries and returns the last error', async () => {
    const { octokit, calls } = scriptedOctokit([{ status: 500 }, { status: 500 }, { status: 500 }], { maxRetries: 2 });
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'a', repo: 'b' })).rejects.toMatchObject({ status: 500 });
    expect(calls).toHaveLength(3);
  });

  it('waits until x-ratelimit-reset when the primary limit is exhausted', () => {
    const wait = retryDelay(
      { status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' } } },
      0,
      DEFAULT_REQUEST_POLICY,
      95_000,
      false,
    );
    expect(wait).toBe(6000);
  });
});

describe('WritePacer', () => {
  it('sends critical writes before cosmetic ones and coalesces queued updates of one check run', async () => {
    const sent: string[] = [];
    const gaps: number[] = [];
    let releaseFirst: () => void = () => {};
    let now = 50_000;
    const pacer = new WritePacer(
      1000,
      async (ms) => {
        gaps.push(ms);
        await new Promise<void>((resolve) => (releaseFirst = resolve));
        now += ms;
      },
      { now: () => now },
    );
    const write = (name: string) => async () => {
      sent.push(name);
      return name;
    };
    const first = pacer.schedule('installation:1', 2, 'check:1', write('check v1'));
    // While the lane waits out its gap, more writes arrive.
    await Promise.resolve();
    const second = pacer.schedule('installation:1', 2, 'check:2', write('other check v1'));
    const third = pacer.schedule('installation:1', 2, 'check:2', write('other check v2'));
    const dispatch = pacer.schedule('installation:1', 0, undefined, write('dispatch'));
    await expect(first).resolves.toBe('check v1');
    releaseFirst();
    await new Promise((r) => setTimeout(r, 0));
    releaseFirst();
    await new Promise((r) => setTimeout(r, 0));
    await expect(dispatch).resolves.toBe('dispatch');
    await expect(second).resolves.toBe('other check v2');
    await expect(third).resolves.toBe('other check v2');
    expect(sent).toEqual(['check v1', 'dispatch', 'other check v2']);
    expect(pacer.coalesced).toBe(1);
    // The first write goes at once; each later one waits out the gap after the one before.
    expect(gaps).toEqual([1000, 1000]);
  });

  it('keeps installations independent', async () => {
    const sent: string[] = [];
    const pacer = new WritePacer(60_000, () => new Promise(() => {}));
    await pacer.schedule('installation:1', 0, undefined, async () => sent.push('a1'));
    await pacer.schedule('installation:2', 0, undefined, async () => sent.push('b1'));
    expect(sent).toEqual(['a1', 'b1']);
  });
});

describe('WritePacer with a shared schedule', () => {
  it('waits, on the injected clock, until the slot the schedule gives it', async () => {
    let now = 10_000;
    const sleeps: number[] = [];
    const asked: Array<[string, number, number]> = [];
    // As if other replicas had taken the next 2.5 s of this lane.
    const slots = {
      take: async (lane: string, nowMs: number, intervalMs: number) => {
        asked.push([lane, nowMs, intervalMs]);
        return nowMs + 2500;
      },
    };
    const sentAt: number[] = [];
    const pacer = new WritePacer(1000, async (ms) => {
      sleeps.push(ms);
      now += ms;
    }, { now: () => now, slots });
    await pacer.schedule('installation:9', 0, undefined, async () => sentAt.push(now));
    expect(asked).toEqual([['installation:9', 10_000, 1000]]);
    expect(sleeps).toEqual([2500]);
    expect(sentAt).toEqual([12_500]);
  });

  it('paces in memory when the schedule cannot be read, and says so', async () => {
    let now = 0;
    const errors: string[] = [];
    const pacer = new WritePacer(1000, async (ms) => {
      now += ms;
    }, {
      now: () => now,
      slots: { take: () => Promise.reject(new Error('connection refused')) },
      onSlotError: (err, lane) => errors.push(`${lane}: ${(err as Error).message}`),
    });
    const sentAt: number[] = [];
    await Promise.all([1, 2].map(() => pacer.schedule('installation:3', 0, undefined, async () => sentAt.push(now))));
    expect(sentAt).toEqual([0, 1000]);
    expect(errors).toEqual(['installation:3: connection refused', 'installation:3: connection refused']);
  });
});

describe('isGraphqlQuery', () => {
  it('reads a GraphQL query as a read, and a mutation or a REST POST as a write', () => {
    expect(isGraphqlQuery('https://ghe.example/api/graphql', { query: 'query Files($sha: String!) { repository { name } }' })).toBe(true);
    expect(isGraphqlQuery('https://api.github.com/graphql', { query: '{ viewer { login } }' })).toBe(true);
    expect(isGraphqlQuery('https://api.github.com/graphql', { query: '# a comment\n mutation { addStar { clientMutationId } }' })).toBe(false);
    expect(isGraphqlQuery('https://api.github.com/repos/a/b/check-runs', { query: '{ x }' })).toBe(false);
    expect(isGraphqlQuery('https://api.github.com/graphql', {})).toBe(false);
  });
});
