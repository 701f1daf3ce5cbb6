import { readFileSync } from 'node:fs';
import { readNotifySettings } from '../notify/settings.ts';
import { readProviderSettings, type ProviderSettings } from '../providers/settings.ts';

/** Everything the running app takes from its environment, checked once at start. */
export interface AppConfig {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  webhookPath: string;
  /** PostgreSQL connection string; undefined means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** REST base URL: https://api.github.com, or http(s)://GHE_HOST/api/v3. */
  githubBaseUrl: string;
  /** `SLACK_WEBHOOK_URL`: Slack's incoming webhook; unset, Slack notifications are skipped (and logged). */
  slackWebhookUrl: string | undefined;
  /** `SHIPGATE_WEBHOOK_SECRET`: the Standard Webhooks secret(s) outgoing webhooks are signed with; unset, they are skipped. */
  notificationSecret?: string | undefined;
  /** `SHIPGATE_ALLOW_PRIVATE_URLS=1`: notifications may go to loopback and private addresses. */
  allowPrivateUrls?: boolean;
  /**
   * Days a finished webhook delivery (processed, ignored or failed) is kept
   * before the reconciliation deletes it (`SHIPGATE_DELIVERY_RETENTION_DAYS`).
   */
  deliveryRetentionDays: number;
  /** `METRICS_TOKEN`: when set, `GET /metrics` requires `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string | undefined;
  /** `DASHBOARD_TOKEN`: the dashboard's access token (bearer, or the cookie of `/login?token=`); unset, the dashboard answers 404. */
  dashboardToken?: string | undefined;
  /** Jenkins, GitLab and webhook-job settings (SPEC §13); absent: only GitHub Actions jobs run. */
  providers?: ProviderSettings;
}

/** Default of `SHIPGATE_DELIVERY_RETENTION_DAYS`. */
export const DEFAULT_DELIVERY_RETENTION_DAYS = 14;
/**
 * GitHub redelivers a delivery for up to 3 days: a delivery kept for less could
 * come back after it was deleted and be taken for a new event.
 */
export const MIN_DELIVERY_RETENTION_DAYS = 3;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Thrown with every problem of the environment at once, so one start shows them all. */
export class AppConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`shipgate cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AppConfigError';
    this.problems = problems;
  }
}

/**
 * Reads the app's settings from environment variables (see `.env.example`).
 * Refuses to go on without `WEBHOOK_SECRET`: there is no default secret.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];

  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  if (webhookSecret.trim() === '') {
    problems.push(
      'WEBHOOK_SECRET is not set. Set it to the webhook secret of your GitHub App ' +
        '(Settings → Developer settings → GitHub Apps → your app → Webhook secret); shipgate never runs with a default secret.',
    );
  }

  const appId = Number(env.APP_ID ?? '');
  if (!Number.isInteger(appId) || appId <= 0) {
    problems.push(`APP_ID must be your GitHub App's numeric id, got ${JSON.stringify(env.APP_ID ?? '')}.`);
  }

  const privateKey = readPrivateKey(env, problems);

  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT must be a port number (0-65535), got ${JSON.stringify(env.PORT)}.`);
  }

  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}.`);
  }

  const protocol = env.GHE_PROTOCOL || 'https';
  if (protocol !== 'https' && protocol !== 'http') {
    problems.push(`GHE_PROTOCOL must be https or http, got ${JSON.stringify(protocol)}.`);
  }
  const gheHost = env.GHE_HOST?.trim();
  const githubBaseUrl = gheHost ? `${protocol}://${gheHost}/api/v3` : 'https://api.github.com';

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string.');
  }

  const retentionRaw = env.SHIPGATE_DELIVERY_RETENTION_DAYS?.trim() || undefined;
  const deliveryRetentionDays = retentionRaw === undefined ? DEFAULT_DELIVERY_RETENTION_DAYS : Number(retentionRaw);
  if (!Number.isInteger(deliveryRetentionDays) || deliveryRetentionDays < MIN_DELIVERY_RETENTION_DAYS || deliveryRetentionDays > 3650) {
    problems.push(
      `SHIPGATE_DELIVERY_RETENTION_DAYS must be a whole number of days from ${MIN_DELIVERY_RETENTION_DAYS} ` +
        `(GitHub redelivers for up to 3 days) to 3650, got ${JSON.stringify(env.SHIPGATE_DELIVERY_RETENTION_DAYS)}.`,
    );
  }

  const notify = readNotifySettings(env, problems);
  const providers = readProviderSettings(env, problems);

  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]+$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be one word of visible ASCII characters (it is sent as `Authorization: Bearer <token>`).');
  }

  const dashboardToken = env.DASHBOARD_TOKEN?.trim() || undefined;
  if (dashboardToken !== undefined && !/^[\x21-\x7e]+$/.test(dashboardToken)) {
    problems.push('DASHBOARD_TOKEN must be one word of visible ASCII characters (it is sent as `Authorization: Bearer <token>` or `/login?token=<token>`).');
  }

  if (problems.length > 0) throw new AppConfigError(problems);

  return {
    appId,
    privateKey: privateKey ?? '',
    webhookSecret,
    webhookPath: env.WEBHOOK_PATH || '/api/github/webhooks',
    databaseUrl,
    dataDir: env.SHIPGATE_DATA_DIR || './.shipgate/db',
    port,
    host: env.HOST || '0.0.0.0',
    logLevel,
    githubBaseUrl,
    slackWebhookUrl: notify.slackWebhookUrl,
    notificationSecret: notify.webhookSecret,
    allowPrivateUrls: notify.allowPrivateUrls,
    deliveryRetentionDays,
    metricsToken,
    dashboardToken,
    providers,
  };
}

function readPrivateKey(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  let key = env.PRIVATE_KEY;
  if (!key && env.PRIVATE_KEY_PATH) {
    try {
      key = readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
    } catch (err) {
      problems.push(`PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH} cannot be read: ${(err as Error).message}.`);
      return undefined;
    }
  }
  if (!key) {
    problems.push('PRIVATE_KEY or PRIVATE_KEY_PATH must give the GitHub App private key (PEM).');
    return undefined;
  }
  // Keys pasted into one-line env values often carry literal "\n".
  key = key.includes('\\n') ? key.replace(/\\n/g, '\n') : key;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    problems.push('The private key is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----").');
    return undefined;
  }
  return key;
}
