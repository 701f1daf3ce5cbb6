import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '../../src/notify/events.ts';
import { eventLinks, githubWebBase, SLACK_LIMITS, slackEscape, slackMessage, truncate, webhookBody } from '../../src/notify/messages.ts';

const SHA = 'abc1234def5678abc1234def5678abc1234def56';
const failure: NotifyEvent = {
  name: 'failure',
  id: 'failure-run-7-1764590400000',
  at: '2026-12-01T12:00:00.000Z',
  repository: 'acme/api',
  sha: SHA,
  ref: 'refs/heads/main',
  runId: 7,
  pipeline: 'ci',
  trigger: 'push',
  actor: 'alice',
  pr: null,
  branch: 'main',
  tag: null,
  conclusion: 'failure',
};

describe('links', () => {
  it('derives GitHub\'s web origin from the API base', () => {
    expect(githubWebBase('https://api.github.com')).toBe('https://github.com');
    expect(githubWebBase('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(githubWebBase('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
  });

  it('links the commit, and the pull request and environment when there are', () => {
    expect(eventLinks(failure, 'https://github.com')).toEqual({ commit: `https://github.com/acme/api/commit/${SHA}` });
    expect(eventLinks({ ...failure, pr: 12 }, 'https://github.com')).toMatchObject({ pullRequest: 'https://github.com/acme/api/pull/12' });
  });
});

describe('the Slack message', () => {
  it('has Block Kit blocks (header, section, context, buttons) and a fallback text', () => {
    const message = slackMessage(failure, eventLinks(failure, 'https://github.com'));
    expect(message.text).toBe('❌ ci failed on main (acme/api)');
    expect(message.blocks.map((b) => b['type'])).toEqual(['header', 'section', 'context', 'actions']);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '❌ ci failed on main', emoji: true } });
    expect(message.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Pipeline ci of acme/api ended failure on abc1234 (run #7, push by @alice).' } });
    expect(message.blocks[3]).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'View commit' }, url: `https://github.com/acme/api/commit/${SHA}`, action_id: 'commit' }],
    });
  });

  it('says what each event is', () => {
    const links = { commit: 'https://github.com/c' };
    const recovery: NotifyEvent = { ...failure, name: 'recovery', id: 'recovery-run-8-1', runId: 8, conclusion: 'success', previousConclusion: 'failure', previousRunId: 7 };
    expect(slackMessage(recovery, links).text).toBe('✅ ci is green again on main (acme/api)');
    const deployment: NotifyEvent = {
      name: 'deployment',
      id: 'deployment-3',
      at: failure.at,
      repository: 'acme/api',
      sha: SHA,
      ref: 'main',
      deploymentId: 3,
      environment: 'production',
      status: 'rolled-back',
      source: 'stage',
      requestedBy: 'alice',
      pr: null,
      runId: 7,
      url: 'https://app.example.com',
      reason: 'rolled back by deployment #4',
    };
    const rolledBack = slackMessage(deployment, eventLinks(deployment, 'https://github.com'));
    expect(rolledBack.text).toBe('↩️ Deploying abc1234 to production failed and was rolled back (acme/api)');
    expect(JSON.stringify(rolledBack.blocks)).toContain('rolled back by deployment #4');
    expect((rolledBack.blocks[3]?.['elements'] as Array<{ url: string }>).map((b) => b.url)).toEqual(['https://app.example.com', `https://github.com/acme/api/commit/${SHA}`]);
    expect(slackMessage({ ...deployment, status: 'succeeded' }, links).text).toBe('🚀 Deployed abc1234 to production (acme/api)');
    const approval: NotifyEvent = {
      name: 'approval-requested',
      id: 'approval-requested-5',
      at: failure.at,
      repository: 'acme/api',
      sha: SHA,
      ref: 'main',
      approvalRequestId: 5,
      deploymentId: 3,
      environment: 'production',
      requestedBy: 'carol',
      required: 2,
      approvers: ['alice', '@acme/sre'],
      expiresAt: '2026-12-02T12:00:00.000Z',
      pr: 12,
      issue: null,
    };
    const asked = slackMessage(approval, eventLinks(approval, 'https://github.com'));
    expect(asked.text).toBe('✋ Approval needed to deploy abc1234 to production (acme/api)');
    expect((asked.blocks[1]?.['text'] as { text: string }).text).toBe(
      'Deployment #3 of acme/api (main) to production needs 2 approvals from @alice, @acme/sre; requested by @carol.\nThe request expires at 2026-12-02 12:00:00 UTC.',
    );
  });

  it('escapes mrkdwn in names people choose, so they cannot mention @channel or forge links', () => {
    const hostile: NotifyEvent = { ...failure, branch: '<!channel> & <https://evil|x>', ref: 'refs/heads/<!channel>', pipeline: 'c<i>' };
    const message = slackMessage(hostile, { commit: 'https://github.com/c' });
    const section = (message.blocks[1]?.['text'] as { text: string }).text;
    expect(section).not.toContain('<');
    expect(section).toContain('c&lt;i&gt;');
    expect(message.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
    expect(JSON.stringify(message.blocks[2])).toContain('refs/heads/&lt;!channel&gt;');
    expect(slackEscape('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('keeps within Block Kit\'s limits', () => {
    const long: NotifyEvent = { ...failure, pipeline: 'p'.repeat(400), repository: `acme/${'r'.repeat(4000)}` };
    const message = slackMessage(long, { commit: 'https://github.com/c' });
    expect([...((message.blocks[0]?.['text'] as { text: string }).text)].length).toBe(SLACK_LIMITS.header);
    expect([...((message.blocks[1]?.['text'] as { text: string }).text)].length).toBeLessThanOrEqual(SLACK_LIMITS.section);
    expect([...message.text].length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('the webhook body', () => {
  it('is {type, timestamp, data} with the event facts and links, the same bytes every time', () => {
    const links = eventLinks(failure, 'https://github.com');
    const body = webhookBody(failure, links);
    expect(body).toBe(webhookBody(failure, links));
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['type', 'timestamp', 'data']);
    expect(parsed).toEqual({
      type: 'shipgate.failure',
      timestamp: '2026-12-01T12:00:00.000Z',
      data: {
        id: failure.id,
        repository: 'acme/api',
        sha: SHA,
        ref: 'refs/heads/main',
        runId: 7,
        pipeline: 'ci',
        trigger: 'push',
        actor: 'alice',
        pr: null,
        branch: 'main',
        tag: null,
        conclusion: 'failure',
        links: { commit: `https://github.com/acme/api/commit/${SHA}` },
      },
    });
  });
});
