/** The dashboard's tests: the app against the simulator with a dashboard token, and rows written straight to the store. */
import { startAcmeHarness } from '../helpers/acme-harness.ts';
import type { DatabaseTarget } from '../helpers/databases.ts';
import type { Harness, HarnessOptions } from '../helpers/harness.ts';
import { DAG_CONFIG } from '../helpers/repo-fixtures.ts';
import { createDeployment, transitionDeployment } from '../../src/store/repos/deployments.ts';
import { createApprovalRequest, recordApproval } from '../../src/store/repos/approvals.ts';
import { acquireLock } from '../../src/store/repos/locks.ts';
import { createPipelineRun, updatePipelineRun } from '../../src/store/repos/pipeline-runs.ts';
import type { Store } from '../../src/store/db.ts';
import type { Conclusion, JsonObject, PipelineRun } from '../../src/store/schema/index.ts';

/** The dashboard token of these tests. */
export const TOKEN = 'test-dashboard-token-5f0c2b9e';
export const XSS = '<img src=x onerror=alert(1)>';
export const SHA = 'abc1234def5678901234567890abcdef12345678';

/** The plan of a seeded run: one stage, one job. */
const ONE_STAGE_PLAN: JsonObject = { stages: { build: { needs: [], jobs: { app: { workflow: 'build.yml', inputs: {}, 'continue-on-error': false } } } }, context: {} };

/** The app (acme/api with the DAG pipeline, or `shipgateYml`) with `DASHBOARD_TOKEN` set to {@link TOKEN}, unless `token` says otherwise. */
export function startDashboardHarness(target: DatabaseTarget, options: HarnessOptions & { token?: string | undefined; shipgateYml?: string } = {}): Promise<Harness> {
  const { token, shipgateYml = DAG_CONFIG, ...rest } = options;
  // `token: undefined` given on purpose: no dashboard token at all.
  const dashboardToken = 'token' in options ? token : TOKEN;
  return startAcmeHarness(target, shipgateYml, { ...rest, config: { ...rest.config, dashboardToken } });
}

/** A GET of the dashboard with the bearer token (or the given headers), not following redirects. */
export function getPage(h: Harness, path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Response> {
  return fetch(`${h.app.url}${path}`, { headers, redirect: 'manual' });
}

/** A pipeline run written straight to the store (no workflow behind it): completed with `conclusion` (default success), or in progress when it is null. */
export async function seedRun(
  store: Store,
  fields: { pipeline?: string; ref?: string; owner?: string; repo?: string; sha?: string; actor?: string; conclusion?: Conclusion | null; at?: Date; plan?: JsonObject } = {},
): Promise<PipelineRun> {
  const at = fields.at ?? new Date(Date.UTC(2026, 0, 10, 12));
  const pipeline = fields.pipeline ?? 'ci';
  const ref = fields.ref ?? 'refs/heads/main';
  const { pipelineRun } = await createPipelineRun(store.db, {
    installation_id: 1,
    owner: fields.owner ?? 'acme',
    repo: fields.repo ?? 'api',
    pipeline,
    trigger: 'push',
    ref,
    sha: fields.sha ?? SHA,
    actor: fields.actor ?? 'alice',
    concurrency_key: `${pipeline}:${ref}`,
    plan: fields.plan ?? ONE_STAGE_PLAN,
    now: at,
  });
  // Seeded runs are not for the engine to advance.
  const conclusion = fields.conclusion === undefined ? 'success' : fields.conclusion;
  const changes = conclusion === null ? { status: 'in_progress' as const, started_at: at, advance_due_at: null } : { status: 'completed' as const, conclusion, started_at: at, completed_at: new Date(at.getTime() + 90_000), advance_due_at: null };
  return (await updatePipelineRun(store.db, pipelineRun.id, changes, { now: at })) ?? pipelineRun;
}

/** A production environment with one succeeded deployment, one queued behind it, a lock, and a pending approval request on the queued one. */
export async function seedDeployments(store: Store, names: { environment?: string; requestedBy?: string; at?: Date } = {}): Promise<{ succeeded: number; queued: number; approvalRequest: number }> {
  const environment = names.environment ?? 'production';
  const requestedBy = names.requestedBy ?? 'alice';
  const at = names.at ?? new Date(Date.UTC(2026, 0, 10, 12));
  const base = { installation_id: 1, owner: 'acme', repo: 'api', environment, ref: 'main', source: 'command' as const, ref_branches: ['main'], policy: {} };
  const done = await createDeployment(store.db, { ...base, sha: 'fff0000111122223333444455556666777788889', requested_by: 'bob', now: at });
  await transitionDeployment(store.db, done.id, 'succeeded', { actor: 'shipgate', now: new Date(at.getTime() + 60_000) });
  const queued = await createDeployment(store.db, { ...base, sha: SHA, requested_by: requestedBy, now: new Date(at.getTime() + 120_000) });
  await transitionDeployment(store.db, queued.id, 'waiting', { actor: 'shipgate', now: new Date(at.getTime() + 120_000) });
  await acquireLock(store.db, { owner: 'acme', repo: 'api', environment, holder: 'carol', reason: 'release freeze', now: at });
  const { approvalRequest } = await createApprovalRequest(store.db, {
    deployment_id: queued.id,
    owner: 'acme',
    repo: 'api',
    environment,
    sha: SHA,
    required: 2,
    expires_at: null,
    requested_by: requestedBy,
    approvers: ['bob', '@acme/sre'],
    allow_self_approval: false,
    comment_kind: 'commit',
    now: new Date(at.getTime() + 120_000),
  });
  await recordApproval(store.db, { approval_request_id: approvalRequest.id, approver: 'bob', sha: SHA, via: 'command', now: new Date(at.getTime() + 180_000) });
  return { succeeded: done.id, queued: queued.id, approvalRequest: approvalRequest.id };
}
