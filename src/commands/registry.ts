/**
 * The comment commands: one table that the help text, the parser's checks and
 * the dispatcher read. A later command is one more row (and its handler).
 */
import type { Role } from '../github/permissions.ts';
import type { Reason } from '../engine/reasons.ts';
import type { CommandContext } from './context.ts';
import { runCancel, runOkToTest, runRetry } from './handlers/pipeline-commands.ts';
import { runManual } from './handlers/run-command.ts';
import { OVERRIDE_USAGE, runOverride } from './handlers/override-command.ts';
import { runDeploy, runRollback } from './handlers/deploy-commands.ts';
import { runLock, runUnlock } from './handlers/lock-commands.ts';
import { APPROVE_USAGE, REJECT_USAGE, runApprove, runReject } from './handlers/approval-commands.ts';
import { runStatus } from './handlers/status-command.ts';

/** What a command did: done (with what to say, if anything), or refused with a reason. */
export type CommandResult =
  | { kind: 'done'; message?: string; sha?: string; details?: Record<string, unknown>; showHelp?: boolean; /** Say `message` in a reply (a queue position, a lock), not only with 🚀. */ reply?: boolean }
  | { kind: 'refused'; reason: Reason; sha?: string };

export interface CommandSpec {
  name: string;
  aliases: readonly string[];
  /** The least repository role that may run it (SPEC §7). */
  permission: Role;
  /** How many arguments it takes, and how to write it (without the prefix). */
  arguments: { min: number; max: number; usage: string };
  summary: string;
  run: (context: CommandContext) => Promise<CommandResult>;
}

async function runHelp(): Promise<CommandResult> {
  return { kind: 'done', message: 'the commands are below', showHelp: true };
}

export const COMMANDS = [
  { name: 'help', aliases: [], permission: 'read', arguments: { min: 0, max: 0, usage: 'help' }, summary: 'lists the commands this repository allows', run: runHelp },
  {
    name: 'status',
    aliases: [],
    permission: 'read',
    arguments: { min: 0, max: 0, usage: 'status' },
    summary: "the runs of the pull request's head commit in one comment, updated in place when asked again",
    run: runStatus,
  },
  {
    name: 'run',
    aliases: [],
    permission: 'write',
    arguments: { min: 1, max: 1, usage: 'run PIPELINE' },
    summary: "starts a pipeline that has `on.manual: true` on the pull request's head commit (on an issue: the default branch)",
    run: runManual,
  },
  {
    name: 'retry',
    aliases: ['retest'],
    permission: 'write',
    arguments: { min: 0, max: 32, usage: 'retry [PIPELINE] [JOB…]' },
    summary: "re-runs only the failed jobs of the latest runs of the pull request's head commit",
    run: runRetry,
  },
  {
    name: 'cancel',
    aliases: [],
    permission: 'write',
    arguments: { min: 0, max: 1, usage: 'cancel [PIPELINE]' },
    summary: "cancels the runs of the pull request's head commit that are still going",
    run: runCancel,
  },
  {
    name: 'ok-to-test',
    aliases: [],
    permission: 'write',
    arguments: { min: 0, max: 0, usage: 'ok-to-test' },
    summary: "lets a fork's pull request run at its current head commit (a new push waits again)",
    run: runOkToTest,
  },
  {
    name: 'deploy',
    aliases: [],
    permission: 'write',
    arguments: { min: 0, max: 2, usage: 'deploy ENV [SHA|BRANCH]' },
    summary: "deploys the pull request's head commit (or SHA, or BRANCH's head) to ENV with its `workflow:`, through ENV's policy and queue",
    run: runDeploy,
  },
  {
    name: 'approve',
    aliases: [],
    // Checked by the handler: a listed approver (or an active member of a listed team), not the requester, with read access.
    permission: 'read',
    arguments: { min: 0, max: 1, usage: APPROVE_USAGE },
    summary: 'approves the deployment to ENV that waits for approval here (for its approvers; counts once per person, for this commit only)',
    run: runApprove,
  },
  {
    name: 'reject',
    aliases: [],
    permission: 'read',
    arguments: { min: 0, max: 100, usage: REJECT_USAGE },
    summary: 'rejects the deployment to ENV that waits for approval here, with an optional reason (for its approvers)',
    run: runReject,
  },
  {
    name: 'rollback',
    aliases: [],
    permission: 'write',
    arguments: { min: 1, max: 3, usage: 'rollback ENV [to DEPLOYMENT_ID|SHA]' },
    summary: 'redeploys the last commit that deployed to ENV successfully before the current one (or the one named)',
    run: runRollback,
  },
  {
    name: 'lock',
    aliases: [],
    permission: 'write',
    arguments: { min: 1, max: 100, usage: 'lock ENV [reason…]' },
    summary: 'locks ENV: nobody else deploys there until `unlock`',
    run: runLock,
  },
  {
    name: 'unlock',
    aliases: [],
    permission: 'write',
    arguments: { min: 1, max: 1, usage: 'unlock ENV' },
    summary: 'releases your lock on ENV (an admin may release anyone’s)',
    run: runUnlock,
  },
  {
    name: 'override',
    aliases: [],
    // Checked by the handler: an admin, or an approver of an environment the pipeline deploys.
    permission: 'read',
    arguments: { min: 1, max: 200, usage: OVERRIDE_USAGE },
    summary: 'sets a failed quality gate aside for this commit, with a reason (audited); for admins and approvers of an environment the pipeline deploys',
    run: runOverride,
  },
] as const satisfies readonly CommandSpec[];

/** The command a name or alias (lower case) stands for. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name || (command.aliases as readonly string[]).includes(name));
}

/** Why the arguments do not fit the command, or undefined when they do. */
export function argumentProblem(spec: CommandSpec, args: readonly string[]): string | undefined {
  if (args.length < spec.arguments.min) return `\`${spec.name}\` needs ${spec.arguments.min === 1 ? 'an argument' : `${spec.arguments.min} arguments`}`;
  if (args.length > spec.arguments.max) return `\`${spec.name}\` takes ${spec.arguments.max === 0 ? 'no arguments' : `at most ${spec.arguments.max}`}`;
  return undefined;
}

/** The help text: every command with its permission, written with the prefix in use. */
export function helpText(prefix: string): string {
  const rows = COMMANDS.map((command) => {
    const aliases = command.aliases.length > 0 ? ` (also ${(command.aliases as readonly string[]).map((a) => `\`${prefix}${a}\``).join(', ')})` : '';
    return `| \`${prefix}${command.arguments.usage}\`${aliases} | ${command.permission} | ${command.summary} |`;
  });
  return ['**shipgate commands** (one per line, at the start of the line):', '', '| command | needs | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}
