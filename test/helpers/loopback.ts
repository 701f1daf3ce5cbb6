/** Loopback servers of the tests: a port that refuses connections, and closing a server without waiting on its clients. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A port nothing listens on (bound, then closed): a connection to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Closes `server`, cutting the connections its clients keep alive so that closing does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
