import { parseConfigText, formatIssue } from './src/repo-config/parse.ts';
const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;
const cases: Record<string, () => string | Uint8Array> = {
  big5mb: () => 'a: ' + 'x'.repeat(5_000_000),
  big5mbBytes: () => new Uint8Array(5_000_000).fill(0x61),
  bomb: () => bomb,
  deep: () => '['.repeat(10000),
  deepbal: () => '['.repeat(10000) + ']'.repeat(10000),
  deepmap: () => '{a: '.repeat(5000) + '1' + '}'.repeat(5000),
  deepseq: () => '- '.repeat(5000) + '1',
  deepblock: () => { let s = ''; for (let i = 0; i < 1300; i++) s += ' '.repeat(i) + 'a:\n'; return s; },
  flat: () => '[' + '1,'.repeat(400_000) + ']',
  keys: () => Array.from({length: 90000}, (_, i) => `k${i}: v`).join('\n'),
  lines: () => 'a: 1\n'.repeat(200_000),
  dupkeys: () => 'pipelines: {}\n' + 'x: 1\n'.repeat(20000),
  regex: () => 'pipelines:\n  ci:\n    on: { push: { branches: ["' + 'a*'.repeat(400) + 'b", "' + '**/'.repeat(300) + '"] } }\n    stages: { a: { jobs: { x: { workflow: a.yml } } } }\n',
  manyerrors: () => 'pipelines:\n' + Array.from({length: 3000}, (_, i) => `  p${i}: { stages: 1 }`).join('\n'),
  unknownkeys: () => Array.from({length: 20000}, (_, i) => `k${i}: 1`).join('\n'),
  longkey: () => 'x'.repeat(500_000) + ': 1\n',
  quotes: () => '"' + 'a'.repeat(900_000) + '"',
};
for (const [name, make] of Object.entries(cases)) {
  const text = make();
  const t0 = performance.now();
  const r = parseConfigText(text, 'f.yml');
  const ms = performance.now() - t0;
  console.log(`${name}: ${ms.toFixed(0)}ms`, r.ok ? 'OK' : `${r.errors.length} errors; ${formatIssue(r.errors[0]!).slice(0, 200)}`);
}
