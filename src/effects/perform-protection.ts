/**
 * Performs `protection-callback` (SPEC §6): a status report (a comment only)
 * or the answer (`approved` / `rejected` with a comment) of a custom deployment
 * protection rule, through `POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule`
 * — built from the recorded repository and run, never from a URL in a payload,
 * so the installation's token goes only to GitHub. 5xx and rate limits are
 * retried by the runner; a 422 means GitHub has decided already (another rule,
 * a reviewer, the run cancelled): recorded, not retried.
 */
import { z } from 'zod';
import type { EngineDeps } from '../engine/deps.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { toJsonb } from '../store/json.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import type { Effect } from '../store/schema/index.ts';
import type { PerformOutcome, Performer } from './runner.ts';

const payloadSchema = z.object({
  owner: z.string(),
  repo: z.string(),
  runId: z.number().int().positive(),
  environment: z.string(),
  comment: z.string(),
  state: z.enum(['approved', 'rejected']).optional(),
  protectionRequestId: z.number().int().positive().optional(),
});

export function protectionCallbackPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = payloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed protection-callback effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'protection-callback effect without an installation' };
    const { owner, repo, runId, environment, comment, state, protectionRequestId } = parsed.data;
    const octokit = await deps.github(effect.installation_id);
    try {
      await octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
        owner,
        repo,
        run_id: runId,
        environment_name: environment,
        comment,
        ...(state ? { state } : {}),
      });
    } catch (err) {
      if (statusOf(err) !== 422) throw err;
      // Decided already (or no longer waiting): nothing to retry; the record says what GitHub answered.
      const message = githubMessage(err);
      deps.log.info({ owner, repo, runId, environment, state: state ?? 'report', message }, 'deployment protection rule already decided');
      if (protectionRequestId !== undefined && state) {
        await deps.db.updateTable('protection_requests').set({ answer: toJsonb({ state, comment, github: `HTTP 422: ${message}` }) }).where('id', '=', protectionRequestId).execute();
      }
      await appendAudit(deps.db, { actor: 'shipgate', action: 'protection.answer', outcome: 'already-decided', owner, repo, target: `workflow_run:${runId}`, details: { environment, state: state ?? null, message }, at: new Date(deps.clock.now()) });
      return { kind: 'done' };
    }
    if (state) await appendAudit(deps.db, { actor: 'shipgate', action: 'protection.answer', outcome: state, owner, repo, target: `workflow_run:${runId}`, details: { environment, comment }, at: new Date(deps.clock.now()) });
    return { kind: 'done' };
  };
}
