import { describe, expect, it } from 'vitest';
import { bearerToken, cameOverHttps, checkAccess, constantTimeEqual, parseCookies, SESSION_COOKIE, sessionCookie, sessionValue } from '../../src/dashboard/auth.ts';

const TOKEN = 'dashboard-token-0123456789';

describe('dashboard access', () => {
  it('is off without a configured token, whatever the request carries', () => {
    expect(checkAccess({ authorization: `Bearer ${TOKEN}` }, undefined)).toEqual({ kind: 'not-configured' });
    expect(checkAccess({}, '')).toEqual({ kind: 'not-configured' });
  });

  it('grants the right bearer token and denies a wrong one', () => {
    expect(checkAccess({ authorization: `Bearer ${TOKEN}` }, TOKEN)).toEqual({ kind: 'granted', via: 'bearer' });
    expect(checkAccess({ authorization: `bearer ${TOKEN}` }, TOKEN)).toEqual({ kind: 'granted', via: 'bearer' });
    expect(checkAccess({ authorization: `Bearer ${TOKEN}x` }, TOKEN)).toEqual({ kind: 'denied', reason: 'wrong' });
    expect(checkAccess({ authorization: `Basic ${TOKEN}` }, TOKEN)).toEqual({ kind: 'denied', reason: 'missing' });
  });

  it('grants the session cookie of the token, and not the token itself as a cookie', () => {
    expect(checkAccess({ cookie: `other=1; ${SESSION_COOKIE}=${sessionValue(TOKEN)}` }, TOKEN)).toEqual({ kind: 'granted', via: 'cookie' });
    expect(checkAccess({ cookie: `${SESSION_COOKIE}=${TOKEN}` }, TOKEN)).toEqual({ kind: 'denied', reason: 'wrong' });
    // A session of an earlier token ends when the token changes.
    expect(checkAccess({ cookie: `${SESSION_COOKIE}=${sessionValue('old-token')}` }, TOKEN)).toEqual({ kind: 'denied', reason: 'wrong' });
    expect(checkAccess({}, TOKEN)).toEqual({ kind: 'denied', reason: 'missing' });
  });

  it('sets an HttpOnly SameSite=Strict cookie, Secure over HTTPS only', () => {
    const cookie = sessionCookie(TOKEN, false);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`));
    expect(cookie).not.toContain(TOKEN);
    expect(sessionCookie(TOKEN, true)).toMatch(/; Secure$/);
    expect(cameOverHttps({ 'x-forwarded-proto': 'https, http' }, false)).toBe(true);
    expect(cameOverHttps({ 'x-forwarded-proto': 'http' }, false)).toBe(false);
    expect(cameOverHttps({}, true)).toBe(true);
  });

  it('compares strings of any lengths', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
  });

  it('parses cookies and bearer headers', () => {
    expect([...parseCookies(' a=1 ; b = 2;c=x=y; a=9; junk')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'x=y'],
    ]);
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
