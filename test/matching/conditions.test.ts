import { describe, expect, it } from 'vitest';
import {
  buildExpressionContext,
  checkExpression,
  checkTemplate,
  evaluateCondition,
  evaluateTemplate,
} from '../../src/matching/conditions.ts';
import type { ShipgateEvent } from '../../src/matching/event.ts';

const pushEvent: ShipgateEvent = {
  kind: 'push',
  ref: 'refs/heads/main',
  branch: 'main',
  sha: 'a1b2c3',
  actor: 'mona',
  labels: [],
  repository: 'acme/app',
  changedFiles: ['src/app.ts'],
  payload: { ref: 'refs/heads/main', head_commit: { message: 'Fix the thing' }, repository: { default_branch: 'main' } },
};

const tagEvent: ShipgateEvent = {
  kind: 'tag',
  ref: 'refs/tags/v1.2.0',
  tag: 'v1.2.0',
  sha: 'd4e5f6',
  actor: 'mona',
  labels: [],
  repository: 'acme/app',
  payload: { ref: 'refs/tags/v1.2.0' },
};

const pullRequestEvent: ShipgateEvent = {
  kind: 'pull_request',
  ref: 'refs/heads/feature/x',
  branch: 'feature/x',
  baseBranch: 'main',
  action: 'opened',
  sha: 'cafe01',
  pr: 42,
  fork: false,
  actor: 'hubot',
  labels: ['deploy', 'ui'],
  repository: 'acme/app',
  payload: { action: 'opened', pull_request: { number: 42, draft: false, title: 'Add x' } },
};

const push = buildExpressionContext(pushEvent, 'ci');
const tag = buildExpressionContext(tagEvent, 'release');
const pr = buildExpressionContext(pullRequestEvent, 'ci');

describe('buildExpressionContext', () => {
  it('fills the shipgate context', () => {
    expect(push.shipgate).toEqual({
      event: 'push',
      branch: 'main',
      tag: null,
      ref: 'refs/heads/main',
      sha: 'a1b2c3',
      pr: null,
      pipeline: 'ci',
      actor: 'mona',
      labels: [],
    });
    expect(pr.shipgate).toMatchObject({ event: 'pull_request', pr: 42, labels: ['deploy', 'ui'], branch: 'feature/x' });
  });

  it('mirrors the github context of Actions', () => {
    expect(push.github).toMatchObject({
      event_name: 'push',
      ref: 'refs/heads/main',
      ref_name: 'main',
      ref_type: 'branch',
      sha: 'a1b2c3',
      actor: 'mona',
      repository: 'acme/app',
      repository_owner: 'acme',
    });
    expect(push.github.event).toBe(pushEvent.payload);
    expect(tag.github).toMatchObject({ event_name: 'push', ref_name: 'v1.2.0', ref_type: 'tag' });
    expect(pr.github).toMatchObject({
      event_name: 'pull_request',
      ref: 'refs/pull/42/merge',
      head_ref: 'feature/x',
      base_ref: 'main',
    });
  });
});

describe('evaluateCondition', () => {
  it.each([
    { expr: "${{ shipgate.event != 'tag' }}", ctx: push, value: true },
    { expr: "${{ shipgate.event != 'tag' }}", ctx: tag, value: false },
    { expr: "shipgate.branch == 'main'", ctx: push, value: true },
    { expr: "shipgate.branch == 'MAIN'", ctx: push, value: true }, // Actions compares strings case-insensitively
    { expr: "shipgate.branch == 'main'", ctx: tag, value: false },
    { expr: "startsWith(shipgate.tag, 'v1.')", ctx: tag, value: true },
    { expr: "contains(shipgate.labels, 'deploy')", ctx: pr, value: true },
    { expr: "contains(shipgate.labels, 'deploy')", ctx: push, value: false },
    { expr: 'github.event.pull_request.draft', ctx: pr, value: false },
    { expr: "contains(github.event.head_commit.message, 'Fix')", ctx: push, value: true },
    { expr: "github.event_name == 'pull_request' && shipgate.pr == 42", ctx: pr, value: true },
    { expr: "github.ref == 'refs/heads/main'", ctx: push, value: true },
    { expr: "shipgate.pipeline == 'release'", ctx: tag, value: true },
    { expr: 'shipgate.pr', ctx: push, value: false }, // null is falsy
    { expr: 'shipgate.sha', ctx: push, value: true }, // non-empty string is truthy
    { expr: "success() && shipgate.event == 'push'", ctx: push, value: true },
    { expr: 'always()', ctx: push, value: true },
    { expr: 'failure() || cancelled()', ctx: push, value: false },
    { expr: '  ${{ true }}  ', ctx: push, value: true },
    { expr: 'github.event.no.such.field', ctx: push, value: false },
  ])('$expr → $value', ({ expr, ctx, value }) => {
    expect(evaluateCondition(expr, ctx)).toEqual({ ok: true, value });
  });

  it.each([
    { expr: "shipgate.branch == 'main", error: 'invalid expression' },
    { expr: 'secrets.TOKEN', error: "Unrecognized named-value: 'secrets' (available contexts: shipgate, github)" },
    { expr: 'nope()', error: "Unrecognized function: 'nope'" },
    { expr: "startsWith('a')", error: 'Too few parameters' },
    { expr: '1 +', error: 'invalid expression' },
    { expr: '', error: 'the condition is empty' },
    { expr: '${{ }}', error: 'is empty' },
    { expr: '${{ true', error: 'never closed' },
    { expr: "${{ 'a }}", error: 'has a string that is never closed' },
    { expr: "${{ shipgate.event == 'push' }} && ${{ true }}", error: 'write it as one expression' },
    { expr: "fromJSON('{')", error: 'cannot evaluate' },
    { expr: 'x'.repeat(21_001), error: 'the expression is too long' },
  ])('$expr → error containing $error', ({ expr, error }) => {
    const result = evaluateCondition(expr, push);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });
});

describe('checkExpression', () => {
  it('accepts valid conditions in both forms', () => {
    expect(checkExpression("${{ shipgate.branch == 'main' }}")).toBeUndefined();
    expect(checkExpression("contains(shipgate.labels, 'x') && success()")).toBeUndefined();
  });

  it('reports syntax errors without throwing', () => {
    expect(checkExpression("shipgate.branch == 'main")).toContain('invalid expression');
    expect(checkExpression('env.X')).toContain("Unrecognized named-value: 'env'");
    expect(checkExpression('a ==')).toContain('invalid expression');
  });
});

describe('evaluateTemplate', () => {
  it.each([
    { value: 'app', result: 'app' },
    { value: 7, result: 7 },
    { value: false, result: false },
    { value: 'build-${{ shipgate.branch }}', result: 'build-main' },
    { value: '${{ shipgate.branch }}/${{ shipgate.sha }}', result: 'main/a1b2c3' },
    { value: "${{ shipgate.event == 'push' }}", result: true },
    { value: '${{ 42 }}', result: 42 },
    { value: 'n=${{ 42 }}', result: 'n=42' },
    { value: '${{ shipgate.pr }}', result: '' },
    { value: '${{ shipgate.labels }}', result: '[]' },
    { value: "${{ format('{0}}}', shipgate.branch) }}", result: 'main}' },
    { value: "${{ shipgate.branch || 'none' }}", result: 'main' },
  ])('$value → $result', ({ value, result }) => {
    expect(evaluateTemplate(value, push)).toEqual({ ok: true, value: result });
  });

  it('keeps text that has no expression as it is', () => {
    expect(evaluateTemplate('plain {{ not an expression }}', push)).toEqual({ ok: true, value: 'plain {{ not an expression }}' });
  });

  it('reports errors instead of throwing', () => {
    const unclosed = evaluateTemplate('x-${{ shipgate.sha', push);
    expect(unclosed).toEqual({ ok: false, error: "'${{' at position 3 of 'x-${{ shipgate.sha' is never closed with '}}'" });
    const unknown = evaluateTemplate('${{ inputs.x }}', push);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toContain("Unrecognized named-value: 'inputs'");
  });

  it('checkTemplate checks every expression', () => {
    expect(checkTemplate('a-${{ shipgate.sha }}-${{ github.sha }}')).toBeUndefined();
    expect(checkTemplate('a-${{ shipgate.sha }}-${{ vars.X }}')).toContain("'vars'");
    expect(checkTemplate('${{')).toContain('never closed');
  });
});
