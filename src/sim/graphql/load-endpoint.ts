/**
 * Loads the simulator's GraphQL endpoint when the `graphql` package is
 * installed (a dev dependency: dev installs, tests, the demo from a clone).
 * Without it the simulator answers `/graphql` with 404, as an old GitHub
 * Enterprise proxy might, and the app uses REST. Each missing piece is logged
 * once per process.
 */
import type { GraphqlEndpoint } from './endpoint.ts';

/** Imports the endpoint module (tests inject one that fails). */
export type GraphqlModuleLoader = () => Promise<Pick<typeof import('./endpoint.ts'), 'createGraphqlEndpoint' | 'loadGitHubGraphqlSchema'>>;

const importEndpointModule: GraphqlModuleLoader = () => import('./endpoint.ts');
const logged = new Set<string>();

function once(log: (message: string) => void, key: string, message: string): void {
  if (logged.has(key)) return;
  logged.add(key);
  log(message);
}

/** Whether an import failed because a package is not installed. */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * The endpoint, validating against GitHub's schema when `validate` is set and
 * `@octokit/graphql-schema` is installed; undefined without `graphql`.
 */
export async function loadGraphqlEndpoint(options: {
  validate: boolean;
  log: (message: string) => void;
  load?: GraphqlModuleLoader;
}): Promise<GraphqlEndpoint | undefined> {
  let endpointModule: Awaited<ReturnType<GraphqlModuleLoader>>;
  try {
    endpointModule = await (options.load ?? importEndpointModule)();
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    once(options.log, 'graphql', 'GitHub simulator: the graphql package is not installed (install the dev dependencies); /graphql answers 404 and the app uses REST');
    return undefined;
  }
  const github = options.validate ? await endpointModule.loadGitHubGraphqlSchema() : undefined;
  if (options.validate && !github) {
    once(options.log, 'graphql-schema', "GitHub simulator: @octokit/graphql-schema is not installed; GraphQL queries are not checked against GitHub's schema");
  }
  return endpointModule.createGraphqlEndpoint(github);
}
