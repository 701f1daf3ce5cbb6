import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { startProviderWorld, type ProviderWorld } from '../helpers/providers.ts';

const REPO = 'acme/api';

const JUNIT_PASS = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="0"><testsuite name="legacy" tests="2" failures="0"><testcase classname="legacy" name="boots" time="0.1"/><testcase classname="legacy" name="serves" time="0.2"/></testsuite></testsuites>
`;

/** An Actions build, then a Jenkins, a GitLab and a webhook job side by side, a gate on the Jenkins job's report. */
const MIXED = `version: 1
pipelines:
  ci:
    on: { push: { branches: [main] } }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
      verify:
        needs: [build]
        jobs:
          legacy: { jenkins: { job: platform/legacy, parameters: { TARGET: '\${{ shipgate.sha }}' } }, timeout: 20m }
          mobile: { gitlab: { project: acme/mobile, variables: { FLAVOR: release } } }
          scan: { webhook: { url: '{{webhook}}/scan', payload: { profile: strict } } }
    gates:
      - { name: legacy-tests, type: junit, job: legacy, artifact: reports, max-failures: 0 }
`;

function checkRun(w: ProviderWorld, name: string, sha: string) {
  return w.h.sim.checkRuns(REPO).filter((c) => c.name === name && c.headSha === sha).at(-1);
}

function world(w: ProviderWorld) {
  w.jenkins.job('platform/legacy', { parameters: ['SHIPGATE_RUN', 'TARGET'] });
  w.gitlab.project({ path: 'acme/mobile', jobs: [{ name: 'assemble', stage: 'build' }, { name: 'unit', stage: 'test' }] });
}

describe.each(databaseTargets())('jobs on Jenkins, GitLab and webhooks on $name', (target) => {
  let w: ProviderWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('runs an Actions job, then a Jenkins, a GitLab and a webhook job in one stage, with a gate on the Jenkins artifact', async () => {
    w = await startProviderWorld(target, MIXED, { harness: { config: { dashboardToken: 'dash-token' } } });
    world(w);
    w.jenkins.script('platform/legacy', [{ result: 'SUCCESS', queueMs: 2_000, durationMs: 40_000, artifacts: { 'reports/junit.xml': JUNIT_PASS } }]);
    w.gitlab.script('acme/mobile', [{ status: 'success', durationMs: 30_000 }]);
    const pushed = w.h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await w.settle();
    await w.advance(31_000);
    // The verify stage started; Jenkins takes its queue item to an executor after 2 s.
    await w.advance(5_000);

    // The Jenkins build carries the correlation id and the evaluated parameter.
    const [build] = w.jenkins.builds('platform/legacy');
    expect(build?.parameters).toMatchObject({ TARGET: pushed.sha });
    expect(build?.parameters['SHIPGATE_RUN']).toMatch(/^sg-\d+-verify-legacy-1-[0-9a-f]{16}$/);
    // The GitLab pipeline runs on the same branch name with the variables.
    const [pipeline] = w.gitlab.pipelines('acme/mobile');
    expect(pipeline).toMatchObject({ ref: 'main' });
    expect(pipeline?.variables).toMatchObject({ FLAVOR: 'release', SHIPGATE_SHA: pushed.sha });
    // The webhook job got a signed request with the sha, the inputs and a callback URL.
    const [job] = w.receiver.received;
    expect(job).toMatchObject({ verified: true, body: { type: 'shipgate.job.requested', data: { sha: pushed.sha, inputs: { profile: 'strict' }, job: { name: 'scan', attempt: 1 } } } });
    expect(job?.webhookId).toBe(job?.id);
    expect(job?.body.data.callback_url).toMatch(/\/api\/v1\/jobs\/sg-[^/]+\/status\?token=/);

    if (!job) throw new Error('no webhook job arrived');
    expect(await w.receiver.report(job, { status: 'in_progress', url: 'http://ci.example.test/jobs/1' })).toMatchObject({ status: 202 });
    expect(await w.receiver.report(job, { status: 'success', summary: 'no findings' })).toMatchObject({ status: 202 });
    await w.advance(45_000);
    await w.advance(60_000);

    const ci = checkRun(w, 'shipgate/ci', pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'success' });
    // Each job says where it ran and links to its build or pipeline.
    expect(ci?.output.summary).toContain('Jenkins');
    expect(ci?.output.summary).toContain(build ? `${w.jenkins.url}/job/platform/job/legacy/${build.number}/` : 'missing');
    expect(ci?.output.summary).toContain('GitLab CI');
    expect(ci?.output.summary).toContain(`/acme/mobile/-/pipelines/${pipeline?.id}`);
    expect(ci?.output.summary).toContain('http://ci.example.test/jobs/1');
    expect(ci?.output.summary).toMatch(/legacy-tests/);
    expect(w.jenkins.builds('platform/legacy')).toHaveLength(1);
    expect(w.gitlab.pipelines('acme/mobile')).toHaveLength(1);
    expect(w.receiver.received).toHaveLength(1);

    // The dashboard's run page says where each job ran and links its build, pipeline or page.
    const run = await w.h.store.db.selectFrom('pipeline_runs').select('id').where('sha', '=', pushed.sha).executeTakeFirstOrThrow();
    const page = await (await fetch(`${w.h.app.url}/runs/${run.id}`, { headers: { authorization: 'Bearer dash-token' } })).text();
    expect(page).toMatch(/data-provider="Jenkins">Jenkins <code>platform\/legacy<\/code>/);
    expect(page).toMatch(/data-provider="GitLab CI">GitLab CI <code>acme\/mobile<\/code>/);
    expect(page).toMatch(/data-provider="GitHub Actions">GitHub Actions <code>build.yml<\/code>/);
    expect(page).toContain(`>build #${build?.number}<`);
    expect(page).toContain(`>pipeline ${pipeline?.id}<`);
    w.h.sim.assertNoViolations();
  });
});
