/**
 * The world of `shipgate demo --story providers`: `acme/shop` with one
 * pipeline whose jobs run on three CI systems — an Actions build, then a
 * Jenkins job (`platform/legacy-tests`, retried once automatically) and a
 * GitLab pipeline (`acme/mobile`) side by side, a gate on the Jenkins
 * build's archived JUnit report, then an Actions deploy to staging — and how
 * each of them goes: the first Jenkins build is UNSTABLE (a test failed), its
 * retry passes, the GitLab pipeline succeeds. Durations are simulated time,
 * before the demo's `speed` divides them.
 */
import type { GitHubSimulator } from '../sim/index.ts';
import type { GitLabSimulator } from '../sim/gitlab.ts';
import type { JenkinsSimResult, JenkinsSimulator } from '../sim/jenkins.ts';
import type { ProvidersScript } from './providers-outcome.ts';
import { junitReport, type TestFile } from './reports.ts';
import { DEMO_ORG, DEMO_PUSHER, DEMO_REPO, DEMO_STAGING, DEMO_STAGING_URL, workflowFile } from './story.ts';

/** The pipeline of the story (in `acme/shop`, as the release story's). */
export const PROVIDERS_PIPELINE = 'ci';
/** The Jenkins job `verify/legacy` builds, in its folder. */
export const PROVIDERS_JENKINS_JOB = 'platform/legacy-tests';
/** The GitLab project whose pipeline `verify/mobile` runs. */
export const PROVIDERS_GITLAB_PROJECT = 'acme/mobile';
/** The gate on the Jenkins build's archived JUnit report. */
export const PROVIDERS_GATE = 'legacy-tests';
/** The archived folder the gate reads (`reports/junit.xml` in it). */
export const PROVIDERS_REPORTS = 'reports';

/** Where each job of `ci` runs: stage, job id, provider. */
export const PROVIDERS_JOBS = {
  build: { stage: 'build', job: 'app', provider: 'actions' },
  legacy: { stage: 'verify', job: 'legacy', provider: 'jenkins' },
  mobile: { stage: 'verify', job: 'mobile', provider: 'gitlab' },
  deploy: { stage: 'deploy-staging', job: 'deploy', provider: 'actions' },
} as const;

/** The stages of `ci`, in the order the config declares them. */
export const PROVIDERS_STAGES: readonly string[] = ['build', 'verify', 'deploy-staging'];

/** The Actions workflows the story dispatches, in order. */
export const PROVIDERS_WORKFLOWS: readonly string[] = ['build.yml', 'deploy.yml'];

/** How the Jenkins job's builds end, one per attempt: UNSTABLE (a failed test), then SUCCESS on the automatic retry. */
export const PROVIDERS_JENKINS_RESULTS: readonly JenkinsSimResult[] = ['UNSTABLE', 'SUCCESS'];

/** What the story scripts, as the verdict checks it. */
export const PROVIDERS_SCRIPT: ProvidersScript = {
  pipelineCheck: `shipgate/${PROVIDERS_PIPELINE}`,
  stages: PROVIDERS_STAGES,
  workflows: PROVIDERS_WORKFLOWS,
  jenkins: { stage: PROVIDERS_JOBS.legacy.stage, job: PROVIDERS_JOBS.legacy.job, path: PROVIDERS_JENKINS_JOB, results: PROVIDERS_JENKINS_RESULTS },
  gitlab: { stage: PROVIDERS_JOBS.mobile.stage, job: PROVIDERS_JOBS.mobile.job, project: PROVIDERS_GITLAB_PROJECT, status: 'success' },
  gate: { name: PROVIDERS_GATE, attempt: PROVIDERS_JENKINS_RESULTS.length },
  environment: DEMO_STAGING,
};

/** The GitLab project's jobs, by stage. */
const MOBILE_JOBS = [
  { name: 'assemble', stage: 'build' },
  { name: 'ui-tests', stage: 'test' },
];

/** `.github/shipgate.yml` of `acme/shop` in this story. */
export const PROVIDERS_CONFIG = `# shipgate pipelines of acme/shop: one pipeline on GitHub Actions, Jenkins and GitLab CI
version: 1
defaults:
  timeout: 20m
pipelines:
  ${PROVIDERS_PIPELINE}:
    on:
      push:
        branches: [main]
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: web } }
      verify:
        needs: [build]
        jobs:
          legacy:
            jenkins: { job: ${PROVIDERS_JENKINS_JOB}, parameters: { SUITE: regression, BRANCH: '\${{ shipgate.branch }}' } }
            retries: 1
          mobile:
            gitlab: { project: ${PROVIDERS_GITLAB_PROJECT}, variables: { FLAVOR: release } }
      deploy-staging:
        needs: [verify]
        environment: ${DEMO_STAGING}
        jobs:
          deploy: { workflow: deploy.yml, inputs: { environment: staging } }
    gates:
      - { name: ${PROVIDERS_GATE}, type: junit, job: legacy, artifact: ${PROVIDERS_REPORTS}, max-failures: 0 }
environments:
  ${DEMO_STAGING}:
    branches: [main]
    url: ${DEMO_STAGING_URL}
`;

/** How long each piece takes in simulated time, before `speed` divides it. */
export const PROVIDERS_DURATIONS_MS = {
  'build.yml': 40_000,
  /** A Jenkins build's wait in the queue for an executor. */
  jenkinsQueue: 3_000,
  jenkinsBuild: 45_000,
  /** A GitLab pipeline's time `pending` before its first job runs. */
  gitlabQueue: 2_000,
  gitlabPipeline: 50_000,
  'deploy.yml': 30_000,
} as const;

/** shipgate's retry backoff of a failed job (SPEC §3: 30 s); the demo divides it by `speed` like the CI systems' time. */
export const PROVIDERS_RETRY_BASE_MS = 30_000;

/** The app's retry backoff at `speed`: the 30 s base, sped up like the CI systems (at least 100 ms). */
export function providersRetryBaseMs(speed: number): number {
  return Math.max(100, Math.round(PROVIDERS_RETRY_BASE_MS / speed));
}

/** A simulated duration at `speed`, in real ms (the Jenkins and GitLab simulators run on the demo's clock unsped). */
export function atSpeed(ms: number, speed: number): number {
  return Math.round(ms / speed);
}

/**
 * The real time the scripted story takes at `speed`: the build, then the
 * longer of the Jenkins job (two builds with the retry backoff between) and
 * the GitLab pipeline, then the deploy.
 */
export function providersCriticalPathMs(speed: number): number {
  const d = PROVIDERS_DURATIONS_MS;
  const jenkins = PROVIDERS_JENKINS_RESULTS.length * (d.jenkinsQueue + d.jenkinsBuild) + PROVIDERS_RETRY_BASE_MS;
  const gitlab = d.gitlabQueue + d.gitlabPipeline;
  return (d['build.yml'] + Math.max(jenkins, gitlab) + d['deploy.yml']) / speed;
}

/** The legacy regression suite Jenkins runs; `refunds a partial order` fails on the first build (the payment sandbox answered 502). */
function legacyTests(attempt: number): TestFile {
  const refund = {
    name: 'refunds a partial order',
    line: 31,
    seconds: 2.4,
    ...(attempt === 1
      ? { failure: { message: 'expected status 200, got 502 from the payment sandbox', stack: 'AssertionError: expected status 200, got 502 from the payment sandbox\n    at legacy/orders.spec.js:38:7' } }
      : {}),
  };
  return {
    path: 'legacy/orders.spec.js',
    describe: 'orders',
    cases: [
      { name: 'places an order', line: 8, seconds: 1.2 },
      { name: 'cancels an order', line: 19, seconds: 0.9 },
      refund,
      { name: 'exports the invoice', line: 44, seconds: 0.6 },
    ],
  };
}

/** The JUnit report the Jenkins job archives under `reports/`, for its `attempt`th build. */
export function legacyJunitReport(attempt: number): string {
  return junitReport([legacyTests(attempt)], attempt === 1 ? '2026-12-01T10:00:00' : '2026-12-01T10:05:00');
}

/** The three simulators of the story. */
export interface ProvidersWorld {
  sim: GitHubSimulator;
  jenkins: JenkinsSimulator;
  gitlab: GitLabSimulator;
}

/**
 * Creates `acme` (the app installed) and `acme/shop` with this story's config
 * and workflows, each workflow run scripted to succeed; the Jenkins job
 * (declaring `SHIPGATE_RUN`, `SHIPGATE_SHA` and its parameters) with its two
 * builds scripted; the GitLab project with its pipeline scripted to succeed.
 */
export function setUpProvidersWorld(world: ProvidersWorld, speed: number): void {
  const { sim, jenkins, gitlab } = world;
  const d = PROVIDERS_DURATIONS_MS;
  sim.org(DEMO_ORG, { members: { [DEMO_PUSHER]: 'admin' } });
  sim.repo({
    owner: DEMO_ORG,
    name: DEMO_REPO.split('/')[1] ?? 'shop',
    description: 'The acme web shop',
    files: {
      'README.md': '# shop\n\nThe acme web shop.\n',
      'src/cart.ts': 'export const cart: string[] = [];\n',
      '.github/shipgate.yml': PROVIDERS_CONFIG,
      '.github/workflows/build.yml': workflowFile('build', { target: 'what to build' }, ['npm ci', 'npm run build -- --target "${{ inputs.target }}"']),
      '.github/workflows/deploy.yml': workflowFile('deploy', { environment: 'where to deploy', deployment_id: 'the GitHub deployment to report to' }, [
        './scripts/deploy.sh "${{ inputs.environment }}" "${{ inputs.sha }}" "${{ inputs.deployment_id }}"',
      ]),
    },
  });
  for (const workflow of PROVIDERS_WORKFLOWS) {
    const durationMs = workflow === 'build.yml' ? d['build.yml'] : d['deploy.yml'];
    sim.scripts.workflow({ repo: DEMO_REPO, workflow, attempts: [{ conclusion: 'success', durationMs }] });
  }

  jenkins.job(PROVIDERS_JENKINS_JOB, { parameters: ['SHIPGATE_RUN', 'SHIPGATE_SHA', 'SUITE', 'BRANCH'] });
  jenkins.script(
    PROVIDERS_JENKINS_JOB,
    PROVIDERS_JENKINS_RESULTS.map((result, index) => ({
      result,
      queueMs: atSpeed(d.jenkinsQueue, speed),
      durationMs: atSpeed(d.jenkinsBuild, speed),
      artifacts: { [`${PROVIDERS_REPORTS}/junit.xml`]: legacyJunitReport(index + 1) },
    })),
  );

  gitlab.project({ path: PROVIDERS_GITLAB_PROJECT, jobs: MOBILE_JOBS });
  gitlab.script(PROVIDERS_GITLAB_PROJECT, [{ status: 'success', queueMs: atSpeed(d.gitlabQueue, speed), durationMs: atSpeed(d.gitlabPipeline, speed) }]);
}

/** The push that starts the story: one commit to `main`. */
export function pushForProviders(sim: GitHubSimulator) {
  return sim.push({
    repo: DEMO_REPO,
    branch: 'main',
    author: DEMO_PUSHER,
    message: 'Refund partial orders through the new payment API',
    files: { 'src/refunds.ts': 'export const refund = (cents: number) => ({ cents, partial: true });\n' },
  });
}
