#!/usr/bin/env node
// Entry point of the `shipgate` command. The sources are TypeScript that Node runs
// directly (type stripping, on by default since Node 22.18 / 23.6); older 22.x
// releases need the flag, so re-run ourselves with it.
import { spawnSync } from 'node:child_process';

if (!process.features.typescript) {
  const result = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings', ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
