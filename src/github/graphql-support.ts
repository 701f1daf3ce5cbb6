/**
 * When shipgate asks GitHub's GraphQL API instead of several REST calls, and
 * when it must not: a GitHub Enterprise Server older than a field shipgate
 * selects answers `Field 'x' doesn't exist on type 'Y'`. That host then gets
 * REST for that query from then on (remembered per API host and query, in
 * memory: a server upgrade takes effect on the next start).
 */
import type { GitHubClient } from './client.ts';
import { statusOf } from './client.ts';

/** The queries shipgate sends, each with its REST equivalent. */
export type GraphqlQueryName = 'commit-files' | 'pull-request-files';

/** What a GraphQL attempt came to: the data, or why REST must answer instead. */
export type GraphqlAttempt<T> =
  | { ok: true; data: T }
  | { ok: false; reason: 'unsupported' | 'failed'; error?: unknown };

/** Hosts (API base URLs) known to lack a query's fields. */
export class GraphqlSupport {
  readonly #unsupported = new Set<string>();

  /** Whether `query` is known not to work on the client's host. */
  isUnsupported(octokit: GitHubClient, query: GraphqlQueryName): boolean {
    return this.#unsupported.has(keyOf(octokit, query));
  }

  /** Remembers that the client's host lacks a field of `query`. */
  markUnsupported(octokit: GitHubClient, query: GraphqlQueryName): void {
    this.#unsupported.add(keyOf(octokit, query));
  }

  /**
   * Runs `query` unless its host is known to lack it. A schema mismatch (or a
   * 404: no GraphQL endpoint at all) is remembered and answered `unsupported`;
   * any other failure is `failed` (REST answers this time, with its own errors).
   */
  async attempt<T>(octokit: GitHubClient, query: GraphqlQueryName, document: string, variables: Record<string, unknown>): Promise<GraphqlAttempt<T>> {
    if (this.isUnsupported(octokit, query)) return { ok: false, reason: 'unsupported' };
    try {
      return { ok: true, data: await octokit.graphql<T>(document, variables) };
    } catch (error) {
      if (isSchemaMismatch(error) || statusOf(error) === 404) {
        this.markUnsupported(octokit, query);
        return { ok: false, reason: 'unsupported', error };
      }
      return { ok: false, reason: 'failed', error };
    }
  }
}

/** The process's memory of GraphQL support (one per process, like the clients' token cache). */
export const graphqlSupport = new GraphqlSupport();

function keyOf(octokit: GitHubClient, query: GraphqlQueryName): string {
  return `${String(octokit.request.endpoint.DEFAULTS.baseUrl)} ${query}`;
}

/**
 * Whether a GraphQL error says the server's schema lacks something the query
 * selects (`extensions.code: undefinedField`, or GitHub's message for it).
 */
export function isSchemaMismatch(error: unknown): boolean {
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return false;
  return errors.some((entry: unknown) => {
    const { extensions, message } = (entry ?? {}) as { extensions?: { code?: unknown }; message?: unknown };
    const code = extensions?.code;
    if (code === 'undefinedField' || code === 'argumentNotAccepted' || code === 'undefinedType') return true;
    return typeof message === 'string' && /doesn't exist on type|doesn't accept argument|isn't a defined (input )?type/.test(message);
  });
}
