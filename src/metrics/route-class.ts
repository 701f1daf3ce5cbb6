/**
 * The group of GitHub's REST API a request belongs to, as a metric label: a
 * value from one fixed list, never the URL (which carries owners, repositories,
 * run ids and shas).
 */
export const ROUTE_CLASSES = ['actions', 'checks', 'issues', 'pulls', 'deployments', 'reactions', 'repos', 'git', 'apps', 'orgs', 'graphql', 'other'] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** The segment after `/repos/{owner}/{repo}/` → its class; any other segment is `repos` (contents, commits, compare, …). */
const REPO_SEGMENTS: Readonly<Record<string, RouteClass>> = {
  actions: 'actions',
  'check-runs': 'checks',
  'check-suites': 'checks',
  issues: 'issues',
  pulls: 'pulls',
  deployments: 'deployments',
  environments: 'deployments',
  git: 'git',
};

/** A top-level segment → its class. */
const TOP_SEGMENTS: Readonly<Record<string, RouteClass>> = {
  app: 'apps',
  installation: 'apps',
  'app-manifests': 'apps',
  orgs: 'orgs',
  teams: 'orgs',
  graphql: 'graphql',
};

/** The path of a route template (`/repos/{owner}/{repo}/check-runs`) or of a full URL (a pagination link), without a GHE `/api/v3` prefix. */
function pathSegments(url: string): string[] {
  let path = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.split(/[?#]/)[0] ?? '';
  const segments = path.split('/').filter((s) => s !== '');
  // GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
  if (segments[0] === 'api' && segments[1] === 'v3') return segments.slice(2);
  if (segments[0] === 'api' && segments[1] === 'graphql') return segments.slice(1);
  return segments;
}

/**
 * The class of a request by the first segments of its route: the segment
 * after the repository for repository routes (`actions`, `check-runs` →
 * `checks`, `issues`, `pulls`, `deployments`, …; a route with `reactions` in it
 * is `reactions`, one with `check-runs` or `check-suites` is `checks`), the
 * first segment otherwise (`app` → `apps`, `graphql`).
 * Works on templates and on filled URLs alike, and only ever returns a value
 * of `ROUTE_CLASSES`.
 */
export function routeClassOf(url: string): RouteClass {
  const segments = pathSegments(url);
  const first = segments[0];
  if (first === undefined) return 'other';
  // `/repos/{owner}/{repo}/…`, or `/repositories/{id}/…` in some pagination links.
  const rest = first === 'repos' ? segments.slice(3) : first === 'repositories' ? segments.slice(2) : undefined;
  if (rest !== undefined) {
    if (segments.length < (first === 'repos' ? 3 : 2)) return 'other';
    if (rest.includes('reactions')) return 'reactions';
    // `/repos/{owner}/{repo}/commits/{ref}/check-runs` is the Checks API too.
    if (rest.includes('check-runs') || rest.includes('check-suites')) return 'checks';
    const next = rest[0];
    return next === undefined ? 'repos' : (REPO_SEGMENTS[next] ?? 'repos');
  }
  return TOP_SEGMENTS[first] ?? 'other';
}
