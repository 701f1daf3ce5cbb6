/**
 * How a CI provider's client reports trouble (SPEC §13, §8). Two kinds only,
 * because the engine does two different things with them:
 *
 * - `ProviderRefusal`: the provider answered and said no (401/403 credentials,
 *   404 unknown job or project, 400/422 a ref that does not exist). Sending
 *   again changes nothing: the attempt fails with this message.
 * - `ProviderUnavailable`: no answer, a 5xx, a 429 or a timeout. Whether the
 *   request took effect is unknown: the engine retries (looking for the run by
 *   its correlation id before it sends again) until the job's timeout.
 *
 * Messages name the provider and say what to check; they never contain a
 * token or a password (clients pass only the path of a URL, never its query).
 */

export type ProviderName = 'jenkins' | 'gitlab' | 'webhook' | 'actions';

/** What a user reads for each provider. */
export const PROVIDER_LABELS: Record<ProviderName, string> = {
  actions: 'GitHub Actions',
  jenkins: 'Jenkins',
  gitlab: 'GitLab CI',
  webhook: 'the webhook job receiver',
};

/** The provider answered with a refusal that another try will not change. */
export class ProviderRefusal extends Error {
  readonly provider: ProviderName;
  /** The HTTP status, when there was one. */
  readonly status: number | undefined;
  /** `credentials` (401/403), `not-found` (404), `too-large` (a download over its limit), or `refused` (anything else). */
  readonly kind: 'credentials' | 'not-found' | 'too-large' | 'refused';
  constructor(provider: ProviderName, message: string, options: { status?: number; kind?: ProviderRefusal['kind'] } = {}) {
    super(message);
    this.name = 'ProviderRefusal';
    this.provider = provider;
    this.status = options.status;
    this.kind = options.kind ?? (options.status === 401 || options.status === 403 ? 'credentials' : options.status === 404 ? 'not-found' : 'refused');
  }
}

/** No answer, a 5xx, a rate limit or a timeout: the outcome is unknown; try again later. */
export class ProviderUnavailable extends Error {
  readonly provider: ProviderName;
  readonly status: number | undefined;
  /** The provider asked to wait this long (`Retry-After`), when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(provider: ProviderName, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderUnavailable';
    this.provider = provider;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether an error is one of the two above. */
export function isProviderError(err: unknown): err is ProviderRefusal | ProviderUnavailable {
  return err instanceof ProviderRefusal || err instanceof ProviderUnavailable;
}
