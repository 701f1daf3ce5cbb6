/**
 * The operator's notification settings, from the environment (checked at
 * start with the rest of `AppConfig`): the Slack incoming webhook URL, the
 * Standard Webhooks secret(s), and whether private addresses may be sent to.
 */
import { parseSecret } from './signature.ts';

/** What the notify performer needs of the app's settings. */
export interface NotifySettings {
  /** `SLACK_WEBHOOK_URL`; unset: Slack notifications are skipped (and logged). */
  slackWebhookUrl: string | undefined;
  /** `SHIPGATE_WEBHOOK_SECRET`, one or more `whsec_…` secrets (space-separated, for rotation); unset: webhooks are skipped. */
  webhookSecret: string | undefined;
  /** `SHIPGATE_ALLOW_PRIVATE_URLS=1`: loopback and private addresses may be sent to. */
  allowPrivateUrls: boolean;
}

/** The signing keys of `SHIPGATE_WEBHOOK_SECRET` (empty when unset or malformed: start refuses a malformed one). */
export function signingKeys(secret: string | undefined): Buffer[] {
  return (secret ?? '').split(/\s+/).flatMap((part) => {
    if (part === '') return [];
    const parsed = parseSecret(part);
    return parsed.ok ? [parsed.key] : [];
  });
}

/** Reads the settings from `env`, adding a sentence to `problems` for each bad value. */
export function readNotifySettings(env: NodeJS.ProcessEnv, problems: string[]): NotifySettings {
  const slackWebhookUrl = env['SLACK_WEBHOOK_URL']?.trim() || undefined;
  if (slackWebhookUrl !== undefined && !/^https?:\/\//i.test(slackWebhookUrl)) {
    problems.push('SLACK_WEBHOOK_URL must be the https URL of a Slack incoming webhook (https://hooks.slack.com/services/…).');
  } else if (slackWebhookUrl !== undefined && !URL.canParse(slackWebhookUrl)) {
    problems.push('SLACK_WEBHOOK_URL is not a valid URL.');
  }

  const webhookSecret = env['SHIPGATE_WEBHOOK_SECRET']?.trim() || undefined;
  for (const [index, part] of (webhookSecret ?? '').split(/\s+/).filter((p) => p !== '').entries()) {
    const parsed = parseSecret(part);
    if (!parsed.ok) problems.push(`SHIPGATE_WEBHOOK_SECRET${index > 0 ? ` (secret ${index + 1})` : ''} ${parsed.problem}. Use whsec_ followed by the base64 of 24 to 64 random bytes.`);
  }

  const flag = env['SHIPGATE_ALLOW_PRIVATE_URLS']?.trim().toLowerCase() ?? '';
  const allowPrivateUrls = flag === '1' || flag === 'true';
  if (!['', '0', '1', 'true', 'false'].includes(flag)) {
    problems.push(`SHIPGATE_ALLOW_PRIVATE_URLS must be 1 or 0, got ${JSON.stringify(env['SHIPGATE_ALLOW_PRIVATE_URLS'])}.`);
  }
  return { slackWebhookUrl, webhookSecret, allowPrivateUrls };
}
