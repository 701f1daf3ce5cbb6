import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { startAppProcess, type AppProcess } from '../helpers/app-process.ts';
import { appProcessEnv, type AppProcessEnv } from '../helpers/app-process-env.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { SINGLE_STAGE_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';
import { DISPATCH } from '../helpers/routes.ts';
import { until } from '../helpers/wait.ts';

describe.each(databaseTargets())('crash recovery on $name', (target) => {
  let sim: GitHubSimulator | undefined;
  let apps: AppProcess[] = [];
  let database: AppProcessEnv | undefined;
  afterEach(async () => {
    for (const app of apps) await app.kill('SIGTERM');
    apps = [];
    await sim?.close();
    await database?.close();
    sim = undefined;
    database = undefined;
  });

  it('dispatches once when the app is SIGKILLed right after a dispatch and restarted', async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    sim = await startGitHubSimulator({ clock });
    sim.org('acme', { members: ['alice'] });
    sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
    database = await appProcessEnv(target, sim, 'shipgate-crash-');
    const env = database.env;

    let first = await startAppProcess(env);
    apps.push(first);
    sim.setWebhookUrl(`${first.url}/api/github/webhooks`);
    // Kill the app the moment GitHub has created the run, before the app hears the answer.
    let killed = false;
    sim.onResponse(async (entry) => {
      if (!killed && entry.route === DISPATCH && entry.status === 200) {
        killed = true;
        await first.kill('SIGKILL');
      }
    });
    const pushed = sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await sim.webhooks.drain();
    // The run's own webhooks go nowhere while the app is down.
    sim.faults.set({ webhookDropRate: 1 });
    await until('the kill', () => killed);
    await first.exited;
    expect(sim.dispatches().filter((d) => d.status < 300)).toHaveLength(1);

    // Restarted with webhooks still lost: only asking GitHub can find the run.
    const second = await startAppProcess(env);
    apps.push(second);
    sim.setWebhookUrl(`${second.url}/api/github/webhooks`);
    // Only asking GitHub can find the run: the restart looks it up by its correlation id.
    await until('the restart to look the dispatch up', () => (sim?.requestsTo('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs').length ?? 0) > 0);
    sim.faults.clear();
    clock.advance(31_000);
    await sim.webhooks.drain();
    const check = () => sim?.checkRuns('acme/api').find((c) => c.name === 'shipgate/build' && c.headSha === pushed.sha);
    await until('the check run to complete', async () => {
      await sim?.webhooks.drain();
      return check()?.status === 'completed';
    });
    expect(check()).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(sim.dispatches().filter((d) => d.status < 300)).toHaveLength(1);
    sim.assertNoViolations();
  });

  it('completes a run when the app is killed between recording it and its first advance', async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    sim = await startGitHubSimulator({ clock });
    sim.org('acme', { members: ['alice'] });
    sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
    database = await appProcessEnv(target, sim, 'shipgate-crash-');
    const env = database.env;
    const first = await startAppProcess({ ...env, SHIPGATE_CRASH_POINTS: 'after-run-recorded' });
    apps.push(first);
    sim.setWebhookUrl(`${first.url}/api/github/webhooks`);
    const pushed = sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await sim.webhooks.drain();
    // It dies by its own hand right after the run's transaction committed.
    await first.exited;
    expect(sim.dispatches()).toEqual([]);

    const second = await startAppProcess(env);
    apps.push(second);
    sim.setWebhookUrl(`${second.url}/api/github/webhooks`);
    await until('the recovered run to dispatch', () => (sim?.dispatches().filter((d) => d.status < 300).length ?? 0) === 1);
    clock.advance(31_000);
    const check = (name: string) => sim?.checkRuns('acme/api').filter((c) => c.name === name && c.headSha === pushed.sha) ?? [];
    await until('the checks to complete', async () => {
      await sim?.webhooks.drain();
      return check('shipgate/build')[0]?.status === 'completed' && check('shipgate').at(-1)?.status === 'completed';
    });
    expect(check('shipgate/build').map((c) => c.conclusion)).toEqual(['success']);
    expect(check('shipgate').at(-1)?.conclusion).toBe('success');
    expect(sim.dispatches().filter((d) => d.status < 300)).toHaveLength(1);
    sim.assertNoViolations();
  });
});
