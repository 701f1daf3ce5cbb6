/**
 * Reading a config file's content, in single-purpose steps: decode (size limit,
 * UTF-8) → parse YAML with positions (hardened against hostile input) → validate
 * with the zod schema → checks beyond the schema. Never throws: every problem is a
 * {@link ConfigIssue} with file, line and column.
 */
import type { ConfigIssue, ConfigResult } from './config-issue.ts';
import { decodeConfigText } from './decode.ts';
import { validateConfigValue } from './validate.ts';
import { locateInYaml, parseConfigYaml } from './yaml-document.ts';

export type { ConfigIssue, ConfigResult } from './config-issue.ts';
export { formatIssue } from './config-issue.ts';

/** Parses and validates the content of a config file; `file` names it in every issue. */
export function parseConfigText(text: string | Uint8Array, file: string): ConfigResult {
  try {
    const decoded = decodeConfigText(text, file);
    if (!decoded.ok) return { ok: false, errors: [decoded.error] };
    const parsed = parseConfigYaml(decoded.text, file);
    if (!parsed.ok) return parsed;
    const result = validateConfigValue(parsed.yaml.value, locateInYaml(parsed.yaml));
    return result.ok ? { ...result, warnings: [...parsed.yaml.warnings, ...result.warnings] } : result;
  } catch (error) {
    return { ok: false, errors: [internalError(file, error)] };
  }
}

/** A bug of ours, reported as an issue rather than thrown, so a bad file never takes the process down. */
export function internalError(file: string, error: unknown): ConfigIssue {
  const reason = error instanceof Error ? error.message : String(error);
  return { file, line: 1, column: 1, message: `the config could not be checked (internal error: ${reason})`, path: [] };
}
