/**
 * The SSRF rule of notifications (SPEC §12): a notification goes to a public
 * address only, unless the operator allows private ones
 * (`SHIPGATE_ALLOW_PRIVATE_URLS=1`). Loopback, private, link-local (where
 * cloud metadata lives, 169.254.169.254), shared, multicast and reserved
 * ranges of IPv4 and IPv6 are private here, and so are IPv6 forms that embed
 * such an IPv4 address (`::ffff:127.0.0.1`, NAT64, 6to4). A host name is
 * checked on every address it resolves to, at connection time, so the address
 * checked is the address connected to.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why an address is not public: a short noun phrase for messages ("a loopback address"). */
export type PrivateKind = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'shared' | 'multicast' | 'reserved' | 'documentation';

const V4_RANGES: ReadonlyArray<readonly [string, number, PrivateKind]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6_RANGES: ReadonlyArray<readonly [string, number, PrivateKind]> = [
  ['::1', 128, 'loopback'],
  ['::', 128, 'unspecified'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'],
  ['ff00::', 8, 'multicast'],
];

/** One block list per kind, so a match can say which range it hit. */
const LISTS: ReadonlyArray<{ kind: PrivateKind; list: BlockList }> = (() => {
  const byKind = new Map<PrivateKind, BlockList>();
  const listOf = (kind: PrivateKind) => {
    let list = byKind.get(kind);
    if (!list) byKind.set(kind, (list = new BlockList()));
    return list;
  };
  for (const [network, prefix, kind] of V4_RANGES) listOf(kind).addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix, kind] of V6_RANGES) listOf(kind).addSubnet(network, prefix, 'ipv6');
  return [...byKind].map(([kind, list]) => ({ kind, list }));
})();

/**
 * The 16 bytes of an IPv6 address (with `::` compression and a trailing
 * dotted IPv4 part), or undefined when it is not one.
 */
export function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    tail.push(...dotted[1].split('.').map(Number));
    text = `${text.slice(0, -dotted[1].length)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<number>(zeros).fill(0), ...right];
  if (words.length !== 8) return undefined;
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The IPv4 address an IPv6 one carries (mapped, IPv4-compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  const zeroUntil = (n: number) => b.slice(0, n).every((x) => x === 0);
  const quad = (at: number) => b.slice(at, at + 4).join('.');
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (IPv4-compatible; not :: or ::1, which are their own).
  if (zeroUntil(10) && b[10] === 0xff && b[11] === 0xff) return quad(12);
  if (zeroUntil(12) && !(b[12] === 0 && b[13] === 0 && b[14] === 0 && (b[15] ?? 0) <= 1)) return quad(12);
  // 64:ff9b::/96, the well-known NAT64 prefix.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0)) return quad(12);
  // 2002::/16, 6to4: the IPv4 address is in bits 16 to 48.
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2);
  return undefined;
}

/** Strips the brackets of a URL's IPv6 host and a zone id (`fe80::1%eth0`). */
function bareAddress(host: string): string {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = unbracketed.indexOf('%');
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

/**
 * Which private range an IP address is in (pure); undefined for a public
 * address and for what is not an IP address at all.
 */
export function privateKindOf(address: string): PrivateKind | undefined {
  const ip = bareAddress(address);
  const family = isIP(ip);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { kind, list } of LISTS) if (list.check(ip, type)) return kind;
  const inner = family === 6 ? embeddedIpv4(ip) : undefined;
  return inner !== undefined ? privateKindOf(inner) : undefined;
}

/** `localhost` and names under it (RFC 6761): loopback without asking DNS. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Whether a URL's host is, as written, a private address or a `localhost` name (no DNS). */
export function isPrivateHostLiteral(host: string): boolean {
  return isLocalhostName(host) || privateKindOf(host) !== undefined;
}

/** The phrase for a refused address, with the flag that allows it. */
export function refusalMessage(host: string, address: string, kind: PrivateKind): string {
  const article = kind === 'unspecified' ? 'the' : /^[aeiou]/.test(kind) ? 'an' : 'a';
  const what = kind === 'unspecified' ? 'unspecified address' : `${kind} address`;
  const resolved = host === address ? `${host} is` : `${host} resolves to ${address},`;
  return `refused: ${resolved} ${article} ${what}; private targets are sent to only with SHIPGATE_ALLOW_PRIVATE_URLS=1`;
}

/** Thrown (through a connection's lookup) when a target is refused: never retried. */
export class RefusedTargetError extends Error {
  readonly code = 'ESHIPGATE_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'RefusedTargetError';
  }
}

/** What a target's scheme and the operator allow. */
export interface TargetRule {
  /** `SHIPGATE_ALLOW_PRIVATE_URLS=1`. */
  allowPrivate: boolean;
  /** Plain `http:`: allowed only to a private address, and only when private ones are. */
  plainHttp: boolean;
}

/**
 * Whether one address may be connected to under `rule` (pure): a refusal
 * message, or undefined when it may.
 */
export function refuseAddress(host: string, address: string, rule: TargetRule): string | undefined {
  const kind = isLocalhostName(host) && isIP(bareAddress(address)) === 0 ? 'loopback' : privateKindOf(address);
  if (kind !== undefined && !rule.allowPrivate) return refusalMessage(host, address, kind);
  if (kind === undefined && rule.plainHttp) return `refused: http://${host} is ${host === address ? '' : `at ${address}, `}a public address; use https (plain http is for private targets only)`;
  return undefined;
}

/**
 * The check that needs no DNS (pure): an IP-literal host or a `localhost`
 * name is judged as it is; other names are judged by {@link guardedLookup}
 * when connecting. Returns a refusal message, or undefined.
 */
export function refuseHost(url: URL, allowPrivate: boolean): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `refused: ${url.protocol} is not http(s)`;
  const host = bareAddress(url.hostname);
  const rule = { allowPrivate, plainHttp: url.protocol === 'http:' };
  if (isIP(host) !== 0) return refuseAddress(host, host, rule);
  if (isLocalhostName(host)) return refuseAddress(host, host, rule);
  return undefined;
}

/** How a host name is resolved: every address (`dns.lookup` with `all: true`, or a test's table). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

/** The system resolver, every address of a name. */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, order: 'verbatim' }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * A `lookup` for `http.request` that resolves the name and refuses it when any
 * of its addresses is refused by `rule`: the socket connects only to an address
 * that was checked, so a name cannot be re-pointed between check and connect.
 */
export function guardedLookup(rule: TargetRule, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = family === undefined ? all : all.filter((a) => a.family === family);
        for (const { address } of addresses) {
          const refusal = refuseAddress(hostname, address, rule);
          if (refusal !== undefined) return callback(new RefusedTargetError(refusal), '');
        }
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
