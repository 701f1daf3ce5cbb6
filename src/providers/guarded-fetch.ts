/**
 * One GET under the same address rule as notifications (SPEC §12, §13): the
 * socket may connect only to public addresses unless
 * `SHIPGATE_ALLOW_PRIVATE_URLS=1`, checked at connect time; no redirects; a
 * timeout; and the body is read only up to `maxBytes` (a larger one is
 * dropped as soon as it passes the limit). For artifact URLs a webhook job
 * reported, which shipgate must not let point it at internal services.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, RefusedTargetError, refuseHost, systemResolver, type Resolver } from '../notify/addresses.ts';

export type GuardedFetch =
  | { kind: 'answered'; status: number; body: Uint8Array }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'refused'; error: string }
  | { kind: 'network'; error: string };

export async function fetchGuarded(url: string, options: { maxBytes: number; allowPrivate: boolean; timeoutMs?: number; resolve?: Resolver }): Promise<GuardedFetch> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: 'refused', error: 'not a valid URL' };
  }
  const refusal = refuseHost(target, options.allowPrivate);
  if (refusal !== undefined) return { kind: 'refused', error: refusal };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<GuardedFetch>((resolve) => {
    const req = request(
      target,
      {
        method: 'GET',
        headers: { 'user-agent': 'shipgate-jobs' },
        lookup: guardedLookup({ allowPrivate: options.allowPrivate, plainHttp: target.protocol === 'http:' }, options.resolve ?? systemResolver),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            resolve({ kind: 'too-large', bytes: size });
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', (err) => resolve({ kind: 'network', error: `${target.origin}: ${err.message}` }));
      },
    );
    req.on('error', (err) => resolve(err instanceof RefusedTargetError ? { kind: 'refused', error: err.message } : { kind: 'network', error: `${target.origin}: ${err.message}` }));
    req.end();
  });
}
