/**
 * Turns a path from a report (absolute runner paths, `file://` URIs, Windows
 * separators, source roots) into a repository-relative path (SPEC §5a).
 */

/** Checkout roots of GitHub-hosted and container runners: …/work/<repo>/<repo>/ and the container workspace. */
const RUNNER_ROOTS = [
  /^\/home\/runner\/work\/[^/]+\/[^/]+\//,
  /^\/Users\/runner\/work\/[^/]+\/[^/]+\//,
  /^[A-Za-z]:\/a\/[^/]+\/[^/]+\//,
  /^\/__w\/[^/]+\/[^/]+\//,
  /^\/github\/workspace\//,
];

/** A `file:` URI (or a percent-encoded relative URI) as a plain path. */
export function uriToPath(uri: string): string {
  let path = uri;
  if (/^file:/i.test(path)) path = path.replace(/^file:(\/\/[^/]*)?/i, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // A stray % is kept as written.
  }
  // file:///C:/x gives /C:/x.
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

/**
 * The repository-relative form of `path`, stripping the first of `roots` (e.g.
 * Cobertura `<source>`s) that prefixes it, then the runner checkout roots; null
 * when it climbs out with `..` or stays absolute (it does not map into the repository).
 */
export function toRepoPath(path: string, roots: readonly string[] = []): string | null {
  let normal = path.replaceAll('\\', '/').replace(/\/{2,}/g, '/');
  for (const root of roots) {
    const prefix = root.replaceAll('\\', '/').replace(/\/+$/, '');
    if (prefix.length > 0 && normal.startsWith(`${prefix}/`)) {
      normal = normal.slice(prefix.length + 1);
      break;
    }
  }
  for (const root of RUNNER_ROOTS) normal = normal.replace(root, '');
  while (normal.startsWith('./')) normal = normal.slice(2);
  if (normal.length === 0 || normal.split('/').includes('..')) return null;
  if (normal.startsWith('/') || /^[A-Za-z]:\//.test(normal)) return null;
  return normal;
}

/** {@link toRepoPath}, or the normalised path itself when it does not map (coverage keeps it for suffix matching). */
export function repoPathOrRaw(path: string, roots: readonly string[] = []): string {
  return toRepoPath(path, roots) ?? path.replaceAll('\\', '/');
}
