/**
 * Collects the errors and warnings of the checks beyond the schema, each with the
 * config path it concerns (positions are added later, from the YAML document).
 */
import { formatConfigPath, MAX_ISSUES, type UnplacedIssue } from './config-issue.ts';
import { suggestNearest } from './suggest.ts';

/** Keys and list indexes from the root of the config. */
export type ConfigPath = Array<string | number>;

/** Where checks put what they find; at most {@link MAX_ISSUES} (plus one) of each kind are kept. */
export interface IssueReport {
  errors: UnplacedIssue[];
  warnings: UnplacedIssue[];
  error(path: ConfigPath, target: 'key' | 'value', message: string, hint?: string): void;
  warning(path: ConfigPath, target: 'key' | 'value', message: string): void;
}

/** An empty report; each message is prefixed with its config path (`pipelines.ci.stages: …`). */
export function createIssueReport(): IssueReport {
  const issue = (path: ConfigPath, target: 'key' | 'value', message: string, hint?: string): UnplacedIssue => {
    const where = formatConfigPath(path);
    return { path, target, message: where === '' ? message : `${where}: ${message}`, ...(hint !== undefined ? { hint } : {}) };
  };
  const report: IssueReport = {
    errors: [],
    warnings: [],
    error(path, target, message, hint) {
      if (report.errors.length <= MAX_ISSUES) report.errors.push(issue(path, target, message, hint));
    },
    warning(path, target, message) {
      if (report.warnings.length <= MAX_ISSUES) report.warnings.push(issue(path, target, message));
    },
  };
  return report;
}

/** `did you mean "build"?` for the nearest candidate, if one is near enough. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const nearest = suggestNearest(word, candidates);
  return nearest === undefined ? undefined : `did you mean "${nearest}"?`;
}
