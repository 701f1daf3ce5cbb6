import { z } from 'zod';
import { shipgateConfigSchema } from './schema.ts';

/**
 * The JSON Schema of `.github/shipgate.yml`, generated from the zod schema in input
 * mode: keys with defaults are optional, as they are when writing the file. Checks
 * that JSON Schema cannot express (references between stages, cycles, durations'
 * ranges) are left to `shipgate validate`.
 */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(shipgateConfigSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = generated;
  return { $schema, title: 'shipgate configuration', ...rest };
}

/** The schema file's exact content (2-space JSON and a final newline). */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
