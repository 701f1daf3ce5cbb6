/** The schema of a pipeline's `on:` (SPEC §4): push, pull_request, tag and manual triggers. */
import { z } from 'zod';
import { patternList } from './schema-primitives.ts';

/** Pull request activity types, as GitHub names them in `pull_request` webhooks. */
export const PULL_REQUEST_TYPES = [
  'assigned',
  'unassigned',
  'labeled',
  'unlabeled',
  'opened',
  'edited',
  'closed',
  'reopened',
  'synchronize',
  'converted_to_draft',
  'ready_for_review',
  'locked',
  'unlocked',
  'review_requested',
  'review_request_removed',
  'auto_merge_enabled',
  'auto_merge_disabled',
  'milestoned',
  'demilestoned',
  'enqueued',
  'dequeued',
] as const;

/** The pull request types that start pipelines when `types` is not given. */
export const DEFAULT_PULL_REQUEST_TYPES: Array<(typeof PULL_REQUEST_TYPES)[number]> = ['opened', 'synchronize', 'reopened'];

const pushTriggerSchema = z
  .strictObject({
    branches: patternList('Branches whose pushes start the pipeline (filter patterns, `!` to exclude). Not together with `branches-ignore`.').optional(),
    'branches-ignore': patternList('Branches whose pushes never start the pipeline. Not together with `branches`.').optional(),
    paths: patternList('Start only when a changed file matches (filter patterns, `!` to exclude). Not together with `paths-ignore`.').optional(),
    'paths-ignore': patternList('Do not start when every changed file matches these patterns. Not together with `paths`.').optional(),
  })
  .describe('Run on pushes to branches');
type PushTrigger = z.output<typeof pushTriggerSchema>;

const pullRequestTriggerSchema = z
  .strictObject({
    types: z
      .array(z.enum(PULL_REQUEST_TYPES).describe('A pull_request activity type'))
      .default([...DEFAULT_PULL_REQUEST_TYPES])
      .describe('Pull request actions that start the pipeline (default: opened, synchronize, reopened)'),
    branches: patternList('Base branches of the pull request (filter patterns). Not together with `branches-ignore`.').optional(),
    'branches-ignore': patternList('Base branches whose pull requests never start the pipeline. Not together with `branches`.').optional(),
    paths: patternList('Start only when a file changed by the pull request matches. Not together with `paths-ignore`.').optional(),
    'paths-ignore': patternList('Do not start when every changed file matches these patterns. Not together with `paths`.').optional(),
  })
  .describe('Run on pull request activity; the run builds the head sha');
type PullRequestTrigger = z.output<typeof pullRequestTriggerSchema>;

const tagTriggerSchema = z
  .strictObject({
    tags: patternList('Tags whose pushes start the pipeline (filter patterns). Not together with `tags-ignore`.').optional(),
    'tags-ignore': patternList('Tags whose pushes never start the pipeline. Not together with `tags`.').optional(),
  })
  .describe('Run on tag pushes (paths do not apply)');
type TagTrigger = z.output<typeof tagTriggerSchema>;

/** A pipeline's `on`: the events that start it. */
export const triggersSchema = z
  .strictObject({
    // `push:` with no value (as in Actions workflows) means every branch.
    push: pushTriggerSchema
      .nullable()
      .transform((value): PushTrigger => value ?? {})
      .optional()
      .describe('Run on pushes to branches; an empty value means every branch'),
    pull_request: pullRequestTriggerSchema
      .nullable()
      .transform((value): PullRequestTrigger => value ?? { types: [...DEFAULT_PULL_REQUEST_TYPES] })
      .optional()
      .describe('Run on pull request activity; an empty value means the default types on every base branch'),
    tag: tagTriggerSchema
      .nullable()
      .transform((value): TagTrigger => value ?? {})
      .optional()
      .describe('Run on tag pushes; an empty value means every tag'),
    manual: z.boolean().default(false).describe('Whether the pipeline may be started with the `/run PIPELINE` command'),
  })
  .describe('Events that start the pipeline');
