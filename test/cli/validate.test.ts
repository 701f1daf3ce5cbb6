import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.ts';
import { registerValidateCommand } from '../../src/cli/validate.ts';

const fixtures = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'shipgate-validate-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `shipgate validate ...args` and returns what it printed and its exit code. */
async function validate(...args: string[]) {
  const io = captureIo();
  const program = new Command('shipgate')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerValidateCommand(program, io);
  try {
    await program.parseAsync(['validate', ...args], { from: 'user' });
  } catch (error) {
    if ((error as { code?: string }).code !== 'commander.helpDisplayed') throw error;
  }
  return io;
}

describe('shipgate validate', () => {
  it('prints schema errors and semantic errors together, sorted by line', async () => {
    const file = join(scratch, 'both.yml');
    writeFileSync(
      file,
      [
        'pipelines:',
        '  ci:',
        '    on: { push: { branches: [main] } }',
        '    stages:',
        '      build:',
        '        jobs: { app: { workflow: build.yml, timeout: soon } }',
        '      deploy:',
        '        needs: [tests]',
        '        jobs: { prod: { workflow: deploy.yml } }',
        '',
      ].join('\n'),
    );
    const io = await validate(file);
    expect(io.exitCode).toBe(1);
    const lines = io.out.split('\n').filter(Boolean);
    expect(lines.every((line) => line.startsWith(`${file}:`))).toBe(true);
    expect(lines.map((line) => line.slice(file.length))).toEqual([
      expect.stringMatching(/^:6:\d+ pipelines\.ci\.stages\.build\.jobs\.app\.timeout: expected a duration/),
      ':8:17 pipelines.ci.stages.deploy.needs[0]: needs "tests", which is not a stage of pipeline "ci" (stages: build, deploy)',
    ]);
    expect(io.err).toBe(`${file} is invalid: 2 errors\n`);
  });

  it('exits 0 with a short OK line on a valid file', async () => {
    const file = join(fixtures, 'valid.yml');
    const io = await validate(file);
    expect(io.exitCode).toBe(0);
    expect(io.out).toBe(`${file}: OK (1 pipeline, 2 stages, 2 jobs, 0 environments)\n`);
    expect(io.err).toBe('');
  });

  it('exits 1 and prints FILE:LINE:COL message for each error', async () => {
    const file = join(fixtures, 'invalid.yml');
    const io = await validate(file);
    expect(io.exitCode).toBe(1);
    expect(io.out.split('\n').filter(Boolean)).toEqual([
      `${file}:9:48 pipelines.ci.stages.build.jobs.app.timeout: expected a duration like 90s, 20m, 2h or 1d (a whole number and one unit: s, m, h or d), got "20 min"`,
      `${file}:11:9 pipelines.ci.stages.test: unknown key "need"; expected one of: needs, if, environment, jobs — did you mean "needs"?`,
    ]);
    expect(io.err).toBe(`${file} is invalid: 2 errors\n`);
  });

  it('prints warnings and still exits 0', async () => {
    const file = join(fixtures, 'idle.yml');
    const io = await validate(file);
    expect(io.exitCode).toBe(0);
    expect(io.out).toContain(`${file}:3:5 warning: pipelines.nightly.on: no trigger is set`);
    expect(io.out).toContain(`${file}: OK (1 pipeline, 1 stage, 1 job, 0 environments)`);
  });

  it('prints { valid, errors } with --json', async () => {
    const invalid = await validate(join(fixtures, 'invalid.yml'), '--json');
    expect(invalid.exitCode).toBe(1);
    const report = JSON.parse(invalid.out) as { valid: boolean; errors: Array<Record<string, unknown>>; warnings: unknown[] };
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(2);
    expect(report.errors[1]).toEqual({
      file: join(fixtures, 'invalid.yml'),
      line: 11,
      column: 9,
      message: 'pipelines.ci.stages.test: unknown key "need"; expected one of: needs, if, environment, jobs',
      hint: 'did you mean "needs"?',
      path: ['pipelines', 'ci', 'stages', 'test', 'need'],
    });

    const valid = await validate(join(fixtures, 'valid.yml'), '--json');
    expect(valid.exitCode).toBe(0);
    expect(JSON.parse(valid.out)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('exits 2 with a clear message when the file cannot be read', async () => {
    const missing = join(scratch, 'nope.yml');
    const io = await validate(missing);
    expect(io.exitCode).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toBe(`shipgate validate: cannot read ${missing}: no such file\n`);

    const directory = await validate(scratch);
    expect(directory.exitCode).toBe(2);
    expect(directory.err).toContain('it is a directory, not a file');

    const json = await validate(missing, '--json');
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.out)).toEqual({ valid: false, errors: [{ file: missing, message: `cannot read ${missing}: no such file` }], warnings: [] });
  });

  it('refuses non-UTF-8 and oversized files with exit 1', async () => {
    const latin1 = join(scratch, 'latin1.yml');
    writeFileSync(latin1, Buffer.from([...Buffer.from('# caf'), 0xe9, 0x0a]));
    const io = await validate(latin1);
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe(`${latin1}:1:6 the file is not valid UTF-8 (byte 0xE9); save it as UTF-8\n`);

    const huge = join(scratch, 'huge.yml');
    writeFileSync(huge, `# ${'x'.repeat(5_000_000)}\n`);
    const started = performance.now();
    const big = await validate(huge);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(big.exitCode).toBe(1);
    expect(big.out).toContain(`${huge}:1:1 the file is 4.8 MB, over the 1 MB limit`);
  });

  it('documents the default file, the output and the exit codes in --help', async () => {
    const io = await validate('--help');
    expect(io.out).toContain('Usage: shipgate validate [options] [file]');
    expect(io.out).toContain('(default: ".github/shipgate.yml")');
    expect(io.out).toContain('--json');
    expect(io.out).toContain('Exit codes: 0 valid, 1 invalid, 2 the file cannot be read');
  });

  it.each(readdirSync(examples).filter((name) => name.endsWith('.yml')))('examples/%s is valid', async (name) => {
    const io = await validate(join(examples, name));
    expect(io.out).toMatch(/: OK \(/);
    expect(io.exitCode).toBe(0);
  });
});
