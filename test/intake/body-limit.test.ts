import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declaredLengthExceeds, limitWebhookBody, MAX_WEBHOOK_BODY_BYTES, type NodeMiddleware } from '../../src/intake/body-limit.ts';
import { rawPost } from '../helpers/raw-http.ts';

describe('declaredLengthExceeds', () => {
  it.each([
    { header: undefined, exceeds: false },
    { header: '1000', exceeds: false },
    { header: '1001', exceeds: true },
    { header: String(MAX_WEBHOOK_BODY_BYTES + 1), exceeds: true },
    { header: 'abc', exceeds: false },
    { header: '-5', exceeds: false },
  ])('content-length $header over 1000 bytes: $exceeds', ({ header, exceeds }) => {
    expect(declaredLengthExceeds(header === undefined ? {} : { 'content-length': header }, 1000)).toBe(exceeds);
  });

  it('caps at 25 MB, GitHub\'s largest payload', () => {
    expect(MAX_WEBHOOK_BODY_BYTES).toBe(25 * 1024 * 1024);
  });
});

describe('limitWebhookBody over HTTP', () => {
  const CAP = 1000;
  let server: Server;
  let url: string;
  /** What the wrapped middleware saw: the body it was handed, per request. */
  let seen: Array<{ path: string | undefined; body: unknown }>;

  beforeEach(async () => {
    seen = [];
    // Stands in for Probot's webhook middleware: answers the webhook path with the body it got.
    const inner: NodeMiddleware = async (request, response) => {
      if (!request.url?.startsWith('/hooks')) return false;
      const body = (request as IncomingMessage & { body?: unknown }).body;
      seen.push({ path: request.url, body });
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${typeof body === 'string' ? body.length : 'none'}`);
      return true;
    };
    const limited = limitWebhookBody(inner, { path: '/hooks', maxBytes: CAP });
    server = createServer((request, response) => {
      void limited(request, response).then((handled) => {
        if (handled) return;
        // Not the webhook: read the body ourselves to show it was left unread.
        const parts: Buffer[] = [];
        request.on('data', (chunk: Buffer) => parts.push(chunk));
        request.on('end', () => response.writeHead(200).end(`other ${Buffer.concat(parts).length}`));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses by Content-Length before reading a byte of the body', async () => {
    // The body is never sent: the answer must come from the header alone.
    const answer = await rawPost(`${url}/hooks`, { headers: { 'content-length': CAP + 1 }, chunks: [], end: false });
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.text)).toEqual({ error: 'Payload Too Large: webhook bodies over 1000 bytes are refused' });
    expect(seen).toEqual([]);
  });

  it('refuses a chunked body as soon as the count passes the cap, while the client is still sending', async () => {
    const answer = await rawPost(`${url}/hooks`, {
      headers: { 'transfer-encoding': 'chunked' },
      chunks: [Buffer.alloc(600, 'a'), Buffer.alloc(600, 'b')],
      end: false,
    });
    expect(answer.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('hands a body within the cap to the middleware as text, multi-byte characters intact, and keeps serving', async () => {
    const first = await rawPost(`${url}/hooks`, { headers: { 'transfer-encoding': 'chunked' }, chunks: [Buffer.alloc(CAP + 50, 'x')] });
    expect(first.status).toBe(413);
    const text = '{"zen":"héllo ✓ 🚀"}';
    const bytes = Buffer.from(text, 'utf8');
    // Split inside the rocket's four bytes: decoding happens once, on the whole body.
    const cut = bytes.length - 4;
    const answer = await rawPost(`${url}/hooks`, { headers: {}, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] });
    expect(answer.status).toBe(200);
    expect(seen).toEqual([{ path: '/hooks', body: text }]);
  });

  it('accepts a body of exactly the cap', async () => {
    const answer = await rawPost(`${url}/hooks`, { headers: { 'content-length': CAP }, chunks: [Buffer.alloc(CAP, 'y')] });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`got ${CAP}`);
  });

  it('leaves other paths and methods to the rest of the chain, body unread', async () => {
    const other = await rawPost(`${url}/elsewhere`, { headers: {}, chunks: [Buffer.alloc(CAP * 3, 'z')] });
    expect(other).toMatchObject({ status: 200, text: `other ${CAP * 3}` });
    const get = await fetch(`${url}/hooks/`, { method: 'GET' });
    expect(get.status).toBe(200);
    expect(seen).toEqual([{ path: '/hooks/', body: undefined }]);
  });
});
