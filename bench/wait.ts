/** A wait on the app that ran out of time: the app is too slow or stalled (not a bug of the bench). */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/** Sleeps `ms` of wall time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs`
 * have passed (false). Errors of `condition` propagate.
 */
export async function waitUntil(timeoutMs: number, intervalMs: number, condition: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Like `waitUntil`, but throws a `WaitTimeout` naming `what`. Every wait of
 * the bench is bounded by one of these.
 */
export async function waitFor(what: string, timeoutMs: number, intervalMs: number, condition: () => boolean | Promise<boolean>): Promise<void> {
  if (!(await waitUntil(timeoutMs, intervalMs, condition))) throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
