import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig } from '../../src/config/app-config.ts';
import { readNotifySettings, signingKeys } from '../../src/notify/settings.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('readNotifySettings', () => {
  it('reads the Slack URL, the secret and the private-address flag', () => {
    const problems: string[] = [];
    const settings = readNotifySettings({ SLACK_WEBHOOK_URL: ' https://hooks.slack.com/services/T/B/X ', SHIPGATE_WEBHOOK_SECRET: SECRET, SHIPGATE_ALLOW_PRIVATE_URLS: '1' }, problems);
    expect(problems).toEqual([]);
    expect(settings).toEqual({ slackWebhookUrl: 'https://hooks.slack.com/services/T/B/X', webhookSecret: SECRET, allowPrivateUrls: true });
    expect(signingKeys(settings.webhookSecret)).toHaveLength(1);
  });

  it('leaves everything off when nothing is set', () => {
    const problems: string[] = [];
    expect(readNotifySettings({}, problems)).toEqual({ slackWebhookUrl: undefined, webhookSecret: undefined, allowPrivateUrls: false });
    expect(readNotifySettings({ SHIPGATE_ALLOW_PRIVATE_URLS: '0' }, problems).allowPrivateUrls).toBe(false);
    expect(problems).toEqual([]);
    expect(signingKeys(undefined)).toEqual([]);
  });

  it('takes several space-separated secrets (rotation)', () => {
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect(signingKeys(`${SECRET} ${other}`)).toHaveLength(2);
  });

  it('names each bad value', () => {
    const problems: string[] = [];
    readNotifySettings({ SLACK_WEBHOOK_URL: 'hooks.slack.com/services/x', SHIPGATE_WEBHOOK_SECRET: `${SECRET} whsec_c2hvcnQ=`, SHIPGATE_ALLOW_PRIVATE_URLS: 'yes' }, problems);
    expect(problems).toEqual([
      expect.stringContaining('SLACK_WEBHOOK_URL must be the https URL'),
      expect.stringContaining('SHIPGATE_WEBHOOK_SECRET (secret 2) decodes to'),
      expect.stringContaining('SHIPGATE_ALLOW_PRIVATE_URLS must be 1 or 0'),
    ]);
  });
});

describe('loadAppConfig with notification settings', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const base = { APP_ID: '42', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's3cret' };

  it('carries them into the app config', () => {
    expect(loadAppConfig({ ...base, SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X', SHIPGATE_WEBHOOK_SECRET: SECRET, SHIPGATE_ALLOW_PRIVATE_URLS: '1' })).toMatchObject({
      slackWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
      notificationSecret: SECRET,
      allowPrivateUrls: true,
    });
    expect(loadAppConfig(base)).toMatchObject({ slackWebhookUrl: undefined, notificationSecret: undefined, allowPrivateUrls: false });
  });

  it('refuses to start with a malformed secret, saying what a secret is', () => {
    expect(() => loadAppConfig({ ...base, SHIPGATE_WEBHOOK_SECRET: 'hunter2' })).toThrow(AppConfigError);
    expect(() => loadAppConfig({ ...base, SHIPGATE_WEBHOOK_SECRET: 'hunter2' })).toThrow(/SHIPGATE_WEBHOOK_SECRET .*whsec_ followed by the base64 of 24 to 64 random bytes/);
  });
});
