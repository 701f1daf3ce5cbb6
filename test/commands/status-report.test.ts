import { describe, expect, it } from 'vitest';
import type { PipelineRunView } from '../../src/engine/check-output.ts';
import { renderStatusReport } from '../../src/commands/status-report.ts';

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
