/**
 * Jobs on other CI providers given bad input, end to end (SPEC §13, §8): wrong
 * credentials, a role too weak, an unknown job, a Jenkins without a crumb
 * issuer, a job without SHIPGATE_RUN, a ref GitLab lacks, webhook-job reports
 * that must be refused, a receiver that never reports, a provider down for two
 * minutes, a provider that is not set up, and forged provider webhooks. Each
 * case goes push → app → provider simulator → check run and looks at what a
 * user sees (the `shipgate/ci` check run's conclusion, its Problems list and
 * jobs table), at what the provider received, and at the app serving on (a
 * later, good push still runs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GITLAB_HOOK_PATH, JENKINS_HOOK_PATH } from '../../src/http/provider-hooks.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { verifyPipeline } from '../helpers/provider-configs.ts';
import { GITLAB_HOOK_TOKEN, JENKINS_HOOK_TOKEN, startProviderWorld, type ProviderWorld } from '../helpers/providers.ts';
import { newSecret } from '../helpers/webhook-receiver.ts';

const REPO = 'acme/api';
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const TRIGGER = 'POST /job/{job}/buildWithParameters';
const JOB_JSON = 'GET /job/{job}/api/json';
const CREATE_PIPELINE = 'POST /projects/:id/pipeline';

const LEGACY = 'legacy: { jenkins: { job: platform/legacy } }';
const MOBILE = 'mobile: { gitlab: { project: acme/mobile } }';
const SCAN = "scan: { webhook: { url: '{{webhook}}/scan' } }";
const APP = 'app: { workflow: build.yml, inputs: { target: app } }';

let pushes = 0;
/** A push to main as alice; `files` may carry a new shipgate.yml. */
function push(w: ProviderWorld, files: Record<string, string> = {}) {
  pushes += 1;
  return w.h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': `export const version = ${pushes};\n`, ...files }, author: 'alice' });
}

function checkRun(w: ProviderWorld, sha: string) {
  return w.h.sim.checkRuns(REPO).filter((c) => c.name === 'shipgate/ci' && c.headSha === sha).at(-1);
}

/** Moves time on in `step`s (each due poll and retry at its own time) for `ms`. */
async function advanceInSteps(w: ProviderWorld, ms: number, step = 5 * SECOND) {
  for (let passed = 0; passed < ms; passed += step) await w.advance(Math.min(step, ms - passed));
}

/** Moves time on until the sha's `shipgate/ci` check completes (at most `maxMs`), and returns it. */
async function finish(w: ProviderWorld, sha: string, maxMs = 5 * MINUTE) {
  for (let passed = 0; checkRun(w, sha)?.status !== 'completed'; passed += 5 * SECOND) {
    if (passed >= maxMs) throw new Error(`shipgate/ci on ${sha.slice(0, 7)} is still ${checkRun(w, sha)?.status ?? 'missing'} after ${maxMs} ms`);
    await w.advance(5 * SECOND);
  }
  return checkRun(w, sha);
}

/** A later push with a config that works runs to success: the bad input left the app serving. */
async function laterPushSucceeds(w: ProviderWorld, config: string) {
  const next = push(w, { '.github/shipgate.yml': config.replaceAll('{{webhook}}', w.receiver.url) });
  await w.settle();
  expect(await finish(w, next.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
  return next;
}

function jenkinsRoutes(w: ProviderWorld) {
  return w.jenkins.requests.map((r) => `${r.route ?? r.path} ${r.status}`);
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe.each(databaseTargets())('jobs on other CI providers given bad input, on $name', (target) => {
  let w: ProviderWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('Jenkins refusing the credentials fails the job at once, naming JENKINS_USER and JENKINS_TOKEN, never the token', async () => {
    const wrong = '11wrong0token0that0jenkins0refuses';
    w = await startProviderWorld(target, verifyPipeline(LEGACY), { jenkins: { token: wrong } });
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain('**verify/legacy**: Jenkins refused the job: Jenkins refused the credentials (HTTP 401');
    expect(ci?.output.text).toContain('check JENKINS_USER and JENKINS_TOKEN');
    expect(ci?.output.summary).toContain('legacy (failure on Jenkins)');
    expect(JSON.stringify(ci)).not.toContain(wrong);
    expect(JSON.stringify(ci)).not.toContain(w.jenkins.settings.token);
    // One refused read of the job, no trigger, and no second try: another try changes nothing.
    await advanceInSteps(w, MINUTE, 10 * SECOND);
    expect(jenkinsRoutes(w)).toEqual([`${JOB_JSON} 401`]);
    expect(w.jenkins.builds('platform/legacy')).toEqual([]);

    // Jobs on another provider still run.
    w.gitlab.project({ path: 'acme/mobile' });
    await laterPushSucceeds(w, verifyPipeline(MOBILE));
  });

  it('GitLab refusing the token (401) fails the job naming GitLab CI and GITLAB_TOKEN, never the token', async () => {
    const wrong = 'glpat-wrong0token0gitlab0refuses';
    w = await startProviderWorld(target, verifyPipeline(MOBILE), { gitlab: { token: wrong } });
    w.gitlab.project({ path: 'acme/mobile' });
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain('**verify/mobile**: GitLab CI refused the job: GitLab refused GITLAB_TOKEN (HTTP 401');
    expect(ci?.output.text).toContain('check that the token exists, has not expired and has the api scope');
    expect(JSON.stringify(ci)).not.toContain(wrong);
    expect(JSON.stringify(ci)).not.toContain(w.gitlab.settings.token);
    await advanceInSteps(w, MINUTE, 10 * SECOND);
    expect(w.gitlab.requests.map((r) => `${r.route} ${r.status}`)).toEqual([`${CREATE_PIPELINE} 401`]);
    expect(w.gitlab.pipelines('acme/mobile')).toEqual([]);

    await laterPushSucceeds(w, verifyPipeline(APP));
  });

  it("GitLab refusing a Reporter's token (403) fails the job saying the token's user needs the Developer role", async () => {
    w = await startProviderWorld(target, verifyPipeline(MOBILE));
    w.gitlab.project({ path: 'acme/mobile' });
    w.gitlab.options.role = 'reporter';
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain('**verify/mobile**: GitLab CI refused the job: GitLab refused GITLAB_TOKEN (HTTP 403');
    expect(ci?.output.text).toContain("the token's user needs the Developer role on project 'acme/mobile' and the token the api scope");
    expect(JSON.stringify(ci)).not.toContain(w.gitlab.settings.token);
    expect(w.gitlab.pipelines('acme/mobile')).toEqual([]);

    // The role fixed, the next push runs its pipeline, once.
    w.gitlab.options.role = 'developer';
    await laterPushSucceeds(w, verifyPipeline(MOBILE));
    expect(w.gitlab.pipelines('acme/mobile')).toHaveLength(1);
  });

  it('an unknown Jenkins job (404) fails the job naming it and `jenkins.job`; once created, the next push builds it', async () => {
    w = await startProviderWorld(target, verifyPipeline('legacy: { jenkins: { job: platform/ghost } }'));
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain("**verify/legacy**: Jenkins refused the job: Jenkins has no job 'platform/ghost' at JENKINS_URL (HTTP 404)");
    expect(ci?.output.text).toContain('check `jenkins.job` in .github/shipgate.yml');
    expect(w.jenkins.count(TRIGGER)).toBe(0);

    w.jenkins.job('platform/ghost', { parameters: ['SHIPGATE_RUN'] });
    await laterPushSucceeds(w, verifyPipeline('legacy: { jenkins: { job: platform/ghost } }'));
    expect(w.jenkins.builds('platform/ghost')).toMatchObject([{ result: 'SUCCESS' }]);
  });

  it('a Jenkins without a crumb issuer takes the trigger without a crumb, and the job succeeds', async () => {
    w = await startProviderWorld(target, verifyPipeline(LEGACY), { jenkins: { crumbIssuer: false } });
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    const pushed = push(w);
    await w.settle();

    expect(await finish(w, pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    // Asked for a crumb, told there is no issuer (404), sent the trigger without one: accepted at once.
    expect(jenkinsRoutes(w)).toContain('GET /crumbIssuer/api/json 404');
    expect(w.jenkins.requests.filter((r) => r.route === TRIGGER).map((r) => r.status)).toEqual([201]);
    expect(w.jenkins.requests.filter((r) => r.status === 403)).toEqual([]);
    expect(w.jenkins.builds('platform/legacy')).toMatchObject([{ result: 'SUCCESS', parameters: { SHIPGATE_RUN: expect.stringMatching(/^sg-/) } }]);
  });

  it('a Jenkins job that does not declare SHIPGATE_RUN fails before any build, saying to add the parameter', async () => {
    w = await startProviderWorld(target, verifyPipeline('legacy: { jenkins: { job: platform/legacy, parameters: { TARGET: app } } }'));
    w.jenkins.job('platform/legacy', { parameters: ['TARGET'] });
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain('**verify/legacy**: the Jenkins job platform/legacy does not declare the string parameter SHIPGATE_RUN');
    expect(ci?.output.text).toContain('add it (This project is parameterized → String Parameter, name SHIPGATE_RUN), then re-run the job');
    // Nothing was triggered: a build without SHIPGATE_RUN could never be found again.
    expect(jenkinsRoutes(w)).toEqual([`${JOB_JSON} 200`]);
    expect(w.jenkins.builds('platform/legacy')).toEqual([]);

    w.jenkins.job('platform/fixed', { parameters: ['SHIPGATE_RUN', 'TARGET'] });
    await laterPushSucceeds(w, verifyPipeline('legacy: { jenkins: { job: platform/fixed, parameters: { TARGET: app } } }'));
    expect(w.jenkins.builds('platform/fixed')).toMatchObject([{ result: 'SUCCESS', parameters: { TARGET: 'app' } }]);
  });

  it('a GitLab ref that does not exist fails the job with "Reference not found" and what to do', async () => {
    w = await startProviderWorld(target, verifyPipeline('mobile: { gitlab: { project: acme/mobile, ref: nope } }'));
    w.gitlab.project({ path: 'acme/mobile', refs: ['main'] });
    const pushed = push(w);
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toContain("**verify/mobile**: GitLab CI refused the job: GitLab could not create a pipeline for ref 'nope' in 'acme/mobile': Reference not found");
    expect(ci?.output.text).toContain('Reference not found');
    expect(ci?.output.text).toContain('push the ref to GitLab or set `gitlab.ref`');
    expect(w.gitlab.requests.filter((r) => r.route === CREATE_PIPELINE).map((r) => [r.status, (r.body as { ref?: string } | undefined)?.ref])).toEqual([[400, 'nope']]);
    expect(w.gitlab.pipelines('acme/mobile')).toEqual([]);

    // Without `ref:` the job runs on the push's branch, which GitLab has.
    await laterPushSucceeds(w, verifyPipeline(MOBILE));
    expect(w.gitlab.pipelines('acme/mobile')).toMatchObject([{ ref: 'main', status: 'success' }]);
  });

  it('webhook-job reports that are forged, replayed, stale, misaddressed, tokenless or not reports are refused; one honest report ends the job', async () => {
    w = await startProviderWorld(target, verifyPipeline(SCAN));
    const pushed = push(w);
    await w.settle();
    const [job] = w.receiver.received;
    if (!job) throw new Error('the webhook job was not requested');
    const refusals: Array<[string, Parameters<typeof w.receiver.report>[1], Parameters<typeof w.receiver.report>[2], number, string]> = [
      ['another secret', { status: 'failure' }, { secret: newSecret() }, 401, 'bad-signature'],
      ['a timestamp 6 minutes old', { status: 'failure' }, { timestamp: Math.floor(w.h.clock.now() / 1000) - 360 }, 401, 'stale-timestamp'],
      ['an unknown job id', { status: 'failure' }, { path: '/api/v1/jobs/sg-unknown/status' }, 404, 'unknown-job'],
      ['no callback token', { status: 'failure' }, { token: null }, 403, 'bad-token'],
      ['a wrong callback token', { status: 'failure' }, { token: 'not-the-token' }, 403, 'bad-token'],
      ['a body that is not a report', { status: 'done' }, {}, 400, 'bad-report'],
    ];
    for (const [what, report, options, status, error] of refusals) {
      const answer = await w.receiver.report(job, report, options);
      expect({ what, status: answer.status, error: answer.body.error }).toEqual({ what, status, error });
      expect(answer.body.message, what).toEqual(expect.any(String));
    }
    expect((await w.receiver.report(job, { status: 'done' })).body.message).toContain('status must be in_progress, success or failure');
    // A replay: the same webhook-id twice; the second is refused, whatever it says.
    expect(await w.receiver.report(job, { status: 'in_progress' }, { webhookId: 'msg_once' })).toMatchObject({ status: 202 });
    expect(await w.receiver.report(job, { status: 'failure' }, { webhookId: 'msg_once' })).toMatchObject({ status: 409, body: { error: 'replayed' } });
    await w.settle();
    // None of the refused reports ended the job.
    expect(checkRun(w, pushed.sha)).toMatchObject({ status: 'in_progress' });
    expect(checkRun(w, pushed.sha)?.output.summary).toContain('(running on the webhook job receiver)');

    expect(await w.receiver.report(job, { status: 'success', summary: 'no findings' })).toMatchObject({ status: 202 });
    await w.settle();
    expect(checkRun(w, pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    // The callback URL was one-time: a report after the end is refused, and changes nothing.
    expect(await w.receiver.report(job, { status: 'failure' })).toMatchObject({ status: 409, body: { error: 'job-ended' } });
    await w.settle();
    expect(checkRun(w, pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(w.receiver.received).toHaveLength(1);
  });

  it('a webhook job that never reports times out after its `timeout:`, and its receiver is told to cancel', async () => {
    w = await startProviderWorld(target, verifyPipeline("scan: { webhook: { url: '{{webhook}}/scan' }, timeout: 2m }"));
    const pushed = push(w);
    await w.settle();
    const [job] = w.receiver.received;
    if (!job) throw new Error('the webhook job was not requested');

    await w.advance(MINUTE);
    await w.h.reconcile();
    expect(checkRun(w, pushed.sha)).toMatchObject({ status: 'in_progress' });
    await w.advance(MINUTE + SECOND);
    await w.h.reconcile();
    await w.settle();

    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    expect(ci?.output.text).toContain('**verify/scan**: timed out after 2m 0s');
    // A sentence a person can read (not "its the webhook job receiver run").
    expect.soft(ci?.output.text).not.toContain('its the ');
    expect(ci?.output.summary).toContain('(timed_out on the webhook job receiver)');
    expect(w.receiver.received.map((r) => r.body.type)).toEqual(['shipgate.job.requested', 'shipgate.job.cancelled']);
    expect(w.receiver.received[1]?.body.data.job.id).toBe(job.id);
    // Its report, too late now, is refused.
    expect(await w.receiver.report(job, { status: 'success' })).toMatchObject({ status: 409, body: { error: 'job-ended' } });

    await laterPushSucceeds(w, verifyPipeline(APP));
  });

  it('Jenkins down for 2 minutes and a 90s timeout: shipgate keeps trying, then the job times out naming Jenkins\'s last error, and no build ever starts', async () => {
    w = await startProviderWorld(target, verifyPipeline('legacy: { jenkins: { job: platform/legacy }, timeout: 90s }'));
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    w.jenkins.faults.down(2 * MINUTE);
    const pushed = push(w);
    await w.settle();

    await advanceInSteps(w, 91 * SECOND);
    await w.h.reconcile();
    await w.settle();
    const ci = checkRun(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    // The limit is the job's own, and the message names what Jenkins last said.
    expect.soft(ci?.output.text).toContain('**verify/legacy**: timed out after 1m 30s');
    expect.soft(ci?.output.text).toContain('the last error from Jenkins: Jenkins answered HTTP 503 for GET /job/platform/job/legacy/api/json');
    // Several tries, each answered 503 by a Jenkins getting ready to work.
    const tries = w.jenkins.requests.filter((r) => r.fault === 'down');
    expect(tries.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tries.map((r) => r.status))).toEqual(new Set([503]));

    // Jenkins back: the timed-out job is not started late.
    await advanceInSteps(w, 2 * MINUTE, 10 * SECOND);
    expect(w.jenkins.count(TRIGGER)).toBe(0);
    expect(w.jenkins.builds('platform/legacy')).toEqual([]);
    await laterPushSucceeds(w, verifyPipeline(LEGACY));
    expect(w.jenkins.builds('platform/legacy')).toHaveLength(1);
  });

  it('Jenkins down for 2 minutes and a 10m timeout: the job waits it out and runs exactly once', async () => {
    w = await startProviderWorld(target, verifyPipeline('legacy: { jenkins: { job: platform/legacy }, timeout: 10m }'));
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    w.jenkins.faults.down(2 * MINUTE);
    const pushed = push(w);
    await w.settle();

    await advanceInSteps(w, 2 * MINUTE);
    // Meanwhile the check says why the job waits.
    expect(checkRun(w, pushed.sha)).toMatchObject({ status: 'in_progress' });
    expect(checkRun(w, pushed.sha)?.output.text).toContain('**verify/legacy**: Jenkins did not answer (Jenkins answered HTTP 503');
    expect(w.jenkins.requests.filter((r) => r.fault === 'down').length).toBeGreaterThanOrEqual(3);
    expect(await finish(w, pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(w.jenkins.requests.filter((r) => r.route === TRIGGER && r.status === 201)).toHaveLength(1);
    expect(w.jenkins.builds('platform/legacy')).toMatchObject([{ result: 'SUCCESS' }]);
    // The green check lists no problem: Jenkins's outage is over and was survived.
    expect(checkRun(w, pushed.sha)?.output.text ?? '').not.toContain('did not answer');
  });

  it('a job on a provider shipgate is not set up for fails saying which settings to set; the Actions job before it runs', async () => {
    const config = `version: 1
pipelines:
  ci:
    on: { push: { branches: [main] } }
    stages:
      build:
        jobs:
          ${APP}
      verify:
        needs: [build]
        jobs:
          ${MOBILE}
`;
    w = await startProviderWorld(target, config, { configure: { gitlab: false } });
    w.gitlab.project({ path: 'acme/mobile' });
    const pushed = push(w);
    await w.settle();

    const ci = await finish(w, pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.text).toBe(
      "### Problems\n\n- **verify/mobile**: this job runs on GitLab CI, which this shipgate is not set up for: set GITLAB_TOKEN (and GITLAB_URL for a self-managed GitLab) in shipgate's environment (README, \"Other CI providers\"), restart it, then re-run the job",
    );
    expect(ci?.output.summary).toContain('(success on GitHub Actions)');
    expect(ci?.output.summary).toContain('mobile (failure on GitLab CI)');
    expect(w.h.sim.dispatches().filter((d) => d.workflow === 'build.yml' && d.status < 300)).toHaveLength(1);
    expect(w.gitlab.count()).toBe(0);
    // Its hooks are not taken either: nothing is set up to check them against.
    expect((await post(`${w.h.app.url}${GITLAB_HOOK_PATH}`, '{}', { 'x-gitlab-token': GITLAB_HOOK_TOKEN })).status).toBe(404);

    await laterPushSucceeds(w, verifyPipeline(APP));
  });

  it('forged GitLab and Jenkins webhooks are refused (401) and change nothing; bodies that are not JSON get 400', async () => {
    w = await startProviderWorld(target, verifyPipeline(LEGACY, MOBILE));
    w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN'] });
    w.jenkins.script('platform/legacy', [{ result: 'SUCCESS', durationMs: 60 * SECOND }]);
    w.gitlab.project({ path: 'acme/mobile' });
    w.gitlab.script('acme/mobile', [{ status: 'success', durationMs: 60 * SECOND }]);
    const pushed = push(w);
    await w.settle();
    await advanceInSteps(w, 10 * SECOND);
    const base = w.h.app.url;

    // A GitLab hook saying the running pipeline failed, as GitLab words it, but without the secret token.
    const delivered = w.gitlab.hooks.filter((hook) => !hook.dropped).at(-1);
    if (!delivered) throw new Error('GitLab sent no pipeline hook');
    const forged = JSON.parse(delivered.body) as { object_attributes: Record<string, unknown> };
    forged.object_attributes['status'] = 'failed';
    const hook = { 'x-gitlab-event': 'Pipeline Hook' };
    for (const token of [{ 'x-gitlab-token': 'not-the-secret' }, {}]) {
      const answer = await post(`${base}${GITLAB_HOOK_PATH}`, JSON.stringify(forged), { ...hook, ...token });
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'bad-token', message: expect.stringContaining('GITLAB_WEBHOOK_TOKEN') });
    }
    const notJson = await post(`${base}${GITLAB_HOOK_PATH}`, '{"object_kind": "pipeline",', { ...hook, 'x-gitlab-token': GITLAB_HOOK_TOKEN });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'bad-json' });

    // A Jenkins notification of the build, without or with a wrong ?token=: no poll follows it.
    const note = w.jenkins.notifications.at(-1);
    if (!note) throw new Error('Jenkins sent no notification');
    const jenkinsRequests = w.jenkins.count();
    for (const query of ['', '?token=not-the-secret']) {
      const answer = await post(`${base}${JENKINS_HOOK_PATH}${query}`, JSON.stringify(note.payload));
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'bad-token', message: expect.stringContaining('JENKINS_WEBHOOK_TOKEN') });
    }
    const garbled = await post(`${base}${JENKINS_HOOK_PATH}?token=${JENKINS_HOOK_TOKEN}`, 'name=platform/legacy');
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: 'bad-json' });
    await w.settle();
    expect(w.jenkins.count()).toBe(jenkinsRequests);

    // Nothing changed: both jobs are still running, and end as their providers say.
    const running = checkRun(w, pushed.sha);
    expect(running).toMatchObject({ status: 'in_progress' });
    expect(running?.output.text ?? '').toBe('');
    expect(await finish(w, pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(w.gitlab.pipelines('acme/mobile')).toMatchObject([{ status: 'success' }]);
    expect(w.jenkins.builds('platform/legacy')).toMatchObject([{ result: 'SUCCESS' }]);
  });
});
