/**
 * Waiting on wall-clock time for what another process does (an app started
 * with `startAppProcess`, killed, restarted): only there does a test poll,
 * since that process does not run on the test's ManualClock.
 */

export interface UntilOptions {
  /** How long to wait before failing (default 30 s: a busy machine starts an app slowly). */
  timeoutMs?: number;
  /** What to show when it times out (the app's output, what the simulators saw). */
  explain?: () => string;
}

/** Resolves once `check()` holds, checking every 25 ms; throws naming `what` when it does not hold in time. */
export async function until(what: string, check: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${options.explain ? `:\n${options.explain()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
