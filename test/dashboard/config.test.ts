import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig } from '../../src/config/app-config.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const base = { APP_ID: '42', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's3cret' };

describe('DASHBOARD_TOKEN', () => {
  it('is read trimmed, and absent (the dashboard off) when unset or blank', () => {
    expect(loadAppConfig({ ...base, DASHBOARD_TOKEN: '  tok-123  ' }).dashboardToken).toBe('tok-123');
    expect(loadAppConfig(base).dashboardToken).toBeUndefined();
    expect(loadAppConfig({ ...base, DASHBOARD_TOKEN: '   ' }).dashboardToken).toBeUndefined();
  });

  it('refuses a token that cannot travel as one bearer word', () => {
    let problems: string[] = [];
    try {
      loadAppConfig({ ...base, DASHBOARD_TOKEN: 'two words' });
    } catch (err) {
      if (err instanceof AppConfigError) problems = err.problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^DASHBOARD_TOKEN must be one word of visible ASCII characters/)]);
  });
});
