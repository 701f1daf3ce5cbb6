import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    setExitCode() {},
  };
  return io as CliIo & { out: string; err: string };
}

describe('shipgate', () => {
  it('prints the package version for --version and exits 0', async () => {
    const io = captureIo();
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out.trim()).toBe(version);
  });

  it('lists every command in --help, and exits 2 on an unknown one', async () => {
    const help = captureIo();
    expect(await main(['--help'], help)).toBe(0);
    for (const command of ['validate', 'plan', 'start', 'migrate', 'demo', 'deliveries']) expect(help.out).toContain(command);
    const bad = captureIo();
    expect(await main(['frobnicate'], bad)).toBe(2);
    expect(bad.err).toMatch(/unknown command 'frobnicate'/);
  });
});
