/** The schema of `commands` (SPEC §7) and `notifications` (SPEC §12). */
import { z } from 'zod';
import { isPrivateHostLiteral } from '../notify/addresses.ts';

/** Events notifications are sent for (SPEC §12). */
export const NOTIFICATION_EVENTS = ['failure', 'recovery', 'deployment', 'approval-requested'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** Events that may be sent to Slack: every notification event. */
export const SLACK_EVENTS = NOTIFICATION_EVENTS;

/** Outgoing webhooks one config may list. */
export const MAX_NOTIFICATION_WEBHOOKS = 10;

const eventsSchema = (what: string) =>
  z
    .array(z.enum(NOTIFICATION_EVENTS).describe('An event to notify about: failure, recovery, deployment or approval-requested'))
    .default([...NOTIFICATION_EVENTS])
    .describe(`Events sent to ${what} (default: all)`);

/**
 * An outgoing webhook's URL: https, or plain http to a private address literal
 * (127.0.0.1, 10.x, …, `localhost`), which is sent to only when the operator
 * sets SHIPGATE_ALLOW_PRIVATE_URLS=1. Names are checked again, on every address
 * they resolve to, when sending.
 */
const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'expected an https URL' })
  .max(2048)
  .refine((text) => !/^http:/i.test(text) || isPrivateHostLiteral(new URL(text).hostname), {
    error: 'use https: plain http is accepted only for a private address (127.0.0.1, 10.x, 192.168.x, localhost), sent to only with SHIPGATE_ALLOW_PRIVATE_URLS=1',
  })
  .describe('Where to POST: https (plain http only to a private address, which needs SHIPGATE_ALLOW_PRIVATE_URLS=1)');

/** `commands`: how comment commands are written. */
export const commandsSchema = z
  .strictObject({
    prefix: z
      .string()
      .min(1, { error: 'the command prefix must not be empty' })
      .max(32)
      .regex(/^[^\s][^\r\n]*$/, { error: 'the command prefix must start with a non-space character and fit on one line' })
      .default('/')
      .describe("Prefix of comment commands: '/' for /deploy, 'shipgate ' for /shipgate deploy"),
  })
  .describe('Comment commands (read from the default branch only)');

/** `notifications`: where shipgate reports (read from the default branch only). */
export const notificationsSchema = z
  .strictObject({
    slack: z
      .strictObject({ on: eventsSchema('SLACK_WEBHOOK_URL') })
      .optional()
      .describe('Slack notifications (the incoming webhook URL comes from SLACK_WEBHOOK_URL; unset, they are skipped and logged)'),
    webhooks: z
      .array(z.strictObject({ url: webhookUrlSchema, on: eventsSchema('this URL') }).describe('An outgoing webhook, signed per Standard Webhooks with SHIPGATE_WEBHOOK_SECRET'))
      .max(MAX_NOTIFICATION_WEBHOOKS, { error: `at most ${MAX_NOTIFICATION_WEBHOOKS} webhooks` })
      .optional()
      .describe('Outgoing webhooks: each gets a signed JSON POST {type, timestamp, data} per event'),
  })
  .describe('Notifications');
