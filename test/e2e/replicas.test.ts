import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startShipgate, type RunningShipgate } from '../../src/server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { appConfigFor, settleDeliveries } from '../helpers/harness.ts';
import { DAG_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';
import { startRoundRobin } from '../helpers/round-robin.ts';

const postgres = databaseTargets().find((t) => t.name === 'postgres');

// Several replicas only exist on PostgreSQL: the embedded database belongs to one process.
describe.runIf(postgres !== undefined)('two app processes on one PostgreSQL', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
  });

  it('share the work behind one URL and act as one: every job dispatched once, one verdict', async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const sim: GitHubSimulator = await startGitHubSimulator({ clock });
    closers.push(() => sim.close());
    sim.org('acme', { members: ['alice'] });
    sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': DAG_CONFIG, ...standardWorkflows() } });
    // Every webhook twice: the copies land on different replicas.
    sim.faults.set({ webhookDuplicateRate: 1, seed: 11 });

    const first: Store = await (postgres as NonNullable<typeof postgres>).open();
    closers.push(() => first.close());
    const second: Store = await openDatabase({ url: String(first.pool?.options.connectionString), poolSize: 4 });
    closers.push(() => second.close());
    const log = pino({ level: 'silent' });
    const options = { clock, log, requestPolicy: { writeIntervalMs: 0, retryBaseMs: 5, maxWaitMs: 50 }, scheduleReconcile: false };
    const replicas: RunningShipgate[] = [];
    for (const store of [first, second]) {
      const app = await startShipgate(appConfigFor(sim), { ...options, store });
      replicas.push(app);
      closers.push(() => app.stop());
    }
    const balancer = await startRoundRobin(replicas.map((r) => r.url));
    closers.push(() => balancer.close());
    sim.setWebhookUrl(`${balancer.url}/api/github/webhooks`);

    const settle = () => settleDeliveries(sim, first);

    const pushed = sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await settle();
    for (let i = 0; i < 6; i++) {
      clock.advance(31_000);
      await settle();
    }
    const dispatched = sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow);
    expect(dispatched.sort()).toEqual(['build.yml', 'deploy.yml', 'scan.yml', 'test.yml']);
    const checks = sim.checkRuns('acme/api').filter((c) => c.headSha === pushed.sha);
    expect(checks.filter((c) => c.name === 'shipgate/ci').map((c) => [c.status, c.conclusion])).toEqual([['completed', 'success']]);
    expect(checks.filter((c) => c.name === 'shipgate').map((c) => c.conclusion)).toEqual(['success']);
    // Both replicas took webhooks; each delivery was recorded once.
    expect(balancer.hits.every((n) => n > 3)).toBe(true);
    const recorded = await first.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(recorded.n) * 2).toBe(balancer.hits.reduce((a, b) => a + b, 0));
    sim.assertNoViolations();
  });
});
