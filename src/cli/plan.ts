/**
 * `shipgate plan`: the matching of SPEC §4, offline. Reads a config file, builds the
 * event described by the flags, and prints which pipelines, stages and jobs would
 * run and why the others would not.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import type { ShipgateEvent } from '../matching/event.ts';
import { formatMatchResult, matchResultToJson } from '../matching/format-match.ts';
import { matchEvent } from '../matching/match-event.ts';
import { formatIssue, parseConfigText } from '../repo-config/parse.ts';

/** Default config path, relative to the working directory (a repository root). */
export const DEFAULT_CONFIG_PATH = '.github/shipgate.yml';

const EVENTS = ['push', 'pull_request', 'tag', 'manual'] as const;
type PlanEventName = (typeof EVENTS)[number];

/** The flags of `shipgate plan`, as commander hands them over. */
interface PlanOptions {
  config: string;
  event?: string;
  ref?: string;
  base?: string;
  changed?: string;
  action: string;
  labels?: string;
  sha: string;
  actor: string;
  json?: boolean;
}

const EXAMPLES = `
The event is matched exactly as the app would match a webhook: filter patterns
follow GitHub Actions (*, **, ?, +, [], !), stage if: conditions are evaluated.

Examples:
  $ shipgate plan --event push --ref main --changed src/app.ts,README.md
  $ shipgate plan --event push --ref refs/heads/release/v2 --changed src/api.ts
  $ shipgate plan --event tag --ref v1.2.0
  $ shipgate plan --event pull_request --ref feature/login --base main --changed src/login.ts
  $ shipgate plan --event pull_request --ref fix-typo --base main --action synchronize --changed docs/a.md --json
  $ shipgate plan --config ci/shipgate.yml --event manual --ref main

Exit codes: 0 when the plan is printed (even when nothing would run), 1 when the
config is invalid, 2 on bad usage.`;

/** Registers `shipgate plan` on the program. */
export function registerPlanCommand(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('Show which pipelines, stages and jobs an event would start, and why the others would not')
    .option('--config <file>', 'config file to read', DEFAULT_CONFIG_PATH)
    .option('--event <event>', `event to simulate: ${EVENTS.join(' | ')}`)
    .option('--ref <ref>', 'branch or tag: main, refs/heads/main, v1.2.0, refs/tags/v1.2.0 (pull_request: the head branch)')
    .option('--base <branch>', 'base branch of the pull request (required with --event pull_request)')
    .option('--changed <paths>', 'comma-separated changed paths, for path filters (push and pull_request)')
    .option('--action <action>', 'pull request action', 'opened')
    .option('--labels <labels>', 'comma-separated pull request labels, for if: conditions')
    .option('--sha <sha>', 'commit sha, for if: conditions and inputs', '0000000000000000000000000000000000000000')
    .option('--actor <login>', 'user who caused the event, for if: conditions', 'shipgate-plan')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', EXAMPLES)
    .action((options: PlanOptions) => {
      runPlan(options, io);
    });
}

function runPlan(options: PlanOptions, io: CliIo): void {
  const event = eventFromOptions(options);
  if (!event.ok) {
    io.stderr(`shipgate plan: ${event.error}`);
    io.stderr("Run 'shipgate plan --help' for usage and examples.");
    io.setExitCode(2);
    return;
  }
  let text: string;
  try {
    text = readFileSync(options.config, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    io.stderr(`shipgate plan: cannot read config file ${options.config}: ${reason}`);
    io.stderr('Pass the file with --config FILE (default: .github/shipgate.yml in the current directory).');
    io.setExitCode(2);
    return;
  }
  const parsed = parseConfigText(text, options.config);
  if (!parsed.ok) {
    for (const error of parsed.errors) io.stderr(formatIssue(error));
    io.stderr(`shipgate plan: ${options.config} is invalid (${parsed.errors.length} error${parsed.errors.length === 1 ? '' : 's'})`);
    io.setExitCode(1);
    return;
  }
  for (const warning of parsed.warnings) io.stderr(`warning: ${formatIssue(warning)}`);
  const result = matchEvent(event.event, parsed.config);
  if (options.json) io.stdout(JSON.stringify(matchResultToJson(result), null, 2));
  else io.stdout(formatMatchResult(event.event, result, options.config));
  io.setExitCode(0);
}

type EventFromOptions = { ok: true; event: ShipgateEvent } | { ok: false; error: string };

/** Builds the simulated event from the flags, or says which flag is wrong. */
export function eventFromOptions(options: PlanOptions): EventFromOptions {
  if (options.event === undefined) {
    return { ok: false, error: `--event is required (one of: ${EVENTS.join(', ')})` };
  }
  if (!(EVENTS as readonly string[]).includes(options.event)) {
    return { ok: false, error: `unknown event '${options.event}'; use one of: ${EVENTS.join(', ')}` };
  }
  const name = options.event as PlanEventName;
  if (options.ref === undefined || options.ref.trim() === '') {
    return { ok: false, error: `--ref is required: the ${name === 'tag' ? 'tag' : 'branch'} the event is for (e.g. --ref ${name === 'tag' ? 'v1.2.0' : 'main'})` };
  }
  const ref = parseRef(options.ref.trim(), name);
  if (!ref.ok) return ref;

  const event: ShipgateEvent = {
    kind: ref.kind,
    ref: ref.kind === 'tag' ? `refs/tags/${ref.name}` : `refs/heads/${ref.name}`,
    sha: options.sha,
    actor: options.actor,
    labels: splitList(options.labels) ?? [],
    repository: 'local/plan',
    payload: {},
  };
  if (ref.kind === 'tag') event.tag = ref.name;
  else event.branch = ref.name;
  const changed = splitList(options.changed);
  if (changed && ref.kind !== 'tag') event.changedFiles = changed;

  if (name === 'pull_request') {
    if (options.base === undefined || options.base.trim() === '') {
      return { ok: false, error: '--base is required with --event pull_request: the branch the pull request targets (e.g. --base main)' };
    }
    event.baseBranch = stripPrefix(options.base.trim(), 'refs/heads/');
    event.action = options.action;
    event.pr = 1;
    event.fork = false;
    event.payload = { action: options.action, number: 1 };
  } else if (options.base !== undefined) {
    return { ok: false, error: '--base only applies to --event pull_request' };
  }
  event.payload = { ...event.payload, ref: event.ref, after: event.sha };
  return { ok: true, event };
}

type ParsedRef = { ok: true; kind: ShipgateEvent['kind']; name: string } | { ok: false; error: string };

function parseRef(ref: string, event: PlanEventName): ParsedRef {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  if ((branch ?? tag) === '') return { ok: false, error: `--ref '${ref}' names no branch or tag` };
  if (branch === undefined && tag === undefined && ref.startsWith('refs/')) {
    return { ok: false, error: `--ref '${ref}' is neither refs/heads/… nor refs/tags/…; pass a branch or tag name` };
  }
  switch (event) {
    case 'tag':
      if (branch !== undefined) return { ok: false, error: `--ref '${ref}' is a branch; use --event push for branches` };
      return { ok: true, kind: 'tag', name: tag ?? ref };
    case 'pull_request':
      if (tag !== undefined) return { ok: false, error: `--ref '${ref}' is a tag; a pull request's --ref is its head branch` };
      return { ok: true, kind: 'pull_request', name: branch ?? ref };
    case 'push':
      // A push of refs/tags/… is a tag push, as in the webhook.
      return tag !== undefined ? { ok: true, kind: 'tag', name: tag } : { ok: true, kind: 'push', name: branch ?? ref };
    case 'manual':
      return tag !== undefined ? { ok: false, error: `--ref '${ref}' is a tag; manual runs start on a branch` } : { ok: true, kind: 'manual', name: branch ?? ref };
  }
}

/** `a, b,,c` → `['a', 'b', 'c']`; `undefined` when the flag was not given. */
function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function stripPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}
