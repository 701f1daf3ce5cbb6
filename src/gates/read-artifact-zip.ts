/**
 * Reads an Actions artifact (a zip archive, as GitHub's artifact download gives
 * it) entry by entry in memory, with shipgate's own limits (SPEC §5a). Artifacts
 * come from workflows a pull request can edit, so every byte is hostile input:
 * nothing is written to disk, and each refusal is a typed result naming the
 * artifact, the entry and the reason.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { gateReason, renderGateReason, type GateReason, type GateReasonCode } from './reasons.ts';

/** The limits an artifact is read with. */
export interface ArtifactLimits {
  /** Largest zip accepted, in bytes (compressed). */
  readonly maxCompressedBytes: number;
  /** Largest total of the entries read, inflated. */
  readonly maxUncompressedBytes: number;
  /** Largest inflated ÷ compressed ratio of one entry, checked while inflating. */
  readonly maxRatio: number;
  /** Entries smaller than this are not held to `maxRatio` (a tiny repetitive file is no bomb). */
  readonly ratioFloorBytes: number;
  /** Most entries (files and folders) in the archive. */
  readonly maxEntries: number;
}

/** SPEC §5a's limits. */
export const ARTIFACT_LIMITS: ArtifactLimits = {
  maxCompressedBytes: 100 * 1024 * 1024,
  maxUncompressedBytes: 500 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
  maxEntries: 10_000,
};

/** One file of an artifact, inflated. */
export interface ArtifactEntry {
  /** The entry's path inside the zip, always with `/` separators. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Why an artifact (or one of its entries) was not read. */
export interface ArtifactRefusal {
  readonly ok: false;
  readonly reason: GateReasonCode;
  /** The artifact's name. */
  readonly artifact: string;
  /** The entry at fault, or null when the archive as a whole is refused. */
  readonly entry: string | null;
  /** The sentence for the reason. */
  readonly detail: string;
  /** The reason with its parameters (what a gate's `unreadable` report carries). */
  readonly gateReason: GateReason;
}

/** The outcome of reading an artifact. */
export type ArtifactRead = { readonly ok: true; readonly artifact: string; readonly entries: ArtifactEntry[] } | ArtifactRefusal;

/** Options of {@link readArtifactZip}. */
export interface ReadArtifactOptions {
  readonly limits?: ArtifactLimits;
  /** Which file entries to inflate (default: all); the others are only checked by name. */
  readonly select?: (name: string) => boolean;
}

class Refusal extends Error {
  readonly gateReason: GateReason;
  readonly entry: string | null;
  constructor(reasonValue: GateReason, entry: string | null) {
    super(reasonValue.code);
    this.gateReason = reasonValue;
    this.entry = entry;
  }
}

/**
 * Reads the zip `zip` of the artifact named `artifact`: the file entries that
 * `select` accepts, inflated in memory. Refuses (never throws) a corrupt archive,
 * one over the limits, an unsafe entry name (`..`, absolute, drive letter, NUL),
 * an encrypted entry and a nested zip (by name and by its first bytes).
 */
export async function readArtifactZip(artifact: string, zip: Uint8Array, options: ReadArtifactOptions = {}): Promise<ArtifactRead> {
  const limits = options.limits ?? ARTIFACT_LIMITS;
  const select = options.select ?? (() => true);
  const refuse = (value: GateReason, entry: string | null): ArtifactRefusal => ({
    ok: false,
    reason: value.code,
    artifact,
    entry,
    detail: renderGateReason(value),
    gateReason: value,
  });
  if (zip.byteLength > limits.maxCompressedBytes) {
    return refuse(gateReason('artifact.too-large', { bytes: zip.byteLength, max: limits.maxCompressedBytes }), null);
  }
  let zipFile: ZipFile;
  try {
    const buffer = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
    zipFile = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    return refuse(gateReason('artifact.zip-corrupt', { error: messageOf(error) }), null);
  }
  if (zipFile.entryCount > limits.maxEntries) {
    zipFile.close();
    return refuse(gateReason('artifact.too-many-entries', { entries: zipFile.entryCount, max: limits.maxEntries }), null);
  }
  const entries: ArtifactEntry[] = [];
  let current: string | null = null;
  let total = 0;
  try {
    for await (const entry of zipFile.eachEntry()) {
      const name = entryName(entry);
      current = name;
      const problem = unsafeNameProblem(name);
      if (problem !== null) throw new Refusal(gateReason('artifact.entry-name-unsafe', { problem }), name);
      if (name.endsWith('/')) continue;
      if (/\.(zip|jar|war|ear|apk|whl|nupkg)$/i.test(name)) throw new Refusal(gateReason('artifact.nested-zip'), name);
      if (!select(name)) continue;
      if (entry.isEncrypted()) throw new Refusal(gateReason('artifact.entry-encrypted'), name);
      if (total + entry.uncompressedSize > limits.maxUncompressedBytes) {
        throw new Refusal(gateReason('artifact.uncompressed-too-large', { max: limits.maxUncompressedBytes }), name);
      }
      const bytes = await inflateEntry(zipFile, entry, name, limits, limits.maxUncompressedBytes - total);
      if (isZipMagic(bytes)) throw new Refusal(gateReason('artifact.nested-zip'), name);
      total += bytes.byteLength;
      entries.push({ name, bytes });
    }
  } catch (error) {
    zipFile.close();
    if (error instanceof Refusal) return refuse(error.gateReason, error.entry);
    return refuse(gateReason('artifact.zip-corrupt', { error: messageOf(error) }), current);
  }
  return { ok: true, artifact, entries };
}

async function inflateEntry(zipFile: ZipFile, entry: Entry, name: string, limits: ArtifactLimits, budget: number): Promise<Uint8Array> {
  const stream = await zipFile.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  // The ratio is measured on what actually inflates, never taken from the header.
  const compressed = Math.max(entry.compressedSize, 1);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > budget) throw new Refusal(gateReason('artifact.uncompressed-too-large', { max: limits.maxUncompressedBytes }), name);
      if (size > limits.ratioFloorBytes && size / compressed > limits.maxRatio) {
        throw new Refusal(gateReason('artifact.entry-ratio', { ratio: Math.floor(size / compressed), max: limits.maxRatio }), name);
      }
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

function entryName(entry: Entry): string {
  // decodeStrings is off so that a bad name is ours to refuse (yauzl would end the whole archive with a bare error).
  return new TextDecoder('utf-8').decode(entry.fileNameRaw).replaceAll('\\', '/');
}

/** Why an entry name cannot be used as a path inside the artifact, or null. */
function unsafeNameProblem(name: string): string | null {
  if (name.length === 0) return 'an empty name';
  if (name.includes('\0')) return `'${printable(name)}' contains a NUL byte`;
  if (name.startsWith('/')) return `'${printable(name)}' is an absolute path`;
  if (/^[A-Za-z]:/.test(name)) return `'${printable(name)}' starts with a drive letter`;
  if (name.split('/').includes('..')) return `'${printable(name)}' climbs out of the archive with '..'`;
  return null;
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function isZipMagic(bytes: Uint8Array): boolean {
  // PK\x03\x04 (local file), PK\x05\x06 (empty archive), PK\x07\x08 (spanned).
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && [0x03, 0x05, 0x07].includes(bytes[2] ?? 0) && bytes[3] === (bytes[2] ?? 0) + 1;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
