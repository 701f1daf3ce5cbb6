/**
 * Standard Webhooks signing (standard-webhooks 1.0.0): the signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}` over the exact bytes sent, the
 * signature `v1,<base64 HMAC-SHA256>` keyed with the secret's bytes (the
 * base64 after `whsec_`). Several secrets (rotation) give several signatures,
 * space-separated; a receiver accepts any that matches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = 'whsec_';

/** Bytes a secret must decode to (the spec: 24 to 64 random bytes). */
export const SECRET_BYTES = { min: 24, max: 64 } as const;

/** The header names a receiver reads. */
export const SIGNATURE_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

/** A parsed secret, or why it cannot be used. */
export type ParsedSecret = { ok: true; key: Buffer } | { ok: false; problem: string };

/** Reads one `whsec_…` secret (the prefix may be left out): base64 of 24 to 64 bytes. */
export function parseSecret(secret: string): ParsedSecret {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) return { ok: false, problem: 'is not base64 after whsec_' };
  const key = Buffer.from(encoded, 'base64');
  if (key.length < SECRET_BYTES.min || key.length > SECRET_BYTES.max) {
    return { ok: false, problem: `decodes to ${key.length} bytes; a secret is ${SECRET_BYTES.min} to ${SECRET_BYTES.max} random bytes (e.g. whsec_ + \`openssl rand -base64 32\`)` };
  }
  return { ok: true, key };
}

/** The base64 HMAC-SHA256 of `id.timestamp.body` under one key (pure). */
export function signatureOf(key: Buffer, id: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** The `webhook-signature` header: one `v1,<signature>` per key, space-separated. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestamp: number, body: string | Buffer): string {
  return keys.map((key) => `v1,${signatureOf(key, id, timestamp, body)}`).join(' ');
}

/** The three signing headers of one attempt. */
export function signingHeaders(keys: readonly Buffer[], id: string, timestamp: number, body: string | Buffer): Record<string, string> {
  return { [SIGNATURE_HEADERS.id]: id, [SIGNATURE_HEADERS.timestamp]: String(timestamp), [SIGNATURE_HEADERS.signature]: signatureHeader(keys, id, timestamp, body) };
}

/**
 * What a receiver does (pure; for tests and as the reference for receivers):
 * the timestamp within `toleranceSec` of `nowSec`, and one `v1` signature that
 * matches in constant time.
 */
export function verifySignature(
  key: Buffer,
  headers: { id: string; timestamp: string; signature: string },
  body: string | Buffer,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(signatureOf(key, headers.id, timestamp, body), 'base64');
  return headers.signature.split(' ').some((entry) => {
    const [version, value = ''] = entry.split(',', 2);
    if (version !== 'v1') return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
