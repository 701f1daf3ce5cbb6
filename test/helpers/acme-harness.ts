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

/** The requests to `route` that GitHub accepted (a faulted one did nothing). */
export function accepted(h: Harness, route: string) {
  return h.sim.requests.filter((r) => r.route === route && r.status < 300);
}

/** The app's reactions to a comment of `acme/api`, in the order it gave them. */
export function appReactions(h: Harness, issue: number, commentId: number): string[] {
  const comment = h.sim.comments(ACME_API, issue).find((c) => c.id === commentId);
  return (comment?.reactions ?? []).filter((r) => r.user.login.endsWith('[bot]')).map((r) => r.content);
}
