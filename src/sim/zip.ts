import { zipSync, strToU8 } from 'fflate';

/** Builds a real zip archive (as Actions artifact downloads are) from path → content. */
export function buildZip(files: Record<string, string | Uint8Array>, mtime: number): Uint8Array {
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const [path, content] of Object.entries(files)) {
    entries[path] = [typeof content === 'string' ? strToU8(content) : content, { mtime: new Date(mtime) }];
  }
  return zipSync(entries, { level: 6 });
}
