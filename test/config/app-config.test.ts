import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig } from '../../src/config/app-config.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const base = { APP_ID: '42', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's3cret' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    if (err instanceof AppConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadAppConfig', () => {
  it('reads a complete environment with defaults', () => {
    const config = loadAppConfig(base);
    expect(config).toMatchObject({
      appId: 42,
      webhookSecret: 's3cret',
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './.shipgate/db',
      githubBaseUrl: 'https://api.github.com',
      webhookPath: '/api/github/webhooks',
      logLevel: 'info',
    });
  });

  it('refuses to start without WEBHOOK_SECRET and never falls back to a default', () => {
    const problems = problemsOf({ ...base, WEBHOOK_SECRET: '' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/WEBHOOK_SECRET is not set/);
    expect(problemsOf({ APP_ID: '42', PRIVATE_KEY: privateKey })[0]).toMatch(/WEBHOOK_SECRET/);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ APP_ID: 'abc', PORT: '99999', LOG_LEVEL: 'loud', GHE_PROTOCOL: 'ftp' } as unknown as NodeJS.ProcessEnv);
    expect(problems.join('\n')).toMatch(/WEBHOOK_SECRET/);
    expect(problems.join('\n')).toMatch(/APP_ID/);
    expect(problems.join('\n')).toMatch(/PRIVATE_KEY/);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/GHE_PROTOCOL/);
  });

  it('keeps finished deliveries 14 days unless SHIPGATE_DELIVERY_RETENTION_DAYS says otherwise, and no less than 3', () => {
    expect(loadAppConfig(base).deliveryRetentionDays).toBe(14);
    expect(loadAppConfig({ ...base, SHIPGATE_DELIVERY_RETENTION_DAYS: '30' }).deliveryRetentionDays).toBe(30);
    for (const bad of ['2', '1.5', 'two weeks', '-1', '100000']) {
      const problems = problemsOf({ ...base, SHIPGATE_DELIVERY_RETENTION_DAYS: bad });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SHIPGATE_DELIVERY_RETENTION_DAYS must be a whole number of days from 3 .*got "/);
    }
  });

  it('points at GitHub Enterprise with GHE_HOST and GHE_PROTOCOL', () => {
    const config = loadAppConfig({ ...base, GHE_HOST: '127.0.0.1:4567', GHE_PROTOCOL: 'http' });
    expect(config.githubBaseUrl).toBe('http://127.0.0.1:4567/api/v3');
  });

  it('reads the key from PRIVATE_KEY_PATH and accepts one-line keys with \\n', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-key-'));
    const path = join(dir, 'app.pem');
    writeFileSync(path, privateKey);
    expect(loadAppConfig({ APP_ID: '1', WEBHOOK_SECRET: 'x', PRIVATE_KEY_PATH: path }).privateKey).toBe(privateKey);
    const oneLine = privateKey.replace(/\n/g, '\\n');
    expect(loadAppConfig({ ...base, PRIVATE_KEY: oneLine }).privateKey).toBe(privateKey);
    expect(problemsOf({ ...base, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: join(dir, 'missing.pem') })[0]).toMatch(
      /cannot be read/,
    );
    expect(problemsOf({ ...base, PRIVATE_KEY: 'not a key' })[0]).toMatch(/not a PEM private key/);
  });

  it('refuses to start with Jenkins half set up, saying what is missing', () => {
    const problems = problemsOf({ ...base, JENKINS_URL: 'https://ci.acme.test', JENKINS_USER: 'shipgate' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Jenkins is half set up: JENKINS_TOKEN is missing/);
    expect(problemsOf({ ...base, GITLAB_URL: 'https://gitlab.acme.test' })[0]).toMatch(/GITLAB_URL is set but GITLAB_TOKEN is not/);
  });

  it('carries the CI provider settings, and none when nothing is set', () => {
    expect(loadAppConfig(base).providers).toStrictEqual({ jenkins: undefined, gitlab: undefined, publicUrl: undefined });
    const config = loadAppConfig({
      ...base,
      JENKINS_URL: 'https://ci.acme.test/',
      JENKINS_USER: 'shipgate',
      JENKINS_TOKEN: '11c0ffee',
      GITLAB_TOKEN: 'glpat-123',
      GITLAB_WEBHOOK_TOKEN: 'hook',
      SHIPGATE_PUBLIC_URL: 'https://shipgate.acme.test',
    });
    expect(config.providers).toStrictEqual({
      jenkins: { url: 'https://ci.acme.test', user: 'shipgate', token: '11c0ffee', webhookToken: undefined },
      gitlab: { url: 'https://gitlab.com', token: 'glpat-123', webhookToken: 'hook' },
      publicUrl: 'https://shipgate.acme.test',
    });
  });

  it('rejects a DATABASE_URL that is not PostgreSQL', () => {
    expect(problemsOf({ ...base, DATABASE_URL: 'mysql://x' })[0]).toMatch(/DATABASE_URL/);
    expect(loadAppConfig({ ...base, DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
  });
});
