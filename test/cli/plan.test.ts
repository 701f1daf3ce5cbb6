import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerPlanCommand } from '../../src/cli/plan.ts';
import { captureIo } from '../../src/cli/io.ts';
import { BRANCH_AND_TAG_ROWS, PATH_ROWS } from '../matching/cheat-sheet.ts';

/** Path of a file under `test/fixtures/plan/`. */
function planFixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/plan/${name}`, import.meta.url));
}

/**
 * Runs `shipgate plan ARGS` through a commander program with a capturing CliIo, the
 * way `src/cli/main.ts` does (usage errors from commander itself exit 2).
 */
async function runPlan(args: string[]) {
  const io = captureIo();
  const program = new Command('shipgate')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerPlanCommand(program, io);
  try {
    await program.parseAsync(['plan', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    io.setExitCode(error.exitCode === 0 ? 0 : 2);
  }
  return io;
}

/** The `--json` output of a successful run, parsed. */
interface PlanJson {
  pipelines: Array<{ id: string; reasons: string[]; stages: Array<{ id: string; jobs: string[]; skipped: false | string; code?: string }> }>;
  skipped: Array<{ id: string; reason: string }>;
}

const config = planFixture('shipgate.yml');

async function planJson(args: string[], configFile = config): Promise<PlanJson> {
  const io = await runPlan(['--config', configFile, '--json', ...args]);
  expect(io.err).toBe('');
  expect(io.exitCode).toBe(0);
  return JSON.parse(io.out) as PlanJson;
}

describe('shipgate plan --json', () => {
  it('prints the documented shape for a push to main', async () => {
    const plan = await planJson(['--event', 'push', '--ref', 'main', '--changed', 'src/app.ts,README.md']);
    expect(plan).toEqual({
      pipelines: [
        {
          id: 'ci',
          stages: [
            { id: 'build', jobs: ['app'], skipped: false },
            { id: 'test', jobs: ['unit', 'e2e'], skipped: false },
            { id: 'deploy-staging', jobs: ['deploy'], skipped: false },
          ],
          reasons: ["branch 'main' matches on.push.branches 'main'", "changed path 'src/app.ts' matches on.push.paths 'src/**'"],
        },
      ],
      skipped: [{ id: 'release', reason: 'the pipeline has no on.push trigger' }],
    });
  });

  it('accepts refs/heads/ refs and explains skipped stages', async () => {
    const plan = await planJson(['--event', 'push', '--ref', 'refs/heads/release/v2', '--changed', 'src/api.ts']);
    expect(plan.pipelines[0]?.stages.map((s) => [s.id, s.skipped])).toEqual([
      ['build', false],
      ['test', false],
      ['deploy-staging', "if: ${{ shipgate.branch == 'main' }} was false"],
    ]);
  });

  it('skips ci when only excluded paths change', async () => {
    const plan = await planJson(['--event', 'push', '--ref', 'main', '--changed', 'src/README.md, docs/x.md']);
    expect(plan.pipelines).toEqual([]);
    expect(plan.skipped[0]).toEqual({ id: 'ci', reason: "no changed path matches on.push.paths ('src/**', '!src/**/*.md')" });
  });

  it('says the changed files are unknown without --changed', async () => {
    const plan = await planJson(['--event', 'push', '--ref', 'main']);
    expect(plan.skipped[0]?.reason).toBe('on.push.paths cannot be checked: the changed files are unknown (resolve them before matching)');
  });

  it.each([
    ['--event', 'tag', '--ref', 'v1.2.0'],
    ['--event', 'tag', '--ref', 'refs/tags/v1.2.0'],
    ['--event', 'push', '--ref', 'refs/tags/v1.2.0'],
  ])('plans a tag push: %s %s %s %s', async (...args) => {
    const plan = await planJson(args);
    expect(plan.pipelines).toEqual([
      {
        id: 'release',
        stages: [
          { id: 'publish', jobs: ['npm'], skipped: false },
          { id: 'announce', jobs: ['slack'], skipped: false },
        ],
        reasons: ["tag 'v1.2.0' matches on.tag.tags 'v[0-9]+.[0-9]+.[0-9]+'"],
      },
    ]);
    expect(plan.skipped).toEqual([{ id: 'ci', reason: 'the pipeline has no on.tag trigger' }]);
  });

  it('evaluates if: against the tag', async () => {
    const plan = await planJson(['--event', 'tag', '--ref', 'v2.0.0-rc1']);
    expect(plan.pipelines).toEqual([]);
    expect(plan.skipped.find((s) => s.id === 'release')?.reason).toBe(
      "tag 'v2.0.0-rc1' does not match on.tag.tags ('v[0-9]+.[0-9]+.[0-9]+')",
    );
  });

  it('plans a pull request against its base branch, with the head branch as ref', async () => {
    const plan = await planJson(['--event', 'pull_request', '--ref', 'feature/login', '--base', 'main', '--changed', 'src/login.ts']);
    expect(plan.pipelines.map((p) => p.id)).toEqual(['ci']);
    expect(plan.pipelines[0]?.reasons).toEqual([
      "pull request action 'opened' is in on.pull_request.types",
      "base branch 'main' matches on.pull_request.branches 'main'",
      "changed path 'src/login.ts' matches on.pull_request.paths 'src/**'",
    ]);
    expect(plan.pipelines[0]?.stages.at(-1)?.skipped).toBe("if: ${{ shipgate.branch == 'main' }} was false");
    // The reason code sits beside the sentence; stages that run have none.
    expect(plan.pipelines[0]?.stages.at(-1)?.code).toBe('stage.if-false');
    expect(plan.pipelines[0]?.stages.filter((s) => s.skipped === false).every((s) => !('code' in s))).toBe(true);
  });

  it('honours --action and --base', async () => {
    const closed = await planJson(['--event', 'pull_request', '--ref', 'f', '--base', 'main', '--action', 'closed', '--changed', 'src/a.ts']);
    expect(closed.skipped[0]?.reason).toBe("pull request action 'closed' is not in on.pull_request.types (opened, synchronize, reopened)");
    const otherBase = await planJson(['--event', 'pull_request', '--ref', 'f', '--base', 'refs/heads/develop', '--changed', 'src/a.ts']);
    expect(otherBase.skipped[0]?.reason).toBe("base branch 'develop' does not match on.pull_request.branches ('main')");
  });

  it('plans a manual start', async () => {
    const plan = await planJson(['--event', 'manual', '--ref', 'main']);
    expect(plan.pipelines.map((p) => p.id)).toEqual(['release']);
  });

  it('exits 0 when nothing matches', async () => {
    const plan = await planJson(['--event', 'push', '--ref', 'feature/x', '--changed', 'src/a.ts']);
    expect(plan.pipelines).toEqual([]);
    expect(plan.skipped.map((s) => s.id)).toEqual(['ci', 'release']);
  });
});

describe('shipgate plan (human output)', () => {
  it('lists pipelines, stages, jobs and reasons', async () => {
    const io = await runPlan(['--config', config, '--event', 'push', '--ref', 'release/v2', '--changed', 'src/api.ts']);
    expect(io.exitCode).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toBe(
      [
        `Plan for a push to branch 'release/v2' (changed: src/api.ts), with ${config}`,
        '',
        '✓ ci would run',
        "    because branch 'release/v2' matches on.push.branches 'release/**'",
        "    and changed path 'src/api.ts' matches on.push.paths 'src/**'",
        '    stage build           runs: app',
        '    stage test            runs: unit, e2e',
        "    stage deploy-staging  skipped: if: ${{ shipgate.branch == 'main' }} was false (jobs: deploy)",
        '',
        '✗ release would not run: the pipeline has no on.push trigger',
        '',
        '1 of 2 pipelines would run.',
        '',
      ].join('\n'),
    );
  });

  it('hints at --changed when path filters could not be checked', async () => {
    const io = await runPlan(['--config', config, '--event', 'push', '--ref', 'main']);
    expect(io.exitCode).toBe(0);
    expect(io.out).toContain('0 of 2 pipelines would run.');
    expect(io.out).toContain('Hint: pass --changed a,b,c to check path filters.');
  });
});

describe('shipgate plan errors', () => {
  it('exits 1 and prints FILE:LINE:COL errors for an invalid config', async () => {
    const file = planFixture('invalid.yml');
    const io = await runPlan(['--config', file, '--event', 'push', '--ref', 'main']);
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe('');
    const lines = io.err.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(new RegExp(`^${escapeRegExp(file)}:\\d+:\\d+ \\S`));
    expect(lines.at(-1)).toMatch(/is invalid \(\d+ errors?\)$/);
  });

  it.each([
    { args: ['--event', 'deploy', '--ref', 'main'], message: "unknown event 'deploy'; use one of: push, pull_request, tag, manual" },
    { args: ['--ref', 'main'], message: '--event is required (one of: push, pull_request, tag, manual)' },
    { args: ['--event', 'push'], message: '--ref is required: the branch the event is for (e.g. --ref main)' },
    { args: ['--event', 'tag'], message: '--ref is required: the tag the event is for (e.g. --ref v1.2.0)' },
    { args: ['--event', 'pull_request', '--ref', 'f'], message: '--base is required with --event pull_request' },
    { args: ['--event', 'push', '--ref', 'main', '--base', 'main'], message: '--base only applies to --event pull_request' },
    { args: ['--event', 'tag', '--ref', 'refs/heads/main'], message: "--ref 'refs/heads/main' is a branch; use --event push for branches" },
    { args: ['--event', 'push', '--ref', 'refs/pull/1/merge'], message: 'is neither refs/heads/… nor refs/tags/…' },
    { args: ['--event', 'pull_request', '--ref', 'refs/tags/v1', '--base', 'main'], message: 'is a tag' },
  ])('exits 2 for $args', async ({ args, message }) => {
    const io = await runPlan(['--config', config, ...args]);
    expect(io.exitCode).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toContain(message);
    expect(io.err).toContain("Run 'shipgate plan --help' for usage and examples.");
  });

  it('exits 2 when the config file does not exist', async () => {
    const io = await runPlan(['--config', planFixture('missing.yml'), '--event', 'push', '--ref', 'main']);
    expect(io.exitCode).toBe(2);
    expect(io.err).toContain('missing.yml: no such file');
  });

  it('exits 2 for an unknown option', async () => {
    const io = await runPlan(['--config', config, '--event', 'push', '--ref', 'main', '--bogus']);
    expect(io.exitCode).toBe(2);
    expect(io.err).toContain("unknown option '--bogus'");
  });

  it('has helpful --help text with examples', async () => {
    const io = await runPlan(['--help']);
    expect(io.exitCode).toBe(0);
    expect(io.out).toContain('Usage: shipgate plan [options]');
    expect(io.out).toContain('--config <file>');
    expect(io.out).toContain('(default: ".github/shipgate.yml")');
    expect(io.out).toContain('$ shipgate plan --event push --ref main --changed src/app.ts,README.md');
    expect(io.out).toContain('Exit codes:');
  });
});

describe('every row of the filter pattern cheat sheet, through shipgate plan --json', () => {
  // One pipeline per row: branch rows as on.push.branches, the same patterns as
  // on.tag.tags, and path rows as on.push.paths.
  const pipelines: string[] = [];
  const addPipeline = (id: string, on: string) =>
    pipelines.push(`  ${id}:\n    on:\n${on}\n    stages:\n      build:\n        jobs:\n          app: { workflow: build.yml }`);
  BRANCH_AND_TAG_ROWS.forEach((row, i) => {
    addPipeline(`branches-${i}`, `      push:\n        branches: ${JSON.stringify(row.patterns)}`);
    addPipeline(`tags-${i}`, `      tag:\n        tags: ${JSON.stringify(row.patterns)}`);
  });
  PATH_ROWS.forEach((row, i) => addPipeline(`paths-${i}`, `      push:\n        paths: ${JSON.stringify(row.patterns)}`));
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-plan-'));
  const cheatSheetConfig = join(dir, 'shipgate.yml');
  writeFileSync(cheatSheetConfig, `version: 1\npipelines:\n${pipelines.join('\n')}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cases(kind: 'branches' | 'tags' | 'paths', rows: typeof PATH_ROWS) {
    return rows.flatMap((row, i) => [
      ...row.matches.map((value) => ({ id: `${kind}-${i}`, patterns: row.patterns, value, matched: true })),
      ...row.doesNotMatch.map((value) => ({ id: `${kind}-${i}`, patterns: row.patterns, value, matched: false })),
    ]);
  }

  function expectMatched(plan: PlanJson, id: string, matched: boolean) {
    if (matched) {
      expect(plan.pipelines.map((p) => p.id)).toContain(id);
      expect(plan.skipped.map((s) => s.id)).not.toContain(id);
    } else {
      expect(plan.pipelines.map((p) => p.id)).not.toContain(id);
      expect(plan.skipped.map((s) => s.id)).toContain(id);
    }
  }

  it.each(cases('branches', BRANCH_AND_TAG_ROWS))('push --ref $value vs $patterns → $matched', async ({ id, value, matched }) => {
    expectMatched(await planJson(['--event', 'push', '--ref', value, '--changed', 'x'], cheatSheetConfig), id, matched);
  });

  it.each(cases('tags', BRANCH_AND_TAG_ROWS))('tag --ref $value vs $patterns → $matched', async ({ id, value, matched }) => {
    expectMatched(await planJson(['--event', 'tag', '--ref', value], cheatSheetConfig), id, matched);
  });

  it.each(cases('paths', PATH_ROWS))('push --changed $value vs $patterns → $matched', async ({ id, value, matched }) => {
    expectMatched(await planJson(['--event', 'push', '--ref', 'main', '--changed', value], cheatSheetConfig), id, matched);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
