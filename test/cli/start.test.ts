import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

describe('shipgate start', () => {
  it('refuses to start without WEBHOOK_SECRET and lists every missing setting', async () => {
    const saved = { ...process.env };
    try {
      for (const key of ['WEBHOOK_SECRET', 'APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH']) delete process.env[key];
      const io = captureIo();
      const code = await main(['start', '--dotenv', '/nonexistent/.env'], io);
      expect(code).toBe(1);
      expect(io.err).toMatch(/WEBHOOK_SECRET is not set/);
      expect(io.err).toMatch(/APP_ID/);
      expect(io.err).toMatch(/See \.env\.example/);
    } finally {
      process.env = saved;
    }
  });
});

describe('app.yml', () => {
  it('subscribes to the events of SPEC §2 (installation events arrive without a subscription)', () => {
    const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };
    expect([...manifest.default_events, 'installation', 'installation_repositories'].sort()).toEqual(
      ['push', 'pull_request', 'issue_comment', 'check_run', 'check_suite', 'workflow_run', 'workflow_job', 'deployment_protection_rule', 'installation', 'installation_repositories'].sort(),
    );
    expect(manifest.default_permissions).toMatchObject({ actions: 'write', checks: 'write', contents: 'read' });
  });
});

describe('.env.example', () => {
  it('documents every variable the app reads', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'GHE_HOST', 'GHE_PROTOCOL', 'SLACK_WEBHOOK_URL']) {
      expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });
});
