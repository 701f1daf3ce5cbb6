import { describe, expect, it } from 'vitest';
import { CHECK_OUTPUT_LIMIT } from '../../src/github/check-output-limits.ts';
import { createCheckRun, updateCheckRun, type CheckAnnotation } from '../../src/github/checks.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import type { CheckRunBody } from '../../src/engine/check-output.ts';

/** A stand-in Octokit that records check-run requests and log warnings. */
function fakeOctokit() {
  const requests: Array<{ method: 'create' | 'update'; params: { output: { summary: string; text?: string; annotations?: unknown[] } } }> = [];
  const warnings: string[] = [];
  const octokit = {
    rest: {
      checks: {
        create: async (params: (typeof requests)[number]['params']) => {
          requests.push({ method: 'create', params });
          return { data: { id: 7 } };
        },
        update: async (params: (typeof requests)[number]['params']) => {
          requests.push({ method: 'update', params });
          return { data: {} };
        },
      },
    },
    log: { warn: (message: string) => warnings.push(message) },
  };
  return { octokit: octokit as unknown as GitHubClient, requests, warnings };
}

const huge = Array.from({ length: 6000 }, (_, i) => `| ✅ stage-${i} | success | 1s | build |`).join('\n');
const body: CheckRunBody = { name: 'shipgate/ci', status: 'completed', conclusion: 'success', output: { title: 'ci succeeded', summary: huge, text: huge } };
const annotations: CheckAnnotation[] = Array.from({ length: 60 }, (_, i) => ({
  path: '.github/shipgate.yml',
  start_line: i + 1,
  end_line: i + 1,
  annotation_level: 'failure',
  message: `problem ${i}`,
}));

describe('check-run writes pass through the output limits', () => {
  it('createCheckRun cuts summary and text in the create and in the annotation follow-ups, and logs the whole output', async () => {
    const { octokit, requests, warnings } = fakeOctokit();
    expect(await createCheckRun(octokit, { owner: 'acme', repo: 'api' }, 'a'.repeat(40), body, { annotations })).toBe(7);
    expect(requests.map((r) => r.method)).toEqual(['create', 'update']);
    for (const { params } of requests) {
      expect(Buffer.byteLength(params.output.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
      expect(Buffer.byteLength(params.output.text ?? '')).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
      expect(params.output.summary).toMatch(/shipgate cut [\d,]+ characters/);
    }
    expect(requests.map((r) => r.params.output.annotations?.length)).toEqual([50, 10]);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toContain(huge);
  });

  it('updateCheckRun sends output within the limit untouched', async () => {
    const { octokit, requests, warnings } = fakeOctokit();
    await updateCheckRun(octokit, { owner: 'acme', repo: 'api' }, 7, { ...body, output: { title: 't', summary: 'all good' } });
    expect(requests[0]?.params.output).toEqual({ title: 't', summary: 'all good' });
    expect(warnings).toEqual([]);
  });
});
