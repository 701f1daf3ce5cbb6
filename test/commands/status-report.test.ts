import { describe, expect, it } from 'vitest';
import type { GateView, PipelineRunView } from '../../src/engine/check-output.ts';
import { reason } from '../../src/engine/reasons.ts';
import type { Deployment } from '../../src/store/schema/index.ts';
import {
  gatesLine,
  MAX_QUEUE_ENTRIES,
  renderStatusReport,
  statusDeployments,
  statusLock,
  statusQueue,
  toStatusDeployment,
  type StatusEnvironment,
} from '../../src/commands/status-report.ts';
import { approvalsLine } from '../../src/commands/status-report.ts';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const NOW = new Date('2026-12-01T10:00:00Z');
const at = (s: number) => new Date(NOW.getTime() - s * 1000);

function view(over: Partial<PipelineRunView>): PipelineRunView {
  return { id: 7, pipeline: 'ci', status: 'completed', conclusion: 'success', error: null, waitingFor: null, createdAt: at(300), startedAt: at(250), completedAt: at(10), stages: [], ...over };
}

describe('renderStatusReport', () => {
  it('says that nothing ran on the commit', () => {
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [], now: NOW });
    expect(text).toContain('### shipgate status of #4 at `abcdef0`');
    expect(text).toContain('No pipeline has run on `abcdef0`');
  });

  it('lists stages and only the failed jobs, with links, attempts and errors', () => {
    const failed = view({
      conclusion: 'failure',
      stages: [
        {
          id: 'test',
          status: 'completed',
          conclusion: 'failure',
          reason: null,
          startedAt: at(200),
          completedAt: at(20),
          jobs: [
            { job: 'unit', attempt: 1, status: 'completed', conclusion: 'success', htmlUrl: 'https://x/runs/1', error: null, startedAt: null, completedAt: null },
            { job: 'lint', attempt: 2, status: 'completed', conclusion: 'failure', htmlUrl: 'https://x/runs/2', error: 'exit\ncode 1', startedAt: null, completedAt: null },
          ],
        },
        { id: 'deploy', status: 'skipped', conclusion: null, reason: 'test failed', startedAt: null, completedAt: null, jobs: [] },
      ],
    });
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [{ view: failed, trigger: 'pull_request', earlier: 2 }], now: NOW });
    expect(text).toContain('**ci** — run #7 (pull_request, 2 earlier runs): ❌ failure in 4m 0s');
    expect(text).toContain('- stages: test ❌ failure · deploy ⏭️ skipped');
    expect(text).toContain('- failed: [test/lint](https://x/runs/2) (failure, attempt 2): exit code 1');
    expect(text).not.toContain('test/unit');
  });

  it('says why a run waits and who allowed a fork', () => {
    const waiting = view({ status: 'queued', conclusion: null, startedAt: null, completedAt: null, waitingFor: 'waits for /ok-to-test', allowedBy: 'alice' });
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [{ view: waiting, trigger: 'manual', earlier: 0 }], now: NOW });
    expect(text).toContain('**ci** — run #7 (manual): ⏳ waiting in 5m 0s');
    expect(text).toContain('- waiting: waits for /ok-to-test');
    expect(text).toContain('- allowed by @alice with `/ok-to-test`');
  });
});

const OTHER = '1234567890abcdef1234567890abcdef12345678';

function row(over: Partial<Deployment>): Deployment {
  return {
    id: 1,
    installation_id: 5,
    owner: 'acme',
    repo: 'api',
    environment: 'production',
    ref: 'topic',
    issue_number: null,
    sha: SHA,
    pr_number: 4,
    source: 'command',
    github_deployment_id: null,
    pipeline_run_id: 9,
    stage_run_id: null,
    stage: 'deploy',
    requested_by: 'alice',
    status: 'requested',
    reason: null,
    rollback_of: null,
    github_state: null,
    workflow_run_id: null,
    log_url: null,
    created_at: at(120),
    updated_at: at(60),
    started_at: null,
    completed_at: null,
    ref_branches: ['topic'],
    policy: {},
    succeeded_at: null,
    ...over,
  };
}

const gate = (over: Partial<GateView>): GateView => ({
  name: 'coverage',
  job: 'unit',
  result: 'pass',
  measured: '86%',
  threshold: '≥ 80%',
  baseline: null,
  detail: null,
  runUrl: null,
  untrusted: false,
  override: null,
  findings: [],
  evaluatedAt: null,
  rowId: null,
  ...over,
});

describe('gates in the status report', () => {
  it('sums up the gates of each pipeline on one line, in config order', () => {
    const gated = view({ gates: [gate({}), gate({ name: 'tests', result: 'fail' }), gate({ name: 'sarif', result: 'overridden', override: { actor: 'carol', reason: 'known' } })] });
    expect(gatesLine(gated)).toBe('gates: coverage ✅ pass, tests ❌ fail, sarif 🟡 overridden by @carol');
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [{ view: gated, trigger: 'push', earlier: 0 }], now: NOW });
    expect(text).toContain('- gates: coverage ✅ pass, tests ❌ fail, sarif 🟡 overridden by @carol');
  });

  it('has no gates line for a pipeline without gates', () => {
    expect(gatesLine(view({}))).toBeNull();
    expect(gatesLine(view({ gates: [] }))).toBeNull();
    expect(renderStatusReport({ pr: 4, sha: SHA, runs: [{ view: view({}), trigger: 'push', earlier: 0 }], now: NOW })).not.toContain('gates:');
  });
});

describe('deployments in the status report', () => {
  it('keeps the newest request of each environment, in name order, and counts the older ones', () => {
    const rows = [
      row({ id: 12, environment: 'staging', status: 'succeeded', github_deployment_id: 901 }),
      row({ id: 11, environment: 'production', status: 'cancelled', reason: { ...reason('deploy.superseded', { newer: 13 }) } }),
      row({ id: 13, environment: 'production', status: 'queued', reason: { ...reason('deploy.queued', { environment: 'production', position: 2, ahead: [10] }) } }),
      row({ id: 10, environment: 'production', status: 'refused' }),
    ];
    const { deployments, earlier } = statusDeployments(rows);
    expect(deployments.map((d) => [d.environment, d.id])).toEqual([
      ['production', 13],
      ['staging', 12],
    ]);
    expect(earlier).toEqual({ production: 2 });
    expect(deployments[0]?.reason).toBe("number 2 in production's queue, behind deployment #10");
    expect(statusDeployments([])).toEqual({ deployments: [], earlier: {} });
  });

  it('renders a stored reason as its sentence, and nothing for a row without a known code', () => {
    expect(toStatusDeployment(row({ reason: { ...reason('deploy.job-failed', { conclusion: 'failure' }) } })).reason).toBe('the deploy job ended failure');
    expect(toStatusDeployment(row({ reason: { code: 'deploy.no-such-code' } })).reason).toBeNull();
    expect(toStatusDeployment(row({ reason: null })).reason).toBeNull();
  });

  it('lists each request with environment, id, status and why, and the GitHub deployment once there is one', () => {
    const { deployments, earlier } = statusDeployments([
      row({ id: 13, environment: 'production', status: 'waiting', reason: { ...reason('deploy.pipelines-running', { sha: SHA, pipelines: ['ci'] }) } }),
      row({ id: 12, environment: 'staging', status: 'succeeded', source: 'stage', requested_by: 'bob', github_deployment_id: 901, log_url: 'https://x/actions/runs/77' }),
      row({ id: 14, environment: 'qa', status: 'deploying', source: 'rollback', rollback_of: 8, github_deployment_id: 902 }),
    ]);
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [], deployments, earlierDeployments: earlier, now: NOW });
    expect(text).toContain('No pipeline has run on `abcdef0`');
    expect(text).toContain('#### Deployments of `abcdef0`');
    expect(text).toContain('- **production** — request #13 (`/deploy` by @alice): ⏳ waiting: waiting for the pipelines of abcdef0 to finish (ci) · no GitHub deployment yet');
    expect(text).toContain('- **staging** — request #12 (a pipeline stage by @bob): ✅ succeeded · GitHub deployment 901 · [workflow run](https://x/actions/runs/77)');
    expect(text).toContain('- **qa** — request #14 (`/rollback` by @alice, rolls back #8): 🔄 deploying · GitHub deployment 902');
  });

  it('says how many earlier requests of the environment the commit had', () => {
    const { deployments, earlier } = statusDeployments([row({ id: 3, status: 'refused' }), row({ id: 5, status: 'refused' }), row({ id: 7, status: 'queued' })]);
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [], deployments, earlierDeployments: earlier, now: NOW });
    expect(text).toContain('request #7');
    expect(text).toContain('· 2 earlier requests');
    expect(text).not.toContain('request #5');
  });

  it('has no deployment or queue section when the commit has none', () => {
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [{ view: view({}), trigger: 'push', earlier: 0 }], deployments: [], environments: [], now: NOW });
    expect(text).not.toContain('Deployments of');
    expect(text).not.toContain('Queues and locks');
  });
});

describe('queues and locks in the status report', () => {
  it('puts the deploying request first, then the others oldest first, numbered as the policy numbers them', () => {
    const queue = statusQueue([
      row({ id: 21, sha: OTHER, status: 'waiting', requested_by: 'carol' }),
      row({ id: 22, status: 'queued' }),
      row({ id: 20, sha: OTHER, status: 'deploying', requested_by: 'bob' }),
    ]);
    expect(queue).toEqual([
      { id: 20, position: 1, sha: OTHER, requestedBy: 'bob', status: 'deploying' },
      { id: 21, position: 2, sha: OTHER, requestedBy: 'carol', status: 'waiting' },
      { id: 22, position: 3, sha: SHA, requestedBy: 'alice', status: 'queued' },
    ]);
    expect(statusQueue([])).toEqual([]);
  });

  it("shows each environment's queue, marking this commit's request, and its lock with holder, reason and since", () => {
    const environments: StatusEnvironment[] = [
      {
        environment: 'production',
        queue: statusQueue([row({ id: 20, sha: OTHER, status: 'deploying', requested_by: 'bob' }), row({ id: 22, status: 'queued' })]),
        lock: statusLock({ owner: 'acme', repo: 'api', environment: 'production', holder: 'carol', reason: 'release\nfreeze', pr_number: 4, sha: SHA, created_at: new Date('2026-12-01T09:30:42Z') }),
      },
      { environment: 'staging', queue: [], lock: null },
    ];
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [], environments, now: NOW });
    expect(text).toContain(
      [
        '#### Queues and locks',
        '',
        '**production**',
        '- 🔒 locked by @carol (“release freeze”) since 2026-12-01 09:30 UTC',
        '- queue:',
        '  1. #20 `1234567` by @bob — deploying',
        '  2. #22 `abcdef0` by @alice — queued ← this commit',
        '',
        '**staging**',
        '- queue: empty',
      ].join('\n'),
    );
    expect(text.match(/🔒/g)).toHaveLength(1);
    expect(statusLock(undefined)).toBeNull();
  });

  it('lists at most MAX_QUEUE_ENTRIES requests of a queue and counts the rest', () => {
    const long = statusQueue(Array.from({ length: MAX_QUEUE_ENTRIES + 3 }, (_, i) => row({ id: 100 + i, sha: OTHER, status: 'queued' })));
    const text = renderStatusReport({ pr: 4, sha: SHA, runs: [], environments: [{ environment: 'production', queue: long, lock: null }], now: NOW });
    expect(text).toContain(`  ${MAX_QUEUE_ENTRIES}. #${100 + MAX_QUEUE_ENTRIES - 1}`);
    expect(text).not.toContain(`#${100 + MAX_QUEUE_ENTRIES} `);
    expect(text).toContain('  … and 3 more');
  });
});

describe('approvalsLine', () => {
  it('says how many of how many, until when, and who approved how', () => {
    expect(
      approvalsLine({
        status: 'pending',
        required: 2,
        given: [{ approver: 'carol', via: 'command' }],
        expiresAt: new Date(Date.UTC(2026, 11, 2, 12, 0, 30)),
      }),
    ).toBe('approvals 1 of 2 (pending, expires 2026-12-02 12:00 UTC): @carol by comment');
  });

  it('names each channel and the ended state without an expiry', () => {
    expect(
      approvalsLine({
        status: 'approved',
        required: 2,
        given: [
          { approver: 'carol', via: 'reaction' },
          { approver: 'dave', via: 'check_run' },
        ],
        expiresAt: new Date(0),
      }),
    ).toBe('approvals 2 of 2 (approved): @carol by 👍, @dave by button');
    expect(approvalsLine({ status: 'pending', required: 1, given: [], expiresAt: null })).toBe('approvals 0 of 1 (pending)');
  });
});
