/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seconds since the epoch, as push payloads carry `created_at`/`pushed_at`. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
