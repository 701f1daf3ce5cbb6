/**
 * Webhooks from other CI providers (SPEC §13), which make shipgate learn of a
 * run's end at once instead of at its next poll; polling stays the backstop.
 *
 * - `POST /api/v1/providers/gitlab/webhook`: GitLab's Pipeline Hook, verified
 *   by `X-Gitlab-Token` against `GITLAB_WEBHOOK_TOKEN`. Its status is applied
 *   to the job whose pipeline it is (project and pipeline ids must both match).
 * - `POST /api/v1/providers/jenkins/webhook`: the Notification plugin's post.
 *   The plugin cannot sign, so the post is only a hint: the build it names is
 *   polled at once through Jenkins's authenticated API. With
 *   `JENKINS_WEBHOOK_TOKEN` set the post must carry `?token=<it>`.
 *
 * A hook for a run shipgate does not track is acknowledged (202) and ignored;
 * a forged one gets 401; a body that is not such a hook gets 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineDeps } from '../engine/deps.ts';
import { applyAttemptStatus } from '../engine/track-runs.ts';
import { recordDispatch, recordJobPoll } from '../effects/kinds.ts';
import { readBodyWithin } from '../intake/body-limit.ts';
import { constantTimeEqual } from '../dashboard/auth.ts';
import { mapGitLabStatus, parsePipelineHook, tokenMatches } from '../providers/gitlab/gitlab-data.ts';
import { parseJenkinsNotification } from '../providers/jenkins/jenkins-data.ts';
import { gitlabExternalId, jenkinsBuildId } from '../providers/external-ids.ts';
import type { ProviderSettings } from '../providers/settings.ts';
import { findJobAttemptByCorrelation, findJobAttemptByExternalId } from '../store/repos/job-attempts.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import type { JobAttempt, JobProviderName } from '../store/schema/index.ts';
import { sendJson } from './job-status.ts';
import type { HttpHandler } from './handler.ts';

export const GITLAB_HOOK_PATH = '/api/v1/providers/gitlab/webhook';
export const JENKINS_HOOK_PATH = '/api/v1/providers/jenkins/webhook';

/** GitLab's pipeline hooks carry the builds too; 1 MiB is ample. */
const MAX_HOOK_BYTES = 1024 * 1024;

/** The correlation id's variable or parameter on both providers. */
const CORRELATION_NAME = 'SHIPGATE_RUN';

export interface ProviderHookOptions {
  engine: () => EngineDeps | undefined;
  settings: ProviderSettings | undefined;
  onError?: (error: unknown) => void;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<{ ok: true; body: unknown } | { ok: false }> {
  const read = await readBodyWithin(req, MAX_HOOK_BYTES);
  if (!read.ok) {
    sendJson(res, 413, { error: 'too-large', message: `a hook is at most ${MAX_HOOK_BYTES} bytes` });
    return { ok: false };
  }
  try {
    return { ok: true, body: JSON.parse(read.body.toString('utf8')) };
  } catch {
    sendJson(res, 400, { error: 'bad-json', message: 'the body must be JSON' });
    return { ok: false };
  }
}

/** A start whose answer was lost: its dispatch effect resolves it now (by the correlation id) instead of after its back-off. */
async function resolveNow(engine: EngineDeps, attempt: JobAttempt): Promise<void> {
  const run = await getPipelineRun(engine.db, attempt.pipeline_run_id);
  if (!run) return;
  await recordDispatch(engine.db, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now: new Date(engine.clock.now()), again: 'now' });
  engine.effects?.kick();
}

/** The attempt a provider's run belongs to: by the run's id, else by the correlation id it carries. */
async function attemptFor(engine: EngineDeps, provider: JobProviderName, externalId: string, correlation: string | undefined): Promise<JobAttempt | undefined> {
  const byId = await findJobAttemptByExternalId(engine.db, provider, externalId);
  if (byId) return byId;
  if (!correlation) return undefined;
  const byCorrelation = await findJobAttemptByCorrelation(engine.db, correlation);
  return byCorrelation?.provider === provider ? byCorrelation : undefined;
}

export function providerHooksHandler(options: ProviderHookOptions): HttpHandler {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://shipgate.invalid').pathname;
    if (path !== GITLAB_HOOK_PATH && path !== JENKINS_HOOK_PATH) return false;
    try {
      if (req.method !== 'POST') sendJson(res, 405, { error: 'method-not-allowed', message: 'providers POST their hooks here' });
      else if (path === GITLAB_HOOK_PATH) await gitlabHook(req, res, options);
      else await jenkinsHook(req, res, options);
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'the hook could not be handled; polling will catch up' });
    }
    return true;
  };
}

async function gitlabHook(req: IncomingMessage, res: ServerResponse, options: ProviderHookOptions): Promise<void> {
  const expected = options.settings?.gitlab?.webhookToken;
  if (!expected) return sendJson(res, 404, { error: 'not-configured', message: 'GitLab pipeline hooks are off: set GITLAB_WEBHOOK_TOKEN and give the same secret token to the project hook' });
  if (!tokenMatches(expected, header(req, 'x-gitlab-token'))) return sendJson(res, 401, { error: 'bad-token', message: "X-Gitlab-Token is not GITLAB_WEBHOOK_TOKEN: set the hook's secret token to it" });
  const engine = options.engine();
  if (!engine) return sendJson(res, 503, { error: 'starting', message: 'shipgate is starting' });
  const event = header(req, 'x-gitlab-event');
  if (event !== 'Pipeline Hook') return sendJson(res, 202, { ignored: `not a pipeline hook (${event ?? 'no X-Gitlab-Event'})` });
  const json = await readJson(req, res);
  if (!json.ok) return;
  const hook = parsePipelineHook(json.body);
  if (!hook.ok) return sendJson(res, 400, { error: 'bad-hook', message: hook.error });
  const attempt = await attemptFor(engine, 'gitlab', gitlabExternalId(hook.projectId, hook.pipelineId), hook.variables[CORRELATION_NAME]);
  if (!attempt) return sendJson(res, 202, { ignored: 'not a pipeline shipgate started' });
  if (attempt.external_id !== gitlabExternalId(hook.projectId, hook.pipelineId)) {
    // Its create's answer was lost: the dispatch finds the pipeline by its variable.
    if (attempt.status === 'dispatching') await resolveNow(engine, attempt);
    return sendJson(res, 202, { ok: true, resolving: true });
  }
  const mapped = mapGitLabStatus(hook.status);
  if (mapped.state === 'completed' && attempt.attempt > 1) {
    // A retry reruns the same pipeline: a late hook of its earlier end must not end the retry. Ask GitLab for now.
    await pollNow(engine, attempt);
    return sendJson(res, 202, { ok: true, polling: true });
  }
  const outcome = await applyAttemptStatus(engine, attempt, { state: mapped.state, ...(mapped.conclusion ? { conclusion: mapped.conclusion } : {}), detail: mapped.detail ?? null, url: hook.webUrl });
  engine.effects?.kick();
  sendJson(res, 200, { ok: true, applied: outcome === 'applied' });
}

async function jenkinsHook(req: IncomingMessage, res: ServerResponse, options: ProviderHookOptions): Promise<void> {
  const jenkins = options.settings?.jenkins;
  if (!jenkins) return sendJson(res, 404, { error: 'not-configured', message: 'Jenkins is not set up: set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN' });
  if (jenkins.webhookToken) {
    const given = new URL(req.url ?? '/', 'http://shipgate.invalid').searchParams.get('token') ?? '';
    if (!constantTimeEqual(given, jenkins.webhookToken)) return sendJson(res, 401, { error: 'bad-token', message: 'the notification URL must end in ?token=<JENKINS_WEBHOOK_TOKEN>' });
  }
  const engine = options.engine();
  if (!engine) return sendJson(res, 503, { error: 'starting', message: 'shipgate is starting' });
  const json = await readJson(req, res);
  if (!json.ok) return;
  const note = parseJenkinsNotification(json.body);
  if (!note.ok) return sendJson(res, 400, { error: 'bad-notification', message: note.error });
  const attempt = await attemptFor(engine, 'jenkins', jenkinsBuildId(note.job, note.number), note.parameters[CORRELATION_NAME]);
  if (!attempt || attempt.status === 'completed') return sendJson(res, 202, { ignored: 'not a build shipgate is waiting for' });
  if (attempt.status === 'dispatching') {
    await resolveNow(engine, attempt);
    return sendJson(res, 202, { ok: true, resolving: true });
  }
  // Only a hint: the build is read through the authenticated API, now.
  await pollNow(engine, attempt);
  sendJson(res, 202, { ok: true, polling: true });
}

/** The attempt's run is read from its provider at once instead of at its next scheduled poll. */
async function pollNow(engine: EngineDeps, attempt: JobAttempt): Promise<void> {
  const run = await getPipelineRun(engine.db, attempt.pipeline_run_id);
  if (!run) return;
  await recordJobPoll(engine.db, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now: new Date(engine.clock.now()), at: 'now' });
  engine.effects?.kick();
}
