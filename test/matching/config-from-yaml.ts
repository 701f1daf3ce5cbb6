import { formatIssue, parseConfigText } from '../../src/repo-config/parse.ts';
import type { ShipgateConfig } from '../../src/repo-config/schema.ts';

/**
 * A config for matching tests, written as the YAML a user would write and read by
 * the real parser (schema defaults applied); throws with the issues when invalid.
 */
export function configFromYaml(text: string): ShipgateConfig {
  const result = parseConfigText(text, 'shipgate.yml');
  if (!result.ok) throw new Error(`test config is invalid:\n${result.errors.map(formatIssue).join('\n')}`);
  return result.config;
}
