import { readFileSync } from 'node:fs';
import { parseConfigText, formatIssue } from './src/repo-config/parse.ts';
const r = parseConfigText(readFileSync(process.argv[2]!), process.argv[2]!);
if (r.ok) console.log(JSON.stringify(r.config, null, 1).slice(0, 3000), r.warnings.map(formatIssue)); else console.log(r.errors.map(formatIssue).join('\n'));
