import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDemoCommand } from '../../src/cli/demo.ts';
import { captureIo, type CliIo } from '../../src/cli/io.ts';

/**
 * Runs `shipgate demo ARGS` in-process through a commander program, the way
 * `src/cli/main.ts` does, with a capturing CliIo. `onOutput` sees each printed
 * chunk as it comes (to interrupt at the right moment).
 */
async function runDemo(args: string[], options: { interrupt?: AbortSignal; onOutput?: (text: string) => void } = {}) {
  const io = captureIo();
  const watchedIo: CliIo = {
    ...io,
    stdout(text) {
      io.stdout(text);
      options.onOutput?.(text);
    },
  };
  const program = new Command('shipgate')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerDemoCommand(program, watchedIo, options.interrupt ? { interrupt: options.interrupt } : {});
  try {
    await program.parseAsync(['demo', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    io.setExitCode(error.exitCode === 0 ? 0 : 2);
  }
  return io;
}

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

/** Expects the app at `url` to be gone (connection refused). */
async function expectStopped(url: string): Promise<void> {
  await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
}

describe('shipgate demo', () => {
  it('plays the push to main through every stage and its gates, then the pull request whose tests gate fails until /retry, prints the timeline and the gates tables, and exits 0 with --exit', { timeout: 60_000 }, async () => {
    const io = await runDemo(['--exit', '--speed', '200', '--log-level', 'silent']);
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    const lines = io.out.split('\n');
    lineIndex(lines, /^pipeline ci of acme\/shop: build → test \+ scan in parallel → gates coverage, tests, vulnerabilities → deploy-staging \(main only\)$/);

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
    lineIndex(lines, /dispatch +deploy-staging\/deploy → deploy\.yml \(ref main, environment=staging\)/);
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
    lineIndex(lines, /reaction +shipgate reacted 👀 🚀 to "\/retry"$/);

    // Dispatch waves: test and scan only after build finished, deploy only after both.
    const buildFinished = lineIndex(lines, /job +build\/app finished/);
    const testDispatched = lineIndex(lines, /dispatch +test\/unit/);
    const scanDispatched = lineIndex(lines, /dispatch +scan\/sast/);
    expect(buildFinished).toBeLessThan(Math.min(testDispatched, scanDispatched));
    const deployDispatched = lineIndex(lines, /dispatch +deploy-staging\/deploy/);
    expect(Math.max(lineIndex(lines, /job +test\/unit finished/), lineIndex(lines, /job +scan\/sast finished/))).toBeLessThan(deployDispatched);

    // The summary: API calls per route, the dispatches in order, the check runs.
    const summary = lines.slice(lineIndex(lines, /^GitHub API calls made by the app: \d+ \(\d+ writes\)$/));
    expect(summary.join('\n')).toMatch(/^ +7 {2}POST \/repos\/\{owner\}\/\{repo\}\/actions\/workflows\/\{workflow_id\}\/dispatches$/m);
    expect(summary.join('\n')).toMatch(/^ +1 {2}POST \/repos\/\{owner\}\/\{repo\}\/actions\/runs\/\{run_id\}\/rerun-failed-jobs$/m);
    const dispatches = summary
      .slice(lineIndex(summary, /^Workflow dispatches: 7$/) + 1)
      .slice(0, 4)
      .map((line) => /\s(\w+\.yml)\s/.exec(line)?.[1]);
    expect(dispatches[0]).toBe('build.yml');
    expect([dispatches[1], dispatches[2]].sort()).toEqual(['scan.yml', 'test.yml']);
    expect(dispatches[3]).toBe('deploy.yml');
    lineIndex(summary, /^ {2}shipgate\/ci +success/);
    lineIndex(summary, /^ {2}shipgate +success/);
    // One artifact listing and one download per gate evaluation: 3 on the push, 3 on the pull request, 2 again after /retry (scan was not re-run).
    expect(summary.join('\n')).toMatch(/^ +8 {2}GET \/repos\/\{owner\}\/\{repo\}\/actions\/runs\/\{run_id\}\/artifacts$/m);
    expect(summary.join('\n')).toMatch(/^ +8 {2}GET \/repos\/\{owner\}\/\{repo\}\/actions\/artifacts\/\{artifact_id\}\/\{archive_format\}$/m);

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

    lineIndex(lines, /^The story ended as scripted: pipeline ci succeeded on main with every gate passing \(coverage, tests, vulnerabilities\); on the pull request the tests gate failed on a failing test, the failed job ran again after \/retry, the gate passed/);
    expect(io.out).not.toMatch(/did not end as scripted|dashboard|approv/i);

    const appUrl = /app +(http:\/\/127\.0\.0\.1:\d+)/.exec(io.out)?.[1];
    expect(appUrl).toBeDefined();
    await expectStopped(appUrl ?? '');
  });

  it('without --exit keeps the app serving after the story, until Ctrl-C', { timeout: 60_000 }, async () => {
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
    expect(io.out).toMatch(/The story ended as scripted.*\n\nThe app and the simulator keep running; press Ctrl-C to stop\.\n {2}app health +http:\/\/127\.0\.0\.1:\d+\/healthz\n {2}simulator API +http:\/\/127\.0\.0\.1:\d+\/api\/v3 .*\nstopping…\nstopped\n$/);
    await expectStopped(/app +(http:\/\/127\.0\.0\.1:\d+)/.exec(io.out)?.[1] ?? '');
  });

  it('refuses a speed that is not a positive number', async () => {
    const io = await runDemo(['--exit', '--speed', '0']);
    expect(io.exitCode).toBe(2);
    expect(io.err).toBe('shipgate demo: --speed must be a positive number, got "0"\n');
    expect(io.out).toBe('');
  });
});
