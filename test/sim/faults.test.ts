import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationToken, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator;
afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

async function statuses(token: string, count: number): Promise<Array<{ status: number; retryAfter: string | null; message: string }>> {
  const results = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${sim.baseUrl}/repos/acme/api`, { headers: { authorization: `token ${token}` } });
    const body = (await response.json()) as { message?: string };
    results.push({ status: response.status, retryAfter: response.headers.get('retry-after'), message: body.message ?? '' });
  }
  return results;
}

describe('faults', () => {
  it('answers every call with 502/503 at errorRate 1, and recovers when cleared', async () => {
    ({ sim } = await startTestSimulator());
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    sim.faults.set({ errorRate: 1, seed: 3 });
    const results = await statuses(token, 8);
    expect(results.every((r) => r.status === 502 || r.status === 503)).toBe(true);
    expect(new Set(results.map((r) => r.status)).size).toBe(2);
    expect(sim.requests.slice(-8).every((r) => r.fault === 'server-error')).toBe(true);
    sim.faults.clear();
    expect((await statuses(token, 1))[0]?.status).toBe(200);
  });

  it('answers secondary rate limits with retry-after and GitHub’s message (403 or 429)', async () => {
    ({ sim } = await startTestSimulator());
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    sim.faults.set({ rateLimitRate: 1, retryAfterSeconds: 7, rateLimitStatus: 403 });
    const [limited] = await statuses(token, 1);
    expect(limited).toMatchObject({ status: 403, retryAfter: '7' });
    expect(limited?.message).toMatch(/^You have exceeded a secondary rate limit/);
    sim.faults.set({ rateLimitRate: 1, rateLimitStatus: 429 });
    expect((await statuses(token, 1))[0]).toMatchObject({ status: 429, retryAfter: '1' });
  });

  it('is deterministic for a seed, applies only to listed routes, and never to setup calls', async () => {
    ({ sim } = await startTestSimulator());
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    const run = async (seed: number) => {
      sim.faults.set({ errorRate: 0.3, rateLimitRate: 0.2, seed });
      return (await statuses(token, 20)).map((r) => r.status);
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(0);

    sim.faults.set({ errorRate: 1, routes: ['POST /repos/{owner}/{repo}/check-runs'] });
    expect((await statuses(token, 3)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Setup goes through methods, not HTTP: unaffected.
    expect(() => sim.push({ repo: 'acme/api', files: { x: '1' } })).not.toThrow();
    const check = await fetch(`${sim.baseUrl}/repos/acme/api/check-runs`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', head_sha: sim.refSha('acme/api', 'main') }),
    });
    expect([502, 503]).toContain(check.status);
    expect(sim.checkRuns('acme/api')).toHaveLength(0);
  });

  it('adds latency on the sim clock', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    sim.faults.set({ latencyMs: 5_000 });
    let done = false;
    const pending = fetch(`${sim.baseUrl}/repos/acme/api`, { headers: { authorization: `token ${token}` } }).then((r) => {
      done = true;
      return r.status;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    started.clock.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    started.clock.advance(1);
    expect(await pending).toBe(200);
  });
});
