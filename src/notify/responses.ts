/**
 * What a receiver's answer means for a notification (pure): 2xx delivered;
 * 408, 425, 429 and 5xx retried (after `Retry-After` when it says); 410 gone
 * (the endpoint is disabled); any other status failed for good — 3xx too, as
 * redirects are not followed (Standard Webhooks).
 */

/** The longest wait a `Retry-After` may ask for; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 6 * 3600_000;

/**
 * Milliseconds `Retry-After` asks to wait, from `nowMs`: delay-seconds
 * (`120`) or an HTTP date; undefined when absent or unreadable. A date in the
 * past is 0; a wait over {@link MAX_RETRY_AFTER_MS} is cut to it.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP date names a day of the week or a month; a bare number in another form is not one.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/** How one send ended, as the performer acts on it. */
export type SendVerdict =
  | { kind: 'delivered' }
  /** Try again: after `afterMs` when the receiver said, else on the runner's backoff. */
  | { kind: 'retry'; error: string; afterMs?: number }
  /** 410: the endpoint is gone; it is disabled and nothing more is sent to it. */
  | { kind: 'gone'; error: string }
  | { kind: 'failed'; error: string };

const RETRIED = new Set([408, 425, 429]);

/** The verdict of an HTTP answer from `where` (an origin, for the message). */
export function verdictOf(status: number, retryAfter: string | null | undefined, nowMs: number, where: string): SendVerdict {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const error = `HTTP ${status} from ${where}`;
  if (status === 410) return { kind: 'gone', error: `${error}: the endpoint is gone; it is disabled` };
  if (RETRIED.has(status) || status >= 500) {
    const afterMs = parseRetryAfter(retryAfter, nowMs);
    // Never at once: a `Retry-After: 0` would spend every try in a moment.
    return afterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error: `${error} (Retry-After: ${retryAfter?.trim()})`, afterMs: Math.max(1000, afterMs) };
  }
  if (status >= 300 && status < 400) return { kind: 'failed', error: `${error}: redirects are not followed; configure the final URL` };
  return { kind: 'failed', error };
}
