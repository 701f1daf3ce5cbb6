import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedIpv4, guardedLookup, ipv6Bytes, isPrivateHostLiteral, privateKindOf, refuseHost, type Resolver } from '../../src/notify/addresses.ts';
import { postNotification } from '../../src/notify/send.ts';

describe('privateKindOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(privateKindOf(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '192.169.0.1', '100.63.255.255', '169.253.0.1', '11.0.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1', 'example.com'])('%s is public (or no address)', (address) => {
    expect(privateKindOf(address)).toBeUndefined();
  });
});

describe('IPv6 parsing', () => {
  it('expands compressed and dotted forms to 16 bytes', () => {
    expect(ipv6Bytes('::1')).toEqual([...Array<number>(15).fill(0), 1]);
    expect(ipv6Bytes('::ffff:1.2.3.4')?.slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(ipv6Bytes('2001:db8::8:800:200c:417a')).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
    expect(ipv6Bytes('1.2.3.4')).toBeUndefined();
  });

  it('finds the IPv4 address inside mapped, NAT64 and 6to4 forms, and none in a plain one', () => {
    expect(embeddedIpv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIpv4('64:ff9b::7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2002:7f00:1::')).toBe('127.0.0.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeUndefined();
    expect(embeddedIpv4('::1')).toBeUndefined();
  });
});

describe('refuseHost (no DNS)', () => {
  const url = (text: string) => new URL(text);
  it('refuses loopback, private and link-local literals and localhost without the flag, saying which and how to allow it', () => {
    expect(refuseHost(url('https://127.0.0.1/x'), false)).toMatch(/127\.0\.0\.1 is a loopback address; .*SHIPGATE_ALLOW_PRIVATE_URLS=1/);
    expect(refuseHost(url('https://10.1.2.3/x'), false)).toMatch(/a private address/);
    expect(refuseHost(url('https://172.20.0.1/x'), false)).toMatch(/a private address/);
    expect(refuseHost(url('https://192.168.0.1/x'), false)).toMatch(/a private address/);
    expect(refuseHost(url('http://169.254.169.254/latest/meta-data/'), false)).toMatch(/a link-local address/);
    expect(refuseHost(url('https://[::1]:8443/x'), false)).toMatch(/loopback/);
    expect(refuseHost(url('https://[fc00::5]/x'), false)).toMatch(/a private address/);
    expect(refuseHost(url('https://localhost/x'), false)).toMatch(/localhost is a loopback address/);
    expect(refuseHost(url('https://api.localhost/x'), false)).toMatch(/loopback/);
    // The URL parser turns other spellings of 127.0.0.1 into the dotted form first.
    expect(refuseHost(url('https://2130706433/x'), false)).toMatch(/127\.0\.0\.1 is a loopback/);
  });

  it('allows them with the flag, and leaves names to the connection-time check', () => {
    expect(refuseHost(url('https://127.0.0.1/x'), true)).toBeUndefined();
    expect(refuseHost(url('http://10.1.2.3/x'), true)).toBeUndefined();
    expect(refuseHost(url('https://hooks.example.com/x'), false)).toBeUndefined();
    expect(refuseHost(url('https://8.8.8.8/x'), false)).toBeUndefined();
  });

  it('refuses plain http to a public address even with the flag, and other schemes always', () => {
    expect(refuseHost(url('http://8.8.8.8/x'), true)).toMatch(/public address; use https/);
    expect(refuseHost(url('ftp://127.0.0.1/x'), true)).toMatch(/not http/);
  });

  it('tells literal private hosts (the config check) from names', () => {
    expect(isPrivateHostLiteral('127.0.0.1')).toBe(true);
    expect(isPrivateHostLiteral('[::1]')).toBe(true);
    expect(isPrivateHostLiteral('localhost')).toBe(true);
    expect(isPrivateHostLiteral('internal.example.com')).toBe(false);
    expect(isPrivateHostLiteral('8.8.8.8')).toBe(false);
  });
});

/** A resolver that knows a few names (the test never asks real DNS). */
const table: Record<string, Array<{ address: string; family: number }>> = {
  'evil.example': [{ address: '127.0.0.1', family: 4 }],
  'mixed.example': [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.7', family: 4 },
  ],
  'public.example': [{ address: '93.184.216.34', family: 4 }],
  'metadata.example': [{ address: '169.254.169.254', family: 4 }],
};
const fakeResolver: Resolver = async (host) => {
  const found = table[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};

function lookupOnce(rule: { allowPrivate: boolean; plainHttp: boolean }, host: string, all = false): Promise<{ err: Error | null; address: unknown }> {
  return new Promise((resolve) => guardedLookup(rule, fakeResolver)(host, { all }, (err, address) => resolve({ err, address })));
}

describe('guardedLookup (connection time)', () => {
  it('refuses a name that resolves to a loopback or metadata address, unless allowed', async () => {
    expect((await lookupOnce({ allowPrivate: false, plainHttp: false }, 'evil.example')).err?.message).toMatch(/evil\.example resolves to 127\.0\.0\.1, a loopback address/);
    expect((await lookupOnce({ allowPrivate: false, plainHttp: false }, 'metadata.example')).err?.message).toMatch(/169\.254\.169\.254, a link-local/);
    expect(await lookupOnce({ allowPrivate: true, plainHttp: false }, 'evil.example')).toEqual({ err: null, address: '127.0.0.1' });
  });

  it('refuses a name when any of its addresses is private, and hands back all of them when asked', async () => {
    expect((await lookupOnce({ allowPrivate: false, plainHttp: false }, 'mixed.example')).err?.message).toMatch(/10\.0\.0\.7/);
    expect(await lookupOnce({ allowPrivate: false, plainHttp: false }, 'public.example', true)).toEqual({ err: null, address: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('refuses plain http to a public name, and passes DNS errors on', async () => {
    expect((await lookupOnce({ allowPrivate: true, plainHttp: true }, 'public.example')).err?.message).toMatch(/public address; use https/);
    expect((await lookupOnce({ allowPrivate: false, plainHttp: false }, 'nowhere.example')).err).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('postNotification through the guard', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function receiver(): Promise<{ port: number; hits: string[] }> {
    const hits: string[] = [];
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${req.headers.host}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, hits };
  }

  it('never connects to a name that resolves to 127.0.0.1 without the flag, and does with it', async () => {
    const { port, hits } = await receiver();
    const refused = await postNotification(`http://evil.example:${port}/hook`, '{}', {}, { allowPrivate: false, resolve: fakeResolver });
    expect(refused).toEqual({ kind: 'refused', error: expect.stringMatching(/evil\.example resolves to 127\.0\.0\.1/) });
    expect(hits).toEqual([]);
    const sent = await postNotification(`http://evil.example:${port}/hook`, '{}', {}, { allowPrivate: true, resolve: fakeResolver });
    expect(sent).toMatchObject({ kind: 'answered', status: 204 });
    expect(hits).toEqual([`POST /hook evil.example:${port}`]);
  });

  it('refuses a private literal before connecting, and reports a closed port as a network error', async () => {
    const { port, hits } = await receiver();
    expect(await postNotification(`http://127.0.0.1:${port}/hook`, '{}', {}, { allowPrivate: false })).toMatchObject({ kind: 'refused' });
    expect(hits).toEqual([]);
    server?.close();
    const closed = await postNotification(`http://127.0.0.1:${port}/hook`, '{}', {}, { allowPrivate: true });
    expect(closed).toMatchObject({ kind: 'network', error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    server = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const result = await postNotification(`http://127.0.0.1:${port}/slow`, '{}', {}, { allowPrivate: true, timeoutMs: 200 });
    expect(result).toEqual({ kind: 'network', error: expect.stringMatching(/within the send timeout/) });
  });
});
