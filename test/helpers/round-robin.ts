import { createServer, request, type Server } from 'node:http';

/** A loopback load balancer: each request goes to the next of `targets`, as replicas behind one URL. */
export async function startRoundRobin(targets: string[]): Promise<{ url: string; hits: number[]; close(): Promise<void> }> {
  let next = 0;
  const hits = targets.map(() => 0);
  const server: Server = createServer((req, res) => {
    const index = next++ % targets.length;
    hits[index] = (hits[index] ?? 0) + 1;
    const target = new URL(req.url ?? '/', targets[index]);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
