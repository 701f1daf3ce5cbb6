/**
 * The demo's scripted world: the organisation, the repository with its
 * `.github/shipgate.yml` and workflow files, and how long each workflow run
 * takes (in simulated GitHub time, before the simulator's `speed` divides it).
 */
import { approvalMarker } from '../deploy/approval-comment.ts';
import { REACTION_POLL_DELAYS_MS } from '../deploy/approval-requests.ts';
import { parseDuration } from '../repo-config/duration.ts';
import type { ArtifactScript, GitHubSimulator, IssueComment } from '../sim/index.ts';
import type { ApprovalScript } from './outcome.ts';
import { DEMO_ARTIFACTS, mainTestArtifacts, pullRequestTestArtifacts, scanArtifacts } from './reports.ts';

/** The organisation that installed the app. */
export const DEMO_ORG = 'acme';
/** The repository the story plays in (`owner/name`). */
export const DEMO_REPO = 'acme/shop';
/** The developer who pushes. */
export const DEMO_PUSHER = 'alice';
/** The pipeline of the story. */
export const DEMO_PIPELINE = 'ci';
/** The head branch of the story's pull request, where `test.yml` fails once (a test times out: the `tests` gate fails). */
export const DEMO_PR_BRANCH = 'cart-total';
/** Who opens the pull request (a member with write access) and comments `/retry`. */
export const DEMO_PR_AUTHOR = 'bob';
/** The release manager (an admin): merges the pull request, deploys production, locks it, rolls it back (and may not approve her own deployments). */
export const DEMO_RELEASE_MANAGER = DEMO_PUSHER;
/** An approver of production named in `approvers` (write access): approves both releases with a `/approve` comment. */
export const DEMO_APPROVER = 'carol';
/** The team whose active members approve production (`@acme/release-managers` in `approvers`). */
export const DEMO_APPROVER_TEAM = 'release-managers';
/** An active member of {@link DEMO_APPROVER_TEAM} (read access): approves the first release with 👍 on the request comment, the second with `/approve`. */
export const DEMO_TEAM_APPROVER = 'dave';
/** Distinct approvals a production deployment needs. */
export const DEMO_APPROVALS = 2;
/**
 * Production's wait timer after the last approval. The app keeps real time
 * (only the workflow runs' durations are divided by `speed`), so the timer is
 * a few real seconds, short enough for the story.
 */
export const DEMO_WAIT = '5s';
/** How long an approval request of production stays open. */
export const DEMO_APPROVAL_TIMEOUT = '24h';
/** The environment the pipeline deploys to from `main`. */
export const DEMO_STAGING = 'staging';
/** The environment the release manager deploys to with `/deploy`. */
export const DEMO_PRODUCTION = 'production';
/** Where production lives (its deployments' `environment_url`). */
export const DEMO_PRODUCTION_URL = 'https://shop.example.com';
/** Where staging lives. */
export const DEMO_STAGING_URL = 'https://staging.shop.example.com';
/** Why the release manager locks production while the release goes out. */
export const DEMO_LOCK_REASON = 'release in progress';
/** The title of the issue the release is run from. */
export const DEMO_RELEASE_TITLE = 'Release: cart total';

/** `.github/shipgate.yml` of `acme/shop`. */
export const DEMO_CONFIG = `# shipgate pipelines of acme/shop
version: 1
defaults:
  timeout: 20m
pipelines:
  ci:
    on:
      push:
        branches: [main, 'release/**']
        paths-ignore: ['docs/**']
      pull_request:
        branches: [main]
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: web } }
      test:
        needs: [build]
        jobs:
          unit: { workflow: test.yml }
      scan:
        needs: [build]
        jobs:
          sast: { workflow: scan.yml }
      deploy-staging:
        needs: [test, scan]
        if: \${{ shipgate.branch == 'main' }}
        environment: ${DEMO_STAGING}
        jobs:
          deploy: { workflow: deploy.yml, inputs: { environment: staging } }
    gates:
      - { name: coverage, type: coverage, job: unit, artifact: ${DEMO_ARTIFACTS.coverage}, min: 80 }
      - { name: tests, type: junit, job: unit, artifact: ${DEMO_ARTIFACTS.junit}, max-failures: 0 }
      - { name: vulnerabilities, type: sarif, job: sast, artifact: ${DEMO_ARTIFACTS.sarif}, max: { error: 0, warning: 5 } }
environments:
  ${DEMO_STAGING}:
    branches: [main]
    url: ${DEMO_STAGING_URL}
  ${DEMO_PRODUCTION}:
    branches: [main]
    workflow: deploy.yml
    url: ${DEMO_PRODUCTION_URL}
    approvals: ${DEMO_APPROVALS}
    approvers: [${DEMO_APPROVER}, '@${DEMO_ORG}/${DEMO_APPROVER_TEAM}']
    wait: ${DEMO_WAIT}
    approval-timeout: ${DEMO_APPROVAL_TIMEOUT}
`;

/** The gates of `ci`, in the order the config declares them. */
export const DEMO_GATES: readonly string[] = ['coverage', 'tests', 'vulnerabilities'];
/** The gate of `ci` that reads the JUnit report: it fails on the pull request's first attempt. */
export const DEMO_TESTS_GATE = 'tests';

/** The stages of `ci`, in the order the config declares them. */
export const DEMO_CONFIG_STAGES: readonly string[] = ['build', 'test', 'scan', 'deploy-staging'];

/** An `actions/upload-artifact` step of a workflow: the artifact's name and the path it uploads. */
export interface UploadStep {
  artifact: string;
  path: string;
}

/** A dispatchable workflow, named by shipgate's correlation id as SPEC §5 advises; `uploads` run even when a step failed. */
export function workflowFile(name: string, inputs: Record<string, string>, steps: string[], uploads: readonly UploadStep[] = []): string {
  const declared = { shipgate_run: 'shipgate correlation id', sha: 'commit to build', ...inputs };
  return [
    `name: ${name}`,
    'run-name: ${{ inputs.shipgate_run }}',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    ...Object.entries(declared).flatMap(([input, description]) => [
      `      ${input}:`,
      `        description: ${description}`,
      '        required: false',
      '        type: string',
    ]),
    'jobs:',
    `  ${name}:`,
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with: { ref: "${{ inputs.sha }}" }',
    ...steps.map((step) => `      - run: ${step}`),
    ...uploads.flatMap((upload) => [
      '      - uses: actions/upload-artifact@v4',
      '        if: ${{ !cancelled() }}',
      `        with: { name: ${upload.artifact}, path: ${upload.path} }`,
    ]),
    '',
  ].join('\n');
}

/** The repository's files at its first commit. */
export function demoRepositoryFiles(): Record<string, string> {
  return {
    'README.md': '# shop\n\nThe acme web shop.\n',
    'package.json': '{ "name": "shop", "private": true }\n',
    'src/cart.ts': 'export const cart: string[] = [];\n',
    '.github/shipgate.yml': DEMO_CONFIG,
    '.github/workflows/build.yml': workflowFile('build', { target: 'what to build' }, ['npm ci', 'npm run build -- --target "${{ inputs.target }}"']),
    '.github/workflows/test.yml': workflowFile('test', {}, ['npm ci', 'npx vitest run --coverage --coverage.reporter=lcov --reporter=default --reporter=junit --outputFile.junit=reports/junit.xml'], [
      { artifact: DEMO_ARTIFACTS.coverage, path: 'coverage/lcov.info' },
      { artifact: DEMO_ARTIFACTS.junit, path: 'reports/junit.xml' },
    ]),
    '.github/workflows/scan.yml': workflowFile('scan', {}, ['pipx run semgrep scan --config auto --sarif --output semgrep.sarif'], [{ artifact: DEMO_ARTIFACTS.sarif, path: 'semgrep.sarif' }]),
    '.github/workflows/deploy.yml': workflowFile('deploy', { environment: 'where to deploy', deployment_id: 'the GitHub deployment to report to' }, [
      './scripts/deploy.sh "${{ inputs.environment }}" "${{ inputs.sha }}" "${{ inputs.deployment_id }}"',
    ]),
  };
}

/** How long each workflow run takes on the simulated GitHub, before `speed` divides it. */
export const DEMO_DURATIONS_MS: Readonly<Record<string, number>> = {
  'build.yml': 40_000,
  'test.yml': 90_000,
  'scan.yml': 60_000,
  'deploy.yml': 45_000,
};

/** The workflows in the order the story dispatches them: one list per wave. */
export const DEMO_DISPATCH_WAVES: readonly (readonly string[])[] = [['build.yml'], ['test.yml', 'scan.yml'], ['deploy.yml']];

/**
 * The real time the scripted story takes at `speed`. The workflow runs take
 * GitHub time, which `speed` divides: the longest path through the push's
 * waves, then the pull request's (build, test failing, test again after
 * `/retry`; no staging deploy for a pull request), then the release:
 * production deploys `main`, the merge's pipeline runs every wave again
 * (staging included) while production's next request waits for it, that
 * request deploys, and the rollback deploys once more. The approvals run on
 * the app's own clock, which `speed` does not shorten: the first release's
 * 👍 counts at the first poll of the request comment's reactions, and each of
 * the two approved releases waits for production's wait timer (the rollback
 * waits for neither).
 */
export function demoCriticalPathMs(speed: number): number {
  const push = DEMO_DISPATCH_WAVES.reduce((total, wave) => total + Math.max(...wave.map((workflow) => DEMO_DURATIONS_MS[workflow] ?? 0)), 0);
  const test = DEMO_DURATIONS_MS['test.yml'] ?? 0;
  const pullRequest = (DEMO_DURATIONS_MS['build.yml'] ?? 0) + 2 * Math.max(test, DEMO_DURATIONS_MS['scan.yml'] ?? 0);
  const deploy = DEMO_DURATIONS_MS['deploy.yml'] ?? 0;
  const release = deploy + push + deploy + deploy;
  const approvals = REACTION_POLL_DELAYS_MS[0] + 2 * parseDuration(DEMO_WAIT);
  return (push + pullRequest + release) / speed + approvals;
}

/**
 * Creates `acme` (the app installed, with the release managers' team) and
 * `acme/shop` (production's approvers can read it), and scripts every
 * workflow run to succeed, except the pull request's first `test.yml`
 * attempt: a test times out, and its re-run succeeds. `test.yml` uploads
 * coverage (LCOV) and test results (JUnit), `scan.yml` a SARIF log, for the
 * gates of `ci` (`src/demo/reports.ts`).
 */
export function setUpDemoWorld(sim: GitHubSimulator): void {
  sim.org(DEMO_ORG, {
    members: { [DEMO_PUSHER]: 'admin', [DEMO_PR_AUTHOR]: 'member', [DEMO_APPROVER]: 'member', [DEMO_TEAM_APPROVER]: 'member' },
    teams: { [DEMO_APPROVER_TEAM]: [DEMO_TEAM_APPROVER] },
  });
  sim.repo({ owner: DEMO_ORG, name: DEMO_REPO.split('/')[1] ?? 'shop', description: 'The acme web shop', files: demoRepositoryFiles() });
  sim.setPermission(DEMO_REPO, DEMO_PR_AUTHOR, 'write');
  sim.setPermission(DEMO_REPO, DEMO_APPROVER, 'write');
  sim.setPermission(DEMO_REPO, DEMO_TEAM_APPROVER, 'read');
  const uploads: Readonly<Record<string, () => ArtifactScript[]>> = { 'test.yml': mainTestArtifacts, 'scan.yml': scanArtifacts };
  for (const [workflow, durationMs] of Object.entries(DEMO_DURATIONS_MS)) {
    const artifacts = uploads[workflow]?.();
    sim.scripts.workflow({ repo: DEMO_REPO, workflow, attempts: [{ conclusion: 'success', durationMs, ...(artifacts ? { artifacts } : {}) }] });
  }
  const testMs = DEMO_DURATIONS_MS['test.yml'] ?? 30_000;
  sim.scripts.workflow({
    repo: DEMO_REPO,
    workflow: 'test.yml',
    when: { ref: DEMO_PR_BRANCH },
    attempts: [
      { conclusion: 'failure', durationMs: testMs, artifacts: pullRequestTestArtifacts(1) },
      { conclusion: 'success', durationMs: testMs, artifacts: pullRequestTestArtifacts(2) },
    ],
  });
}

/** The push that starts the story: one commit to `main`. */
export function pushToMain(sim: GitHubSimulator) {
  return sim.push({
    repo: DEMO_REPO,
    branch: 'main',
    author: DEMO_PUSHER,
    message: 'Show the cart total in the header',
    files: { 'src/cart.ts': 'export const cart: string[] = [];\nexport const total = (prices: number[]) => prices.reduce((a, b) => a + b, 0);\n' },
  });
}

/** The pull request of the story's second part: a change to the cart on its own branch. */
export function openDemoPullRequest(sim: GitHubSimulator) {
  return sim.openPullRequest({
    repo: DEMO_REPO,
    head: DEMO_PR_BRANCH,
    author: DEMO_PR_AUTHOR,
    title: 'Round the cart total to cents',
    files: { 'src/cart.ts': 'export const cart: string[] = [];\nexport const total = (prices: number[]) => Math.round(prices.reduce((a, b) => a + b, 0) * 100) / 100;\n' },
  });
}

/** The comment that asks shipgate to re-run the pull request's failed job. */
export function commentRetry(sim: GitHubSimulator, pullNumber: number) {
  return sim.comment({ repo: DEMO_REPO, issue: pullNumber, body: '/retry', author: DEMO_PR_AUTHOR });
}

/** The release manager merges the story's pull request: the merge commit is pushed to `main`. */
export function mergeDemoPullRequest(sim: GitHubSimulator, pullNumber: number): string {
  sim.closePullRequest({ repo: DEMO_REPO, number: pullNumber, merge: true, author: DEMO_RELEASE_MANAGER });
  const sha = sim.refSha(DEMO_REPO, 'main');
  if (sha === undefined) throw new Error(`${DEMO_REPO} has no main branch after the merge`);
  return sha;
}

/** The issue the release manager runs the release from (comments there deploy the default branch's head). */
export function openReleaseIssue(sim: GitHubSimulator) {
  return sim.openIssue({ repo: DEMO_REPO, title: DEMO_RELEASE_TITLE, body: 'Ship the cart total to production.', author: DEMO_RELEASE_MANAGER });
}

/** The release manager's comments on the release issue, in the order the story posts them. */
export const DEMO_RELEASE_COMMENTS = {
  /** The first release: `main` as it is (the push of part one). */
  deployFirst: `/deploy ${DEMO_PRODUCTION}`,
  /** After the merge: lock production for the release, then ask for the merge commit (it waits for its pipeline). */
  lockAndDeploy: `/lock ${DEMO_PRODUCTION} "${DEMO_LOCK_REASON}"\n/deploy ${DEMO_PRODUCTION}`,
  unlock: `/unlock ${DEMO_PRODUCTION}`,
  /** Something is wrong with the release: back to the commit production ran before (no approvals, no wait timer). */
  rollback: `/rollback ${DEMO_PRODUCTION}`,
} as const;

/** What an approver comments on the release issue to approve production's deployment waiting there. */
export const DEMO_APPROVE_COMMENT = `/approve ${DEMO_PRODUCTION}`;

/**
 * Who approves each production `/deploy` of the release, and how: the first
 * with one `/approve` (carol) and one 👍 on the request comment (dave, for
 * his team); the merge commit's, quickly, with two `/approve` comments.
 */
export const DEMO_RELEASE_APPROVALS: ApprovalScript = {
  required: DEMO_APPROVALS,
  waitMs: parseDuration(DEMO_WAIT),
  first: [
    { approver: DEMO_APPROVER, via: 'command' },
    { approver: DEMO_TEAM_APPROVER, via: 'reaction' },
  ],
  merge: [
    { approver: DEMO_APPROVER, via: 'command' },
    { approver: DEMO_TEAM_APPROVER, via: 'command' },
  ],
};

/** A comment on the release issue: the release manager's by default, or an approver's. */
export function commentOnRelease(sim: GitHubSimulator, issue: number, body: string, author: string = DEMO_RELEASE_MANAGER) {
  return sim.comment({ repo: DEMO_REPO, issue, body, author });
}

/** The app's approval request comment of request `requestId` on the release issue, found by its hidden marker (undefined: not written yet). */
export function findApprovalComment(sim: GitHubSimulator, issue: number, requestId: number): IssueComment | undefined {
  const marker = approvalMarker(requestId);
  return sim.comments(DEMO_REPO, issue).find((comment) => comment.app?.id === sim.app.id && comment.body.includes(marker));
}

/** An approver reacts 👍 to the app's approval request comment (GitHub sends no webhook: the app polls the reactions). */
export function approveByReaction(sim: GitHubSimulator, commentId: number, user: string) {
  return sim.react({ repo: DEMO_REPO, commentId, content: '+1', user });
}
