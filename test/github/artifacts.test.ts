import { describe, expect, it } from 'vitest';
import { downloadArtifact, fetchRunArtifact, findRunArtifact, listRunArtifacts, type ArtifactSummary } from '../../src/github/artifacts.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { ARTIFACT_LIMITS } from '../../src/gates/read-artifact-zip.ts';

const REPO = { owner: 'acme', repo: 'api' };
const LIST = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts';
const DOWNLOAD = 'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}';

type Handler = (params: Record<string, unknown>) => unknown;

/** A fake Octokit answering `request(route, params)` from a table of handlers; every request is recorded. */
function fakeOctokit(routes: Record<string, Handler>) {
  const requests: Array<{ route: string; params: Record<string, unknown> }> = [];
  const octokit = {
    request: async (route: string, params: Record<string, unknown>) => {
      requests.push({ route, params });
      const handler = routes[route];
      if (!handler) throw new Error(`unexpected request ${route}`);
      return handler(params);
    },
  };
  return { octokit: octokit as unknown as GitHubClient, requests };
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, response: { data: { message } } });
}

function artifactJson(id: number, name: string, extra: Partial<{ size_in_bytes: number; expired: boolean; created_at: string; expires_at: string }> = {}) {
  return { id, name, size_in_bytes: 1000, expired: false, created_at: '2026-01-01T12:00:00Z', expires_at: '2026-04-01T12:00:00Z', digest: `sha256:${id}`, ...extra };
}

function listing(artifacts: unknown[]): Handler {
  return () => ({ status: 200, data: { total_count: artifacts.length, artifacts } });
}

function summary(extra: Partial<ArtifactSummary> = {}): ArtifactSummary {
  return { id: 7, name: 'junit', sizeInBytes: 10, expired: false, createdAt: null, expiresAt: '2026-04-01T12:00:00Z', digest: null, ...extra };
}

/** A fetch that serves `body` for `url` and records what it was asked. */
function blobFetch(url: string, body: Uint8Array, headers: Record<string, string> = {}) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchBlob = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    if (String(input) !== url) return new Response('Not Found', { status: 404 });
    // A stream in 4-byte chunks, so the cap is checked while reading.
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.byteLength) controller.close();
        else controller.enqueue(body.slice(offset, (offset += 4)));
      },
    });
    return new Response(stream, { status: 200, headers });
  }) as typeof fetch;
  return { fetchBlob, calls };
}

describe('listRunArtifacts', () => {
  it('reads every page of 100', async () => {
    const all = Array.from({ length: 150 }, (_, i) => artifactJson(i + 1, `a${i + 1}`));
    const { octokit, requests } = fakeOctokit({
      [LIST]: (params) => {
        const page = Number(params.page);
        return { status: 200, data: { total_count: 150, artifacts: all.slice((page - 1) * 100, page * 100) } };
      },
    });
    const artifacts = await listRunArtifacts(octokit, REPO, 42);
    expect(artifacts).toHaveLength(150);
    expect(artifacts[149]).toEqual({ id: 150, name: 'a150', sizeInBytes: 1000, expired: false, createdAt: '2026-01-01T12:00:00Z', expiresAt: '2026-04-01T12:00:00Z', digest: 'sha256:150' });
    expect(requests.map((r) => [r.params.run_id, r.params.page, r.params.per_page])).toEqual([
      [42, 1, 100],
      [42, 2, 100],
    ]);
  });
});

describe('findRunArtifact', () => {
  it('picks the newest artifact of that name that has not expired', async () => {
    const { octokit } = fakeOctokit({
      [LIST]: listing([
        artifactJson(1, 'junit', { created_at: '2026-01-01T12:00:00Z' }),
        artifactJson(3, 'junit', { created_at: '2026-01-01T14:00:00Z', expired: true }),
        artifactJson(2, 'junit', { created_at: '2026-01-01T13:00:00Z' }),
        artifactJson(4, 'coverage', { created_at: '2026-01-01T15:00:00Z' }),
      ]),
    });
    const choice = await findRunArtifact(octokit, REPO, 42, 'junit');
    expect(choice.ok && choice.artifact.id).toBe(2);
  });

  it('refuses a missing artifact, naming the ones the run has', async () => {
    const { octokit } = fakeOctokit({ [LIST]: listing([artifactJson(1, 'coverage'), artifactJson(2, 'sarif'), artifactJson(3, 'coverage')]) });
    const choice = await findRunArtifact(octokit, REPO, 42, 'junit');
    expect(choice).toMatchObject({ ok: false, reason: 'artifact.missing', artifact: 'junit', entry: null });
    expect(!choice.ok && choice.detail).toContain('coverage, sarif');
  });

  it('says so when the run uploaded nothing', async () => {
    const { octokit } = fakeOctokit({ [LIST]: listing([]) });
    const choice = await findRunArtifact(octokit, REPO, 42, 'junit');
    expect(!choice.ok && choice.detail).toContain('uploaded none');
  });

  it('refuses when every artifact of that name expired, by the flag or by expires_at', async () => {
    const flagged = fakeOctokit({ [LIST]: listing([artifactJson(1, 'junit', { expired: true, expires_at: '2026-01-02T00:00:00Z' })]) });
    const byFlag = await findRunArtifact(flagged.octokit, REPO, 42, 'junit');
    expect(byFlag).toMatchObject({ ok: false, reason: 'artifact.expired', artifact: 'junit' });
    expect(!byFlag.ok && byFlag.detail).toContain('2026-01-02T00:00:00Z');

    const dated = fakeOctokit({ [LIST]: listing([artifactJson(1, 'junit', { expires_at: '2026-01-02T00:00:00Z' })]) });
    expect(await findRunArtifact(dated.octokit, REPO, 42, 'junit', new Date('2026-01-01T23:59:59Z'))).toMatchObject({ ok: true });
    expect(await findRunArtifact(dated.octokit, REPO, 42, 'junit', new Date('2026-01-02T00:00:00Z'))).toMatchObject({ ok: false, reason: 'artifact.expired' });
  });
});

describe('downloadArtifact', () => {
  it('refuses an artifact listed over the compressed limit without asking for it', async () => {
    const { octokit, requests } = fakeOctokit({});
    const result = await downloadArtifact(octokit, REPO, summary({ sizeInBytes: ARTIFACT_LIMITS.maxCompressedBytes + 1 }));
    expect(result).toMatchObject({ ok: false, reason: 'artifact.too-large', artifact: 'junit', entry: null });
    expect(requests).toHaveLength(0);
  });

  it('does not follow the redirect with the token, and reads the blob URL', async () => {
    const zip = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { fetchBlob, calls } = blobFetch('https://blob.example/a.zip?sig=1', zip);
    const { octokit, requests } = fakeOctokit({ [DOWNLOAD]: () => ({ status: 302, headers: { location: 'https://blob.example/a.zip?sig=1' }, data: '' }) });
    const result = await downloadArtifact(octokit, REPO, summary(), { fetch: fetchBlob });
    expect(result.ok && [...result.zip]).toEqual([...zip]);
    expect(requests[0]?.params).toMatchObject({ owner: 'acme', repo: 'api', artifact_id: 7, archive_format: 'zip', request: { redirect: 'manual' } });
    expect(calls).toHaveLength(1);
    expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBeNull();
  });

  it('stops reading once more than the limit arrived', async () => {
    const limits = { ...ARTIFACT_LIMITS, maxCompressedBytes: 10 };
    const { fetchBlob } = blobFetch('https://blob.example/a.zip', new Uint8Array(64));
    const { octokit } = fakeOctokit({ [DOWNLOAD]: () => ({ status: 302, headers: { location: 'https://blob.example/a.zip' }, data: '' }) });
    const result = await downloadArtifact(octokit, REPO, summary({ sizeInBytes: 8 }), { fetch: fetchBlob, limits });
    expect(result).toMatchObject({ ok: false, reason: 'artifact.download-too-large' });
    expect(!result.ok && result.detail).toContain('listed at 8');
  });

  it('refuses by content-length before reading the body', async () => {
    const limits = { ...ARTIFACT_LIMITS, maxCompressedBytes: 10 };
    const { fetchBlob } = blobFetch('https://blob.example/a.zip', new Uint8Array(4), { 'content-length': '4' });
    const big = blobFetch('https://blob.example/b.zip', new Uint8Array(4), { 'content-length': '11' });
    const { octokit } = fakeOctokit({ [DOWNLOAD]: (p) => ({ status: 302, headers: { location: `https://blob.example/${p.artifact_id === 1 ? 'a' : 'b'}.zip` }, data: '' }) });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 1 }), { fetch: fetchBlob, limits })).toMatchObject({ ok: true });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 2 }), { fetch: big.fetchBlob, limits })).toMatchObject({ ok: false, reason: 'artifact.download-too-large' });
  });

  it('takes the bytes when the client followed the redirect itself, still capped', async () => {
    const limits = { ...ARTIFACT_LIMITS, maxCompressedBytes: 4 };
    const { octokit } = fakeOctokit({ [DOWNLOAD]: (p) => ({ status: 200, headers: {}, data: new ArrayBuffer(p.artifact_id === 1 ? 4 : 5) }) });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 1, sizeInBytes: 4 }), { limits })).toMatchObject({ ok: true });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 2, sizeInBytes: 4 }), { limits })).toMatchObject({ ok: false, reason: 'artifact.download-too-large' });
  });

  it('maps 410 to expired and 404 to missing, and throws anything else', async () => {
    const statuses: Record<number, number> = { 1: 410, 2: 404, 3: 502 };
    const { octokit } = fakeOctokit({
      [DOWNLOAD]: (p) => {
        throw httpError(statuses[Number(p.artifact_id)] ?? 500, 'nope');
      },
    });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 1 }))).toMatchObject({ ok: false, reason: 'artifact.expired', artifact: 'junit' });
    expect(await downloadArtifact(octokit, REPO, summary({ id: 2 }))).toMatchObject({ ok: false, reason: 'artifact.missing' });
    await expect(downloadArtifact(octokit, REPO, summary({ id: 3 }))).rejects.toThrow(/artifact 'junit' \(3\) of acme\/api failed: nope/);
  });

  it('throws when blob storage fails (a new download URL may work)', async () => {
    const { fetchBlob } = blobFetch('https://blob.example/other.zip', new Uint8Array(1));
    const { octokit } = fakeOctokit({ [DOWNLOAD]: () => ({ status: 302, headers: { location: 'https://blob.example/a.zip' }, data: '' }) });
    await expect(downloadArtifact(octokit, REPO, summary(), { fetch: fetchBlob })).rejects.toThrow(/blob storage failed: 404/);
  });
});

describe('fetchRunArtifact', () => {
  it('does not download when the artifact is missing', async () => {
    const { octokit, requests } = fakeOctokit({ [LIST]: listing([artifactJson(1, 'coverage')]) });
    expect(await fetchRunArtifact(octokit, REPO, 42, 'junit')).toMatchObject({ ok: false, reason: 'artifact.missing' });
    expect(requests.map((r) => r.route)).toEqual([LIST]);
  });
});
