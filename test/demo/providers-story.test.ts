import { describe, expect, it } from 'vitest';
import { PROVIDERS_CONFIG, legacyJunitReport, providersCriticalPathMs } from '../../src/demo/providers-story.ts';
import { DEMO_STORY_NAMES, formatStoryList, isDemoStoryName } from '../../src/demo/stories.ts';
import { parseConfigText } from '../../src/repo-config/parse.ts';
import { lineAfter, runDemo } from '../helpers/demo-cli.ts';

/** The workflow runs and builds follow the speed; the wake-up that starts the retry comes at the queue's next poll (every 5 s). */
const STORY_TIMEOUT_MS = 120_000;

describe('shipgate demo --story providers', () => {
  it('plays one pipeline on GitHub Actions, Jenkins and GitLab CI: the UNSTABLE Jenkins build retried, the GitLab pipeline and its hooks, the gate on attempt 2, green, and exits 0 with --exit', { timeout: STORY_TIMEOUT_MS }, async () => {
    const io = await runDemo(['--story', 'providers', '--exit', '--speed', '200', '--log-level', 'silent']);
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    const lines = io.out.split('\n');
    const jenkins = /^ {2}jenkins +(http:\/\/127\.0\.0\.1:\d+) +\(JENKINS_URL; job platform\/legacy-tests; its Notification plugin posts to the app's \/api\/v1\/providers\/jenkins\/webhook\)$/m.exec(io.out)?.[1] ?? 'no jenkins line';
    const gitlab = /^ {2}gitlab +(http:\/\/127\.0\.0\.1:\d+) +\(GITLAB_URL; project acme\/mobile; its pipeline hook posts to the app's \/api\/v1\/providers\/gitlab\/webhook\)$/m.exec(io.out)?.[1] ?? 'no gitlab line';

    // The Actions build, then both verify jobs dispatched to their providers.
    const built = lineAfter(lines, -1, /job +build\/app finished: success \(run \d+ took/);
    const legacy = lineAfter(lines, built, new RegExp(`dispatch +verify/legacy → Jenkins platform/legacy-tests \\(SUITE=regression, BRANCH=main\\) → queue item 1 → ${jenkins}/queue/item/1/$`));
    const mobile = lineAfter(lines, built, new RegExp(`dispatch +verify/mobile → GitLab CI acme/mobile \\(ref main, FLAVOR=release\\) → pipeline (\\d+) → ${gitlab}/acme/mobile/-/pipelines/\\d+$`));
    const pipelineId = /pipeline (\d+) →/.exec(lines[mobile] ?? '')?.[1] ?? 'none';
    // Jenkins build #1 (attempt 1) is UNSTABLE: the job fails and is retried as build #2, which passes.
    const first = lineAfter(lines, legacy, new RegExp(`jenkins +platform/legacy-tests #1 started \\(attempt 1\\) → ${jenkins}/job/platform/job/legacy-tests/1/$`));
    lineAfter(lines, first, /jenkins +platform\/legacy-tests #1 finished: UNSTABLE after \d+\.\ds, archived reports\/junit\.xml$/);
    const failed = lineAfter(lines, first, /job +verify\/legacy finished: failure \(Jenkins build #1: UNSTABLE after \d+\.\ds\)$/);
    const retry = lineAfter(lines, failed, /job +verify\/legacy will be retried$/);
    const again = lineAfter(lines, retry, new RegExp(`dispatch +verify/legacy \\(attempt 2\\) → Jenkins platform/legacy-tests \\(SUITE=regression, BRANCH=main\\) → queue item 2 → ${jenkins}/queue/item/2/$`));
    const second = lineAfter(lines, again, new RegExp(`jenkins +platform/legacy-tests #2 started \\(attempt 2\\) → ${jenkins}/job/platform/job/legacy-tests/2/$`));
    const passed = lineAfter(lines, second, /job +verify\/legacy finished: success \(Jenkins build #2: SUCCESS after \d+\.\ds\)$/);
    // The Notification plugin told the app of each phase of both builds.
    for (const build of [1, 2]) for (const phase of ['STARTED', 'COMPLETED']) lineAfter(lines, legacy, new RegExp(`webhook +Jenkins notification ${phase} of platform/legacy-tests #${build} delivered to the app, answered HTTP 202$`));
    // The GitLab pipeline ran once and its hooks reached the app.
    lineAfter(lines, mobile, new RegExp(`gitlab +acme/mobile pipeline ${pipelineId} success after \\d+\\.\\ds$`));
    lineAfter(lines, mobile, new RegExp(`webhook +GitLab pipeline hook \\(success\\) of acme/mobile pipeline ${pipelineId} delivered to the app, answered HTTP 200$`));
    lineAfter(lines, mobile, new RegExp(`job +verify/mobile finished: success \\(GitLab CI pipeline ${pipelineId}: success after \\d+\\.\\ds\\)$`));
    expect(lines.filter((line) => /^ +\+\S+ {2}dispatch +verify\/mobile/.test(line))).toHaveLength(1);
    // The gate, judged once the Jenkins job's outcome is final: after the retry, before the stage ends, then the deploy.
    const gate = lineAfter(lines, passed, /gate +legacy-tests: pass$/);
    expect(lines.filter((line) => /^ +\+\S+ {2}gate +legacy-tests/.test(line))).toHaveLength(1);
    const verified = lineAfter(lines, gate, /stage +verify done: success$/);
    lineAfter(lines, verified, /dispatch +deploy-staging\/deploy → deploy\.yml \(ref main, environment=staging, deployment_id=\d+\) → http:/);
    lineAfter(lines, verified, /deploy +staging #1 succeeded: [0-9a-f]{7} is deployed$/);
    const green = lineAfter(lines, verified, /check +shipgate\/ci completed: success — ci succeeded in \d+s$/);

    // The summary: the gates table links the retry's build; what each provider served.
    const summary = lineAfter(lines, green, /^GitHub API calls made by the app: \d+ \(\d+ writes\)$/);
    lineAfter(lines, summary, /^ +2 {2}POST \/repos\/\{owner\}\/\{repo\}\/actions\/workflows\/\{workflow_id\}\/dispatches$/);
    lineAfter(lines, summary, new RegExp(`^ {2}\\| legacy-tests \\| ✅ pass +\\| 0 failed of 4 +\\| ≤ 0 failed \\| .*\\[legacy\\]\\(${jenkins}/job/platform/job/legacy-tests/2/\\) \\|$`));
    const jenkinsCounts = lineAfter(lines, summary, new RegExp(`^Jenkins requests served to the app \\(${jenkins}\\): \\d+ \\(2 writes\\)$`));
    lineAfter(lines, jenkinsCounts, /^ +2 {2}POST \/job\/\{job\}\/buildWithParameters$/);
    lineAfter(lines, jenkinsCounts, /^ +1 {2}GET \/job\/\{job\}\/\{number\}\/artifact\/\{path\}$/);
    const gitlabCounts = lineAfter(lines, jenkinsCounts, new RegExp(`^GitLab CI requests served to the app \\(${gitlab}\\): \\d+ \\(1 write\\)$`));
    lineAfter(lines, gitlabCounts, /^ +1 {2}POST \/projects\/:id\/pipeline$/);
    lineAfter(
      lines,
      gitlabCounts,
      /^The story ended as scripted: build ran on GitHub Actions; verify\/legacy's first build of platform\/legacy-tests on Jenkins was UNSTABLE and its automatic retry passed, one build per attempt; verify\/mobile ran one GitLab pipeline of acme\/mobile, which succeeded and reported through its pipeline hooks; the legacy-tests gate passed on attempt 2 from the Jenkins build's archived JUnit report; shipgate\/ci and shipgate are green, and deploy-staging deployed staging\.$/,
    );
    expect(io.out).not.toMatch(/did not end as scripted|Dashboard:|unknown route/);
    // The release story's own parts are not played.
    expect(io.out).not.toMatch(/opened pull request|production/);

    const appUrl = /^ {2}app +(http:\/\/127\.0\.0\.1:\d+)/m.exec(io.out)?.[1];
    for (const url of [appUrl, jenkins, gitlab]) await expect(fetch(`${url ?? 'http://127.0.0.1:9'}/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });

  it('refuses a story it does not know, listing the ones it has', async () => {
    const io = await runDemo(['--story', 'jenkins', '--exit']);
    expect(io.exitCode).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toBe(`${['shipgate demo: there is no story "jenkins"; --story takes one of:', ...formatStoryList()].join('\n')}\n`);
    expect(io.err).toMatch(/^ {2}release {4}a push .*\(the default\)$/m);
    expect(io.err).toMatch(/^ {2}providers {2}one pipeline on GitHub Actions, Jenkins and GitLab CI/m);
  });

  it('shows --story in its help', async () => {
    const io = await runDemo(['--help']);
    expect(io.exitCode).toBe(0);
    expect(io.out).toMatch(/--story <name> +the story to play: release or providers \(default:\s+"release"\)/);
  });
});

describe('the providers story', () => {
  it('has a valid .github/shipgate.yml with a Jenkins job retried once, a GitLab job and a gate on the Jenkins report', () => {
    const parsed = parseConfigText(PROVIDERS_CONFIG, '.github/shipgate.yml');
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (!parsed.ok) return;
    const verify = parsed.config.pipelines['ci']?.stages['verify'];
    expect(verify?.jobs['legacy']).toMatchObject({ jenkins: { job: 'platform/legacy-tests' }, retries: 1 });
    expect(verify?.jobs['mobile']).toMatchObject({ gitlab: { project: 'acme/mobile', variables: { FLAVOR: 'release' } } });
    expect(parsed.config.pipelines['ci']?.gates).toEqual([expect.objectContaining({ name: 'legacy-tests', type: 'junit', job: 'legacy', artifact: 'reports' })]);
  });

  it('archives a failing report on the first Jenkins build and a passing one on the retry', () => {
    expect(legacyJunitReport(1)).toMatch(/failures="1"/);
    expect(legacyJunitReport(1)).toContain('got 502 from the payment sandbox');
    expect(legacyJunitReport(2)).toMatch(/<testsuites [^>]*tests="4" failures="0"/);
  });

  it('takes the build, two Jenkins builds with the backoff between, then the deploy, divided by the speed', () => {
    // 40 s + 2 × (3 s + 45 s) + 30 s + 30 s of simulated time.
    expect(providersCriticalPathMs(1)).toBe(196_000);
    expect(providersCriticalPathMs(20)).toBe(9_800);
  });

  it('knows each story by name only', () => {
    expect(DEMO_STORY_NAMES).toEqual(['release', 'providers']);
    expect(isDemoStoryName('providers')).toBe(true);
    expect(isDemoStoryName('Providers')).toBe(false);
    expect(isDemoStoryName('')).toBe(false);
  });
});
