import { DEFAULT_DELIVERY_RETENTION_DAYS, type AppConfig } from '../config/app-config.ts';
import type { GitHubSimulator } from './index.ts';

/**
 * The settings of an app pointed at the simulator, as an operator would set
 * them for GitHub Enterprise (`GHE_HOST`, `GHE_PROTOCOL=http`): the sim's app
 * id, key and webhook secret, its API base URL, a port chosen at run time.
 */
export function appConfigForSimulator(sim: GitHubSimulator, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    appId: sim.app.id,
    privateKey: sim.app.privateKey,
    webhookSecret: sim.app.webhookSecret,
    webhookPath: '/api/github/webhooks',
    databaseUrl: undefined,
    dataDir: '',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    githubBaseUrl: sim.baseUrl,
    slackWebhookUrl: undefined,
    deliveryRetentionDays: DEFAULT_DELIVERY_RETENTION_DAYS,
    ...overrides,
  };
}
