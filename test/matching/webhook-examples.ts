import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ExampleDefinition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

/**
 * A fresh copy of one of GitHub's documented webhook payloads
 * (`@octokit/webhooks-examples`), chosen by event name and a predicate.
 */
export function webhookExample<T>(name: string, pick: (payload: Record<string, unknown>) => boolean): T {
  const file = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const definitions = JSON.parse(readFileSync(file, 'utf8')) as ExampleDefinition[];
  const example = definitions.find((d) => d.name === name)?.examples.find(pick);
  if (!example) throw new Error(`no ${name} webhook example matches`);
  return example as T;
}
