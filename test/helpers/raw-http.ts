import { request } from 'node:http';

/** An HTTP answer as a test reads it. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawPost {
  headers: Record<string, string | number>;
  /** Chunks written one after the other. */
  chunks: Uint8Array[];
  /** End the request after the chunks (default true); false leaves the body unfinished. */
  end?: boolean;
}

/**
 * POSTs with full control over the body: chunked when no `content-length` is
 * given, possibly unfinished. Resolves with the answer as soon as it has fully
 * arrived, even when the server then closes the connection while the body is
 * still being written (as it does after refusing a body).
 */
export function rawPost(url: string, post: RawPost): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: post.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') });
        req.destroy();
      });
    });
    // Writes that fail after the server answered and closed are expected.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = (index: number) => {
      if (answered || req.destroyed) return;
      const chunk = post.chunks[index];
      if (chunk === undefined) {
        if (post.end ?? true) req.end();
        return;
      }
      req.write(chunk, (error) => {
        if (!error) write(index + 1);
      });
    };
    // Headers go out at once, so a server can answer before any of the body.
    req.flushHeaders();
    write(0);
  });
}
