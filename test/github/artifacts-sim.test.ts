/** The artifact intake end to end against the GitHub simulator: a real installation Octokit, real zips, the 302 and the 410. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import { downloadArtifact, fetchRunArtifact, findRunArtifact } from '../../src/github/artifacts.ts';
import { parseJunit } from '../../src/gates/parsers/junit.ts';
import { ARTIFACT_LIMITS } from '../../src/gates/read-artifact-zip.ts';
import { readReport, refusalFromArtifact } from '../../src/gates/read-report.ts';
import type { ArtifactScript, GitHubSimulator } from '../../src/sim/index.ts';
import { reportFixture } from '../gates/fixture.ts';
import { installationOctokit, seedAcme, startTestSimulator } from '../sim/helpers.ts';

const REPO = { owner: 'acme', repo: 'api' };
const DOWNLOAD_ROUTE = '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}';

let sim: GitHubSimulator;
let clock: ManualClock;

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

/** A run of build.yml that uploads `artifacts` when it completes (after 2 s of sim time). */
async function runWithArtifacts(artifacts: ArtifactScript[]): Promise<{ octokit: ReturnType<typeof installationOctokit>; runId: number }> {
  ({ sim, clock } = await startTestSimulator());
  seedAcme(sim);
  sim.scripts.workflow({ repo: 'acme/api', workflow: 'build.yml', attempts: [{ conclusion: 'success', durationMs: 2_000, artifacts }] });
  const octokit = installationOctokit(sim, 'acme');
  const response = await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
    ...REPO,
    workflow_id: 'build.yml',
    ref: 'main',
    inputs: { shipgate_run: 'sg-run-1' },
    return_run_details: true,
  });
  clock.advance(2_000);
  return { octokit, runId: (response.data as { workflow_run_id: number }).workflow_run_id };
}

function downloads(): number {
  return sim.requestsTo('GET', DOWNLOAD_ROUTE).length + sim.requests.filter((r) => r.route === 'GET (artifact download)').length;
}

describe('artifact intake against the simulator', () => {
  it('downloads a scripted artifact through the 302 and reads the JUnit reports in it', async () => {
    const jest = reportFixture('jest/junit.xml');
    const surefire = reportFixture('surefire/TEST-com.acme.CartTest.xml');
    const { octokit, runId } = await runWithArtifacts([
      { name: 'junit', files: { 'reports/jest.xml': jest, 'reports/TEST-com.acme.CartTest.xml': surefire, 'README.txt': 'not a report\n' } },
      { name: 'coverage', files: { 'lcov.info': reportFixture('jest/lcov.info') } },
    ]);

    const download = await fetchRunArtifact(octokit, REPO, runId, 'junit', { now: new Date(clock.now()) });
    if (!download.ok) throw new Error(download.detail);
    expect(download.artifact).toMatchObject({ name: 'junit', expired: false, sizeInBytes: download.zip.byteLength });
    expect(download.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sim.requestsTo('GET', DOWNLOAD_ROUTE).map((r) => r.status)).toEqual([302]);
    expect(sim.requests.filter((r) => r.route === 'GET (artifact download)').map((r) => r.status)).toEqual([200]);

    const read = await readReport('junit', { artifact: 'junit', runId }, download.zip);
    if (!read.ok) throw new Error(read.detail);
    expect(read.files).toEqual(['reports/TEST-com.acme.CartTest.xml', 'reports/jest.xml']);
    const one = parseJunit(jest);
    const two = parseJunit(surefire);
    if (!one.ok || !two.ok) throw new Error('fixtures do not parse');
    expect(read.report).toMatchObject({
      kind: 'junit',
      tests: one.report.tests + two.report.tests,
      failures: one.report.failures + two.report.failures,
      skipped: one.report.skipped + two.report.skipped,
      flaky: one.report.flaky + two.report.flaky,
    });
    // jest's fixture: 4 tests, 1 failed, 1 skipped (its <testsuites> attributes say so).
    expect(one.report).toMatchObject({ tests: 4, failures: 1, skipped: 1 });
  });

  it('refuses an artifact that expired: listed as expired, and 410 when downloaded anyway', async () => {
    const { octokit, runId } = await runWithArtifacts([{ name: 'junit', files: { 'junit.xml': reportFixture('jest/junit.xml') }, retentionDays: 1 }]);
    const before = await findRunArtifact(octokit, REPO, runId, 'junit');
    if (!before.ok) throw new Error(before.detail);

    clock.advance(86_400_000);
    const listed = await fetchRunArtifact(octokit, REPO, runId, 'junit');
    expect(listed).toMatchObject({ ok: false, reason: 'artifact.expired', artifact: 'junit' });
    expect(sim.requestsTo('GET', DOWNLOAD_ROUTE)).toHaveLength(0);

    // A listing taken before it expired: GitHub answers the download with 410.
    const stale = await downloadArtifact(octokit, REPO, before.artifact);
    expect(stale).toMatchObject({ ok: false, reason: 'artifact.expired' });
    expect(sim.requestsTo('GET', DOWNLOAD_ROUTE).map((r) => r.status)).toEqual([410]);
    if (stale.ok) return;
    expect(refusalFromArtifact(stale, { artifact: 'junit', runId }).detail).toMatch(new RegExp(`^artifact 'junit', workflow run ${runId}: the artifact has expired`));
  });

  it('refuses a missing artifact, naming what the run uploaded', async () => {
    const { octokit, runId } = await runWithArtifacts([{ name: 'coverage', files: { 'lcov.info': reportFixture('jest/lcov.info') } }]);
    const result = await fetchRunArtifact(octokit, REPO, runId, 'junit');
    expect(result).toMatchObject({ ok: false, reason: 'artifact.missing', artifact: 'junit' });
    expect(!result.ok && result.detail).toContain('(it has coverage)');
    expect(downloads()).toBe(0);
  });

  it('refuses an artifact over the compressed limit without downloading it', async () => {
    const { octokit, runId } = await runWithArtifacts([{ name: 'junit', files: { 'junit.xml': reportFixture('jest/junit.xml') } }]);
    const limits = { ...ARTIFACT_LIMITS, maxCompressedBytes: 200 };
    const result = await fetchRunArtifact(octokit, REPO, runId, 'junit', { limits });
    expect(result).toMatchObject({ ok: false, reason: 'artifact.too-large', artifact: 'junit', entry: null });
    expect(!result.ok && result.detail).toContain('at most 200 are read');
    expect(downloads()).toBe(0);
  });
});
