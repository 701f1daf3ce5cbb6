import { describe, expect, it } from 'vitest';
import {
  MAX_APPROVAL_ROWS,
  MAX_COMMENT_LENGTH,
  approvalCheckSection,
  approvalCommentBody,
  approvalMarker,
  escapeMarkdown,
  inlineCode,
} from '../../src/deploy/approval-comment.ts';
import type { ApprovalView } from '../../src/deploy/approval-view.ts';
import { CHECK_ACTIONS } from '../../src/engine/check-output.ts';
import { reason } from '../../src/engine/reasons.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';
const HEAD = 'def0000111122223333444455556666777788889';
const at = (hour: number, minute: number, second = 0) => new Date(Date.UTC(2026, 11, 1, hour, minute, second));
const NOW = at(12, 30);
const EXPIRES = at(14, 0);
const MARKER = '<!-- shipgate:approval:5 -->';
const HOSTILE = '| <img src=x> `\nrm -rf';
const LONG_ENV = 'e'.repeat(60);

type Overrides<T> = { [K in keyof T]?: T[K] };

const view = (overrides: Overrides<ApprovalView> = {}): ApprovalView => ({
  requestId: 5,
  deploymentId: 12,
  environment: 'production',
  sha: SHA,
  required: 2,
  approvers: ['bob', 'carol', '@acme/sre'],
  allowSelfApproval: false,
  requestedBy: 'alice',
  prefix: '/',
  status: 'pending',
  expiresAt: EXPIRES,
  approvals: [],
  endReason: null,
  waitUntil: null,
  deployment: { status: 'waiting', reason: null, queuePosition: null, logUrl: null },
  ...overrides,
});
const byBob = { approver: 'bob', via: 'command', at: at(12, 5, 42) } as const;
const byCarol = { approver: 'carol', via: 'reaction', at: at(12, 10) } as const;
const approved = (overrides: Overrides<ApprovalView> = {}) => view({ status: 'approved', approvals: [byBob, byCarol], ...overrides });
const rejectedBy = (by: string, text: string | null) =>
  view({ status: 'rejected', approvals: [byBob], endReason: reason('deploy.approval-rejected', { environment: 'production', by, reason: text }) });

const body = (v: ApprovalView, now = NOW) => approvalCommentBody(v, now);
const firstLine = (text: string) => text.split('\n')[0];
const lastLine = (text: string) => text.split('\n').at(-1);
const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('escapeMarkdown', () => {
  it('shows hostile text literally: no table column, code span, HTML or second line', () => {
    expect(escapeMarkdown(HOSTILE)).toBe('\\| &lt;img src=x&gt; \\` rm -rf');
    expect(escapeMarkdown('a\r\nb\rc')).toBe('a b c');
    expect(escapeMarkdown('[x](https://evil) **b** _i_ ~s~ # \\')).toBe('\\[x\\](https://evil) \\*\\*b\\*\\* \\_i\\_ \\~s\\~ \\# \\\\');
    expect(escapeMarkdown('&lt;')).toBe('&amp;lt;');
  });

  it('leaves logins, teams and plain sentences as they are', () => {
    expect(escapeMarkdown('alice-2')).toBe('alice-2');
    expect(escapeMarkdown('@acme/sre-team')).toBe('@acme/sre-team');
    expect(escapeMarkdown('tests are red, see CI.')).toBe('tests are red, see CI.');
  });
});

describe('inlineCode', () => {
  it('wraps plain text in single backticks', () => {
    expect(inlineCode('/approve production')).toBe('`/approve production`');
  });

  it('uses a longer fence than any backtick run inside, padded where the text starts or ends with one', () => {
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('a``b')).toBe('```a``b```');
    expect(inlineCode('`x')).toBe('`` `x ``');
    expect(inlineCode(' x ')).toBe('`  x  `');
  });

  it('keeps one line and an empty text a code span', () => {
    expect(inlineCode('a\nb')).toBe('`a b`');
    expect(inlineCode('')).toBe('` `');
  });
});

describe('approvalMarker', () => {
  it('is a hidden HTML comment naming the request', () => {
    expect(approvalMarker(5)).toBe(MARKER);
    expect(approvalMarker(1234)).toBe('<!-- shipgate:approval:1234 -->');
  });
});

describe('approvalCommentBody', () => {
  it('pending with 0 of 2: names what, who asked, who may approve, the three ways, the expiry', () => {
    const text = body(view());
    expect(firstLine(text)).toBe('### ⏳ Approval needed: deploy `abc1234` to production');
    expect(text).toContain(`Deployment #12: \`abc1234\` to **production**, requested by @alice (commit \`${SHA}\`).`);
    expect(text).toContain('**Approvals: 0 of 2** — 2 more needed. They count for `abc1234` only: a new push voids them.');
    expect(text).toContain('**Who may approve:** @bob, @carol, @acme/sre — not @alice, who requested it.');
    expect(text).toContain('- comment `/approve production` (a new comment: editing an earlier one never counts)');
    expect(text).toContain('- react 👍 to this comment');
    expect(text).toContain('- press **Approve** on the `shipgate/deploy/production` check');
    expect(text).toContain('**To reject**, an approver comments `/reject production [reason]` or reacts 👎 to this comment.');
    expect(text).toContain('Expires at 2026-12-01 14:00 UTC unless approved before.');
    expect(text).not.toContain('| Approver |');
  });

  it('1 of 2 after a comment approval: the table shows who, how and when', () => {
    const text = body(view({ approvals: [byBob] }));
    expect(text).toContain('**Approvals: 1 of 2** — 1 more needed.');
    expect(text).toContain('| Approver | How | When |\n| --- | --- | --- |\n| @bob | comment | 2026-12-01 12:05 UTC |');
  });

  it('names each channel in the table', () => {
    const text = body(view({ required: 3, approvals: [byBob, byCarol, { approver: 'dave', via: 'check_run', at: at(12, 20) }] }));
    expect(text).toContain('| @carol | 👍 reaction | 2026-12-01 12:10 UTC |');
    expect(text).toContain('| @dave | Approve button | 2026-12-01 12:20 UTC |');
  });

  it('says when an unprocessed expiry has passed', () => {
    expect(body(view(), at(14, 1))).toContain('Expired at 2026-12-01 14:00 UTC unless approved before.');
  });

  it('uses the configured command prefix', () => {
    const text = body(view({ prefix: 'shipgate ' }));
    expect(text).toContain('`shipgate approve production`');
    expect(text).toContain('`shipgate reject production [reason]`');
  });

  it('approved with a wait timer: the timer end, no ways to approve, no expiry', () => {
    const text = body(
      approved({
        waitUntil: at(12, 40),
        deployment: { status: 'waiting', reason: reason('deploy.approval-wait-timer', { environment: 'production', until: '2026-12-01 12:40 UTC' }), queuePosition: null, logUrl: null },
      }),
    );
    expect(firstLine(text)).toBe('### ✅ Approved: deploy `abc1234` to production');
    expect(text).toContain('**Approvals: 2 of 2**');
    expect(text).toContain('⏲️ The wait timer runs until 2026-12-01 12:40 UTC; the deployment starts no earlier.');
    expect(text).not.toContain('The deployment waits');
    expect(text).not.toContain('**To approve**');
    expect(text).not.toContain('Expires at');
    expect(text).not.toContain('Who may approve');
  });

  it('approved after the wait timer ended says when it ended', () => {
    const text = body(approved({ waitUntil: at(12, 10), deployment: { status: 'queued', reason: null, queuePosition: 2, logUrl: null } }));
    expect(text).toContain('⏲️ The wait timer ended at 2026-12-01 12:10 UTC.');
  });

  it('approved and waiting for something else shows why', () => {
    const locked = reason('deploy.locked', { environment: 'production', holder: 'dave', reason: null, since: '2026-12-01 11:00 UTC' });
    const text = body(approved({ deployment: { status: 'waiting', reason: locked, queuePosition: null, logUrl: null } }));
    expect(text).toContain('⏳ The deployment waits: production is locked by @dave since 2026-12-01 11:00 UTC; ask them to `/unlock production`.');
  });

  it('queued at position 2, without repeating the queue sentence', () => {
    const queued = reason('deploy.queued', { environment: 'production', position: 2, ahead: [11] });
    const text = body(approved({ deployment: { status: 'queued', reason: queued, queuePosition: 2, logUrl: null } }));
    expect(text).toContain("🚶 Queued at position 2 in **production**'s queue.");
    expect(text).not.toContain('behind deployment');
  });

  it('deploying, with the run link', () => {
    const text = body(approved({ deployment: { status: 'deploying', reason: null, queuePosition: null, logUrl: 'https://github.com/o/r/actions/runs/9' } }));
    expect(text).toContain('🚀 Deploying `abc1234` to **production** — [workflow run](https://github.com/o/r/actions/runs/9).');
  });

  it('links only http(s) run URLs', () => {
    const text = body(approved({ deployment: { status: 'deploying', reason: null, queuePosition: null, logUrl: 'javascript:alert(1)' } }));
    expect(text).toContain('🚀 Deploying `abc1234` to **production**.');
    expect(text).not.toContain('javascript:');
  });

  it('succeeded and failed', () => {
    const run = 'https://github.com/o/r/actions/runs/9';
    expect(body(approved({ deployment: { status: 'succeeded', reason: null, queuePosition: null, logUrl: run } }))).toContain(
      `✅ Deployed \`abc1234\` to **production** — [workflow run](${run}).`,
    );
    const failed = body(approved({ deployment: { status: 'failed', reason: reason('deploy.job-failed', { conclusion: 'failure' }), queuePosition: null, logUrl: run } }));
    expect(failed).toContain(`❌ Deploying \`abc1234\` to **production** failed: the deploy job ended failure — [workflow run](${run}).`);
  });

  it('rejected with a reason: the first line says by whom and why, nothing to approve any more', () => {
    const text = body(rejectedBy('carol', 'tests are red'));
    expect(firstLine(text)).toBe('### ❌ Rejected by @carol — “tests are red”');
    expect(text).toContain('**Approvals: 1 of 2**');
    expect(text).toContain('| @bob | comment |');
    expect(text).not.toContain('**To approve**');
    expect(text).not.toContain('no longer count');
  });

  it('rejected without a reason', () => {
    expect(firstLine(body(rejectedBy('carol', null)))).toBe('### ❌ Rejected by @carol');
  });

  it('expired: when, and that a new /deploy is needed', () => {
    const text = body(view({ status: 'expired', approvals: [byBob], endReason: reason('deploy.approval-expired', { environment: 'production', at: '2026-12-01 14:00 UTC' }) }));
    expect(firstLine(text)).toBe('### ⌛ Expired at 2026-12-01 14:00 UTC');
    expect(text).toContain('**Approvals: 1 of 2**');
    expect(text).toContain('The approvals given here no longer count; a new `/deploy production` is needed to deploy.');
    expect(text).not.toContain('**To approve**');
  });

  it('cancelled by a new push: the reason rendered, said once', () => {
    const text = body(view({ status: 'cancelled', approvals: [byBob], endReason: reason('deploy.sha-changed', { environment: 'production', sha: SHA, head: HEAD }) }));
    expect(firstLine(text)).toBe(
      '### 🚫 Cancelled: a new push (def0000) replaced abc1234: its approvals for production no longer count; a new `/deploy production` is needed',
    );
    expect(occurrences(text, '`/deploy production`')).toBe(1);
  });

  it('cancelled by someone says a new /deploy is needed; replaced by a newer request does not', () => {
    const byDave = body(view({ status: 'cancelled', endReason: reason('deploy.cancelled', { by: 'dave' }) }));
    expect(firstLine(byDave)).toBe('### 🚫 Cancelled: cancelled by @dave');
    expect(byDave).toContain('a new `/deploy production` is needed to deploy.');
    const superseded = body(view({ status: 'cancelled', endReason: reason('deploy.superseded', { newer: 14 }) }));
    expect(firstLine(superseded)).toBe('### 🚫 Cancelled: replaced by a newer request (#14) of the same pull request for the same environment');
    expect(superseded).not.toContain('/deploy');
  });

  it('self-approval allowed vs not', () => {
    expect(body(view())).toContain('not @alice, who requested it');
    const allowed = body(view({ allowSelfApproval: true }));
    expect(allowed).toContain('self-approval is allowed, so @alice, who requested it, counts too if listed');
    expect(allowed).not.toContain('not @alice');
  });

  it('no expiry', () => {
    const text = body(view({ expiresAt: null }));
    expect(text).toContain('This request does not expire.');
    expect(text).not.toContain('Expires at');
  });

  it('lists users as @login and teams as @org/slug, and caps a long list', () => {
    expect(body(view({ approvers: ['@acme/sre', 'bob'] }))).toContain('**Who may approve:** @acme/sre, @bob —');
    const many = body(view({ approvers: Array.from({ length: 60 }, (_, i) => `user${i}`) }));
    expect(many).toContain('@user49 and 10 more —');
    expect(many).not.toContain('@user50');
    expect(body(view({ approvers: [] }))).toContain('**Who may approve:** nobody is listed in `approvers` —');
  });

  it('escapes a hostile rejection reason: no HTML, no second line, no broken code span', () => {
    const text = body(rejectedBy('carol', HOSTILE));
    expect(firstLine(text)).toBe('### ❌ Rejected by @carol — “\\| &lt;img src=x&gt; \\` rm -rf”');
    expect(text).not.toContain('<img');
  });

  it('escapes a hostile environment name in prose, inline code and the table', () => {
    const text = body(view({ environment: 'prod`|<b>', approvals: [{ approver: 'x|y', via: 'command', at: at(12, 5) }] }));
    expect(firstLine(text)).toBe('### ⏳ Approval needed: deploy `abc1234` to prod\\`\\|&lt;b&gt;');
    expect(text).toContain('- comment ``/approve prod`|<b>`` (a new comment');
    expect(text).toContain('| @x\\|y | comment | 2026-12-01 12:05 UTC |');
    expect(text).toContain('- press **Approve** on the ``shipgate/deploy/prod`|<b>`` check');
  });

  it('ends with the marker in every state', () => {
    const views = [view(), approved(), rejectedBy('carol', 'no'), view({ status: 'expired' }), view({ status: 'cancelled', endReason: null })];
    for (const v of views) expect(lastLine(body(v))).toBe(MARKER);
  });

  it('a huge approvals list stays under the limit, the table capped and the rest counted', () => {
    const approvals = Array.from({ length: 10_000 }, (_, i) => ({ approver: `approver-${String(i).padStart(5, '0')}`, via: 'command' as const, at: at(12, 5) }));
    const text = body(view({ required: 10_001, approvals }));
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(text.split('\n').filter((line) => line.startsWith('| @approver-'))).toHaveLength(MAX_APPROVAL_ROWS);
    expect(text).toContain('_… and 9,900 more approvals._');
    expect(lastLine(text)).toBe(MARKER);
  });

  it('cuts a huge rejection reason, and an oversized body before the marker', () => {
    const longReason = body(rejectedBy('carol', 'x'.repeat(100_000)));
    expect(longReason.length).toBeLessThan(5_000);
    expect(firstLine(longReason)).toMatch(/x…”$/);
    const hugeEnvironment = body(view({ environment: 'e'.repeat(70_000) }));
    expect(hugeEnvironment.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(lastLine(hugeEnvironment)).toBe(MARKER);
  });
});

describe('approvalCheckSection', () => {
  it('pending: given of needed, by whom and how, who may approve, expiry, and the Approve button', () => {
    const section = approvalCheckSection(view({ approvals: [byBob] }));
    expect(section.text).toBe(
      [
        '### Approvals',
        '',
        '**1 of 2** approvals given — 1 more needed.',
        '',
        '- @bob by comment, 2026-12-01 12:05 UTC',
        '',
        '**Who may approve:** @bob, @carol, @acme/sre — not @alice, who requested it.',
        '',
        'Approve with the **Approve** button above, a `/approve production` comment, or 👍 on the request comment.',
        '',
        'The request expires at 2026-12-01 14:00 UTC.',
      ].join('\n'),
    );
    expect(section.actions).toEqual([{ label: 'Approve', description: 'Approve deploying abc1234 to production', identifier: CHECK_ACTIONS.approve }]);
  });

  it('pending without expiry says it does not expire', () => {
    expect(approvalCheckSection(view({ expiresAt: null })).text).toContain('The request does not expire.');
  });

  it('approved with a wait timer: its end, and no button', () => {
    const section = approvalCheckSection(approved({ waitUntil: at(12, 40) }));
    expect(section.text).toContain('**✅ Approved:** 2 of 2 approvals.');
    expect(section.text).toContain('- @carol by 👍 reaction, 2026-12-01 12:10 UTC');
    expect(section.text).toContain('⏲️ The wait timer ends at 2026-12-01 12:40 UTC.');
    expect(section.text).not.toContain('Who may approve');
    expect(section.actions).toEqual([]);
  });

  it('no actions once not pending', () => {
    const ended = [
      approved(),
      rejectedBy('carol', 'no'),
      view({ status: 'expired' }),
      view({ status: 'cancelled', endReason: reason('deploy.sha-changed', { environment: 'production', sha: SHA, head: HEAD }) }),
    ];
    for (const v of ended) expect(approvalCheckSection(v).actions).toEqual([]);
  });

  it('ended: the same first line as the comment, escaped', () => {
    expect(approvalCheckSection(rejectedBy('carol', HOSTILE)).text).toContain('**❌ Rejected by @carol — “\\| &lt;img src=x&gt; \\` rm -rf”** (1 of 2 approvals).');
    expect(approvalCheckSection(view({ status: 'expired' })).text).toContain('**⌛ Expired at 2026-12-01 14:00 UTC** (0 of 2 approvals).');
  });

  it('keeps the button within GitHub limits for a 60-character environment name', () => {
    const [action] = approvalCheckSection(view({ environment: LONG_ENV })).actions;
    expect(action).toBeDefined();
    expect(action?.label.length).toBeLessThanOrEqual(20);
    expect(action?.identifier.length).toBeLessThanOrEqual(20);
    expect(action?.description.length).toBeLessThanOrEqual(40);
    expect(action?.description).toBe(`Approve deploying abc1234 to ${'e'.repeat(10)}…`);
  });

  it('shortens an environment of emoji without splitting a character', () => {
    const [action] = approvalCheckSection(view({ environment: '🚀'.repeat(30) })).actions;
    expect(action?.description.length).toBeLessThanOrEqual(40);
    expect(action?.description).toBe(`Approve deploying abc1234 to ${'🚀'.repeat(5)}…`);
  });

  it('caps the listed approvals', () => {
    const approvals = Array.from({ length: 80 }, (_, i) => ({ approver: `user${i}`, via: 'check_run' as const, at: at(12, 5) }));
    const text = approvalCheckSection(view({ required: 100, approvals })).text;
    expect(text).toContain('- @user49 by Approve button');
    expect(text).not.toContain('@user50 by');
    expect(text).toContain('- … and 30 more');
  });
});

describe('a request comment on a commit', () => {
  it('offers 👍 and the button, not the commands (commit comments are not read)', async () => {
    const { approvalCommentBody } = await import('../../src/deploy/approval-comment.ts');
    const view = {
      requestId: 3,
      deploymentId: 9,
      environment: 'production',
      sha: 'abc1234def5678901234567890abcdef12345678',
      required: 1,
      approvers: ['carol'],
      allowSelfApproval: false,
      requestedBy: 'alice',
      prefix: '/',
      onCommit: true,
      status: 'pending' as const,
      expiresAt: null,
      approvals: [],
      endReason: null,
      waitUntil: null,
      deployment: { status: 'waiting', reason: null, queuePosition: null, logUrl: null },
    };
    const body = approvalCommentBody(view, new Date(0));
    expect(body).not.toContain('/approve production');
    expect(body).toContain('react 👍 to this comment');
    expect(body).toContain('commands are not read on commit comments');
    expect(approvalCommentBody({ ...view, onCommit: false }, new Date(0))).toContain('/approve production');
  });
});
