/**
 * Loading `.github/shipgate.yml` from a repository with Probot's config semantics
 * (`context.config('shipgate.yml')`): the repository's file at a ref, else the
 * owner's `.github` repository; `_extends` chains; layers deep-merged with arrays
 * replaced, not concatenated.
 *
 * The loader is `@probot/octokit-plugin-config` (what `octokit.config.get` runs),
 * given a request function that looks at each file's raw text first. At a commit
 * sha, the repository's own file comes from the commit's files (one GraphQL
 * query, shared with the workflow listing) instead of a request; everything
 * else (the owner's `.github` repository, `_extends`) the loader fetches as
 * always. Hostile files
 * (too big, not UTF-8, alias bombs, deep nesting) are refused before anything else
 * parses them, and the parsed YAML is kept so that validation errors of the merged
 * config point at the line and column of the file that supplied the value.
 */
import { composeConfigGet } from '@probot/octokit-plugin-config';
import type { ProbotOctokit } from 'probot';
import { commitFilesReader, type CommitFiles, type CommitFilesReader } from '../github/commit-files.ts';
import type { ConfigIssue, ConfigResult, Locate } from './config-issue.ts';
import { decodeConfigText } from './decode.ts';
import { internalError } from './parse.ts';
import { validateConfigValue } from './validate.ts';
import { locateInYaml, parseConfigYaml, positionInYaml, type YamlFile } from './yaml-document.ts';

export { mergeTrusted } from './merge-trusted.ts';

/** Where the config lives in a repository. */
export const CONFIG_PATH = '.github/shipgate.yml';

type Octokit = InstanceType<typeof ProbotOctokit>;
type LoaderOctokit = Parameters<typeof composeConfigGet>[0];

/** One config file the loader read, with its parsed YAML. */
interface ReadFile {
  owner: string;
  repo: string;
  path: string;
  url: string;
  yaml: YamlFile;
}

/** A config file that was refused before the loader parsed it. */
class RefusedConfigFile extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues[0]?.message ?? 'invalid config file');
    this.issues = issues;
  }
}

/**
 * Loads and validates the config of `owner/repo` at `ref` (a sha or branch).
 * `{ ok: 'missing' }` when neither the repository nor the owner's `.github`
 * repository has the file. Errors of the file itself are returned with positions;
 * GitHub API failures other than 404 are thrown (with the cause attached).
 */
export async function loadRepoConfig(
  octokit: Octokit,
  target: { owner: string; repo: string; ref: string },
  options: { commitFiles?: CommitFilesReader | null } = {},
): Promise<ConfigResult | { ok: 'missing' }> {
  const { owner, repo, ref } = target;
  const read: ReadFile[] = [];
  const labelOf = (file: { owner: string; repo: string; path: string }) =>
    file.owner === owner && file.repo === repo ? file.path : `${file.owner}/${file.repo}:${file.path}`;
  const reader = options.commitFiles === undefined ? commitFilesReader : options.commitFiles;
  const atCommit = await reader?.read(octokit, { owner, repo }, ref);
  const known = atCommit ? { ...target, files: atCommit } : undefined;

  let loaded: Awaited<ReturnType<typeof composeConfigGet>>;
  try {
    loaded = await composeConfigGet(inspectingOctokit(octokit, read, labelOf, known), {
      owner,
      repo,
      path: CONFIG_PATH,
      branch: ref,
      defaults: (layers) => mergeConfigLayers(layers) as Record<string, unknown>,
    });
  } catch (error) {
    if (error instanceof RefusedConfigFile) return { ok: false, errors: error.issues };
    if (error instanceof Error && error.message.startsWith('[@probot/octokit-plugin-config]')) {
      return { ok: false, errors: [loaderIssue(error.message, read)] };
    }
    throw new Error(`reading ${CONFIG_PATH} of ${owner}/${repo} at ${ref} failed`, { cause: error });
  }
  if (!loaded.files.some((file) => file.config !== null)) return { ok: 'missing' };

  // Highest precedence first: the repository's file, then .github, then the _extends chain.
  const layers = loaded.files
    .map((file) => read.find((candidate) => candidate.url === file.url))
    .filter((file): file is ReadFile => file !== undefined);
  try {
    const result = validateConfigValue(loaded.config, locateAcrossLayers(layers, CONFIG_PATH));
    if (!result.ok) return result;
    return { ...result, warnings: [...layers.flatMap((layer) => layer.yaml.warnings), ...result.warnings] };
  } catch (error) {
    return { ok: false, errors: [internalError(CONFIG_PATH, error)] };
  }
}

/**
 * An Octokit stand-in for the loader whose `request` checks each config file's raw
 * content with the hardened parser and records it; everything else is the real client.
 */
function inspectingOctokit(
  octokit: Octokit,
  read: ReadFile[],
  labelOf: (file: { owner: string; repo: string; path: string }) => string,
  known?: { owner: string; repo: string; ref: string; files: CommitFiles },
): LoaderOctokit {
  const request = async (options: Record<string, unknown>) => {
    const response = answerFromCommit(options, known) ?? (await octokit.request(options as unknown as Parameters<Octokit['request']>[0]));
    const content = rawContent(response.data);
    if (content === undefined) return response;
    const file = { owner: String(options['owner']), repo: String(options['repo']), path: String(options['path']) };
    const label = labelOf(file);
    const decoded = decodeConfigText(content, label);
    if (!decoded.ok) throw new RefusedConfigFile([decoded.error]);
    const parsed = parseConfigYaml(decoded.text, label);
    if (!parsed.ok) throw new RefusedConfigFile(parsed.errors);
    const { url } = octokit.request.endpoint(options as unknown as Parameters<Octokit['request']['endpoint']>[0]);
    read.push({ ...file, url, yaml: parsed.yaml });
    return { ...response, data: decoded.text };
  };
  return { request: Object.assign(request, { endpoint: octokit.request.endpoint }) } as unknown as LoaderOctokit;
}

/**
 * The loader's request for the repository's own file at the commit, answered
 * from the commit's files as GitHub would: the raw text, or a 404 when the file
 * is not there (the loader then asks the owner's `.github` repository).
 * Undefined for every other request, and when only REST can tell (a directory,
 * a text GraphQL did not give exactly).
 */
function answerFromCommit(options: Record<string, unknown>, known: { owner: string; repo: string; ref: string; files: CommitFiles } | undefined) {
  if (!known || options['owner'] !== known.owner || options['repo'] !== known.repo || options['path'] !== CONFIG_PATH || options['ref'] !== known.ref) return undefined;
  const { config } = known.files;
  if (config.kind === 'missing') throw Object.assign(new Error(`${CONFIG_PATH} is not in ${known.owner}/${known.repo} at ${known.ref}`), { status: 404 });
  if (config.kind !== 'blob' || config.blob.text === undefined) return undefined;
  return { status: 200, url: '', headers: { 'content-type': 'text/plain; charset=utf-8' }, data: config.blob.text };
}

/** The raw bytes or text of a file response; `undefined` for anything else (a directory listing). */
function rawContent(data: unknown): string | Uint8Array | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/**
 * Deep-merges config layers, lowest precedence first: mappings merge key by key,
 * everything else (lists included) is replaced by the later layer.
 */
export function mergeConfigLayers(layers: readonly unknown[]): unknown {
  let merged: unknown = {};
  for (const layer of layers) merged = mergeTwo(merged, layer);
  return merged;
}

function mergeTwo(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const result: Record<string, unknown> = {};
  // defineProperty keeps a key named "__proto__" an ordinary key (the schema then rejects it).
  const set = (key: string, value: unknown) =>
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(base)) set(key, value);
  for (const [key, value] of Object.entries(override)) set(key, Object.hasOwn(result, key) ? mergeTwo(result[key], value) : value);
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Positions for the merged config: the layer with the highest precedence that
 * holds the most of the path supplied the value. With no layer holding any of it,
 * line 1, column 1 of the repository's file.
 */
function locateAcrossLayers(layers: readonly ReadFile[], fallbackFile: string): Locate {
  return (path, target) => {
    let best: { layer: ReadFile; found: number } | undefined;
    for (const layer of layers) {
      const { found } = positionInYaml(layer.yaml, path);
      if (!best || found > best.found) best = { layer, found };
    }
    if (!best || (best.found === 0 && path.length > 0)) return { file: fallbackFile, line: 1, column: 1 };
    return locateInYaml(best.layer.yaml)(path, target);
  };
}

/** An error of the loader itself (a bad `_extends`, a recursion), placed where it can be. */
function loaderIssue(message: string, read: readonly ReadFile[]): ConfigIssue {
  const text = message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
  const culprit = [...read].reverse().find((file) => message.includes(file.url));
  if (!culprit) return { file: CONFIG_PATH, line: 1, column: 1, message: text, path: [] };
  const position = locateInYaml(culprit.yaml)(['_extends'], 'value');
  return { ...position, message: text, path: ['_extends'] };
}
