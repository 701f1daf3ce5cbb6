import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, verdictOf } from '../../src/notify/responses.ts';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2_000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('reads an HTTP date as the time until it, and a past date as 0', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:59:00 GMT', NOW)).toBe(0);
  });

  it('cuts a very long wait to the cap', () => {
    expect(parseRetryAfter('999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
  });

  it.each([undefined, null, '', '  ', '-5', '1.5', 'soon', '2026-12-01'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('verdictOf', () => {
  const at = 'https://hooks.example.com';
  it('delivers on 2xx', () => {
    expect(verdictOf(200, undefined, NOW, at)).toEqual({ kind: 'delivered' });
    expect(verdictOf(204, undefined, NOW, at)).toEqual({ kind: 'delivered' });
  });

  it('retries 429, 408 and 5xx, after Retry-After when given (never sooner than a second)', () => {
    expect(verdictOf(503, undefined, NOW, at)).toEqual({ kind: 'retry', error: 'HTTP 503 from https://hooks.example.com' });
    expect(verdictOf(429, '2', NOW, at)).toEqual({ kind: 'retry', error: 'HTTP 429 from https://hooks.example.com (Retry-After: 2)', afterMs: 2_000 });
    expect(verdictOf(503, '0', NOW, at)).toMatchObject({ kind: 'retry', afterMs: 1_000 });
    expect(verdictOf(408, undefined, NOW, at)).toMatchObject({ kind: 'retry' });
    expect(verdictOf(502, 'garbage', NOW, at)).toEqual({ kind: 'retry', error: 'HTTP 502 from https://hooks.example.com' });
  });

  it('disables on 410, fails on other 4xx and on redirects', () => {
    expect(verdictOf(410, undefined, NOW, at)).toEqual({ kind: 'gone', error: 'HTTP 410 from https://hooks.example.com: the endpoint is gone; it is disabled' });
    expect(verdictOf(400, undefined, NOW, at)).toEqual({ kind: 'failed', error: 'HTTP 400 from https://hooks.example.com' });
    expect(verdictOf(404, '5', NOW, at)).toMatchObject({ kind: 'failed' });
    expect(verdictOf(301, undefined, NOW, at)).toMatchObject({ kind: 'failed', error: expect.stringContaining('redirects are not followed') });
  });
});
