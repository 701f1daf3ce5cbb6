import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { appOctokit, installationOctokit, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator | undefined;
afterEach(async () => {
  try {
    sim?.assertNoViolations();
  } finally {
    await sim?.close();
    sim = undefined;
  }
});

function jwt(appId: number, privateKey: string, nowSeconds: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: nowSeconds - 30, exp: nowSeconds + 540, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

describe('app authentication', () => {
  it('exchanges a valid JWT for an installation token; a JWT signed with another key gets 401', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const now = Math.floor(started.clock.now() / 1000);
    const installationId = sim.installation('acme');
    const tokenUrl = `${sim.baseUrl}/app/installations/${installationId}/access_tokens`;

    const good = await fetch(tokenUrl, { method: 'POST', headers: { authorization: `Bearer ${jwt(sim.app.id, sim.app.privateKey, now)}` } });
    expect(good.status).toBe(201);
    const body = (await good.json()) as { token: string; expires_at: string; permissions: Record<string, string>; repository_selection: string };
    expect(body.token).toMatch(/^ghs_/);
    expect(Date.parse(body.expires_at)).toBe(started.clock.now() + 3_600_000);
    expect(body.permissions).toMatchObject({ actions: 'write', checks: 'write' });
    expect(body.repository_selection).toBe('all');

    const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forged = await fetch(tokenUrl, { method: 'POST', headers: { authorization: `Bearer ${jwt(sim.app.id, otherKey, now)}` } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ message: 'A JSON web token could not be decoded', status: '401' });

    const expired = await fetch(tokenUrl, { method: 'POST', headers: { authorization: `Bearer ${jwt(sim.app.id, sim.app.privateKey, now - 3600)}` } });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { message: string }).message).toMatch(/'Expiration time' claim/);

    const repo = await fetch(`${sim.baseUrl}/repos/acme/api`, { headers: { authorization: `token ${body.token}` } });
    expect(repo.status).toBe(200);
    for (const authorization of [undefined, 'token ghs_not-a-real-token', `Bearer ${jwt(sim.app.id, sim.app.privateKey, now)}`]) {
      const denied = await fetch(`${sim.baseUrl}/repos/acme/api`, { headers: authorization ? { authorization } : {} });
      expect(denied.status).toBe(401);
    }
    const appWithToken = await fetch(`${sim.baseUrl}/app`, { headers: { authorization: `token ${body.token}` } });
    expect(appWithToken.status).toBe(401);
  });

  it('works with Octokit’s app auth, which corrects for the sim clock from the Date header', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const app = appOctokit(sim);
    const { data: me } = await app.rest.apps.getAuthenticated();
    expect(me).toMatchObject({ id: sim.app.id, slug: 'shipgate' });
    const { data: installations } = await app.rest.apps.listInstallations();
    expect(installations.map((i) => i.account?.login)).toEqual(['acme']);
    const { data: installation } = await app.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'api' });
    expect(installation.id).toBe(sim.installation('acme'));

    const octokit = installationOctokit(sim, 'acme');
    const { data: repo } = await octokit.rest.repos.get({ owner: 'acme', repo: 'api' });
    expect(repo.permissions).toMatchObject({ push: true, pull: true });
  });

  it('keeps installations apart: another owner’s private repository is invisible, a public one is read-only', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    sim.org('globex', {});
    sim.repo({ owner: 'globex', name: 'secret', private: true });
    sim.repo({ owner: 'globex', name: 'open' });
    const octokit = installationOctokit(sim, 'acme');
    await expect(octokit.rest.repos.get({ owner: 'globex', repo: 'secret' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.get({ owner: 'globex', repo: 'open' })).resolves.toMatchObject({ status: 200 });
    const sha = sim.refSha('globex/open', 'main') ?? '';
    await expect(octokit.rest.checks.create({ owner: 'globex', repo: 'open', name: 'x', head_sha: sha })).rejects.toMatchObject({ status: 403 });
  });
});
