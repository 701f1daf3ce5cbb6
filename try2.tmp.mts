import { parseConfigText, formatIssue } from './src/repo-config/parse.ts';
const cases: Record<string, string | Uint8Array> = {
  typo: 'pipline: {}\n',
  need: 'pipelines:\n  ci:\n    on: { push: {} }\n    stages:\n      a:\n        need: [b]\n        jobs: { x: { workflow: a.yml } }\n',
  wrongtype: 'pipelines:\n  ci:\n    on: { push: {} }\n    stages:\n      a:\n        jobs: { x: { workflow: 3, retries: "2" } }\n',
  missing: 'pipelines:\n  ci:\n    on: { push: {} }\n    stages:\n      a:\n        jobs:\n          x:\n            inputs: {}\n',
  badid: 'pipelines:\n  CI:\n    on: { push: {} }\n    stages: { a: { jobs: { x: { workflow: a.yml } } } }\n',
  gatetype: 'pipelines:\n  ci:\n    on: { push: {} }\n    stages: { a: { jobs: { x: { workflow: a.yml } } } }\n    gates:\n      - { name: c, type: coverag, job: x, artifact: c, min: 3 }\n      - { name: d, job: x }\n      - { name: e, type: junit, job: y, artifact: j, max-failure: 1 }\n',
  enum: 'pipelines:\n  ci:\n    on: { push: , manual: yes }\n    concurrency: cancel-in-progres\n    stages: { a: { jobs: { x: { workflow: a.yml, timeout: 20 min } } } }\n',
  cycle: 'pipelines:\n  ci:\n    on: { manual: true }\n    stages:\n      a: { needs: [c], jobs: { x: { workflow: a.yml } } }\n      b: { needs: [a], jobs: { y: { workflow: a.yml } } }\n      c: { needs: [b], jobs: { z: { workflow: a.yml } } }\n',
  both: 'pipelines:\n  ci:\n    on:\n      push: { branches: [main], branches-ignore: [dev], paths: ["[z-a]"] }\n    stages: { a: { if: "${{ foo ==", environment: prod, jobs: { x: { workflow: a.yml } } } }\nenvironments:\n  production: { after: stagin, approvals: 2, approvers: [octocat] }\n',
  vars: 'pipelines:\n  ci:\n    on: { manual: true }\n    variables: { NODE: 24 }\n    stages: { a: { jobs: { x: { workflow: a.yml } } } }\n',
  empty: '',
  scalar: 'hello',
  nonutf8: new Uint8Array([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x62, 0x3a, 0x20, 0xc3, 0x28]),
  tabs: 'pipelines:\n\tci: {}\n',
  dup: 'pipelines: {}\nversion: 1\npipelines: {}\n',
};
for (const [name, text] of Object.entries(cases)) {
  const t0 = performance.now();
  const r = parseConfigText(text, 'f.yml');
  console.log(`--- ${name} (${(performance.now() - t0).toFixed(1)}ms)`);
  if (r.ok) console.log('OK', r.warnings.map(formatIssue)); else console.log(r.errors.map(formatIssue).join('\n'));
}
