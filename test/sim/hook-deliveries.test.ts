import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { appOctokit, installationToken, seedAcme, startTestSimulator, startWebhookReceiver } from './helpers.ts';

let sim: GitHubSimulator;
let clock: ManualClock;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
    await receiver?.close();
    receiver = undefined;
  }
});

describe('the app webhook’s deliveries (GET /app/hook/deliveries, POST …/attempts)', () => {
  it('lists every attempt newest first in GitHub’s shape, failed ones with their status code', async () => {
    ({ sim, clock } = await startTestSimulator());
    seedAcme(sim);
    receiver = await startWebhookReceiver(sim.app.webhookSecret, 500);
    sim.setWebhookUrl(receiver.url);
    const first = sim.push({ repo: 'acme/api', branch: 'main', files: { 'a.txt': '1\n' }, author: 'alice' }).delivery;
    await sim.webhooks.drain();
    clock.advance(5_000);
    await receiver.close();
    receiver = await startWebhookReceiver(sim.app.webhookSecret, 202);
    sim.setWebhookUrl(receiver.url);
    const second = sim.push({ repo: 'acme/api', branch: 'main', files: { 'a.txt': '2\n' }, author: 'alice' }).delivery;
    await sim.webhooks.drain();

    const { data, headers } = await appOctokit(sim).request('GET /app/hook/deliveries');
    expect(headers.link).toBeUndefined();
    // The seed's installation.created had no webhook URL to go to: no attempt, as on GitHub.
    expect(data.map((d) => [d.guid, d.event, d.status_code])).toEqual([
      [second?.id, 'push', 202],
      [first?.id, 'push', 500],
    ]);
    const repoId = (first?.payload.repository as { id: number }).id;
    expect(data[1]).toEqual({
      id: first?.attempts[0]?.id,
      guid: first?.id,
      delivered_at: new Date(Date.UTC(2026, 0, 1, 12)).toISOString().replace('.000Z', 'Z'),
      redelivery: false,
      duration: expect.any(Number),
      status: 'Invalid HTTP Response: 500',
      status_code: 500,
      event: 'push',
      action: null,
      installation_id: sim.installation('acme'),
      repository_id: repoId,
    });
    expect(data[0]?.status).toBe('OK');
    expect(data[0]?.delivered_at).toBe(new Date(Date.UTC(2026, 0, 1, 12, 0, 5)).toISOString().replace('.000Z', 'Z'));
  });

  it('pages with a cursor in the Link header until the last attempt', async () => {
    ({ sim, clock } = await startTestSimulator());
    seedAcme(sim);
    receiver = await startWebhookReceiver(sim.app.webhookSecret);
    sim.setWebhookUrl(receiver.url);
    for (let i = 0; i < 5; i++) sim.push({ repo: 'acme/api', branch: 'main', files: { 'a.txt': `${i}\n` }, author: 'alice' });
    await sim.webhooks.drain();
    const octokit = appOctokit(sim);

    const firstPage = await octokit.request('GET /app/hook/deliveries', { per_page: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.headers.link).toMatch(/^<http:\/\/[^>]+[?&]cursor=v1_\d+[^>]*>; rel="next"$/);
    const all = await octokit.paginate('GET /app/hook/deliveries', { per_page: 2 });
    // 5 pushes, each once, newest first.
    expect(all).toHaveLength(5);
    expect(new Set(all.map((d) => d.id)).size).toBe(5);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => b - a));
    expect(all.slice(0, 2)).toEqual(firstPage.data);

    expect((await octokit.request('GET /app/hook/deliveries', { status: 'success' })).data).toHaveLength(5);
    expect((await octokit.request('GET /app/hook/deliveries', { status: 'failure' })).data).toEqual([]);
    await expect(octokit.request('GET /app/hook/deliveries', { cursor: 'garbage' })).rejects.toMatchObject({ status: 400 });
  });

  it('redelivers an attempt: same guid and body, marked as a redelivery, listed as a new attempt', async () => {
    ({ sim, clock } = await startTestSimulator());
    seedAcme(sim);
    receiver = await startWebhookReceiver(sim.app.webhookSecret, 503);
    sim.setWebhookUrl(receiver.url);
    const push = sim.push({ repo: 'acme/api', branch: 'main', files: { 'a.txt': '1\n' }, author: 'alice' }).delivery;
    await sim.webhooks.drain();
    const failedAttempt = push?.attempts[0]?.id;
    await receiver.close();
    receiver = await startWebhookReceiver(sim.app.webhookSecret, 202);
    sim.setWebhookUrl(receiver.url);

    const octokit = appOctokit(sim);
    const answer = await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: failedAttempt ?? 0 });
    expect(answer.status).toBe(202);
    await sim.webhooks.drain();
    expect(receiver.received.map((w) => [w.deliveryId, w.event, w.body])).toEqual([[push?.id, 'push', push?.body]]);

    const { data } = await octokit.request('GET /app/hook/deliveries');
    expect(data[0]).toMatchObject({ guid: push?.id, redelivery: true, status_code: 202 });
    expect(data[1]).toMatchObject({ id: failedAttempt, guid: push?.id, redelivery: false, status_code: 503 });

    await expect(octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: 999_999 })).rejects.toMatchObject({ status: 404 });
  });

  it('lists an app that did not answer as failed to connect, with status code 0', async () => {
    ({ sim, clock } = await startTestSimulator());
    seedAcme(sim);
    await sim.webhooks.drain();
    sim.setWebhookUrl('http://127.0.0.1:1/api/github/webhooks');
    const push = sim.push({ repo: 'acme/api', branch: 'main', files: { 'a.txt': '1\n' }, author: 'alice' }).delivery;
    await sim.webhooks.drain();
    const { data } = await appOctokit(sim).request('GET /app/hook/deliveries');
    expect(data.map((d) => [d.guid, d.status, d.status_code])).toEqual([[push?.id, 'failed to connect', 0]]);
  });

  it('answers only the app’s JWT, not an installation token', async () => {
    ({ sim, clock } = await startTestSimulator());
    seedAcme(sim);
    // Octokit's app auth swaps in the JWT for /app routes by itself: send the installation token by hand.
    const token = await installationToken(sim, 'acme');
    const response = await fetch(`${sim.baseUrl}/app/hook/deliveries`, { headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toMatch(/JSON web token/);
  });
});
