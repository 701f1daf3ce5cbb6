/**
 * Errors the simulator answers with, in GitHub's JSON shape
 * `{ message, documentation_url, status }`.
 */

const DOCS = 'https://docs.github.com/rest';

/** One entry of GitHub's `errors` array on a 422. */
export interface GitHubErrorDetail {
  resource?: string;
  field?: string;
  code: string;
  message?: string;
}

/** Thrown by route handlers; the server turns it into a GitHub-shaped error response. */
export class GitHubApiError extends Error {
  readonly status: number;
  readonly documentationUrl: string;
  readonly headers: Record<string, string>;
  readonly errors: GitHubErrorDetail[] | undefined;

  constructor(
    status: number,
    message: string,
    options: { documentationUrl?: string; headers?: Record<string, string>; errors?: GitHubErrorDetail[] } = {},
  ) {
    super(message);
    this.name = 'GitHubApiError';
    this.status = status;
    this.documentationUrl = options.documentationUrl ?? DOCS;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
  }

  /** The JSON body GitHub sends for this error. */
  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: this.documentationUrl,
      status: String(this.status),
    };
  }
}

/** 404 as GitHub answers it for anything missing or invisible to the caller. */
export function notFound(documentationUrl?: string): GitHubApiError {
  return new GitHubApiError(404, 'Not Found', documentationUrl ? { documentationUrl } : {});
}

/** 422 with GitHub's message. */
export function unprocessable(message: string, errors?: GitHubErrorDetail[]): GitHubApiError {
  return new GitHubApiError(422, message, errors ? { errors } : {});
}

/** 403 for a write the installation may not do. */
export function notAccessible(): GitHubApiError {
  return new GitHubApiError(403, 'Resource not accessible by integration');
}
