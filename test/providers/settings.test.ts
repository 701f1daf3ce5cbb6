import { describe, expect, it } from 'vitest';
import { readProviderSettings, type ProviderSettings } from '../../src/providers/settings.ts';

/** The settings of `env` and the problems found reading them. */
function read(env: NodeJS.ProcessEnv): { settings: ProviderSettings; problems: string[] } {
  const problems: string[] = [];
  const settings = readProviderSettings(env, problems);
  return { settings, problems };
}

const JENKINS = { JENKINS_URL: 'https://ci.acme.test/jenkins/', JENKINS_USER: 'shipgate', JENKINS_TOKEN: '11c0ffee' };

describe('readProviderSettings', () => {
  it('sets up nothing when no provider setting is there, without a problem', () => {
    expect(read({})).toStrictEqual({ settings: { jenkins: undefined, gitlab: undefined, publicUrl: undefined }, problems: [] });
  });

  it('takes empty and blank values as unset', () => {
    const blank = { JENKINS_URL: '', JENKINS_USER: '  ', JENKINS_TOKEN: '\t', GITLAB_URL: ' ', GITLAB_TOKEN: '', SHIPGATE_PUBLIC_URL: '' };
    expect(read(blank)).toStrictEqual({ settings: { jenkins: undefined, gitlab: undefined, publicUrl: undefined }, problems: [] });
  });

  describe('Jenkins', () => {
    it('reads a complete setup, without the trailing slash of the URL', () => {
      const { settings, problems } = read(JENKINS);
      expect(problems).toStrictEqual([]);
      expect(settings.jenkins).toStrictEqual({ url: 'https://ci.acme.test/jenkins', user: 'shipgate', token: '11c0ffee', webhookToken: undefined });
      expect(read({ ...JENKINS, JENKINS_URL: 'http://10.0.0.5:8080//' }).settings.jenkins?.url).toBe('http://10.0.0.5:8080');
    });

    it('trims the values', () => {
      const { settings } = read({ JENKINS_URL: ' https://ci.acme.test ', JENKINS_USER: ' shipgate\n', JENKINS_TOKEN: ' 11c0ffee ' });
      expect(settings.jenkins).toMatchObject({ url: 'https://ci.acme.test', user: 'shipgate', token: '11c0ffee' });
    });

    it.each([
      { name: 'only the URL', env: { JENKINS_URL: JENKINS.JENKINS_URL }, missing: 'JENKINS_USER and JENKINS_TOKEN are missing' },
      { name: 'no token', env: { JENKINS_URL: JENKINS.JENKINS_URL, JENKINS_USER: 'shipgate' }, missing: 'JENKINS_TOKEN is missing' },
      { name: 'no user', env: { JENKINS_URL: JENKINS.JENKINS_URL, JENKINS_TOKEN: 'x' }, missing: 'JENKINS_USER is missing' },
      { name: 'no URL', env: { JENKINS_USER: 'shipgate', JENKINS_TOKEN: 'x' }, missing: 'JENKINS_URL is missing' },
      { name: 'only the token', env: { JENKINS_TOKEN: 'x' }, missing: 'JENKINS_URL and JENKINS_USER are missing' },
    ])('refuses half a setup ($name), naming what is missing in one sentence', ({ env, missing }) => {
      const { settings, problems } = read(env);
      expect(settings.jenkins).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^Jenkins is half set up: /);
      expect(problems[0]).toContain(missing);
      expect(problems[0]).toContain('set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN');
    });

    it.each(['ci.acme.test', 'ftp://ci.acme.test', 'file:///var/jenkins', 'not a url'])('refuses a JENKINS_URL that is not http(s): %s', (url) => {
      const { settings, problems } = read({ ...JENKINS, JENKINS_URL: url });
      expect(settings.jenkins).toBeUndefined();
      expect(problems).toStrictEqual([`JENKINS_URL must be an http(s) URL, got ${JSON.stringify(url)}.`]);
    });

    it('refuses credentials in the URL and does not repeat them in the message', () => {
      for (const url of ['https://admin:hunter2@ci.acme.test', 'https://admin@ci.acme.test']) {
        const { settings, problems } = read({ ...JENKINS, JENKINS_URL: url });
        expect(settings.jenkins).toBeUndefined();
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^JENKINS_URL must not carry credentials in the URL; use the token settings instead\.$/);
        expect(problems[0]).not.toContain('hunter2');
        expect(problems[0]).not.toContain('admin');
      }
    });

    it('passes the Notification plugin token through, trimmed', () => {
      expect(read({ ...JENKINS, JENKINS_WEBHOOK_TOKEN: ' hook-secret ' }).settings.jenkins?.webhookToken).toBe('hook-secret');
      expect(read({ ...JENKINS, JENKINS_WEBHOOK_TOKEN: '' }).settings.jenkins?.webhookToken).toBeUndefined();
    });
  });

  describe('GitLab', () => {
    it('defaults to https://gitlab.com with only GITLAB_TOKEN', () => {
      const { settings, problems } = read({ GITLAB_TOKEN: 'glpat-123' });
      expect(problems).toStrictEqual([]);
      expect(settings.gitlab).toStrictEqual({ url: 'https://gitlab.com', token: 'glpat-123', webhookToken: undefined });
    });

    it.each([
      { given: 'https://gitlab.acme.test', url: 'https://gitlab.acme.test' },
      { given: 'https://gitlab.acme.test/', url: 'https://gitlab.acme.test' },
      { given: 'https://gitlab.acme.test/api/v4', url: 'https://gitlab.acme.test' },
      { given: 'https://gitlab.acme.test/api/v4/', url: 'https://gitlab.acme.test' },
      { given: 'https://acme.test/gitlab/api/v4', url: 'https://acme.test/gitlab' },
      { given: 'http://127.0.0.1:8929', url: 'http://127.0.0.1:8929' },
    ])('reads GITLAB_URL $given as $url (the API path is added by the client)', ({ given, url }) => {
      const { settings, problems } = read({ GITLAB_TOKEN: 'glpat-123', GITLAB_URL: given });
      expect(problems).toStrictEqual([]);
      expect(settings.gitlab?.url).toBe(url);
    });

    it('refuses GITLAB_URL without GITLAB_TOKEN', () => {
      const { settings, problems } = read({ GITLAB_URL: 'https://gitlab.acme.test' });
      expect(settings.gitlab).toBeUndefined();
      expect(problems).toStrictEqual(['GITLAB_URL is set but GITLAB_TOKEN is not: set GITLAB_TOKEN (a token with the api scope), or unset GITLAB_URL.']);
    });

    it('refuses a GITLAB_URL that is not http(s) or carries credentials', () => {
      const bad = read({ GITLAB_TOKEN: 'glpat-123', GITLAB_URL: 'gitlab.acme.test' });
      expect(bad.settings.gitlab).toBeUndefined();
      expect(bad.problems).toStrictEqual(['GITLAB_URL must be an http(s) URL, got "gitlab.acme.test".']);
      const withUser = read({ GITLAB_TOKEN: 'glpat-123', GITLAB_URL: 'https://me:pw@gitlab.acme.test' });
      expect(withUser.settings.gitlab).toBeUndefined();
      expect(withUser.problems).toHaveLength(1);
      expect(withUser.problems[0]).toMatch(/^GITLAB_URL must not carry credentials/);
    });

    it('passes the pipeline hook token through', () => {
      expect(read({ GITLAB_TOKEN: 'glpat-123', GITLAB_WEBHOOK_TOKEN: 'hook' }).settings.gitlab?.webhookToken).toBe('hook');
      expect(read({ GITLAB_TOKEN: 'glpat-123' }).settings.gitlab?.webhookToken).toBeUndefined();
    });
  });

  describe('SHIPGATE_PUBLIC_URL', () => {
    it('is read without its trailing slash', () => {
      expect(read({ SHIPGATE_PUBLIC_URL: 'https://shipgate.acme.test/' })).toStrictEqual({
        settings: { jenkins: undefined, gitlab: undefined, publicUrl: 'https://shipgate.acme.test' },
        problems: [],
      });
      expect(read({ SHIPGATE_PUBLIC_URL: 'https://acme.test/shipgate' }).settings.publicUrl).toBe('https://acme.test/shipgate');
    });

    it('is refused when it is not an http(s) URL', () => {
      const { settings, problems } = read({ SHIPGATE_PUBLIC_URL: 'shipgate.acme.test' });
      expect(settings.publicUrl).toBeUndefined();
      expect(problems).toStrictEqual(['SHIPGATE_PUBLIC_URL must be an http(s) URL, got "shipgate.acme.test".']);
    });
  });

  it('refuses a webhook token for a provider that is not set up', () => {
    expect(read({ JENKINS_WEBHOOK_TOKEN: 'x' }).problems).toStrictEqual(['JENKINS_WEBHOOK_TOKEN is set but Jenkins is not: set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN too, or unset it.']);
    expect(read({ GITLAB_WEBHOOK_TOKEN: 'x' }).problems).toStrictEqual(['GITLAB_WEBHOOK_TOKEN is set but GITLAB_TOKEN is not: set GITLAB_TOKEN (a token with the api scope) too, or unset it.']);
    expect(read({ ...JENKINS, JENKINS_WEBHOOK_TOKEN: 'x', GITLAB_TOKEN: 'g', GITLAB_WEBHOOK_TOKEN: 'y' }).problems).toStrictEqual([]);
  });

  it('reads every provider at once and reports every problem at once', () => {
    const all = read({ ...JENKINS, GITLAB_TOKEN: 'glpat-123', SHIPGATE_PUBLIC_URL: 'https://shipgate.acme.test' });
    expect(all.problems).toStrictEqual([]);
    expect(all.settings.jenkins?.url).toBe('https://ci.acme.test/jenkins');
    expect(all.settings.gitlab?.url).toBe('https://gitlab.com');
    expect(all.settings.publicUrl).toBe('https://shipgate.acme.test');

    const broken = read({ JENKINS_URL: 'https://ci.acme.test', GITLAB_URL: 'https://gitlab.acme.test', SHIPGATE_PUBLIC_URL: 'nowhere' });
    expect(broken.problems).toHaveLength(3);
    expect(broken.problems.join('\n')).toMatch(/Jenkins is half set up/);
    expect(broken.problems.join('\n')).toMatch(/GITLAB_TOKEN is not/);
    expect(broken.problems.join('\n')).toMatch(/SHIPGATE_PUBLIC_URL must be/);
  });
});
