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

/** Expects the app at `url` to be gone (connection refused). */
async function expectStopped(url: string): Promise<void> {
  await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
}

describe('shipgate demo', () => {
  it('plays the push to main through every stage, then the pull request with /retry, prints the timeline and exits 0 with --exit', { timeout: 60_000 }, async () => {
    const io = await runDemo(['--exit', '--speed', '200', '--log-level', 'silent']);
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    const lines = io.out.split('\n');

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
    lineIndex(lines, /^The story ended as scripted/);
    expect(io.out).not.toMatch(/dashboard|approv|\bgates?\b/i);

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
