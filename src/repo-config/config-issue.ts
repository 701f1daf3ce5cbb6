import type { ShipgateConfig } from './schema.ts';

/** A problem in a config file, at a position a human can jump to. */
export type ConfigIssue = {
  /** The file as the user knows it: a path, or `owner/repo:path` for a file of another repository. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** What is wrong and what was expected. */
  message: string;
  /** A suggestion, such as `did you mean "pipelines"?`. */
  hint?: string;
  /** Where in the config the problem is (keys and list indexes); `[]` for the whole file. */
  path: Array<string | number>;
};

/** The outcome of reading a config. */
export type ConfigResult =
  | { ok: true; config: ShipgateConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[] };

/**
 * A problem found before it has a position: the config path it concerns, and
 * whether it is about the key at that path (an unknown key, a bad id) or its value.
 */
export type UnplacedIssue = {
  path: Array<string | number>;
  target: 'key' | 'value';
  message: string;
  hint?: string;
};

/** Turns a config path into a file position. */
export type Locate = (path: ReadonlyArray<string | number>, target: 'key' | 'value') => { file: string; line: number; column: number };

/** Gives an unplaced issue its file position. */
export function placeIssue(issue: UnplacedIssue, locate: Locate): ConfigIssue {
  const position = locate(issue.path, issue.target);
  return {
    ...position,
    message: issue.message,
    ...(issue.hint !== undefined ? { hint: issue.hint } : {}),
    path: [...issue.path],
  };
}

/** `FILE:LINE:COL message — hint`, the format editors and CI logs link to. */
export function formatIssue(issue: ConfigIssue): string {
  const hint = issue.hint !== undefined ? ` — ${issue.hint}` : '';
  return `${issue.file}:${issue.line}:${issue.column} ${issue.message}${hint}`;
}

/** `pipelines.ci.gates[0].job`: a config path as people write it. */
export function formatConfigPath(path: ReadonlyArray<string | number>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Most issues reported for one file; more would only bury the first ones. */
export const MAX_ISSUES = 100;
