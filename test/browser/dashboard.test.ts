/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core; never a downloaded browser): the app against the
 * simulator, a pipeline that really runs, and rows written to the store.
 * Every page is checked for console errors and its screenshot is saved to
 * `test-artifacts/screenshots/<page>.png`.
 *
 * Chromium is found at `CHROMIUM_PATH` or `/usr/bin/chromium`; without it
 * these tests fail, saying how to install it (`.ci/run` installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/handler.ts';
import { RUNS_PAGE_SIZE } from '../../src/dashboard/runs-data.ts';
import { ACME_API } from '../helpers/acme-harness.ts';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { seedDeployments, seedRun, startDashboardHarness, TOKEN, XSS } from '../dashboard/helpers.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

let h: Harness;
let browser: Browser;
let context: BrowserContext;
/** Console errors and uncaught page errors of the current test. */
let problems: string[] = [];
/** Dialogs (alert, confirm) any page opened. */
const dialogs: string[] = [];

/** A new page that reports console errors, page errors and dialogs. */
async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return page;
}

/** Opens `path`, checks the document's CSP header, and returns the page. */
async function open(path: string, page?: Page): Promise<Page> {
  const target = page ?? (await newPage());
  const response = await target.goto(`${h.app.url}${path}`);
  expect(response?.status(), path).toBe(200);
  expect(response?.headers()['content-security-policy'], path).toBe(CONTENT_SECURITY_POLICY);
  return target;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** The run ids a runs page lists, in order. */
async function listedRuns(page: Page): Promise<number[]> {
  return (await page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-run-id'))))) as number[];
}

/** Moves the app's clock a second at a time (the live poll's tick) until `done` holds. */
async function tickUntil(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await done()) return;
    await h.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the dashboard's browser tests need it. Install Debian's package (\`apt-get install -y chromium\`, as .ci/run does) or set CHROMIUM_PATH to a Chromium binary. Never \`npx playwright install\`.`,
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const [pglite] = databaseTargets();
  if (!pglite) throw new Error('no database target');
  h = await startDashboardHarness(pglite, {
    setup: (sim) => {
      sim.scripts.workflow({ repo: ACME_API, workflow: 'build.yml', attempts: [{ conclusion: 'success', durationMs: 10_000, artifacts: [{ name: 'coverage', files: { 'lcov.info': 'TN:\nend_of_record\n' } }] }] });
      sim.scripts.workflow({ repo: ACME_API, workflow: 'test.yml', attempts: [{ conclusion: 'failure', durationMs: 5_000 }] });
      sim.scripts.workflow({ repo: ACME_API, workflow: 'scan.yml', attempts: [{ conclusion: 'success', durationMs: 5_000 }] });
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A missing element fails its check with a message, well before the test's timeout.
  context.setDefaultTimeout(10_000);
  // Log in once, as a person would: the cookie of /login?token= serves every later page.
  const page = await newPage();
  const response = await page.goto(`${h.app.url}/login?token=${TOKEN}`);
  expect(response?.url()).toBe(`${h.app.url}/`);
  await page.close();
}, 120_000);

afterEach(() => {
  const seen = problems;
  problems = [];
  expect(seen, 'console errors').toEqual([]);
  expect(dialogs, 'dialogs').toEqual([]);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await h?.close();
});

describe('dashboard in Chromium', () => {
  it('asks for the token on a browser without the session cookie', async () => {
    const anonymous = await browser.newContext();
    try {
      const page = await anonymous.newPage();
      const response = await page.goto(`${h.app.url}/`);
      expect(response?.status()).toBe(401);
      expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Log in to the shipgate dashboard');
      await screenshot(page, 'login');
    } finally {
      await anonymous.close();
    }
  });

  it('pages through the runs list and filters it, without JavaScript needed', async () => {
    for (let i = 0; i < RUNS_PAGE_SIZE + 5; i++) await seedRun(h.store, { pipeline: 'nightly', conclusion: i % 4 === 0 ? 'failure' : 'success' });
    const page = await open('/');
    const first = await listedRuns(page);
    expect(first).toHaveLength(RUNS_PAGE_SIZE);
    expect(first).toEqual([...first].sort((a, b) => b - a));
    await screenshot(page, 'runs');

    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/before=/);
    const second = await listedRuns(page);
    expect(second).toHaveLength(5);
    expect(Math.max(...second)).toBeLessThan(Math.min(...first));
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.waitForURL(/after=/);
    expect(await listedRuns(page)).toEqual(first);

    await page.locator('select[name="status"]').selectOption('failure');
    await page.locator('input[name="pipeline"]').fill('nightly');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failure/);
    const failed = await listedRuns(page);
    expect(failed).toHaveLength(8);
    const states = await page.locator('table.runs tbody .state').evaluateAll((cells) => cells.map((cell) => cell.textContent));
    expect(new Set(states)).toEqual(new Set(['failure']));
    await page.close();
  });

  it('shows a run named <img src=x onerror=alert(1)> as text, and no dialog opens', async () => {
    const run = await seedRun(h.store, { pipeline: XSS, ref: `refs/heads/${XSS}`, actor: XSS, conclusion: 'failure' });
    const page = await open(`/?pipeline=${encodeURIComponent(XSS)}`);
    const row = page.locator(`tr[data-run-id="${run.id}"]`);
    await expect.poll(() => row.locator('td.pipeline').textContent()).toBe(XSS);
    expect(await row.locator('.ref').textContent()).toBe(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('input[name="pipeline"]').inputValue()).toBe(XSS);
    await open(`/runs/${run.id}`, page);
    expect(await page.locator('h1 .pipeline').textContent()).toBe(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'hostile-run');
    await page.close();
  });

  it('updates a run page when a job finishes, without a reload, then draws the failed stage marked', async () => {
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const a = 1;\n' } });
    await h.settle();
    const run = await h.store.db.selectFrom('pipeline_runs').select('id').where('pipeline', '=', 'ci').where('delivery_id', 'is not', null).executeTakeFirstOrThrow();
    const page = await open(`/runs/${run.id}`);
    await page.waitForSelector('body[data-live="connected"]');
    const build = page.locator('tr.job[data-job="app"]').last();
    expect(await build.getAttribute('data-state')).not.toBe('success');
    // A mark in this document: a reload would lose it.
    await page.locator('html').evaluate((root) => root.setAttribute('data-mark', 'kept'));

    await h.advance(11_000);
    await tickUntil(async () => (await build.getAttribute('data-state')) === 'success', 'the build job to show success');
    expect(await page.locator('html').getAttribute('data-mark')).toBe('kept');
    expect(Number(await page.locator('body').getAttribute('data-refreshes'))).toBeGreaterThan(0);

    await tickUntil(async () => (await page.locator('svg[aria-label="stage graph"] g.stage.failed').count()) === 1, 'the failed stage to be marked');
    const stages = page.locator('svg[aria-label="stage graph"] g.stage');
    expect(await stages.count()).toBe(4);
    expect(await stages.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-stage')).sort())).toEqual(['build', 'deploy-staging', 'scan', 'test']);
    const failed = page.locator('svg[aria-label="stage graph"] g.stage.failed');
    expect(await failed.getAttribute('data-stage')).toBe('test');
    expect(await failed.locator('text.label').textContent()).toBe('✕ failure');
    // Laid out left to right by needs: build, then test and scan, then deploy-staging.
    const x = async (name: string) => (await page.locator(`g.stage[data-stage="${name}"] rect`).boundingBox())?.x ?? Number.NaN;
    expect(await x('build')).toBeLessThan(await x('test'));
    // Same column (the failed box's thicker border moves its box by a pixel at most).
    expect(Math.abs((await x('test')) - (await x('scan')))).toBeLessThan(2);
    expect(await x('scan')).toBeLessThan(await x('deploy-staging'));
    expect(await page.locator('tr.artifact[data-artifact="coverage"] a').getAttribute('href')).toMatch(/\/actions\/runs\/\d+\/artifacts\/\d+$/);
    expect(await page.locator('html').getAttribute('data-mark')).toBe('kept');
    await screenshot(page, 'run');
    await page.close();
  });

  it('shows deployments, pending approvals and trends', async () => {
    const now = h.clock.now();
    await seedDeployments(h.store, { environment: 'production', at: new Date(now - 3 * 3_600_000) });
    // A week of history for the charts: one to three runs a day, some failed.
    for (let day = 1; day <= 6; day++) {
      for (let n = 0; n <= day % 3; n++) await seedRun(h.store, { pipeline: 'ci', at: new Date(now - day * 86_400_000 + n * 600_000), conclusion: (day + n) % 4 === 0 ? 'failure' : 'success' });
    }
    const deployments = await open('/deployments');
    await expect.poll(() => deployments.locator('section.environment[data-environment="production"] .lock').textContent()).toMatch(/Locked by carol/);
    expect(await deployments.locator('section.environment[data-environment="production"] caption').first().textContent()).toBe('Queue (1)');
    await screenshot(deployments, 'deployments');

    const approvals = await open('/approvals', deployments);
    expect(await approvals.locator('tr.approval .given').first().textContent()).toBe('1');
    expect(await approvals.locator('tr.approval .required').first().textContent()).toBe('2');
    await screenshot(approvals, 'approvals');

    const trends = await open('/trends?repo=acme/api&days=7', deployments);
    expect(await trends.locator('figure.chart svg[aria-label="Success rate per day"]').count()).toBe(1);
    // A point per day with runs: the six seeded days (and today's, when the live test ran first).
    expect(await trends.locator('figure.chart svg[aria-label="Success rate per day"] circle.dot').count()).toBeGreaterThanOrEqual(6);
    await screenshot(trends, 'trends');
    await deployments.close();
  });
});
