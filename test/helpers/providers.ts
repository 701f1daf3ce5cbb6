/**
 * The app against the GitHub simulator and the Jenkins and GitLab simulators
 * (and a webhook-job receiver), all on one clock, with shipgate's provider
 * settings pointing at them as an operator would set them.
 */
import { createServer } from 'node:net';
import { ManualClock } from '../../src/clock.ts';
import { GITLAB_HOOK_PATH, JENKINS_HOOK_PATH } from '../../src/http/provider-hooks.ts';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/sim/gitlab.ts';
import { startJenkinsSimulator, type JenkinsSimulator } from '../../src/sim/jenkins.ts';
import type { ProviderSettings } from '../../src/providers/settings.ts';
import type { Harness, HarnessOptions } from './harness.ts';
import { startAcmeHarness } from './acme-harness.ts';
import type { DatabaseTarget } from './databases.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

export interface ProviderWorld {
  h: Harness;
  jenkins: JenkinsSimulator;
  gitlab: GitLabSimulator;
  receiver: WebhookReceiver;
  /** Settles the app, the providers' webhooks and the effects they cause. */
  settle(): Promise<void>;
  /** Moves the one clock forward, then settles. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface ProviderWorldOptions {
  /** Which providers shipgate is set up for (default all three). */
  configure?: { jenkins?: boolean; gitlab?: boolean; webhook?: boolean };
  jenkins?: { crumbIssuer?: boolean; token?: string; notifications?: boolean };
  gitlab?: { token?: string; hooks?: boolean };
  /** Overrides of the provider settings shipgate gets (wrong credentials). */
  settings?: (settings: ProviderSettings) => ProviderSettings;
  harness?: HarnessOptions;
}

export const JENKINS_HOOK_TOKEN = 'jenkins-hook-secret';
export const GITLAB_HOOK_TOKEN = 'gitlab-hook-secret';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `config` is acme/api's shipgate.yml; `{{webhook}}` in it becomes the receiver's URL. */
export async function startProviderWorld(target: DatabaseTarget, config: string, options: ProviderWorldOptions = {}): Promise<ProviderWorld> {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const configure = { jenkins: true, gitlab: true, webhook: true, ...options.configure };
  const jenkins = await startJenkinsSimulator({ clock, ...(options.jenkins?.crumbIssuer !== undefined ? { crumbIssuer: options.jenkins.crumbIssuer } : {}) });
  const gitlab = await startGitLabSimulator({ clock, ...(options.gitlab?.hooks === false ? {} : { hookToken: GITLAB_HOOK_TOKEN }) });
  const receiver = await startWebhookReceiver(clock);
  // The app's URL goes into its own settings (webhook jobs' callback URLs), so its port is chosen first;
  // another process may take that port before the app listens, and then the next one is tried.
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    try {
      return await startOn(port);
    } catch (err) {
      if (tries < 5 && err instanceof Error && /already in use/.test(err.message)) continue;
      await jenkins.close();
      await gitlab.close();
      await receiver.close();
      throw err;
    }
  }

  async function startOn(port: number): Promise<ProviderWorld> {
    const appUrl = `http://127.0.0.1:${port}`;
    jenkins.setNotificationUrl(options.jenkins?.notifications === false ? undefined : `${appUrl}${JENKINS_HOOK_PATH}?token=${JENKINS_HOOK_TOKEN}`);
    if (options.gitlab?.hooks !== false) gitlab.options.hookUrl = `${appUrl}${GITLAB_HOOK_PATH}`;
    let settings: ProviderSettings = {
      jenkins: configure.jenkins ? { ...jenkins.settings, ...(options.jenkins?.token ? { token: options.jenkins.token } : {}), webhookToken: JENKINS_HOOK_TOKEN } : undefined,
      // Without hooks the operator sets no hook secret either (with one, polling is only a once-a-minute backstop).
      gitlab: configure.gitlab ? { ...gitlab.settings, ...(options.gitlab?.token ? { token: options.gitlab.token } : {}), webhookToken: options.gitlab?.hooks === false ? undefined : GITLAB_HOOK_TOKEN } : undefined,
      publicUrl: configure.webhook ? appUrl : undefined,
    };
    if (options.settings) settings = options.settings(settings);
    const h = await startAcmeHarness(target, config.replaceAll('{{webhook}}', receiver.url), {
      ...options.harness,
      clock,
      config: { port, providers: settings, allowPrivateUrls: true, ...(configure.webhook ? { notificationSecret: receiver.secret } : {}), ...options.harness?.config },
    });
    const settle = async () => {
      for (let round = 0; round < 3; round++) {
        await h.settle();
        await jenkins.drainNotifications();
        await gitlab.drainHooks();
      }
      await h.settle();
    };
    return {
      h,
      jenkins,
      gitlab,
      receiver,
      settle,
      async advance(ms) {
        await settle();
        clock.advance(ms);
        await settle();
      },
      async close() {
        await h.close();
        await jenkins.close();
        await gitlab.close();
        await receiver.close();
      },
    };
  }
}
