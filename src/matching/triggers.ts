/**
 * Whether a pipeline's `on:` block applies to an event (SPEC §4), with the reasons
 * either way. Pure.
 */
import type { ShipgateEvent } from './event.ts';
import { filterName, filterPaths, type FilterOutcome } from './filters.ts';
import { DEFAULT_PULL_REQUEST_TYPES } from '../repo-config/schema.ts';

type List = string[] | undefined;

/** The `on:` block of a pipeline, as far as matching needs it. */
export interface PipelineTriggers {
  push?: { branches?: List; 'branches-ignore'?: List; paths?: List; 'paths-ignore'?: List } | undefined;
  pull_request?:
    | { types?: List; branches?: List; 'branches-ignore'?: List; paths?: List; 'paths-ignore'?: List }
    | undefined;
  tag?: { tags?: List; 'tags-ignore'?: List } | undefined;
  manual?: boolean | undefined;
}

/** Outcome of {@link matchTriggers}. */
export type TriggerOutcome = { ok: true; reasons: string[] } | { ok: false; reason: string };

/**
 * Applies the trigger for the event's kind: `on.push` (branch, then paths), `on.tag`
 * (tag only; paths do not apply), `on.pull_request` (action in `types`, base branch,
 * paths) or `on.manual`. Deletions never match.
 */
export function matchTriggers(event: ShipgateEvent, on: PipelineTriggers): TriggerOutcome {
  if (event.deleted) {
    const what = event.kind === 'tag' ? `tag '${event.tag ?? event.ref}'` : `branch '${event.branch ?? event.ref}'`;
    return { ok: false, reason: `${what} was deleted; deletions never start pipelines` };
  }
  switch (event.kind) {
    case 'push':
      return matchPush(event, on);
    case 'tag':
      return matchTag(event, on);
    case 'pull_request':
      return matchPullRequest(event, on);
    case 'manual':
      return on.manual === true
        ? { ok: true, reasons: ['on.manual is true, so it may be started by hand'] }
        : { ok: false, reason: 'on.manual is not true, so it cannot be started by hand' };
  }
}

function matchPush(event: ShipgateEvent, on: PipelineTriggers): TriggerOutcome {
  const push = on.push;
  if (!push) return { ok: false, reason: 'the pipeline has no on.push trigger' };
  return combine(
    filterName({
      subject: 'branch',
      name: event.branch ?? event.ref,
      include: push.branches,
      ignore: push['branches-ignore'],
      key: 'on.push.branches',
    }),
    () =>
      filterPaths({
        files: event.changedFiles,
        incomplete: event.changedFilesIncomplete,
        include: push.paths,
        ignore: push['paths-ignore'],
        key: 'on.push.paths',
        source: 'push',
      }),
  );
}

function matchTag(event: ShipgateEvent, on: PipelineTriggers): TriggerOutcome {
  const tag = on.tag;
  if (!tag) return { ok: false, reason: 'the pipeline has no on.tag trigger' };
  return combine(
    filterName({
      subject: 'tag',
      name: event.tag ?? event.ref,
      include: tag.tags,
      ignore: tag['tags-ignore'],
      key: 'on.tag.tags',
    }),
    () => undefined,
  );
}

function matchPullRequest(event: ShipgateEvent, on: PipelineTriggers): TriggerOutcome {
  const pullRequest = on.pull_request;
  if (!pullRequest) return { ok: false, reason: 'the pipeline has no on.pull_request trigger' };
  // The schema applies this default; smaller configs (tests, tools) may leave it out.
  const types: readonly string[] = pullRequest.types ?? DEFAULT_PULL_REQUEST_TYPES;
  const action = event.action ?? '';
  if (!types.includes(action)) {
    return { ok: false, reason: `pull request action '${action}' is not in on.pull_request.types (${types.join(', ')})` };
  }
  const actionReason = `pull request action '${action}' is in on.pull_request.types`;
  const outcome = combine(
    filterName({
      subject: 'base branch',
      name: event.baseBranch ?? '',
      include: pullRequest.branches,
      ignore: pullRequest['branches-ignore'],
      key: 'on.pull_request.branches',
    }),
    () =>
      filterPaths({
        files: event.changedFiles,
        incomplete: event.changedFilesIncomplete,
        include: pullRequest.paths,
        ignore: pullRequest['paths-ignore'],
        key: 'on.pull_request.paths',
        source: 'pull request',
      }),
  );
  return outcome.ok ? { ok: true, reasons: [actionReason, ...outcome.reasons] } : outcome;
}

function combine(names: FilterOutcome, paths: () => FilterOutcome | undefined): TriggerOutcome {
  if (!names.ok) return { ok: false, reason: names.reason };
  const pathOutcome = paths();
  if (!pathOutcome) return { ok: true, reasons: [names.reason] };
  if (!pathOutcome.ok) return { ok: false, reason: pathOutcome.reason };
  return { ok: true, reasons: [names.reason, pathOutcome.reason] };
}
