import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchGuarded } from '../../src/providers/guarded-fetch.ts';
import { closedPort, closeServer } from '../helpers/loopback.ts';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await closeServer(server);
});

/** A loopback server on a port chosen at run time; counts the requests it got. */
async function serve(listener: RequestListener): Promise<{ url: string; port: number; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    listener(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, requests: () => requests };
}

describe('fetchGuarded', () => {
  it('answers with the status and the body bytes', async () => {
    const server = await serve((req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(`got ${req.method} ${req.url}`)));
    const result = await fetchGuarded(`${server.url}/files/report.xml?x=1`, { maxBytes: 1024, allowPrivate: true });
    expect(result.kind).toBe('answered');
    if (result.kind !== 'answered') return;
    expect(result.status).toBe(200);
    expect(Buffer.from(result.body).toString('utf8')).toBe('got GET /files/report.xml?x=1');
  });

  it('answers an error status as it is, and does not follow a redirect', async () => {
    const missing = await serve((_req, res) => res.writeHead(404).end('no such file'));
    expect(await fetchGuarded(`${missing.url}/x`, { maxBytes: 1024, allowPrivate: true })).toMatchObject({ kind: 'answered', status: 404 });
    const redirect = await serve((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end());
    expect(await fetchGuarded(`${redirect.url}/x`, { maxBytes: 1024, allowPrivate: true })).toMatchObject({ kind: 'answered', status: 302 });
    expect(redirect.requests()).toBe(1);
  });

  it('takes a body of exactly maxBytes', async () => {
    const server = await serve((_req, res) => res.end(Buffer.alloc(1000, 7)));
    const result = await fetchGuarded(server.url, { maxBytes: 1000, allowPrivate: true });
    expect(result.kind === 'answered' ? result.body.length : -1).toBe(1000);
  });

  it('stops reading a body as soon as it passes maxBytes', async () => {
    // An endless body: the fetch ends only because it stops reading.
    const chunk = Buffer.alloc(64 * 1024, 1);
    const server = await serve((_req, res) => {
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.writeHead(200);
      pump();
    });
    const result = await fetchGuarded(server.url, { maxBytes: 100_000, allowPrivate: true });
    expect(result.kind).toBe('too-large');
    if (result.kind !== 'too-large') return;
    expect(result.bytes).toBeGreaterThan(100_000);
    expect(result.bytes).toBeLessThanOrEqual(100_000 + chunk.length);
  });

  it('refuses a private address without allowPrivate, before connecting', async () => {
    const server = await serve((_req, res) => res.end('secret'));
    const result = await fetchGuarded(`${server.url}/x`, { maxBytes: 1024, allowPrivate: false });
    expect(result.kind).toBe('refused');
    if (result.kind === 'refused') expect(result.error).toMatch(/127\.0\.0\.1 is a loopback address; .*SHIPGATE_ALLOW_PRIVATE_URLS=1/);
    expect(server.requests()).toBe(0);
  });

  it('refuses a name that resolves to a private address, checked when connecting', async () => {
    const server = await serve((_req, res) => res.end('secret'));
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const url = `http://artifacts.example.com:${server.port}/x`;
    const refused = await fetchGuarded(url, { maxBytes: 1024, allowPrivate: false, resolve });
    expect(refused.kind).toBe('refused');
    if (refused.kind === 'refused') expect(refused.error).toMatch(/artifacts\.example\.com resolves to 127\.0\.0\.1, a loopback address/);
    expect(server.requests()).toBe(0);
    expect(await fetchGuarded(url, { maxBytes: 1024, allowPrivate: true, resolve })).toMatchObject({ kind: 'answered', status: 200 });
    expect(server.requests()).toBe(1);
  });

  it('refuses what is not an http(s) URL', async () => {
    expect(await fetchGuarded('not a url', { maxBytes: 1024, allowPrivate: true })).toStrictEqual({ kind: 'refused', error: 'not a valid URL' });
    expect(await fetchGuarded('file:///etc/passwd', { maxBytes: 1024, allowPrivate: true })).toMatchObject({ kind: 'refused', error: expect.stringContaining('file: is not http(s)') });
  });

  it('reports a connection that fails as a network error naming the origin', async () => {
    const port = await closedPort();
    const result = await fetchGuarded(`http://127.0.0.1:${port}/x`, { maxBytes: 1024, allowPrivate: true });
    expect(result.kind).toBe('network');
    if (result.kind === 'network') expect(result.error).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });
});
