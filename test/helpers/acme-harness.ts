import { startHarness, type Harness, type HarnessOptions } from './harness.ts';
import { standardWorkflows } from './repo-fixtures.ts';
import type { DatabaseTarget } from './databases.ts';

/** The repository most end-to-end tests run in. */
export const ACME_API = 'acme/api';

/**
 * The app against a simulator holding `acme/api` with `config` as its
 * shipgate.yml and the standard workflows; alice may write (press buttons),
 * bob reads. `extra.setup` runs after, for scripts, faults and more people.
 */
export function startAcmeHarness(target: DatabaseTarget, config: string, extra: HarnessOptions = {}): Promise<Harness> {
  return startHarness(target, {
    ...extra,
    setup: async (sim) => {
      sim.org('acme', { members: ['alice', 'bob'] });
      sim.repo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n', '.github/shipgate.yml': config, ...standardWorkflows() } });
      sim.setPermission(ACME_API, 'alice', 'write');
      await extra.setup?.(sim);
    },
  });
}
