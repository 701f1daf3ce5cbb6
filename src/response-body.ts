/**
 * Reading an HTTP answer's body without trusting its size: one reader for
 * every download whose size a server, an object store or a CI provider
 * chooses (GitHub Actions artifacts, Jenkins archived files, GitLab job
 * archives), so a huge or lying answer is cut off the same way everywhere.
 */

/**
 * The whole body of `response`, or null as soon as it is over `max` bytes —
 * by its Content-Length before reading anything, or by what arrived — with
 * the rest cancelled, so no more than `max` bytes are ever held. An answer
 * without a body reads as empty. Errors of the connection while reading are
 * thrown as they come: the caller says what it was reading.
 */
export async function readBodyCapped(response: Response, max: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await discardBody(response);
    return null;
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Lets go of an answer whose body is not wanted (an error, a redirect), so
 * its connection is freed; a body that cannot be cancelled any more is
 * nothing to report.
 */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing left to free.
  }
}
