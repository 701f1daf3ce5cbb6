/**
 * Named points where a test may make the process die at once (SIGKILL), to
 * prove that what a crash leaves there is recovered. Off unless the
 * environment variable `SHIPGATE_CRASH_POINTS` lists the point's name
 * (comma-separated); the process kills itself the first time it reaches one.
 */
export const CRASH_POINTS = {
  /** A run was recorded (committed) and has not been advanced yet. */
  afterRunRecorded: 'after-run-recorded',
} as const;

export type CrashPoint = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS];

const armed = new Set(
  (process.env['SHIPGATE_CRASH_POINTS'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);

/** Dies here (SIGKILL, no cleanup) when this point is armed. */
export function crashPoint(point: CrashPoint): void {
  if (armed.has(point)) process.kill(process.pid, 'SIGKILL');
}
