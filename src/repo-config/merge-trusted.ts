import type { ShipgateConfig } from './schema.ts';

/**
 * The trust rule of SPEC §3: pipelines and gates (and the rest of the file) come
 * from the config at the event's sha, so a pull request can change them visibly;
 * `environments`, `commands` and `notifications` come from the default branch
 * only, so a pull request cannot loosen deployment policy, the command prefix
 * or where notifications go. Without a valid config on the default branch
 * there are no environments, no notifications and the default prefix.
 */
export function mergeTrusted(atSha: ShipgateConfig, defaultBranch: ShipgateConfig | undefined): ShipgateConfig {
  const { notifications: _fromSha, ...rest } = atSha;
  return {
    ...rest,
    environments: defaultBranch ? defaultBranch.environments : {},
    commands: defaultBranch ? defaultBranch.commands : { prefix: '/' },
    ...(defaultBranch?.notifications ? { notifications: defaultBranch.notifications } : {}),
  };
}
