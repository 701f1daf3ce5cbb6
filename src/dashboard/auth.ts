/**
 * Who may see the dashboard: whoever presents `DASHBOARD_TOKEN`, as a bearer
 * token (`Authorization: Bearer …`) or through the session cookie that
 * `GET /login?token=…` sets. The cookie holds an HMAC of the token, not the
 * token itself (a new token ends every session); it is HttpOnly and
 * SameSite=Strict, and Secure when the request came over HTTPS. Comparisons
 * take the same time whatever the input.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The session cookie's name. */
export const SESSION_COOKIE = 'shipgate_dashboard';
/** How long a session lasts (30 days). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

/** Whether a request may see the dashboard, and if not, why. */
export type Access =
  | { kind: 'not-configured' }
  | { kind: 'granted'; via: 'bearer' | 'cookie' }
  | { kind: 'denied'; reason: 'missing' | 'wrong' };

/** Whether two strings are equal, in a time that does not depend on where they differ (or on their lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

/** The cookie value of a session for `token`. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('shipgate dashboard session v1').digest('base64url');
}

/** The cookies of a request, by name (the first of a repeated name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The bearer token of an `Authorization` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Decides a request's access from its headers and the configured token (undefined or empty: the dashboard is off). */
export function checkAccess(headers: IncomingHttpHeaders, token: string | undefined): Access {
  if (!token) return { kind: 'not-configured' };
  const bearer = bearerToken(headers.authorization);
  if (bearer !== undefined) return constantTimeEqual(bearer, token) ? { kind: 'granted', via: 'bearer' } : { kind: 'denied', reason: 'wrong' };
  const cookie = parseCookies(headers.cookie).get(SESSION_COOKIE);
  if (cookie !== undefined) return constantTimeEqual(cookie, sessionValue(token)) ? { kind: 'granted', via: 'cookie' } : { kind: 'denied', reason: 'wrong' };
  return { kind: 'denied', reason: 'missing' };
}

/** The `Set-Cookie` value of a new session. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}${secure ? '; Secure' : ''}`;
}

/** Whether the request came over HTTPS (directly, or as a proxy in front says). */
export function cameOverHttps(headers: IncomingHttpHeaders, encrypted: boolean): boolean {
  if (encrypted) return true;
  const forwarded = headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https';
}
