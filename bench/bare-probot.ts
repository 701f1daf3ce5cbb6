import { createServer } from 'node:net';
import { Probot, Server } from 'probot';
import type { Logger } from 'pino';

/** A running bare Probot app: the baseline of the acknowledgement figure. */
export interface BareProbot {
  /** Where it takes webhooks. */
  webhookUrl: string;
  stop(): Promise<void>;
}

/** A port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('could not find a free port');
  return address.port;
}

/**
 * Starts Probot's own `Server` with an app that registers `app.onAny(() => {})`
 * and nothing else: signature verification, routing and the HTTP stack, the
 * same secret and logger as shipgate, no work.
 */
export async function startBareProbot(options: { appId: number; privateKey: string; secret: string; webhookPath: string; log: Logger }): Promise<BareProbot> {
  const port = await freePort();
  const server = new Server({
    Probot: Probot.defaults({ appId: options.appId, privateKey: options.privateKey, secret: options.secret, log: options.log }),
    port,
    host: '127.0.0.1',
    webhookPath: options.webhookPath,
    log: options.log,
    enableStaticFiles: false,
  });
  await server.load((app) => {
    app.onAny(() => {});
  });
  await server.start();
  return { webhookUrl: `http://127.0.0.1:${port}${options.webhookPath}`, stop: () => server.stop() };
}
