/**
 * A size cap on webhook bodies, enforced before anything is buffered for
 * parsing or signature checks. Probot's webhook middleware (`@octokit/webhooks`
 * `createNodeMiddleware`) reads the whole body of an unauthenticated request
 * into memory before it verifies the signature; this wrapper reads it first,
 * counting bytes, and refuses with 413 as soon as the cap is passed.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';

/** GitHub caps webhook payloads at 25 MB, so nothing larger is a real delivery. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

type ProbotWebhookMiddleware = Awaited<ReturnType<Probot['getNodeMiddleware']>>;

/** A Node request handler in Probot's chain, shaped like Probot's webhook middleware: `true` when it answered. */
export type NodeMiddleware = (request: IncomingMessage, response: ServerResponse, next?: Parameters<ProbotWebhookMiddleware>[2]) => Promise<boolean>;

export interface BodyLimitOptions {
  /** The webhook path (Probot's `webhookPath`); other paths pass through unread. */
  path: string;
  /** Largest body accepted, in bytes (default {@link MAX_WEBHOOK_BODY_BYTES}). */
  maxBytes?: number;
}

/** The outcome of reading a body under a cap. */
export type BodyRead = { ok: true; body: Buffer } | { ok: false; receivedBytes: number };

/**
 * Whether the declared `Content-Length` already exceeds `maxBytes`. A missing or
 * unparsable header is not "too large": the byte count while reading decides then.
 */
export function declaredLengthExceeds(headers: IncomingHttpHeaders, maxBytes: number): boolean {
  const declared = headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) return false;
  return Number(declared) > maxBytes;
}

/**
 * Reads a request body, keeping at most `maxBytes`. As soon as more arrives the
 * read stops (what was kept is dropped, the rest is discarded unread) and the
 * outcome says how many bytes had come. Rejects when the client aborts.
 */
export function readBodyWithin(request: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        chunks = [];
        cleanup();
        resolve({ ok: false, receivedBytes: received });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, body: Buffer.concat(chunks, received) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`the request body could not be read: ${error.message}`, { cause: error }));
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function pathnameOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  } catch {
    return undefined;
  }
}

function refuse(response: ServerResponse, maxBytes: number): true {
  const megabyte = 1024 * 1024;
  const size = maxBytes % megabyte === 0 ? `${maxBytes / megabyte} MB` : `${maxBytes} bytes`;
  const body = JSON.stringify({ error: `Payload Too Large: webhook bodies over ${size} are refused` });
  // Closing the connection stops the client sending the rest; nothing of it is kept.
  response.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  return true;
}

/**
 * Wraps the webhook middleware: a POST to the webhook path whose body is larger
 * than the cap gets 413 (by `Content-Length` before a byte is read, otherwise as
 * soon as the count passes the cap, for chunked bodies); a body within the cap is
 * handed to the middleware as the text it would have read itself. Other requests
 * pass through untouched.
 */
export function limitWebhookBody(middleware: NodeMiddleware, options: BodyLimitOptions): NodeMiddleware {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const webhookPath = pathnameOf(options.path);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return async (request, response, next) => {
    if (request.method !== 'POST' || pathnameOf(request.url) !== webhookPath) return middleware(request, response, next);
    if (declaredLengthExceeds(request.headers, maxBytes)) return refuse(response, maxBytes);
    let read: BodyRead;
    try {
      read = await readBodyWithin(request, maxBytes);
    } catch {
      // The client went away mid-body: there is no one to answer.
      if (!response.headersSent) response.writeHead(400, { connection: 'close' }).end();
      return true;
    }
    if (!read.ok) return refuse(response, maxBytes);
    // `@octokit/webhooks` takes a body that was already read as `request.body` (a string).
    Object.assign(request, { body: decoder.decode(read.body) });
    return middleware(request, response, next);
  };
}

/**
 * A Probot class whose webhook middleware has the body cap in front of it.
 * Probot's `Server` puts `probot.getNodeMiddleware()` first in its handler chain,
 * so this is the earliest point a request reaches that reads bodies.
 */
export function withWebhookBodyLimit(Base: typeof Probot, options: BodyLimitOptions): typeof Probot {
  return class extends Base {
    override async getNodeMiddleware(middlewareOptions: Parameters<Probot['getNodeMiddleware']>[0] = {}): Promise<NodeMiddleware> {
      return limitWebhookBody(await super.getNodeMiddleware(middlewareOptions), options);
    }
  };
}
