/**
 * What a notification says (pure): Slack's Block Kit message with its
 * fallback `text`, and the JSON body of an outgoing webhook
 * (`{type, timestamp, data}`, Standard Webhooks' recommended shape). Links go
 * to GitHub's web pages of the commit, pull request or environment.
 */
import type { NotifyEvent } from './events.ts';

/** Block Kit limits (Slack: header 150, section text 3000, button text 75, URLs 3000). */
export const SLACK_LIMITS = { header: 150, section: 3000, context: 3000, button: 75, url: 3000, text: 3000 } as const;

/** GitHub's web origin for an API base URL: github.com for api.github.com, the host for GHE's `/api/v3`. */
export function githubWebBase(apiBase: string): string {
  const url = new URL(apiBase);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

/** Web links of an event: the commit always; the pull request, issue and environment when there are. */
export interface EventLinks {
  commit: string;
  pullRequest?: string;
  issue?: string;
  environment?: string;
}

export function eventLinks(event: NotifyEvent, webBase: string): EventLinks {
  const repo = `${webBase}/${event.repository}`;
  const pr = 'pr' in event ? event.pr : null;
  return {
    commit: `${repo}/commit/${event.sha}`,
    ...(pr !== null ? { pullRequest: `${repo}/pull/${pr}` } : {}),
    ...(event.name === 'approval-requested' && event.pr === null && event.issue !== null ? { issue: `${repo}/issues/${event.issue}` } : {}),
    ...(event.name === 'deployment' && event.url !== null && /^https?:\/\//.test(event.url) ? { environment: event.url } : {}),
  };
}

/** Cuts text to `max` characters (an ellipsis marks the cut). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Escapes text for Slack mrkdwn: `&`, `<` and `>` (so a branch name cannot mention `<!channel>` or forge a link). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const short = (sha: string) => sha.slice(0, 7);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Where a run ran, in words: `main`, `PR #12`, tag `v1`. */
function runWhere(event: Extract<NotifyEvent, { name: 'failure' | 'recovery' }>): string {
  if (event.pr !== null) return `PR #${event.pr}`;
  if (event.tag !== null) return `tag ${event.tag}`;
  return event.branch ?? event.ref;
}

/** The headline and the detail lines of an event, as plain text (escaped for Slack by the caller). */
function describe(event: NotifyEvent): { headline: string; details: string[] } {
  switch (event.name) {
    case 'failure':
      return {
        headline: `❌ ${event.pipeline} ${event.conclusion === 'timed_out' ? 'timed out' : 'failed'} on ${runWhere(event)}`,
        details: [`Pipeline ${event.pipeline} of ${event.repository} ended ${event.conclusion} on ${short(event.sha)} (run #${event.runId}, ${event.trigger}${event.actor ? ` by @${event.actor}` : ''}).`],
      };
    case 'recovery':
      return {
        headline: `✅ ${event.pipeline} is green again on ${runWhere(event)}`,
        details: [`Pipeline ${event.pipeline} of ${event.repository} succeeded on ${short(event.sha)} (run #${event.runId}); the previous run #${event.previousRunId} ended ${event.previousConclusion}.`],
      };
    case 'deployment': {
      const headline =
        event.status === 'succeeded'
          ? `🚀 Deployed ${short(event.sha)} to ${event.environment}`
          : event.status === 'rolled-back'
            ? `↩️ Deploying ${short(event.sha)} to ${event.environment} failed and was rolled back`
            : `❌ Deploying ${short(event.sha)} to ${event.environment} failed`;
      const details = [`Deployment #${event.deploymentId} of ${event.repository} (${event.ref}), requested by @${event.requestedBy} (${event.source}).`];
      if (event.reason !== null && event.status !== 'succeeded') details.push(event.reason);
      return { headline, details };
    }
    case 'approval-requested': {
      const who = event.approvers.length > 0 ? ` from ${event.approvers.map((a) => (a.startsWith('@') ? a : `@${a}`)).join(', ')}` : '';
      const details = [`Deployment #${event.deploymentId} of ${event.repository} (${event.ref}) to ${event.environment} needs ${plural(event.required, 'approval')}${who}; requested by @${event.requestedBy}.`];
      if (event.expiresAt !== null) details.push(`The request expires at ${event.expiresAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`);
      return { headline: `✋ Approval needed to deploy ${short(event.sha)} to ${event.environment}`, details };
    }
  }
}

/** A Slack message: Block Kit `blocks` and the fallback `text` notifications and old clients show. */
export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** The Slack message of an event (pure). */
export function slackMessage(event: NotifyEvent, links: EventLinks): SlackMessage {
  const { headline, details } = describe(event);
  const button = (text: string, url: string, id: string) => ({ type: 'button', text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.button) }, url, action_id: id });
  const buttons = [
    ...(links.environment ? [button(`Open ${event.name === 'deployment' ? event.environment : 'environment'}`, links.environment, 'environment')] : []),
    ...(links.pullRequest ? [button('View pull request', links.pullRequest, 'pull-request')] : links.issue ? [button('View issue', links.issue, 'issue')] : []),
    button('View commit', links.commit, 'commit'),
  ].filter((b) => b.url.length <= SLACK_LIMITS.url);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, SLACK_LIMITS.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(details.map(slackEscape).join('\n'), SLACK_LIMITS.section) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(slackEscape(`${event.repository} · ${short(event.sha)} · ${event.ref}`), SLACK_LIMITS.context) }] },
    ...(buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : []),
  ];
  return { text: truncate(slackEscape(`${headline} (${event.repository})`), SLACK_LIMITS.text), blocks };
}

/** The `type` of an event's webhook body: `shipgate.<event>`. */
export function webhookType(event: NotifyEvent): string {
  return `shipgate.${event.name}`;
}

/** The JSON body of an outgoing webhook (pure): the same bytes on every try of the same event. */
export function webhookBody(event: NotifyEvent, links: EventLinks): string {
  const { name: _name, at, ...data } = event;
  return JSON.stringify({ type: webhookType(event), timestamp: at, data: { ...data, links } });
}
