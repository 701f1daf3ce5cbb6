import { describe, expect, it } from 'vitest';
import type { ShipgateEvent } from '../../src/matching/event.ts';
import { describeEvent, formatMatchResult, matchResultToJson } from '../../src/matching/format-match.ts';

const base = { sha: 's', actor: 'mona', labels: [], repository: 'acme/app', payload: {} };

describe('describeEvent', () => {
  it.each([
    [{ ...base, kind: 'push', ref: 'refs/heads/main', branch: 'main' }, "a push to branch 'main' (changed files not given)"],
    [{ ...base, kind: 'push', ref: 'refs/heads/main', branch: 'main', changedFiles: [] }, "a push to branch 'main' (no changed files)"],
    [{ ...base, kind: 'tag', ref: 'refs/tags/v1', tag: 'v1' }, "a push of tag 'v1'"],
    [
      { ...base, kind: 'pull_request', ref: 'refs/heads/f', branch: 'f', baseBranch: 'main', action: 'opened', changedFiles: ['a', 'b'] },
      "pull request action 'opened' from 'f' into 'main' (changed: a, b)",
    ],
    [{ ...base, kind: 'manual', ref: 'refs/heads/main', branch: 'main' }, "a manual start on branch 'main'"],
  ] as Array<[ShipgateEvent, string]>)('%#: %s', (event, text) => {
    expect(describeEvent(event)).toBe(text);
  });
});

describe('formatMatchResult', () => {
  it('shows stages without jobs and counts a single pipeline', () => {
    const event: ShipgateEvent = { ...base, kind: 'tag', ref: 'refs/tags/v1', tag: 'v1' };
    const text = formatMatchResult(
      event,
      { pipelines: [{ id: 'r', reasons: ['why'], stages: [{ id: 'empty', jobs: [], skipped: false }] }], skipped: [] },
      'shipgate.yml',
    );
    expect(text).toBe(["Plan for a push of tag 'v1', with shipgate.yml", '', '✓ r would run', '    because why', '    stage empty  runs: (no jobs)', '', '1 of 1 pipeline would run.'].join('\n'));
  });
});

describe('matchResultToJson', () => {
  it('keeps the documented keys in order', () => {
    const json = matchResultToJson({
      pipelines: [{ id: 'ci', reasons: ['r'], stages: [{ id: 's', jobs: ['j'], skipped: 'no' }] }],
      skipped: [{ id: 'x', reason: 'y' }],
    });
    expect(JSON.stringify(json)).toBe(
      '{"pipelines":[{"id":"ci","stages":[{"id":"s","jobs":["j"],"skipped":"no"}],"reasons":["r"]}],"skipped":[{"id":"x","reason":"y"}]}',
    );
  });
});
