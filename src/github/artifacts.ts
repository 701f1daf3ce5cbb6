/**
 * The Actions artifacts of a workflow run (SPEC §5a): listing them, choosing
 * the one a gate names, downloading its zip. The only Octokit caller for
 * artifacts. What a gate cannot use (no such artifact, expired, too big) comes
 * back as a typed refusal that fails the gate closed; anything else (5xx after
 * the request policy's retries, a network failure) is thrown, since trying
 * again later may well succeed.
 */
import { ARTIFACT_LIMITS, type ArtifactLimits, type ArtifactRefusal } from '../gates/read-artifact-zip.ts';
import { gateReason, renderGateReason, type GateReason } from '../gates/reasons.ts';
import { readBodyCapped } from '../response-body.ts';
import { githubMessage, statusOf, type GitHubClient, type RepoRef } from './client.ts';

/** The fields of an artifact that shipgate uses. */
export interface ArtifactSummary {
  readonly id: number;
  readonly name: string;
  /** The zip's size, as GitHub lists it. */
  readonly sizeInBytes: number;
  readonly expired: boolean;
  readonly createdAt: string | null;
  readonly expiresAt: string | null;
  /** `sha256:…` for artifacts uploaded by upload-artifact v4 or later; null otherwise. */
  readonly digest: string | null;
}

/** An artifact chosen for a gate, or why there is none. */
export type ArtifactChoice = { readonly ok: true; readonly artifact: ArtifactSummary } | ArtifactRefusal;

/** A downloaded artifact zip, or why it was not downloaded. */
export type ArtifactDownload = { readonly ok: true; readonly artifact: ArtifactSummary; readonly zip: Uint8Array } | ArtifactRefusal;

/** Options of {@link downloadArtifact}. */
export interface DownloadOptions {
  readonly limits?: ArtifactLimits;
  /** Fetches the blob-storage URL GitHub redirects to (default: the global fetch). */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

const PER_PAGE = 100;
const DEFAULT_MAX_PAGES = 10;

interface ArtifactJson {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  created_at?: string | null;
  expires_at?: string | null;
  digest?: string | null;
}

function summarize(artifact: ArtifactJson): ArtifactSummary {
  return {
    id: artifact.id,
    name: artifact.name,
    sizeInBytes: artifact.size_in_bytes,
    expired: artifact.expired,
    createdAt: artifact.created_at ?? null,
    expiresAt: artifact.expires_at ?? null,
    digest: artifact.digest ?? null,
  };
}

function refusal(artifact: string, value: GateReason): ArtifactRefusal {
  return { ok: false, reason: value.code, artifact, entry: null, detail: renderGateReason(value), gateReason: value };
}

/** Every artifact of a workflow run (every page, up to `maxPages` of 100), as GitHub lists them. */
export async function listRunArtifacts(octokit: GitHubClient, { owner, repo }: RepoRef, runId: number, maxPages = DEFAULT_MAX_PAGES): Promise<ArtifactSummary[]> {
  const artifacts: ArtifactSummary[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', {
      owner,
      repo,
      run_id: runId,
      per_page: PER_PAGE,
      page,
    });
    artifacts.push(...data.artifacts.map(summarize));
    if (data.artifacts.length < PER_PAGE || artifacts.length >= data.total_count) break;
  }
  return artifacts;
}

/**
 * The artifact named `name` of run `runId`: the newest one that has not
 * expired (an attempt that re-ran uploads it again). Refuses with
 * `artifact.missing` (naming the artifacts the run has) or `artifact.expired`
 * when every artifact of that name has expired (GitHub's `expired`, or an
 * `expires_at` before `now` when given).
 */
export async function findRunArtifact(octokit: GitHubClient, ref: RepoRef, runId: number, name: string, now?: Date): Promise<ArtifactChoice> {
  const all = await listRunArtifacts(octokit, ref, runId);
  const named = all.filter((artifact) => artifact.name === name).sort(newestFirst);
  if (named.length === 0) return refusal(name, gateReason('artifact.missing', { available: [...new Set(all.map((artifact) => artifact.name))].sort() }));
  const live = named.find((artifact) => !isExpired(artifact, now));
  if (live === undefined) return refusal(name, gateReason('artifact.expired', { expiredAt: named[0]?.expiresAt ?? null }));
  return { ok: true, artifact: live };
}

function isExpired(artifact: ArtifactSummary, now: Date | undefined): boolean {
  if (artifact.expired) return true;
  if (now === undefined || artifact.expiresAt === null) return false;
  const expiresAt = Date.parse(artifact.expiresAt);
  return Number.isFinite(expiresAt) && expiresAt <= now.getTime();
}

function newestFirst(a: ArtifactSummary, b: ArtifactSummary): number {
  const byTime = Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '');
  return Number.isFinite(byTime) && byTime !== 0 ? byTime : b.id - a.id;
}

/**
 * Downloads an artifact's zip into memory. Refuses before any download when
 * the listed size is over the compressed limit; asks GitHub for the download
 * without following its 302, then reads the blob-storage URL without
 * credentials (the token never leaves GitHub's API), stopping as soon as more
 * than the limit has arrived. 410 → `artifact.expired`, 404 → `artifact.missing`.
 */
export async function downloadArtifact(octokit: GitHubClient, { owner, repo }: RepoRef, artifact: ArtifactSummary, options: DownloadOptions = {}): Promise<ArtifactDownload> {
  const limits = options.limits ?? ARTIFACT_LIMITS;
  const max = limits.maxCompressedBytes;
  if (artifact.sizeInBytes > max) return refusal(artifact.name, gateReason('artifact.too-large', { bytes: artifact.sizeInBytes, max }));
  if (artifact.expired) return refusal(artifact.name, gateReason('artifact.expired', { expiredAt: artifact.expiresAt }));
  let response: { status: number; headers: { location?: string | undefined }; data: unknown };
  try {
    response = await octokit.request('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', {
      owner,
      repo,
      artifact_id: artifact.id,
      archive_format: 'zip',
      request: { redirect: 'manual', ...(options.signal ? { signal: options.signal } : {}) },
    });
  } catch (err) {
    const status = statusOf(err);
    if (status === 410) return refusal(artifact.name, gateReason('artifact.expired', { expiredAt: artifact.expiresAt }));
    if (status === 404) return refusal(artifact.name, gateReason('artifact.missing', { available: [] }));
    throw new Error(`downloading artifact '${artifact.name}' (${artifact.id}) of ${owner}/${repo} failed: ${githubMessage(err)}`, { cause: err });
  }
  if (response.status === 200 && response.data instanceof ArrayBuffer) {
    // A client that followed the redirect itself: the bytes are already here.
    if (response.data.byteLength > max) return refusal(artifact.name, gateReason('artifact.download-too-large', { max, listed: artifact.sizeInBytes }));
    return { ok: true, artifact, zip: new Uint8Array(response.data) };
  }
  const location = response.headers.location;
  if (response.status < 300 || response.status >= 400 || !location) {
    throw new Error(`downloading artifact '${artifact.name}' (${artifact.id}) of ${owner}/${repo}: GitHub answered ${response.status} without a download location`);
  }
  const zip = await downloadCapped(location, max, options);
  if (zip === null) return refusal(artifact.name, gateReason('artifact.download-too-large', { max, listed: artifact.sizeInBytes }));
  return { ok: true, artifact, zip };
}

/** The body at `url`, or null as soon as it is over `max` bytes (by its content-length or by what arrived). */
async function downloadCapped(url: string, max: number, options: DownloadOptions): Promise<Uint8Array | null> {
  const fetchBlob = options.fetch ?? globalThis.fetch;
  const response = await fetchBlob(url, { redirect: 'follow', ...(options.signal ? { signal: options.signal } : {}) });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`downloading an artifact from blob storage failed: ${response.status} ${response.statusText}`);
  }
  return readBodyCapped(response, max);
}

/** Finds the artifact named `name` of run `runId` ({@link findRunArtifact}) and downloads it ({@link downloadArtifact}). */
export async function fetchRunArtifact(
  octokit: GitHubClient,
  ref: RepoRef,
  runId: number,
  name: string,
  options: DownloadOptions & { readonly now?: Date } = {},
): Promise<ArtifactDownload> {
  const choice = await findRunArtifact(octokit, ref, runId, name, options.now);
  if (!choice.ok) return choice;
  return downloadArtifact(octokit, ref, choice.artifact, options);
}
