import { describe, expect, it } from 'vitest';
import { lineAfter, runDemo } from '../helpers/demo-cli.ts';

/** Index of the first output line matching `pattern` (fails the test when there is none). */
function lineIndex(lines: string[], pattern: RegExp): number {
  const index = lines.findIndex((line) => pattern.test(line));
  expect(index, `no line matches ${pattern}`).toBeGreaterThanOrEqual(0);
  return index;
}

/**
 * The gates table printed under `heading`: gate → the rest of its row (result,
 * measured, threshold…, cells joined by ` | `), the notes under the table, and
 * the annotation lines.
 */
function gatesShown(lines: string[], heading: RegExp): { rows: Record<string, string>; notes: string[]; annotations: string[] } {
  const start = lineIndex(lines, heading) + 1;
  const end = lines.findIndex((line, i) => i >= start && !line.startsWith('  ') && line !== '');
  const section = lines.slice(start, end < 0 ? undefined : end);
  const rows: Record<string, string> = {};
  for (const line of section.slice(2)) {
    const cells = /^ {2}\| (.*) \|$/.exec(line)?.[1]?.split(/ +\| +/).map((cell) => cell.trim());
    if (cells?.[0]) rows[cells[0]] = cells.slice(1).join(' | ');
  }
  return {
    rows,
    notes: section.filter((line) => line.startsWith('  - ')).map((line) => line.slice(2)),
    annotations: section
      .slice(section.findIndex((line) => /^ {2}annotations: /.test(line)) + 1)
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  };
}

/**
 * The story's three parts: the workflow runs follow the speed; the approvals
 * (the first poll of the request comment's 👍, two wait timers and the
 * wake-ups after them) run on the app's own clock, whatever the speed.
 */
const STORY_TIMEOUT_MS = 240_000;

/** A timeline line's elapsed time in ms (`+43.0s`, `+1m05s`). */
function elapsedOf(line: string): number {
  const match = /^ +\+(?:(\d+)m(\d+)s|(\d+(?:\.\d+)?)s) /.exec(line);
  if (!match) throw new Error(`no elapsed time on ${JSON.stringify(line)}`);
  return match[3] !== undefined ? Number(match[3]) * 1000 : (Number(match[1]) * 60 + Number(match[2])) * 1000;
}

/** Expects a wait timer's end line to say it ran out `waitMs` after the last approval, and no later than the line itself. */
function expectTimerOf(line: string, waitMs: number): void {
  const [, from = '', to = ''] = /after the last approval \(\+(\S+)\) ran out at \+([^,\s]+)/.exec(line) ?? [];
  const ms = (text: string) => elapsedOf(`  +${text} `);
  // Story times are shown to a tenth of a second (whole seconds past a minute).
  expect(Math.abs(ms(to) - ms(from) - waitMs)).toBeLessThanOrEqual(from.includes('m') || to.includes('m') ? 1_000 : 100);
  expect(ms(to)).toBeLessThanOrEqual(elapsedOf(line) + 50);
}

/** Expects the app at `url` to be gone (connection refused). */
async function expectStopped(url: string): Promise<void> {
  await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
}

describe('shipgate demo', () => {
  it('plays the push to main through every stage and its gates, then the pull request whose tests gate fails until /retry, then the release to production and its rollback, prints the timeline, the gates tables and the deployments, and exits 0 with --exit', { timeout: STORY_TIMEOUT_MS }, async () => {
    const io = await runDemo(['--exit', '--speed', '200', '--log-level', 'silent']);
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    const lines = io.out.split('\n');
    lineIndex(lines, /^pipeline ci of acme\/shop: build → test \+ scan in parallel → gates coverage, tests, vulnerabilities → deploy-staging \(main only\)$/);
    lineIndex(lines, /^environments: staging \(deployed by the pipeline\), production \(deployed with \/deploy, rolled back with \/rollback\)$/);
    lineIndex(lines, /^approvals: production needs 2 from @carol or @acme\/release-managers \(not @alice, who deploys\), by \/approve or 👍 on shipgate's request comment, then a 5s wait timer; rollbacks skip both$/);

    // The timeline: push, run, each stage started and done, each job dispatched and finished.
    lineIndex(lines, /^ +\+\d+\.\ds {2}push {6}alice pushed [0-9a-f]{7} to acme\/shop main/);
    lineIndex(lines, /webhook +push delivered to the app, answered HTTP 200/);
    lineIndex(lines, /run +pipeline ci run #1 created for acme\/shop@[0-9a-f]{7} \(push\)/);
    for (const stage of ['build', 'test', 'scan', 'deploy-staging']) {
      expect(lineIndex(lines, new RegExp(`stage +${stage} started$`))).toBeLessThan(lineIndex(lines, new RegExp(`stage +${stage} done: success$`)));
    }
    for (const [job, workflow] of [['build/app', 'build.yml'], ['test/unit', 'test.yml'], ['scan/sast', 'scan.yml'], ['deploy-staging/deploy', 'deploy.yml']] as const) {
      const dispatched = lineIndex(lines, new RegExp(`dispatch +${job} → ${workflow} \\(ref main.*\\) → http://127\\.0\\.0\\.1:\\d+/api/v3/repos/acme/shop/actions/runs/\\d+$`));
      expect(dispatched).toBeLessThan(lineIndex(lines, new RegExp(`job +${job} finished: success \\(run \\d+ took`)));
    }
    lineIndex(lines, /dispatch +build\/app → build\.yml \(ref main, target=web\)/);
    // deploy-staging has `environment: staging`: a request, a GitHub deployment whose id the workflow gets, its statuses, its check run.
    const pushed = /push +alice pushed ([0-9a-f]{7}) /.exec(io.out)?.[1] ?? '';
    lineIndex(lines, new RegExp(`deploy +staging #1 requested: ${pushed} \\(main\\) by stage deploy-staging of the pipeline \\(@alice's commit\\)$`));
    const stagingCreated = lineIndex(lines, new RegExp(`github +deployment (\\d+) created for staging \\(ref ${pushed}, shipgate_request_id 1\\)$`));
    const stagingGitHubId = /deployment (\d+) created for staging/.exec(lines[stagingCreated] ?? '')?.[1] ?? '';
    lineIndex(lines, new RegExp(`dispatch +deploy-staging/deploy → deploy\\.yml \\(ref main, environment=staging, deployment_id=${stagingGitHubId}\\)`));
    // The order is in what the lines name: the GitHub deployment carries the request's id, the dispatch the GitHub deployment's. The
    // lines come from watches of shipgate's database, of the simulator and of the engine, polled apart: lines a few ms apart may swap.
    lineIndex(lines, new RegExp(`github +deployment ${stagingGitHubId} \\(staging\\) in_progress — staging: deploying ${pushed}$`));
    lineIndex(lines, new RegExp(`github +deployment ${stagingGitHubId} \\(staging\\) success — deployed ${pushed} → https://staging\\.shop\\.example\\.com$`));
    lineIndex(lines, new RegExp(`deploy +staging #1 succeeded: ${pushed} is deployed$`));
    lineIndex(lines, new RegExp(`check +shipgate/deploy/staging completed: success — Deployed ${pushed} to staging$`));
    lineIndex(lines, /check +shipgate\/ci completed: success — ci succeeded in \d+s$/);
    const rollupDone = lineIndex(lines, /check +shipgate completed: success — 1 pipeline succeeded$/);
    expect(lineIndex(lines, /run +pipeline ci run #1 completed: success/)).toBeLessThan(rollupDone);
    // The push's gates: each judged after its job finished and before its stage ended, all passing.
    for (const [gate, job, stage] of [['coverage', 'test/unit', 'test'], ['tests', 'test/unit', 'test'], ['vulnerabilities', 'scan/sast', 'scan']] as const) {
      const judged = lineIndex(lines, new RegExp(`gate +${gate}: pass$`));
      expect(lineIndex(lines, new RegExp(`job +${job} finished: success`))).toBeLessThan(judged);
      expect(judged).toBeLessThan(lineIndex(lines, new RegExp(`stage +${stage} done: success$`)));
      expect(judged).toBeLessThan(rollupDone);
    }

    // The pull request: ci fails on test/unit, /retry re-runs only that job (attempt 2), green; 👀 then 🚀.
    const opened = lineIndex(lines, /pull +bob opened pull request #1 \(cart-total → main, [0-9a-f]{7}\)$/);
    expect(rollupDone).toBeLessThan(opened);
    const failed = lineIndex(lines, /run +pipeline ci run #2 completed: failure$/);
    const commented = lineIndex(lines, /comment +bob commented "\/retry" on #1$/);
    const again = lineIndex(lines, /dispatch +test\/unit \(attempt 2\) → test\.yml \(ref cart-total\)/);
    const green = lineIndex(lines, /run +pipeline ci run #2 completed: success$/);
    expect(opened).toBeLessThan(failed);
    expect(failed).toBeLessThan(commented);
    expect(commented).toBeLessThan(again);
    expect(again).toBeLessThan(green);
    // The tests gate fails the pull request's run, and passes once the job ran again.
    const testsFailed = lineIndex(lines, /gate +tests: fail$/);
    expect(opened).toBeLessThan(testsFailed);
    expect(testsFailed).toBeLessThan(failed);
    lineIndex(lines, /check +shipgate\/ci completed: failure — ci failed: test\/unit, gate tests$/);
    const testsPassed = lines.findIndex((line, i) => i > again && /gate +tests: pass$/.test(line));
    expect(testsPassed).toBeGreaterThan(again);
    expect(testsPassed).toBeLessThan(green);
    expect(lines.filter((line) => /dispatch +(build\/app|scan\/sast) .*ref cart-total/.test(line))).toHaveLength(2);
    const reacted = lineIndex(lines, /reaction +shipgate reacted 👀 🚀 to "\/retry"$/);

    // The release, from an issue: /deploy production of main's head (the push) waits for two approvals.
    const issue = lineAfter(lines, reacted, /issue +alice opened issue #2 "Release: cart total"$/);
    const deployFirst = lineAfter(lines, issue, /comment +alice commented `\/deploy production` on #2$/);
    const firstRequested = lineAfter(lines, deployFirst, new RegExp(`deploy +production #2 requested: ${pushed} \\(main\\) by @alice with /deploy$`));
    const needsTwo = 'waiting for approvals to deploy to production: 0 of 2 given \\(approvers: @carol, @acme/release-managers\\)';
    lineAfter(lines, firstRequested, new RegExp(`deploy +production #2 waiting: ${needsTwo}$`));
    lineAfter(lines, deployFirst, new RegExp(`reply +on #2: \`/deploy production\`: deployment #2 of ${pushed} \\(main\\) to production is waiting: ${needsTwo}$`));
    // shipgate opens the request (who may approve, not alice) and posts its comment; carol comments /approve, dave reacts 👍 to that comment.
    const whoMay = 'who may approve: @carol, @acme/release-managers — not @alice, who requested it';
    const firstOpened = lineAfter(lines, firstRequested, new RegExp(`approval +production #2 needs 2 approvals: request #1 opened, 0 of 2; ${whoMay}$`));
    const firstComment = lineAfter(lines, firstRequested, new RegExp(`reply +on #2: approval request comment: ⏳ Approval needed: deploy ${pushed} to production$`));
    const carolFirst = lineAfter(lines, Math.max(firstOpened, firstComment), /comment +carol commented `\/approve production` on #2$/);
    const daveReacts = lineAfter(lines, carolFirst, /reaction +dave reacted 👍 to shipgate's approval request comment on #2$/);
    const carolCounted = lineAfter(lines, carolFirst, /approval +production #2 approved by @carol with a \/approve comment: 1 of 2$/);
    lineAfter(lines, carolFirst, /reply +on #2: `\/approve production`: approval counted for production: 1 of 2; /);
    // The 👍 counts at the next poll of the comment's reactions: 2 of 2, approved; the wait timer runs from that last approval.
    const daveCounted = lineAfter(lines, Math.max(daveReacts, carolCounted), /approval +production #2 approved by @dave with a 👍 reaction: 2 of 2$/);
    const firstApproved = lineAfter(lines, daveCounted, /approval +production #2 approved: request #1 has its 2 approvals; its 5s wait timer runs until \+\S+$/);
    const firstTimerEnd = lineAfter(lines, firstApproved, /approval +production #2: its 5s wait timer after the last approval \(\+\S+\) ran out at \+\S+?(, deploying from \+\S+)?$/);
    expectTimerOf(lines[firstTimerEnd] ?? '', 5_000);
    expect(lines.slice(firstApproved, firstTimerEnd).filter((line) => /deploy +production #2 deploying/.test(line))).toEqual([]);
    const firstDeploying = lineAfter(lines, firstTimerEnd, new RegExp(`deploy +production #2 deploying ${pushed}$`));
    expect(elapsedOf(lines[firstDeploying] ?? '') - elapsedOf(lines[daveCounted] ?? '')).toBeGreaterThanOrEqual(4_900);
    // The GitHub side is watched apart from shipgate's records: its lines may come just before the request's.
    const firstCreated = lineAfter(lines, firstApproved, new RegExp(`github +deployment (\\d+) created for production \\(ref ${pushed}, production_environment, shipgate_request_id 2\\)$`));
    const firstGitHubId = /deployment (\d+) created/.exec(lines[firstCreated] ?? '')?.[1] ?? '';
    lineAfter(lines, firstApproved, new RegExp(`dispatch +deploy/production → deploy\\.yml \\(ref main, environment=production, deployment_id=${firstGitHubId}\\) → http://`));
    const firstDone = lineAfter(lines, firstDeploying, new RegExp(`deploy +production #2 succeeded: ${pushed} is deployed$`));
    lineAfter(lines, firstCreated, new RegExp(`github +deployment ${firstGitHubId} \\(production\\) success — deployed ${pushed} → https://shop\\.example\\.com$`));
    // The merge: its pipeline runs; locked, the merge commit's request waits for it, then for two /approves and the wait timer, then deploys after staging.
    const merged = lineAfter(lines, firstDone, /merge +alice merged pull request #1 into main: [0-9a-f]{7}$/);
    const mergeSha = /main: ([0-9a-f]{7})$/.exec(lines[merged] ?? '')?.[1] ?? '';
    const mergeRun = /#(\d+)/.exec(lines[lineAfter(lines, merged, new RegExp(`run +pipeline ci run #\\d+ created for acme/shop@${mergeSha} \\(push\\)$`))] ?? '')?.[1] ?? '';
    const lockAndDeploy = lineAfter(lines, merged, /comment +alice commented `\/lock production "release in progress"` and `\/deploy production` on #2$/);
    lineAfter(lines, lockAndDeploy, /lock +production locked by @alice \(“release in progress”\)$/);
    const waiting = lineAfter(lines, lockAndDeploy, new RegExp(`deploy +production #3 waiting: waiting for the pipelines of ${mergeSha} to finish \\(ci\\)$`));
    lineAfter(lines, lockAndDeploy, new RegExp(`check +shipgate/deploy/production queued — production: waiting for the pipelines of ${mergeSha} to finish \\(ci\\)$`));
    const mergeCompleted = lineAfter(lines, waiting, new RegExp(`run +pipeline ci run #${mergeRun} completed: success$`));
    const stagingAgain = lineAfter(lines, waiting, new RegExp(`deploy +staging #4 succeeded: ${mergeSha} is deployed$`));
    lineAfter(lines, waiting, new RegExp(`deploy +production #3 still waiting: ${needsTwo}$`));
    const secondOpened = lineAfter(lines, waiting, new RegExp(`approval +production #3 needs 2 approvals: request #2 opened, 0 of 2; ${whoMay}$`));
    const secondComment = lineAfter(lines, waiting, new RegExp(`reply +on #2: approval request comment: ⏳ Approval needed: deploy ${mergeSha} to production$`));
    const carolSecond = lineAfter(lines, Math.max(secondOpened, secondComment), /comment +carol commented `\/approve production` on #2$/);
    const daveSecond = lineAfter(lines, carolSecond, /comment +dave commented `\/approve production` on #2$/);
    // Both comments arrive at once: whichever shipgate counts first is 1 of 2.
    const counted = [lineAfter(lines, carolSecond, /approval +production #3 approved by @carol with a \/approve comment: [12] of 2$/), lineAfter(lines, daveSecond, /approval +production #3 approved by @dave with a \/approve comment: [12] of 2$/)];
    expect(counted.map((i) => /(\d) of 2$/.exec(lines[i] ?? '')?.[1]).sort()).toEqual(['1', '2']);
    const secondApproved = lineAfter(lines, Math.max(...counted), /approval +production #3 approved: request #2 has its 2 approvals; its 5s wait timer runs until \+\S+$/);
    const secondTimerEnd = lineAfter(lines, secondApproved, /approval +production #3: its 5s wait timer after the last approval \(\+\S+\) ran out at \+\S+?(, deploying from \+\S+)?$/);
    expectTimerOf(lines[secondTimerEnd] ?? '', 5_000);
    const secondDeploying = lineAfter(lines, Math.max(stagingAgain, secondTimerEnd), new RegExp(`deploy +production #3 deploying ${mergeSha}$`));
    expect(mergeCompleted).toBeLessThan(lineAfter(lines, secondApproved, /dispatch +deploy\/production → deploy\.yml/));
    const secondDone = lineAfter(lines, secondDeploying, new RegExp(`deploy +production #3 succeeded: ${mergeSha} is deployed$`));
    lineAfter(lines, secondApproved, new RegExp(`github +deployment ${firstGitHubId} \\(production\\) inactive$`));
    lineAfter(lines, lockAndDeploy, /reply +on #2: `\/lock production "release in progress"`: production is locked by @alice \(release in progress\)$/);
    lineAfter(lines, lockAndDeploy, new RegExp(`reply +on #2: \`/deploy production\`: deployment #3 of ${mergeSha} \\(main\\) to production is waiting: waiting for the pipelines of ${mergeSha}`));
    const unlock = lineAfter(lines, secondDone, /comment +alice commented `\/unlock production` on #2$/);
    lineAfter(lines, unlock, /lock +production unlocked \(it was locked by @alice\)$/);
    lineAfter(lines, unlock, /reply +on #2: `\/unlock production`: production is unlocked$/);
    // The rollback: the push's commit again, GitHub told what it rolls back.
    const rollback = lineAfter(lines, unlock, /comment +alice commented `\/rollback production` on #2$/);
    lineAfter(lines, rollback, new RegExp(`deploy +production #5 requested: ${pushed} \\(main\\) by @alice with /rollback, rolling back #3$`));
    lineAfter(lines, rollback, new RegExp(`github +deployment \\d+ created for production \\(ref ${pushed}, production_environment, shipgate_request_id 5, rollback_of 3\\)$`));
    lineAfter(lines, rollback, new RegExp(`deploy +production #5 succeeded: ${pushed} is deployed$`));
    lineAfter(lines, rollback, new RegExp(`reply +on #2: \`/rollback production\`: rollback #5 of production to ${pushed} \\(main, as deployed by #2\\): deploying now$`));
    lineAfter(lines, rollback, new RegExp(`check +shipgate/deploy/production completed: success — Deployed ${pushed} to production$`));
    // A rollback skips the approvals and the wait timer.
    expect(lines.filter((line) => /approval +production #5|production #5 (still )?waiting/.test(line))).toEqual([]);
    expect(lines.filter((line) => / deploy +\S+ #\d+ (refused|failed|cancelled|rolled-back)/.test(line))).toEqual([]);
    // Every approval line is one of the two production /deploys'.
    expect(lines.filter((line) => /^ +\+\S+ {2}approval {2}/.test(line)).map((line) => /production #(\d+)/.exec(line)?.[1])).toEqual([...Array<string>(5).fill('2'), ...Array<string>(5).fill('3')]);

    // Dispatch waves: test and scan only after build finished, deploy only after both.
    const buildFinished = lineIndex(lines, /job +build\/app finished/);
    const testDispatched = lineIndex(lines, /dispatch +test\/unit/);
    const scanDispatched = lineIndex(lines, /dispatch +scan\/sast/);
    expect(buildFinished).toBeLessThan(Math.min(testDispatched, scanDispatched));
    const deployDispatched = lineIndex(lines, /dispatch +deploy-staging\/deploy/);
    expect(Math.max(lineIndex(lines, /job +test\/unit finished/), lineIndex(lines, /job +scan\/sast finished/))).toBeLessThan(deployDispatched);

    // The summary: API calls per route, the dispatches in order, the check runs.
    const summary = lines.slice(lineIndex(lines, /^GitHub API calls made by the app: \d+ \(\d+ writes\)$/));
    // 4 for the push, 3 for the pull request (its /retry re-runs the failed job instead), 4 for the merge, 1 for each of the three production deploys.
    expect(summary.join('\n')).toMatch(/^ +14 {2}POST \/repos\/\{owner\}\/\{repo\}\/actions\/workflows\/\{workflow_id\}\/dispatches$/m);
    expect(summary.join('\n')).toMatch(/^ +5 {2}POST \/repos\/\{owner\}\/\{repo\}\/deployments$/m);
    expect(summary.join('\n')).toMatch(/^ +1 {2}POST \/repos\/\{owner\}\/\{repo\}\/actions\/runs\/\{run_id\}\/rerun-failed-jobs$/m);
    const dispatches = summary
      .slice(lineIndex(summary, /^Workflow dispatches: 14$/) + 1)
      .slice(0, 4)
      .map((line) => /\s(\w+\.yml)\s/.exec(line)?.[1]);
    expect(dispatches[0]).toBe('build.yml');
    expect([dispatches[1], dispatches[2]].sort()).toEqual(['scan.yml', 'test.yml']);
    expect(dispatches[3]).toBe('deploy.yml');
    lineIndex(summary, /^ {2}shipgate\/ci +success/);
    lineIndex(summary, /^ {2}shipgate +success/);
    // One artifact listing and one download per gate evaluation: 3 on the push, 3 on the pull request, 2 again after /retry (scan was not re-run), 3 on the merge.
    expect(summary.join('\n')).toMatch(/^ +11 {2}GET \/repos\/\{owner\}\/\{repo\}\/actions\/runs\/\{run_id\}\/artifacts$/m);
    expect(summary.join('\n')).toMatch(/^ +11 {2}GET \/repos\/\{owner\}\/\{repo\}\/actions\/artifacts\/\{artifact_id\}\/\{archive_format\}$/m);

    // The gates table of each shipgate/ci check run, as the app wrote it, with the annotations.
    const push = gatesShown(summary, /^Gates, push to main \(shipgate\/ci success on [0-9a-f]{7}\):$/);
    expect(push.rows).toEqual({
      coverage: expect.stringMatching(/^✅ pass \| 86% \(86\/100 lines\) \| ≥ 80% \|/),
      tests: expect.stringMatching(/^✅ pass \| 0 failed of 12 \| ≤ 0 failed \|/),
      vulnerabilities: expect.stringMatching(/^✅ pass \| error 0, warning 2, note 0, .*\| error ≤ 0, warning ≤ 5 \|/),
    });
    expect(push.annotations).toEqual([expect.stringMatching(/^src\/cart\.ts:18 {2}warning {2}vulnerabilities: /), expect.stringMatching(/^src\/checkout\.ts:42 {2}warning {2}vulnerabilities: /)]);
    const before = gatesShown(summary, /^Gates, pull request #1 before \/retry \(shipgate\/ci failure on [0-9a-f]{7}\):$/);
    expect(before.rows).toEqual({
      coverage: expect.stringMatching(/^✅ pass \| 86\.54% \(90\/104 lines\) \|/),
      tests: expect.stringMatching(/^❌ fail \| 1 failed of 13 \| ≤ 0 failed \|/),
      vulnerabilities: expect.stringMatching(/^✅ pass \|/),
    });
    expect(before.notes).toEqual(['- **tests** fail: 1 test failed (at most 0 allowed)']);
    expect(before.annotations).toContainEqual('test/checkout.test.ts:26  failure  tests: Failed: test/checkout.test.ts › checkout > charges the card');
    const after = gatesShown(summary, /^Gates, pull request #1 after \/retry \(shipgate\/ci success on [0-9a-f]{7}\):$/);
    expect(after.rows).toEqual({
      coverage: expect.stringMatching(/^✅ pass \| 86\.54% \(90\/104 lines\) \|/),
      tests: expect.stringMatching(/^✅ pass \| 0 failed of 13, 1 flaky \| ≤ 0 failed \|/),
      vulnerabilities: expect.stringMatching(/^✅ pass \|/),
    });
    expect(after.notes).toEqual([]);

    // Each environment's deployments, with their GitHub deployments and statuses.
    const deployments = summary.slice(lineIndex(summary, /^Deployments:$/) + 1, lineIndex(summary, /^The story ended/)).filter((line) => line !== '');
    expect(deployments).toEqual([
      '  staging',
      expect.stringMatching(new RegExp(`^ {4}#1 {2}${pushed} \\(main\\) {2}stage +succeeded {2}GitHub deployment ${stagingGitHubId}: in_progress → success → inactive {2}https://staging\\.shop\\.example\\.com$`)),
      expect.stringMatching(new RegExp(`^ {4}#4 {2}${mergeSha} \\(main\\) {2}stage +succeeded {2}GitHub deployment \\d+: in_progress → success {2}https://staging\\.shop\\.example\\.com$`)),
      '  production',
      expect.stringMatching(
        new RegExp(`^ {4}#2 {2}${pushed} \\(main\\) {2}/deploy +succeeded {2}GitHub deployment ${firstGitHubId}: in_progress → success → inactive {2}https://shop\\.example\\.com {2}approvals 2/2 \\(approved\\): @carol /approve, @dave 👍$`),
      ),
      expect.stringMatching(
        new RegExp(`^ {4}#3 {2}${mergeSha} \\(main\\) {2}/deploy +succeeded {2}GitHub deployment \\d+: in_progress → success → inactive {2}https://shop\\.example\\.com {2}approvals 2/2 \\(approved\\): (@carol /approve, @dave /approve|@dave /approve, @carol /approve)$`),
      ),
      expect.stringMatching(new RegExp(`^ {4}#5 {2}${pushed} \\(main\\) {2}/rollback of #3 {2}succeeded {2}GitHub deployment \\d+: in_progress → success {2}https://shop\\.example\\.com$`)),
    ]);

    lineIndex(
      lines,
      /^The story ended as scripted: pipeline ci succeeded on main with every gate passing \(coverage, tests, vulnerabilities\) and deployed staging; on the pull request the tests gate failed on a failing test, the failed job ran again after \/retry, the gate passed, and shipgate\/ci and shipgate are green; \/deploy production waited for @carol's \/approve and @dave's 👍 and the 5s wait timer, then deployed main; the merge commit deployed staging through the pipeline and production once its pipeline succeeded, @carol's \/approve and @dave's \/approve came and the wait timer ran out \(under a lock\); and \/rollback production deployed the first commit again, without approvals\.$/,
    );
    expect(io.out).not.toMatch(/did not end as scripted|dashboard|refused|expired|rejected/i);
    // The story's figures, as `shipgate stats` computes them: the push, the pull request and the merge ran ci.
    lineIndex(lines, /^shipgate stats --repo acme\/shop \(the story's window\):$/);
    lineIndex(lines, /^Pipeline runs: \d+ finished, success rate /);

    const appUrl = /app +(http:\/\/127\.0\.0\.1:\d+)/.exec(io.out)?.[1];
    expect(appUrl).toBeDefined();
    await expectStopped(appUrl ?? '');
  });

  it('without --exit keeps the app serving after the story, until Ctrl-C', { timeout: STORY_TIMEOUT_MS }, async () => {
    const interrupt = new AbortController();
    let health: { status: number; body: unknown } | undefined;
    const io = await runDemo(['--speed', '200', '--log-level', 'silent'], {
      interrupt: interrupt.signal,
      onOutput: (text) => {
        const url = /app health +(\S+)/.exec(text)?.[1];
        if (!url) return;
        void fetch(url)
          .then(async (response) => {
            health = { status: response.status, body: await response.json() };
          })
          .finally(() => interrupt.abort());
      },
    });
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', database: { ok: true, kind: 'pglite' } } });
    expect(io.out).toMatch(/The story ended as scripted.*\n\nshipgate stats --repo acme\/shop \(the story's window\):\n[\s\S]*\n\nThe app and the simulator keep running; press Ctrl-C to stop\.\n {2}app health +http:\/\/127\.0\.0\.1:\d+\/healthz\n {2}simulator API +http:\/\/127\.0\.0\.1:\d+\/api\/v3 .*\nstopping…\nstopped\n$/);
    await expectStopped(/app +(http:\/\/127\.0\.0\.1:\d+)/.exec(io.out)?.[1] ?? '');
  });

  it('refuses a speed that is not a positive number', async () => {
    const io = await runDemo(['--exit', '--speed', '0']);
    expect(io.exitCode).toBe(2);
    expect(io.err).toBe('shipgate demo: --speed must be a positive number, got "0"\n');
    expect(io.out).toBe('');
  });
});
