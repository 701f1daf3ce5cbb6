import { readFile } from 'node:fs/promises';

/** Memory of one process, from `/proc/<pid>/status`, MB. */
export interface ProcessMemory {
  /** `VmRSS`: resident now. */
  rssMb: number;
  /** `VmHWM`: the highest resident size the process ever had. */
  peakMb: number;
}

/** Reads `VmRSS` and `VmHWM` (kB) out of the text of `/proc/<pid>/status` (pure); NaN for a missing field. */
export function parseProcStatus(text: string): ProcessMemory {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  };
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
}

/** The memory of process `pid` now (Linux only: `/proc`). */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
}
