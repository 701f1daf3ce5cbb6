/**
 * The providers of one process, built once from the settings (SPEC §13).
 * A provider without settings is "not configured": a job that uses it fails
 * with the settings to add, rather than the process refusing to start
 * (`shipgate validate` cannot know the environment; the run's check says).
 */
import type { Clock } from '../clock.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { reason, type Reason } from '../engine/reasons.ts';
import type { Resolver } from '../notify/addresses.ts';
import type { JobProviderName } from '../store/schema/index.ts';
import { actionsProvider } from './actions.ts';
import { PROVIDER_LABELS } from './errors.ts';
import { gitlabProvider } from './gitlab.ts';
import { jenkinsProvider } from './jenkins.ts';
import type { JobProvider } from './provider.ts';
import { PROVIDER_SETTING_NAMES, type ProviderSettings } from './settings.ts';
import { webhookJobProvider } from './webhook-job.ts';

export type ProviderLookup = { ok: true; provider: JobProvider } | { ok: false; reason: Reason };

export interface Providers {
  get(name: JobProviderName): ProviderLookup;
}

export interface ProviderOptions {
  settings: ProviderSettings | undefined;
  /** `SHIPGATE_WEBHOOK_SECRET`'s keys (webhook jobs sign with them). */
  webhookKeys: readonly Buffer[];
  allowPrivateUrls: boolean;
  clock: Clock;
  /** Tests point names at loopback. */
  resolve?: Resolver;
}

function notConfigured(name: Exclude<JobProviderName, 'actions'>): ProviderLookup {
  return { ok: false, reason: reason('job.provider-not-configured', { provider: PROVIDER_LABELS[name], settings: PROVIDER_SETTING_NAMES[name] }) };
}

export function createProviders(deps: Pick<EngineDeps, 'db' | 'clock' | 'github' | 'workflowCache' | 'workflowListings'>, options: ProviderOptions): Providers {
  const found = (provider: JobProvider): ProviderLookup => ({ ok: true, provider });
  const actions = found(actionsProvider(deps));
  const settings = options.settings;
  const jenkins = settings?.jenkins ? found(jenkinsProvider(settings.jenkins)) : notConfigured('jenkins');
  const gitlab = settings?.gitlab ? found(gitlabProvider(settings.gitlab, { clock: options.clock })) : notConfigured('gitlab');
  const webhook =
    settings?.publicUrl !== undefined && options.webhookKeys.length > 0
      ? found(
          webhookJobProvider({
            keys: options.webhookKeys,
            publicUrl: settings.publicUrl,
            allowPrivate: options.allowPrivateUrls,
            clock: options.clock,
            ...(options.resolve ? { resolve: options.resolve } : {}),
          }),
        )
      : notConfigured('webhook');
  const all: Record<JobProviderName, ProviderLookup> = { actions, jenkins, gitlab, webhook };
  return { get: (name) => all[name] };
}
