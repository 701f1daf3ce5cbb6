import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { rawPost } from '../helpers/raw-http.ts';

const MB = 1024 * 1024;

// One database kind is enough: the cap acts before anything reaches the store.
const [pglite] = databaseTargets();

describe('webhook bodies over 25 MB, against the real app', () => {
  let h: Harness;
  beforeEach(async () => {
    if (!pglite) throw new Error('no PGlite target');
    h = await startHarness(pglite, { setup: (sim) => void sim.org('acme', { members: ['alice'] }) });
  });
  afterEach(async () => {
    await h?.close();
  });

  const headersFor = (body: string | Buffer) => ({
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': crypto.randomUUID(),
    'x-hub-signature-256': `sha256=${createHmac('sha256', h.sim.app.webhookSecret).update(body).digest('hex')}`,
  });

  it('answers 413 to a 26 MB body (declared or chunked), records nothing, and keeps serving signed webhooks and /healthz', async () => {
    const huge = Buffer.alloc(26 * MB, 0x20);
    huge.write('{"zen":"big"', 0);
    huge.write('}', huge.length - 1);
    const webhooks = `${h.app.url}/api/github/webhooks`;

    const declared = await rawPost(webhooks, { headers: { ...headersFor(huge), 'content-length': huge.length }, chunks: [huge] });
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/Payload Too Large: webhook bodies over 25 MB are refused/);

    // Chunked, no Content-Length: counted while it streams, in 1 MB pieces.
    const pieces = Array.from({ length: 26 }, (_, i) => huge.subarray(i * MB, (i + 1) * MB));
    const chunked = await rawPost(webhooks, { headers: { ...headersFor(huge), 'transfer-encoding': 'chunked' }, chunks: pieces });
    expect(chunked.status).toBe(413);

    const health = await fetch(`${h.app.url}/healthz`);
    expect(health.status).toBe(200);

    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const normal = await fetch(webhooks, { method: 'POST', headers: headersFor(body), body });
    expect(normal.status).toBe(200);
    expect(await h.store.db.selectFrom('deliveries').select(['event']).execute()).toEqual([{ event: 'ping' }]);
  });

  it('still refuses a wrongly signed body within the cap', async () => {
    const body = JSON.stringify({ zen: 'small', hook_id: 2 });
    const response = await fetch(`${h.app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { ...headersFor('something else'), 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/i);
  });
});
