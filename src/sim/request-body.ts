/**
 * Reading a request's body in the simulators' HTTP servers, with the size
 * limit a real server has: each simulator answers an oversized body in its
 * own provider's words, so this only says that it was too large.
 */
import type { IncomingMessage } from 'node:http';

/** The request's whole body, or undefined as soon as it is over `max` bytes (the rest is not read). */
export async function readRequestBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
