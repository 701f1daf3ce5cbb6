/**
 * Writes schema/shipgate.schema.json from the zod schema (`npm run schema`).
 * A test fails when the committed file differs from what this would write.
 */
import { writeFileSync } from 'node:fs';
import { renderJsonSchema } from '../src/repo-config/json-schema.ts';

const target = new URL('../schema/shipgate.schema.json', import.meta.url);
writeFileSync(target, renderJsonSchema());
console.log(`wrote ${target.pathname}`);
