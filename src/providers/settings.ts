/**
 * The operator's CI provider settings (SPEC §13), from the environment and
 * checked at start with the rest of `AppConfig`. A provider whose settings
 * are absent is simply not set up: a job that uses it fails saying what to
 * set. Half a provider (a URL without its token) is refused at start.
 */

/** `JENKINS_URL`, `JENKINS_USER`, `JENKINS_TOKEN` (an API token) and the optional `JENKINS_WEBHOOK_TOKEN`. */
export interface JenkinsProviderSettings {
  url: string;
  user: string;
  token: string;
  /** When set, the Notification plugin's posts must carry `?token=<it>`. */
  webhookToken: string | undefined;
}

/** `GITLAB_URL` (default https://gitlab.com), `GITLAB_TOKEN` and `GITLAB_WEBHOOK_TOKEN` (the pipeline hook's secret token). */
export interface GitLabProviderSettings {
  url: string;
  token: string;
  /** Unset: pipeline hooks are refused and polling alone tracks pipelines. */
  webhookToken: string | undefined;
}

export interface ProviderSettings {
  jenkins: JenkinsProviderSettings | undefined;
  gitlab: GitLabProviderSettings | undefined;
  /** `SHIPGATE_PUBLIC_URL`: where external systems reach this shipgate (webhook jobs' callback URLs); unset, webhook jobs cannot start. */
  publicUrl: string | undefined;
}

/** The settings each provider needs, as a user is told to set them. */
export const PROVIDER_SETTING_NAMES = {
  jenkins: 'JENKINS_URL, JENKINS_USER and JENKINS_TOKEN',
  gitlab: 'GITLAB_TOKEN (and GITLAB_URL for a self-managed GitLab)',
  webhook: 'SHIPGATE_WEBHOOK_SECRET and SHIPGATE_PUBLIC_URL',
} as const;

function httpUrl(name: string, value: string, problems: string[]): string | undefined {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    problems.push(`${name} must be an http(s) URL, got ${JSON.stringify(value)}.`);
    return undefined;
  }
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    problems.push(`${name} must not carry credentials in the URL; use the token settings instead.`);
    return undefined;
  }
  return url.toString().replace(/\/+$/, '');
}

/** Reads the settings from `env`, adding a sentence to `problems` for each bad or incomplete value. */
export function readProviderSettings(env: NodeJS.ProcessEnv, problems: string[]): ProviderSettings {
  const value = (name: string) => env[name]?.trim() || undefined;

  let jenkins: JenkinsProviderSettings | undefined;
  const jenkinsUrl = value('JENKINS_URL');
  const jenkinsUser = value('JENKINS_USER');
  const jenkinsToken = value('JENKINS_TOKEN');
  if (jenkinsUrl !== undefined || jenkinsUser !== undefined || jenkinsToken !== undefined) {
    const missing = [jenkinsUrl === undefined ? 'JENKINS_URL' : '', jenkinsUser === undefined ? 'JENKINS_USER' : '', jenkinsToken === undefined ? 'JENKINS_TOKEN' : ''].filter((n) => n !== '');
    if (missing.length > 0) problems.push(`Jenkins is half set up: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing (set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN, an API token, or none of them).`);
    const url = jenkinsUrl !== undefined ? httpUrl('JENKINS_URL', jenkinsUrl, problems) : undefined;
    if (url !== undefined && jenkinsUser !== undefined && jenkinsToken !== undefined) jenkins = { url, user: jenkinsUser, token: jenkinsToken, webhookToken: value('JENKINS_WEBHOOK_TOKEN') };
  }

  if (jenkinsUrl === undefined && jenkinsUser === undefined && jenkinsToken === undefined && value('JENKINS_WEBHOOK_TOKEN') !== undefined) {
    problems.push('JENKINS_WEBHOOK_TOKEN is set but Jenkins is not: set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN too, or unset it.');
  }

  let gitlab: GitLabProviderSettings | undefined;
  const gitlabToken = value('GITLAB_TOKEN');
  const gitlabUrl = value('GITLAB_URL');
  if (gitlabToken === undefined && gitlabUrl !== undefined) problems.push('GITLAB_URL is set but GITLAB_TOKEN is not: set GITLAB_TOKEN (a token with the api scope), or unset GITLAB_URL.');
  if (gitlabToken === undefined && value('GITLAB_WEBHOOK_TOKEN') !== undefined) problems.push('GITLAB_WEBHOOK_TOKEN is set but GITLAB_TOKEN is not: set GITLAB_TOKEN (a token with the api scope) too, or unset it.');
  if (gitlabToken !== undefined) {
    const url = httpUrl('GITLAB_URL', gitlabUrl ?? 'https://gitlab.com', problems);
    if (url !== undefined) gitlab = { url: url.replace(/\/api\/v4$/, ''), token: gitlabToken, webhookToken: value('GITLAB_WEBHOOK_TOKEN') };
  }

  const publicRaw = value('SHIPGATE_PUBLIC_URL');
  const publicUrl = publicRaw !== undefined ? httpUrl('SHIPGATE_PUBLIC_URL', publicRaw, problems) : undefined;
  return { jenkins, gitlab, publicUrl };
}
