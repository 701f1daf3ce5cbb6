import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from './io.ts';
import { addDatabaseOptions, withStore, type DatabaseOptions } from './deliveries.ts';
import { DURATION_PATTERN, parseDuration } from '../repo-config/duration.ts';
import { findAudit } from '../store/repos/audit-log.ts';

interface AuditOptions extends DatabaseOptions {
  repo?: { owner: string; repo: string };
  since?: number;
  json?: boolean;
  limit: number;
}

function repoArgument(value: string): { owner: string; repo: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError('expected OWNER/REPO');
  return { owner: match[1], repo: match[2] };
}

function durationArgument(value: string): number {
  if (!DURATION_PATTERN.test(value)) throw new InvalidArgumentError('expected a duration such as 30m, 12h or 7d');
  return parseDuration(value);
}

function limitArgument(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/**
 * `shipgate audit [--repo O/R] [--since 7d] [--json] [--limit N]`: the audit log
 * (commands, buttons, decisions), newest first: when, who, what, outcome code,
 * where, and the command's arguments, pull request and sha.
 */
export function registerAuditCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): void {
  const audit = program
    .command('audit')
    .description('List the audit log (comment commands, check-run buttons, decisions), newest first')
    .option('--repo <owner/repo>', 'only this repository', repoArgument)
    .option('--since <duration>', 'only entries this recent (30m, 12h, 7d)', durationArgument)
    .option('--json', 'one JSON array')
    .option('--limit <n>', 'at most this many', limitArgument, 200);
  addDatabaseOptions(audit).action(async (options: AuditOptions) => {
    await withStore('audit', options, io, env, async (store) => {
      const rows = await findAudit(store.db, {
        ...(options.repo ?? {}),
        ...(options.since !== undefined ? { since: new Date(now() - options.since) } : {}),
        limit: options.limit,
      });
      if (options.json) {
        io.stdout(JSON.stringify(rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, action: r.action, outcome: r.outcome, repository: r.owner && r.repo ? `${r.owner}/${r.repo}` : null, target: r.target, details: r.details }))));
        return;
      }
      if (rows.length === 0) {
        io.stdout('no audit entries');
        return;
      }
      for (const r of rows) {
        const details = r.details as { command?: unknown; sha?: unknown };
        const what = typeof details.command === 'string' ? `  ${details.command}` : '';
        const sha = typeof details.sha === 'string' ? `  @${details.sha.slice(0, 7)}` : '';
        io.stdout(`${r.at.toISOString()}  ${r.actor}  ${r.action}  ${r.outcome}  ${r.owner ?? '-'}/${r.repo ?? '-'}  ${r.target ?? '-'}${sha}${what}`);
      }
    });
  });
}
