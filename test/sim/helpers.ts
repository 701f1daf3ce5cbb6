/** Shared helpers for the simulator's tests: a sim with every check on, a webhook receiver, a real Octokit. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { ProbotOctokit } from 'probot';
import { ManualClock } from '../../src/clock.ts';
import { startGitHubSimulator, type GitHubSimulator, type SimulatorOptions } from '../../src/sim/index.ts';

/** A simulator on a ManualClock that also validates its own responses and webhooks. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<{ sim: GitHubSimulator; clock: ManualClock }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const sim = await startGitHubSimulator({ clock, validateResponses: true, validateWebhooks: true, ...options });
  return { sim, clock };
}

export interface ReceivedWebhook {
  event: string;
  action: string | undefined;
  deliveryId: string;
  headers: IncomingHttpHeaders;
  body: string;
  payload: Record<string, unknown>;
  signatureValid: boolean;
}

/** A local HTTP server that records webhooks and checks their signatures. */
export async function startWebhookReceiver(secret: string, status = 202): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-hub-signature-256'] ?? '');
      void verify(secret, body, signature).then((signatureValid) => {
        const payload = JSON.parse(body) as Record<string, unknown>;
        received.push({
          event: String(req.headers['x-github-event']),
          action: typeof payload.action === 'string' ? payload.action : undefined,
          deliveryId: String(req.headers['x-github-delivery']),
          headers: req.headers,
          body,
          payload,
          signatureValid,
        });
        res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/github/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {}, fatal() {}, trace() {}, child() { return silentLog; } };

/** A real ProbotOctokit authenticated as the app's installation on `account` (no retries, no pacing). */
export function installationOctokit(sim: GitHubSimulator, account: string, app = sim.app): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({
    baseUrl: sim.baseUrl,
    auth: { appId: app.id, privateKey: app.privateKey, installationId: sim.installation(account, app.id) },
    throttle: { enabled: false },
    retry: { enabled: false },
    log: silentLog as never,
  });
}

/** A real ProbotOctokit authenticated as the app itself (JWT). */
export function appOctokit(sim: GitHubSimulator, app = sim.app): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({
    baseUrl: sim.baseUrl,
    auth: { appId: app.id, privateKey: app.privateKey },
    throttle: { enabled: false },
    retry: { enabled: false },
    log: silentLog as never,
  });
}

/** An installation token fetched over HTTP with the app's JWT. */
export async function installationToken(sim: GitHubSimulator, account: string): Promise<string> {
  const octokit = appOctokit(sim);
  const { data } = await octokit.request('POST /app/installations/{installation_id}/access_tokens', {
    installation_id: sim.installation(account),
  });
  return data.token;
}

export const BUILD_WORKFLOW = `name: Build
run-name: \${{ inputs.shipgate_run }}
on:
  workflow_dispatch:
    inputs:
      shipgate_run:
        description: correlation id
        required: false
      sha:
        required: false
      target:
        type: choice
        options: [app, lib]
        default: app
jobs:
  compile:
    name: Compile
    runs-on: ubuntu-latest
    steps:
      - run: make
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: make lint
`;

/** The usual world: org acme with members and a team, repo acme/api with a dispatchable workflow. */
export function seedAcme(sim: GitHubSimulator): void {
  sim.org('acme', { members: { octocat: 'admin', alice: 'member', bob: 'member' }, teams: { 'release-managers': ['alice'] } });
  sim.repo({
    owner: 'acme',
    name: 'api',
    files: {
      'README.md': '# api\n',
      'src/index.ts': 'export const x = 1;\n',
      '.github/workflows/build.yml': BUILD_WORKFLOW,
      '.github/workflows/push-only.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{ run: "true" }]\n',
    },
  });
}
