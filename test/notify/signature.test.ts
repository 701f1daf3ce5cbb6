import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecret, signatureHeader, signatureOf, signingHeaders, verifySignature } from '../../src/notify/signature.ts';

// The published test vector of the Standard Webhooks JavaScript library.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function key(secret: string): Buffer {
  const parsed = parseSecret(secret);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.key;
}

describe('Standard Webhooks signing', () => {
  it('reproduces the published test vector', () => {
    expect(signatureHeader([key(VECTOR.secret)], VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signingHeaders([key(VECTOR.secret)], VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('keys the HMAC with the decoded bytes, not the text of the secret', () => {
    const asText = createHmac('sha256', VECTOR.secret).update(`${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.body}`).digest('base64');
    expect(`v1,${asText}`).not.toBe(VECTOR.signature);
    expect(parseSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual({ ok: true, key: key(VECTOR.secret) });
  });

  it('signs with every secret during a rotation, and each one verifies', () => {
    const next = key(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    const header = signatureHeader([key(VECTOR.secret), next], VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(header.split(' ')).toEqual([VECTOR.signature, `v1,${signatureOf(next, VECTOR.id, VECTOR.timestamp, VECTOR.body)}`]);
    const headers = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: header };
    expect(verifySignature(next, headers, VECTOR.body, VECTOR.timestamp)).toBe(true);
    expect(verifySignature(key(VECTOR.secret), headers, VECTOR.body, VECTOR.timestamp)).toBe(true);
  });

  it('verifies the vector, and refuses a changed body, id, secret, or an old timestamp', () => {
    const headers = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };
    const k = key(VECTOR.secret);
    expect(verifySignature(k, headers, VECTOR.body, VECTOR.timestamp + 299)).toBe(true);
    expect(verifySignature(k, headers, '{"test":2432232314}', VECTOR.timestamp)).toBe(false);
    expect(verifySignature(k, { ...headers, id: 'msg_other' }, VECTOR.body, VECTOR.timestamp)).toBe(false);
    expect(verifySignature(key(`whsec_${Buffer.alloc(24, 1).toString('base64')}`), headers, VECTOR.body, VECTOR.timestamp)).toBe(false);
    expect(verifySignature(k, headers, VECTOR.body, VECTOR.timestamp + 301)).toBe(false);
    expect(verifySignature(k, { ...headers, signature: VECTOR.signature.replace('v1,', 'v1a,') }, VECTOR.body, VECTOR.timestamp)).toBe(false);
  });
});

describe('parseSecret', () => {
  it.each([
    ['empty after the prefix', 'whsec_', /not base64/],
    ['not base64', 'whsec_not*base64!', /not base64/],
    ['too short', `whsec_${Buffer.alloc(16).toString('base64')}`, /16 bytes/],
    ['too long', `whsec_${Buffer.alloc(65).toString('base64')}`, /65 bytes/],
  ])('refuses a secret that is %s', (_name, secret, problem) => {
    const parsed = parseSecret(secret);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it('accepts 24 to 64 bytes', () => {
    expect(parseSecret(`whsec_${Buffer.alloc(24).toString('base64')}`).ok).toBe(true);
    expect(parseSecret(`whsec_${Buffer.alloc(64).toString('base64')}`).ok).toBe(true);
  });
});
