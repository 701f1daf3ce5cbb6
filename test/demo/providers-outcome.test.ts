import { describe, expect, it } from 'vitest';
import { judgeProvidersStory, type ProvidersObservations } from '../../src/demo/providers-outcome.ts';
import { PROVIDERS_SCRIPT } from '../../src/demo/providers-story.ts';
import type { RecordedJobAttempt } from '../../src/demo/job-attempts.ts';

const LEGACY_1 = 'sg-1-verify-legacy-1-0123456789abcdef';
const LEGACY_2 = `${LEGACY_1}.r2`;
const MOBILE_1 = 'sg-1-verify-mobile-1-fedcba9876543210';

function attempt(stage: string, job: string, n: number, provider: string, correlationId: string, conclusion: string): RecordedJobAttempt {
  return { stage, job, attempt: n, provider, correlationId, status: 'completed', conclusion, htmlUrl: null };
}

/** What the story observes when it goes as scripted. */
function asScripted(): ProvidersObservations {
  return {
    pipelineConclusion: 'success',
    stages: { build: 'success', verify: 'success', 'deploy-staging': 'success' },
    checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' }, shipgate: { status: 'completed', conclusion: 'success' } },
    dispatchedWorkflows: ['build.yml', 'deploy.yml'],
    attempts: [
      attempt('build', 'app', 1, 'actions', 'sg-1-build-app-1-1111111111111111', 'success'),
      attempt('verify', 'legacy', 1, 'jenkins', LEGACY_1, 'failure'),
      attempt('verify', 'legacy', 2, 'jenkins', LEGACY_2, 'success'),
      attempt('verify', 'mobile', 1, 'gitlab', MOBILE_1, 'success'),
    ],
    jenkinsBuilds: [
      { number: 1, building: false, result: 'UNSTABLE', correlation: LEGACY_1 },
      { number: 2, building: false, result: 'SUCCESS', correlation: LEGACY_2 },
    ],
    gitlabPipelines: [{ id: 5001, status: 'success', correlation: MOBILE_1 }],
    gateEvaluations: [{ gate: 'legacy-tests', attempt: 2, status: 'completed', result: 'pass', measured: '0 failed of 4' }],
    deployments: [{ id: 1, environment: 'staging', sha: 'a'.repeat(40), source: 'stage', status: 'succeeded', rollbackOf: null, githubDeploymentId: 500000, path: ['requested', 'deploying', 'succeeded'], reasons: [], deployingAt: 1 }],
    hooks: {
      jenkins: [202, 202, 202, 202].map((status) => ({ status, error: undefined })),
      gitlab: [200, 200, 200].map((status) => ({ status, error: undefined, dropped: false })),
    },
    violations: [],
  };
}

describe('judgeProvidersStory', () => {
  it('accepts the story as scripted: two Jenkins builds (UNSTABLE, then SUCCESS), one GitLab pipeline, the gate passed on attempt 2, green', () => {
    expect(judgeProvidersStory(PROVIDERS_SCRIPT, asScripted())).toEqual({ ok: true });
  });

  it.each<[string, (seen: ProvidersObservations) => ProvidersObservations, string]>([
    [
      'a second build for one attempt (a start sent twice)',
      (seen) => ({ ...seen, jenkinsBuilds: [...seen.jenkinsBuilds, { number: 3, building: false, result: 'SUCCESS', correlation: LEGACY_2 }] }),
      `attempt 2 of verify/legacy started 2 Jenkins builds (SHIPGATE_RUN=${LEGACY_2}), expected exactly one`,
    ],
    [
      'no retry: one attempt, one build',
      (seen) => ({ ...seen, attempts: seen.attempts.filter((a) => a.correlationId !== LEGACY_2), jenkinsBuilds: seen.jenkinsBuilds.slice(0, 1) }),
      'verify/legacy has 1 attempt, expected 2 (UNSTABLE, then SUCCESS on its automatic retry)',
    ],
    [
      'a build that belongs to no attempt',
      (seen) => ({ ...seen, jenkinsBuilds: [...seen.jenkinsBuilds, { number: 3, building: false, result: 'SUCCESS', correlation: undefined }] }),
      'Jenkins build #3 of platform/legacy-tests belongs to no attempt of verify/legacy (SHIPGATE_RUN=none)',
    ],
    [
      'the first build passing instead of UNSTABLE',
      (seen) => ({ ...seen, jenkinsBuilds: seen.jenkinsBuilds.map((b) => (b.number === 1 ? { ...b, result: 'SUCCESS' } : b)) }),
      'Jenkins build #1 of platform/legacy-tests (attempt 1) ended SUCCESS, expected UNSTABLE',
    ],
    [
      'two GitLab pipelines',
      (seen) => ({ ...seen, gitlabPipelines: [...seen.gitlabPipelines, { id: 5002, status: 'success', correlation: MOBILE_1 }] }),
      'GitLab ran 2 pipelines of acme/mobile, expected exactly one',
    ],
    [
      'a failed GitLab pipeline',
      (seen) => ({ ...seen, gitlabPipelines: [{ id: 5001, status: 'failed', correlation: MOBILE_1 }] }),
      'GitLab pipeline 5001 of acme/mobile is failed, expected success',
    ],
    [
      'the gate judged on attempt 1 only',
      (seen) => ({ ...seen, gateEvaluations: [{ gate: 'legacy-tests', attempt: 1, status: 'completed', result: 'fail', measured: '1 failed of 4' }] }),
      'gate legacy-tests was not evaluated on attempt 2 (only on attempt 1)',
    ],
    [
      'the gate failing on attempt 2',
      (seen) => ({ ...seen, gateEvaluations: [{ gate: 'legacy-tests', attempt: 2, status: 'completed', result: 'fail', measured: '1 failed of 4' }] }),
      'gate legacy-tests is fail (1 failed of 4) on attempt 2, expected pass',
    ],
    [
      'a red pipeline check run',
      (seen) => ({ ...seen, checkRuns: { ...seen.checkRuns, 'shipgate/ci': { status: 'completed', conclusion: 'failure' } } }),
      'check run shipgate/ci is completed/failure, expected completed/success',
    ],
    [
      'a hook the app refused',
      (seen) => ({ ...seen, hooks: { ...seen.hooks, gitlab: [{ status: 401, error: undefined, dropped: false }] } }),
      '1 GitLab pipeline hook got no 2xx answer from the app: 401',
    ],
    ['no Notification plugin post', (seen) => ({ ...seen, hooks: { ...seen.hooks, jenkins: [] } }), 'the Jenkins Notification plugin posted nothing to the app'],
    ['no staging deployment', (seen) => ({ ...seen, deployments: [] }), 'staging has 0 deployment requests, expected one from the pipeline'],
    ['Actions dispatching deploy.yml twice', (seen) => ({ ...seen, dispatchedWorkflows: ['build.yml', 'deploy.yml', 'deploy.yml'] }), 'GitHub Actions dispatched build.yml, deploy.yml, deploy.yml, expected build.yml then deploy.yml'],
    ['the story running out of time', (seen) => ({ ...seen, unfinished: 'the story did not end within 80 s', pipelineConclusion: undefined }), 'the pipeline run did not complete'],
  ])('fails the story on %s', (_, change, problem) => {
    const outcome = judgeProvidersStory(PROVIDERS_SCRIPT, change(asScripted()));
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.problems).toContain(problem);
  });

  it('says only that it was interrupted when the user stopped it', () => {
    expect(judgeProvidersStory(PROVIDERS_SCRIPT, { ...asScripted(), interrupted: true, pipelineConclusion: undefined })).toEqual({ ok: false, problems: ['interrupted before the story ended'] });
  });
});
