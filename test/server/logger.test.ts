import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlToken } from '../../src/server.ts';

describe('redactUrlToken', () => {
  it('replaces the token query parameter, wherever it is, and nothing else', () => {
    expect(redactUrlToken('/login?token=s3cret')).toBe('/login?token=[redacted]');
    expect(redactUrlToken('/login?next=%2F&token=s3cret&x=1')).toBe('/login?next=%2F&token=[redacted]&x=1');
    expect(redactUrlToken('/runs?page=2')).toBe('/runs?page=2');
    expect(redactUrlToken('/runs?mytoken=1')).toBe('/runs?mytoken=1');
  });
});

describe('createLogger', () => {
  it('never writes a login token found in a logged request URL, and leaves other URLs alone', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger('info', sink);
    log.info({ req: { method: 'GET', url: '/login?token=s3cret' } }, 'request completed');
    log.info({ req: { method: 'GET', url: '/runs?page=2' } }, 'request completed');
    const written = lines.join('');
    expect(written).not.toContain('s3cret');
    expect(written).toContain('/login?token=[redacted]');
    expect(written).toContain('/runs?page=2');
  });
});
