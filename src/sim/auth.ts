/**
 * GitHub App authentication: RSA key pairs per app, RS256 JWT verification
 * (with GitHub's own error messages, so Octokit's clock-skew correction works
 * against the sim clock), and installation tokens.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { GitHubApiError } from './errors.ts';
import type { InstallationToken, SimApp } from './model.ts';
import type { SimState } from './state.ts';

/** Who is calling. */
export type Caller =
  | { kind: 'app'; app: SimApp }
  | { kind: 'installation'; token: InstallationToken }
  | { kind: 'none' };

/** A fresh 2048-bit RSA key pair; the private key as PKCS#1 PEM, like GitHub's downloads. */
export function generateAppKeys(): { privateKey: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey: createPublicKey(publicKey) };
}

function base64UrlJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const JWT_DOCS = 'https://docs.github.com/apps/building-github-apps/authenticating-with-github-apps';

function jwtError(message: string): GitHubApiError {
  return new GitHubApiError(401, message, { documentationUrl: JWT_DOCS });
}

/** Verifies an app JWT (RS256, `iss` = app id or client id, `iat`/`exp` by the sim clock). */
export function verifyAppJwt(state: SimState, jwt: string): SimApp {
  const parts = jwt.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || !headerPart || !payloadPart || signaturePart === undefined) {
    throw jwtError('A JSON web token could not be decoded');
  }
  const header = base64UrlJson(headerPart);
  const claims = base64UrlJson(payloadPart);
  if (!header || !claims) throw jwtError('A JSON web token could not be decoded');
  if (header.alg !== 'RS256') throw jwtError("'alg' must be RS256");
  const issuer = String(claims.iss ?? '');
  const app = [...state.apps.values()].find((a) => String(a.id) === issuer || a.clientId === issuer);
  if (!app) throw jwtError(`Integration not found`);
  if (!app.publicKey) throw jwtError('Integration not found');
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    app.publicKey,
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) throw jwtError('A JSON web token could not be decoded');
  const now = Math.floor(state.now() / 1000);
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + 60) {
    throw jwtError("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.");
  }
  if (typeof exp !== 'number' || exp <= now) {
    throw jwtError(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    );
  }
  if (exp - iat > 660) throw jwtError("'Expiration time' claim ('exp') is too far in the future.");
  return app;
}

/** Issues an installation token (`ghs_…`) valid for an hour of sim time. */
export function issueInstallationToken(state: SimState, installationId: number): InstallationToken {
  const installation = state.installations.get(installationId);
  if (!installation) throw new GitHubApiError(404, 'Not Found');
  const token: InstallationToken = {
    token: `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`,
    installation,
    expiresAt: state.now() + 3_600_000,
  };
  state.tokens.set(token.token, token);
  return token;
}

/**
 * Identifies the caller from `Authorization`: `Bearer <jwt>` for the app,
 * `token <t>`/`Bearer <t>` for an installation.
 */
export function identifyCaller(
  state: SimState,
  authorization: string | undefined,
  options: { enforceTokenExpiry: boolean },
): Caller {
  if (!authorization) return { kind: 'none' };
  const match = /^(token|bearer)\s+(\S+)$/i.exec(authorization.trim());
  const credential = match?.[2];
  if (!credential) throw new GitHubApiError(401, 'Bad credentials');
  const installationToken = state.tokens.get(credential);
  if (installationToken) {
    if (options.enforceTokenExpiry && installationToken.expiresAt <= state.now()) {
      throw new GitHubApiError(401, 'Bad credentials');
    }
    return { kind: 'installation', token: installationToken };
  }
  if (credential.split('.').length === 3) return { kind: 'app', app: verifyAppJwt(state, credential) };
  throw new GitHubApiError(401, 'Bad credentials');
}
