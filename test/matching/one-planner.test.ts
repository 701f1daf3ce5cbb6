import { describe, expect, it } from 'vitest';
import { buildExpressionContext, evaluateCondition, type ExpressionContext } from '../../src/matching/conditions.ts';
import type { ShipgateEvent } from '../../src/matching/event.ts';
import { matchResultToJson } from '../../src/matching/format-match.ts';
import { matchEvent } from '../../src/matching/match-event.ts';
import { decide, topologicalStages, type AttemptState, type PlanPipeline, type RunState } from '../../src/engine/plan.ts';
import { renderReason } from '../../src/engine/reasons.ts';
import { configFromYaml } from './config-from-yaml.ts';

/**
 * What the engine shows for a run in which every job succeeds: the stages in the
 * order of the check run (`topologicalStages`, as check-sync lists them) and the
 * reason of every `skip-stage` decision `decide()` makes on the way.
 */
function engineView(pipeline: PlanPipeline, context: ExpressionContext) {
  const run: RunState = { status: 'in_progress', cancelRequested: false, stages: [], attempts: [] };
  const skips = new Map<string, { text: string; code: string }>();
  let nextAttempt = 1;
  for (let round = 0; round < 100 && run.status !== 'completed'; round++) {
    const decisions = decide({
      pipeline,
      run,
      now: 0,
      defaults: { retries: 0, timeoutMs: 60_000 },
      evaluateIf: (_stage, expression) => evaluateCondition(expression, context),
      parseDuration: () => 60_000,
    });
    if (decisions.length === 0) break;
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'start-stage':
          run.stages.push({ stage: decision.stage, status: 'running', conclusion: null });
          for (const { job } of decision.jobs) run.attempts.push(succeeded(nextAttempt++, decision.stage, job));
          break;
        case 'skip-stage':
          run.stages.push({ stage: decision.stage, status: 'skipped', conclusion: null });
          skips.set(decision.stage, { text: renderReason(decision.reason), code: decision.reason.code });
          break;
        case 'complete-stage': {
          const stage = run.stages.find((s) => s.stage === decision.stage);
          if (stage) Object.assign(stage, { status: 'completed', conclusion: decision.conclusion });
          break;
        }
        case 'complete-run':
          run.status = 'completed';
          break;
        default:
          throw new Error(`unexpected decision ${decision.kind} in a run where every job succeeds`);
      }
    }
  }
  expect(run.status).toBe('completed');
  return topologicalStages(pipeline).map((id) => {
    const skip = skips.get(id);
    return skip ? { id, skipped: skip.text, code: skip.code } : { id, skipped: false };
  });
}

function succeeded(id: number, stage: string, job: string): AttemptState {
  return {
    id,
    stage,
    job,
    attempt: 1,
    status: 'completed',
    conclusion: 'success',
    workflowRunId: id,
    completedAt: 0,
    deadlineAt: null,
    nextRetryAt: null,
    cancelRequested: false,
  };
}

const push: ShipgateEvent = {
  kind: 'push',
  ref: 'refs/heads/main',
  branch: 'main',
  sha: 'a'.repeat(40),
  actor: 'alice',
  labels: [],
  repository: 'acme/shop',
  changedFiles: ['src/app.ts'],
  payload: {},
};

const job = (name: string) => `{ ${name}: { workflow: ${name}.yml } }`;

const CASES: Array<{ name: string; stages: string }> = [
  { name: 'needs declared after the stage (the review\'s x, z, y)', stages: `x: { needs: [y], jobs: ${job('x')} }\n      z: { jobs: ${job('z')} }\n      y: { jobs: ${job('y')} }` },
  {
    name: 'a diamond',
    stages: `deploy: { needs: [test, lint], jobs: ${job('d')} }\n      build: { jobs: ${job('b')} }\n      lint: { jobs: ${job('l')} }\n      test: { needs: [build], jobs: ${job('t')} }`,
  },
  {
    name: 'an if: that is false, and what needs it',
    stages: `build: { jobs: ${job('b')} }\n      release: { needs: [build], if: "shipgate.branch == 'release'", jobs: ${job('r')} }\n      announce: { needs: [release], jobs: ${job('a')} }\n      docs: { needs: [build], if: "\${{ shipgate.branch == 'main' }}", jobs: ${job('o')} }`,
  },
  {
    name: 'an if: that cannot be evaluated',
    stages: `check: { if: "fromJSON('{')", jobs: ${job('c')} }\n      after: { needs: [check], jobs: ${job('f')} }\n      other: { jobs: ${job('o')} }`,
  },
  {
    name: 'a stage needing two, one skipped',
    stages: `a: { if: 'false', jobs: ${job('a')} }\n      b: { jobs: ${job('b')} }\n      c: { needs: [b, a], jobs: ${job('c')} }`,
  },
];

describe('one planner: shipgate plan says what the engine does', () => {
  it.each(CASES)('$name', ({ stages }) => {
    const config = configFromYaml(`pipelines:\n  ci:\n    on: { push: {} }\n    stages:\n      ${stages}\n`);
    const pipeline = config.pipelines['ci'];
    if (!pipeline) throw new Error('no pipeline ci');
    const cli = matchResultToJson(matchEvent(push, config)).pipelines[0]?.stages.map(({ id, skipped, code }) => (code ? { id, skipped, code } : { id, skipped }));
    expect(cli).toEqual(engineView(pipeline, buildExpressionContext(push, 'ci')));
  });

  it("orders the review's example as the engine does", () => {
    const config = configFromYaml(`pipelines:\n  ci:\n    on: { push: {} }\n    stages:\n      ${CASES[0]?.stages ?? ''}\n`);
    expect(matchEvent(push, config).pipelines[0]?.stages.map((s) => s.id)).toEqual(['y', 'x', 'z']);
  });
});
