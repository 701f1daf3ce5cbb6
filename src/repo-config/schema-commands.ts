/** The schema of `commands` (SPEC §7) and `notifications` (SPEC §12). */
import { z } from 'zod';

/** Events that may be sent to Slack. */
export const SLACK_EVENTS = ['failure', 'recovery', 'deployment', 'approval-requested'] as const;

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

/** `notifications`: where shipgate reports. */
export const notificationsSchema = z
  .strictObject({
    slack: z
      .strictObject({
        on: z
          .array(z.enum(SLACK_EVENTS).describe('An event to notify about'))
          .default([...SLACK_EVENTS])
          .describe('Events sent to SLACK_WEBHOOK_URL (default: all)'),
      })
      .optional()
      .describe('Slack notifications (the webhook URL comes from SLACK_WEBHOOK_URL)'),
  })
  .describe('Notifications');
