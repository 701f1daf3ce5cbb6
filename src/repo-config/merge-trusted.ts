import type { ShipgateConfig } from './schema.ts';

/**
 * The trust rule of SPEC §3: pipelines and gates (and the rest of the file) come
 * from the config at the event's sha, so a pull request can change them visibly;
 * `environments` and `commands` come from the default branch only, so a pull
 * request cannot loosen deployment policy or the command prefix. Without a valid
 * config on the default branch there are no environments and the default prefix.
 */
export function mergeTrusted(atSha: ShipgateConfig, defaultBranch: ShipgateConfig | undefined): ShipgateConfig {
  return {
    ...atSha,
    environments: defaultBranch ? defaultBranch.environments : {},
    commands: defaultBranch ? defaultBranch.commands : { prefix: '/' },
  };
}
