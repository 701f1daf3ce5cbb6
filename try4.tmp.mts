import { parseConfigYaml, locateInYaml } from './src/repo-config/yaml-document.ts';
import { shipgateConfigSchema } from './src/repo-config/schema.ts';
import { describeSchemaIssues } from './src/repo-config/schema-issues.ts';
const text = 'pipelines:\n' + Array.from({length: 3000}, (_, i) => `  p${i}: { stages: 1 }`).join('\n');
for (let k = 0; k < 2; k++) {
let t0 = performance.now();
const y = parseConfigYaml(text, 'f');
let t1 = performance.now(); console.log('yaml', (t1 - t0).toFixed(0));
if (!y.ok) throw 1;
const r = shipgateConfigSchema.safeParse(y.yaml.value);
let t2 = performance.now(); console.log('zod', (t2 - t1).toFixed(0), r.error?.issues.length);
const d = describeSchemaIssues(r.error!.issues, y.yaml.value, shipgateConfigSchema);
let t3 = performance.now(); console.log('describe', (t3 - t2).toFixed(0));
const loc = locateInYaml(y.yaml);
for (const i of d) loc(i.path, i.target);
console.log('locate', (performance.now() - t3).toFixed(0));
}
