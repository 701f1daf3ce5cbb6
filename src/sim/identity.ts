/**
 * Numeric ids and GraphQL node ids, handed out like GitHub does: every kind of
 * object has its own increasing sequence, so ids look plausible and never collide
 * within a kind.
 */

const BASES = {
  account: 1_000,
  repository: 100_000,
  team: 2_000,
  installation: 40_000,
  app: 900,
  hook: 300_000,
  issue: 1_500_000,
  comment: 2_000_000,
  reaction: 3_000_000,
  workflow: 60_000,
  run: 7_000_000,
  job: 17_000_000,
  artifact: 400_000,
  checkRun: 20_000_000,
  checkSuite: 10_000_000,
  deployment: 500_000,
  deploymentStatus: 800_000,
  pullRequest: 1_000_000,
  annotation: 5_000_000,
} as const;

export type IdKind = keyof typeof BASES;

/** Hands out ids per kind. */
export class IdSequence {
  #next = new Map<IdKind, number>();

  next(kind: IdKind): number {
    const id = this.#next.get(kind) ?? BASES[kind];
    this.#next.set(kind, id + 1);
    return id;
  }
}

/** A legacy-format node id (`base64("0<len>:<Type><id>")`), as older GitHub objects carry. */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}
