import { describe, expect, it } from 'vitest';
import { renderApprovalsPage, type PendingApprovalView } from '../../src/dashboard/approvals-page.ts';
import { renderDeploymentsPage, type EnvironmentView } from '../../src/dashboard/deployments-page.ts';
import { renderLayout, renderMain } from '../../src/dashboard/layout.ts';
import { html } from '../../src/dashboard/html.ts';
import { renderRunPage, type RunPageView, type StageView } from '../../src/dashboard/run-page.ts';
import { renderRunsPage, type RunRow } from '../../src/dashboard/runs-page.ts';
import { renderTrendsPage, type TrendsPageView } from '../../src/dashboard/trends-page.ts';
import type { TrendPoint } from '../../src/insight/stats.ts';

const XSS = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const SHA = 'abc1234def5678901234567890abcdef12345678';
const at = (minute: number) => new Date(Date.UTC(2026, 0, 10, 12, minute));
const NOW = at(30);
const ASSETS = { css: '/assets/dashboard.css?v=1', js: '/assets/live.js?v=1' };

/** No element or attribute came out of the hostile text. */
function expectInert(out: string): void {
  expect(out).not.toContain('<img');
  expect(out).toContain(ESCAPED);
  // No tag carries an onerror attribute: every onerror is in escaped text or inside a quoted
  // attribute value (values are escaped, so every raw " delimits one).
  expect(out.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\sonerror\s*=/);
}

const runRow = (overrides: Partial<RunRow> = {}): RunRow => ({
  id: 7,
  owner: 'acme',
  repo: 'api',
  pipeline: 'ci',
  trigger: 'push',
  ref: 'refs/heads/main',
  sha: SHA,
  prNumber: null,
  actor: 'alice',
  status: 'completed',
  conclusion: 'failure',
  createdAt: at(0),
  startedAt: at(1),
  completedAt: at(4),
  ...overrides,
});

describe('layout', () => {
  it('links the stylesheet and the live script from /assets, with nothing inline', () => {
    const out = renderLayout({ title: 'Runs', current: 'runs', main: renderMain('v1', html`<p>x</p>`), assets: ASSETS, live: true }).toString();
    expect(out).toContain('<link rel="stylesheet" href="/assets/dashboard.css?v=1">');
    expect(out).toContain('<script src="/assets/live.js?v=1" defer></script>');
    expect(out).not.toMatch(/<script>|<style|style="|\son\w+="/);
    expect(out).toContain('<main id="main" data-version="v1"><p>x</p></main>');
    expect(out).toMatch(/<a href="\/" aria-current="page" class="current">Runs<\/a>/);
  });

  it('leaves the live script out of a page that does not listen', () => {
    const out = renderLayout({ title: 'Log in', current: null, main: renderMain('', html``), assets: ASSETS, live: false }).toString();
    expect(out).not.toContain('<script');
    expect(out).not.toContain('aria-current');
  });

  it('escapes the title', () => {
    expect(renderLayout({ title: XSS, current: null, main: renderMain('', html``), assets: ASSETS, live: false }).toString()).toContain(`<title>${ESCAPED} · shipgate</title>`);
  });
});

describe('runs page', () => {
  it('lists each run with its link, branch, short sha, state label and duration', () => {
    const out = renderRunsPage({ filters: {}, rows: [runRow(), runRow({ id: 6, status: 'in_progress', conclusion: null, completedAt: null, prNumber: 12, ref: 'refs/heads/topic' })], newer: null, older: '/?before=6', notices: [], now: NOW }).toString();
    expect(out).toContain('<a href="/runs/7">#7</a>');
    expect(out).toContain('<code>abc1234</code>');
    expect(out).toContain('data-state="failure">failure</span>');
    expect(out).toContain('data-state="in_progress">in progress</span>');
    expect(out).toContain('<span class="ref">topic</span> <span class="pr">#12</span>');
    expect(out).toContain('<td>3m 00s</td>');
    expect(out).toContain('<td>29m 00s</td>'); // still running: counted to now
    expect(out).toContain('<a rel="next" href="/?before=6">Older →</a>');
    expect(out).toContain('<span class="disabled">← Newer</span>');
  });

  it('keeps the filters in the form and marks the chosen status', () => {
    const out = renderRunsPage({ filters: { repo: 'acme/api', pipeline: 'ci', branch: 'main', status: 'failure' }, rows: [], newer: null, older: null, notices: [], now: NOW }).toString();
    expect(out).toContain('name="repo" value="acme/api"');
    expect(out).toContain('<option value="failure" selected>failure</option>');
    expect(out).toContain('No runs match these filters.');
    expect(out).toContain('method="get" action="/"');
  });

  it('shows a hostile pipeline, branch, actor and filter as text', () => {
    const out = renderRunsPage({
      filters: { pipeline: XSS, branch: `"><script>alert(1)</script>` },
      rows: [runRow({ pipeline: XSS, ref: `refs/heads/${XSS}`, actor: XSS })],
      newer: '/?after=1&pipeline=%3C',
      older: null,
      notices: [`Unknown status "${XSS}" was left out`],
      now: NOW,
    }).toString();
    expectInert(out);
    expect(out).not.toContain('<script>');
    expect(out).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(out).toContain('href="/?after=1&amp;pipeline=%3C"');
  });
});

const stage = (overrides: Partial<StageView>): StageView => ({
  name: 'build',
  needs: [],
  environment: null,
  status: 'completed',
  conclusion: 'success',
  reason: null,
  startedAt: at(1),
  completedAt: at(2),
  jobs: [],
  deployment: null,
  ...overrides,
});

const runView = (overrides: Partial<RunPageView> = {}): RunPageView => ({
  run: { id: 7, owner: 'acme', repo: 'api', pipeline: 'ci', trigger: 'push', ref: 'refs/heads/main', sha: SHA, prNumber: null, actor: 'alice', status: 'completed', conclusion: 'failure', error: null, waitingFor: null, createdAt: at(0), startedAt: at(1), completedAt: at(5) },
  stages: [
    stage({
      name: 'build',
      jobs: [
        {
          name: 'app',
          workflow: 'build.yml',
          attempts: [
            { attempt: 1, status: 'completed', conclusion: 'failure', workflowRunId: 101, htmlUrl: 'https://github.com/acme/api/actions/runs/101', startedAt: at(1), completedAt: at(2), error: null },
            { attempt: 2, status: 'completed', conclusion: 'success', workflowRunId: 101, htmlUrl: 'https://github.com/acme/api/actions/runs/101', startedAt: at(2), completedAt: at(3), error: null },
          ],
        },
      ],
    }),
    stage({ name: 'test', needs: ['build'], conclusion: 'failure', jobs: [{ name: 'unit', workflow: 'test.yml', attempts: [] }] }),
    stage({ name: 'deploy', needs: ['test'], environment: 'production', status: 'skipped', conclusion: null, reason: 'a needed stage failed', deployment: { id: 4, status: 'cancelled' } }),
  ],
  gates: [
    { gate: 'coverage', type: 'coverage', stage: 'build', job: 'app', attempt: 2, state: 'fail', measured: '71.0%', threshold: '≥ 80%', baseline: '79.5% at abc1234', detail: 'coverage dropped', runUrl: 'https://github.com/acme/api/actions/runs/101', override: null },
    { gate: 'tests', type: 'junit', stage: 'test', job: 'unit', attempt: 1, state: 'fail', measured: '2 failed', threshold: '0 failed', baseline: null, detail: null, runUrl: null, override: { actor: 'bob', reason: 'known flake' } },
  ],
  artifacts: [
    {
      workflowRunId: 101,
      workflow: 'build.yml',
      jobs: ['build/app'],
      htmlUrl: 'https://github.com/acme/api/actions/runs/101',
      listing: {
        ok: true,
        artifacts: [
          { id: 9, name: 'coverage', sizeInBytes: 2048, digest: 'sha256:' + 'a'.repeat(64), expired: false, expiresAt: '2026-04-10T12:00:00Z', downloadUrl: 'https://github.com/acme/api/actions/runs/101/artifacts/9' },
          { id: 8, name: 'old', sizeInBytes: 10, digest: null, expired: true, expiresAt: null, downloadUrl: null },
        ],
      },
    },
    { workflowRunId: 102, workflow: 'test.yml', jobs: ['test/unit'], htmlUrl: null, listing: { ok: false, reason: 'GitHub answered 502: Bad Gateway' } },
  ],
  artifactsNotListed: 0,
  now: NOW,
  ...overrides,
});

describe('run page', () => {
  const out = renderRunPage(runView()).toString();

  it('draws the stage graph with one node per stage and the failed one marked', () => {
    expect(out.match(/<g class="stage /g)).toHaveLength(3);
    expect(out).toMatch(/<g class="stage tone-failed failed" data-stage="test"/);
  });

  it('lists every attempt of a job with its state and a link to its GitHub run', () => {
    expect(out).toMatch(/data-job="app" data-attempt="1" data-state="failure"/);
    expect(out).toMatch(/data-job="app" data-attempt="2" data-state="success"/);
    expect(out).toContain('<a href="https://github.com/acme/api/actions/runs/101" rel="noopener noreferrer">run 101</a>');
    // test's stage is over: its job without attempts never ran.
    expect(out).toMatch(/data-job="unit" data-attempt="0" data-state="skipped"[\s\S]*?not run/);
    const running = renderRunPage(runView({ stages: [stage({ name: 'test', status: 'running', conclusion: null, jobs: [{ name: 'unit', workflow: 'test.yml', attempts: [] }] })] })).toString();
    expect(running).toMatch(/data-job="unit" data-attempt="0" data-state="pending"[\s\S]*?not dispatched yet/);
  });

  it('shows why a stage was skipped and its deployment', () => {
    expect(out).toContain('<p class="reason">a needed stage failed</p>');
    expect(out).toContain('→ production');
    expect(out).toContain('Deployment #4');
  });

  it('shows gates with measured, threshold and baseline, and an override as overridden', () => {
    expect(out).toMatch(/data-gate="coverage" data-state="fail"[\s\S]*71\.0%[\s\S]*≥ 80%[\s\S]*79\.5% at abc1234/);
    expect(out).toMatch(/data-gate="tests" data-state="overridden"[\s\S]*overridden by bob: known flake/);
  });

  it('lists artifacts with size, digest, expiry and a download link, and says why a listing is missing', () => {
    expect(out).toMatch(/data-artifact="coverage"><td>coverage<\/td><td>2\.0 KiB<\/td><td><code class="digest">sha256:a{64}<\/code>/);
    expect(out).toContain('<a href="https://github.com/acme/api/actions/runs/101/artifacts/9" rel="noopener noreferrer">download</a>');
    expect(out).toMatch(/data-artifact="old">[\s\S]*?<td>expired<\/td><td><span class="none">expired<\/span>/);
    expect(out).toContain('artifacts unavailable: GitHub answered 502: Bad Gateway');
  });

  it('never links a URL that is not http(s)', () => {
    const view = runView();
    const job = view.stages[0]?.jobs[0]?.attempts[0];
    if (job) job.htmlUrl = 'javascript:alert(1)';
    const first = view.artifacts[0];
    if (first?.listing.ok) {
      const artifact = first.listing.artifacts[0];
      if (artifact) artifact.downloadUrl = 'data:text/html,<script>alert(1)</script>';
    }
    const hostile = renderRunPage(view).toString();
    expect(hostile).not.toContain('javascript:');
    expect(hostile).not.toContain('data:text/html');
  });

  it('shows hostile names, errors and reasons as text', () => {
    const view = runView({
      run: { ...runView().run, pipeline: XSS, ref: `refs/heads/${XSS}`, actor: XSS, error: XSS, waitingFor: XSS },
      stages: [stage({ name: XSS, reason: XSS, jobs: [{ name: XSS, workflow: XSS, attempts: [{ attempt: 1, status: 'completed', conclusion: 'failure', workflowRunId: 1, htmlUrl: null, startedAt: null, completedAt: null, error: XSS }] }] })],
      gates: [{ gate: XSS, type: 'junit', stage: XSS, job: XSS, attempt: 1, state: 'fail', measured: XSS, threshold: XSS, baseline: XSS, detail: XSS, runUrl: null, override: { actor: XSS, reason: XSS } }],
      artifacts: [{ workflowRunId: 1, workflow: XSS, jobs: [XSS], htmlUrl: null, listing: { ok: false, reason: XSS } }],
    });
    const hostile = renderRunPage(view).toString();
    expectInert(hostile);
    expect(hostile).toContain(`id="stage-${encodeURIComponent(XSS)}"`);
  });

  it('says when more workflow runs than it lists exist, and when there are none', () => {
    expect(renderRunPage(runView({ artifactsNotListed: 3 })).toString()).toContain('3 more workflow runs are not listed here.');
    expect(renderRunPage(runView({ artifacts: [] })).toString()).toContain('No workflow runs yet.');
  });
});

describe('deployments page', () => {
  const row = { id: 3, sha: SHA, status: 'queued', source: 'stage', requestedBy: 'alice', reason: 'behind #2', pipelineRunId: 7, logUrl: null, createdAt: at(10), completedAt: null };
  const env = (overrides: Partial<EnvironmentView> = {}): EnvironmentView => ({
    owner: 'acme',
    repo: 'api',
    environment: 'production',
    current: { id: 1, sha: 'fff0000111122223333444455556666777788889', succeededAt: at(5), requestedBy: 'bob' },
    latest: row,
    queue: [row],
    lock: { holder: 'carol', reason: 'freeze', since: at(8), prNumber: 4 },
    history: [row, { ...row, id: 1, status: 'succeeded', sha: 'fff0000111122223333444455556666777788889', logUrl: 'https://github.com/acme/api/actions/runs/5' }],
    ...overrides,
  });

  it('shows the current sha, the lock, the queue with its age and the history', () => {
    const out = renderDeploymentsPage({ repo: undefined, environments: [env()], now: NOW }).toString();
    expect(out).toContain('data-environment="production" data-repo="acme/api"');
    expect(out).toMatch(/Current: <code title="fff0000[0-9a-f]+">fff0000<\/code>/);
    expect(out).toContain('Locked by carol');
    expect(out).toContain('(pull request #4): freeze');
    expect(out).toContain('<caption>Queue (1)</caption>');
    expect(out).toContain('(20m 00s ago)');
    expect(out).toContain('<a href="/runs/7">#7</a>');
    expect(out).toContain('rel="noopener noreferrer">log</a>');
  });

  it('says when nothing is deployed, unlocked and the queue is empty', () => {
    const out = renderDeploymentsPage({ repo: 'acme/api', environments: [env({ current: null, lock: null, queue: [], history: [], latest: null })], now: NOW }).toString();
    expect(out).toContain('nothing deployed yet');
    expect(out).toContain('Not locked.');
    expect(out).toContain('Queue empty.');
    expect(out).toContain('name="repo" value="acme/api"');
    expect(renderDeploymentsPage({ repo: undefined, environments: [], now: NOW }).toString()).toContain('No deployments yet.');
  });

  it('shows hostile environment names, logins and reasons as text', () => {
    const hostileRow = { ...row, requestedBy: XSS, reason: XSS, source: XSS };
    const out = renderDeploymentsPage({ repo: XSS, environments: [env({ environment: XSS, owner: XSS, lock: { holder: XSS, reason: XSS, since: at(1), prNumber: null }, queue: [hostileRow], history: [hostileRow] })], now: NOW }).toString();
    expectInert(out);
  });
});

describe('approvals page', () => {
  const request = (overrides: Partial<PendingApprovalView> = {}): PendingApprovalView => ({
    id: 5,
    deploymentId: 12,
    owner: 'acme',
    repo: 'api',
    environment: 'production',
    sha: SHA,
    requestedBy: 'alice',
    approvers: ['bob', '@acme/sre'],
    allowSelfApproval: false,
    required: 2,
    approvals: [{ approver: 'bob', via: 'command', at: at(20) }],
    createdAt: at(0),
    expiresAt: at(90),
    issueNumber: 9,
    ...overrides,
  });

  it('shows who may approve, given of required, age and expiry', () => {
    const out = renderApprovalsPage({ pending: [request()], now: NOW }).toString();
    expect(out).toContain('bob, @acme/sre');
    expect(out).toContain('not alice (who asked)');
    expect(out).toContain('<span class="given">1</span>/<span class="required">2</span>');
    expect(out).toContain('<td>30m 00s</td>');
    expect(out).toContain('datetime="2026-01-10T13:30:00.000Z"');
    expect(out).toContain('#12 (#9)');
  });

  it('says when the requester may approve, when anyone may and when nothing is pending', () => {
    const out = renderApprovalsPage({ pending: [request({ allowSelfApproval: true, approvers: [], expiresAt: null, approvals: [] })], now: NOW }).toString();
    expect(out).not.toContain('who asked');
    expect(out).toContain('anyone with write access');
    expect(out).toContain('never');
    expect(renderApprovalsPage({ pending: [], now: NOW }).toString()).toContain('No approvals pending.');
  });

  it('shows hostile logins and environments as text', () => {
    const out = renderApprovalsPage({ pending: [request({ environment: XSS, requestedBy: XSS, approvers: [XSS], approvals: [{ approver: XSS, via: 'reaction', at: at(1) }] })], now: NOW }).toString();
    expectInert(out);
  });
});

describe('trends page', () => {
  const point = (day: number, overrides: Partial<TrendPoint> = {}): TrendPoint => ({
    start: new Date(Date.UTC(2026, 0, day)).toISOString(),
    end: new Date(Date.UTC(2026, 0, day + 1)).toISOString(),
    runs: 4,
    successRate: 0.75,
    p95DurationSeconds: 300,
    deployments: 2,
    changeFailureRate: 0.5,
    ...overrides,
  });
  const view = (overrides: Partial<TrendsPageView> = {}): TrendsPageView => ({
    repositories: ['acme/api', 'acme/web'],
    query: { repo: 'acme/api', days: 7, bucket: 'day' },
    points: [point(1), point(2, { runs: 0, successRate: null, p95DurationSeconds: null, deployments: 0, changeFailureRate: null }), point(3, { successRate: 1 })],
    tiles: { runs: 8, successRate: 0.875, p95DurationSeconds: 320, deploymentsPerDay: 0.57, leadTimeP50Seconds: 3600, changeFailureRate: 0.25, recoveryP50Seconds: null, environments: ['production'] },
    error: null,
    ...overrides,
  });

  it('draws the four charts with their titles and the tiles', () => {
    const out = renderTrendsPage(view()).toString();
    for (const title of ['Success rate per day', 'p95 pipeline duration per day', 'Production deployments per day', 'Change failure rate per day']) {
      expect(out).toContain(`aria-label="${title}"`);
    }
    expect(out).toContain('<div class="tile-value">87.5%</div>');
    expect(out).toContain('<div class="tile-value">1h 00m</div>');
    expect(out).toContain('<div class="tile-value">0.57</div>');
    expect(out).toContain('<option value="acme/api" selected>acme/api</option>');
  });

  it('says so when the window has no runs or deployments, and when there is no history at all', () => {
    const quiet = renderTrendsPage(view({ points: [point(1, { runs: 0, successRate: null, p95DurationSeconds: null, deployments: 0, changeFailureRate: null })] })).toString();
    expect(quiet).toContain('No finished runs or deployments in the last 7 days.');
    expect(quiet).not.toContain('<svg');
    const none = renderTrendsPage(view({ repositories: [], query: { repo: null, days: 30, bucket: 'day' } })).toString();
    expect(none).toContain('No history yet');
  });

  it('shows an error instead of charts', () => {
    const out = renderTrendsPage(view({ error: `No history for ${XSS}` })).toString();
    expect(out).toContain('<p class="notice error">No history for &lt;img');
    expect(out).not.toContain('<svg');
  });

  it('escapes hostile repository names and filters', () => {
    const out = renderTrendsPage(view({ repositories: [XSS], query: { repo: XSS, days: 7, bucket: 'week', pipeline: XSS, branch: XSS, environment: XSS }, tiles: { ...view().tiles!, environments: [XSS] } })).toString();
    expectInert(out);
    expect(out).toContain('per week');
  });
});
