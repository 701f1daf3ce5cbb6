/**
 * What the providers share about artifacts for gates (SPEC §5a, §13): the
 * refusal a gate shows when the named artifact is not there, and wrapping
 * single files (Jenkins archives files, a webhook job reports URLs) into the
 * zip the report reader takes, so every provider's artifacts are read with
 * the same limits.
 */
import { zipSync } from 'fflate';
import type { ArtifactRefusal } from '../gates/read-artifact-zip.ts';
import { gateReason, renderGateReason } from '../gates/reasons.ts';

/** The gate's artifact is not among the run's (`available`: the names there are). */
export function missingArtifact(name: string, available: string[]): ArtifactRefusal {
  const why = gateReason('artifact.not-in-run', { available });
  return { ok: false, reason: why.code, artifact: name, entry: null, detail: renderGateReason(why), gateReason: why };
}

/** The artifact is bigger than a gate reads (listed so, or the download passed the limit). */
export function oversizedArtifact(name: string, max: number): ArtifactRefusal {
  const why = gateReason('artifact.over-limit', { max });
  return { ok: false, reason: why.code, artifact: name, entry: null, detail: renderGateReason(why), gateReason: why };
}

/** The artifact's URL answered with an error. */
export function unreachableArtifact(name: string, status: number): ArtifactRefusal {
  const why = gateReason('artifact.unreachable', { status });
  return { ok: false, reason: why.code, artifact: name, entry: null, detail: renderGateReason(why), gateReason: why };
}

/** Files (path → bytes) as one zip archive, stored uncompressed (they are read back at once). */
export function zipOf(files: Record<string, Uint8Array>): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [path, bytes] of Object.entries(files)) entries[path] = [bytes, { level: 0 }];
  return zipSync(entries);
}
