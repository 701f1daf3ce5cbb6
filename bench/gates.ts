/**
 * Gate figures of SPEC §11: time and extra heap to parse and evaluate a 50 MB
 * JUnit file and a SARIF log with 100,000 results. Run on its own:
 *   node --expose-gc bench/gates.ts [--json]
 * Each case runs after a GC. Parsing is synchronous, so the peak cannot be
 * sampled; "heap growth" is how much V8's total heap size grew during the case
 * (an upper bound of the extra heap it needed, garbage included) and
 * "retained" what was still used after a GC once the case ended. The input
 * bytes are a Uint8Array outside the JS heap and are not counted.
 */
import { getHeapStatistics } from 'node:v8';
import { evaluateGate } from '../src/gates/evaluate.ts';
import { parseJunit } from '../src/gates/parsers/junit.ts';
import { parseSarif } from '../src/gates/parsers/sarif.ts';

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc bench/gates.ts');
  process.exit(2);
}

function junitBytes(targetBytes: number): Uint8Array {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n'];
  let size = parts[0]!.length;
  let suite = 0;
  while (size < targetBytes) {
    const cases: string[] = [`<testsuite name="suite ${suite}" tests="100">\n`];
    for (let i = 0; i < 100; i++) {
      const failing = (suite * 100 + i) % 97 === 0;
      cases.push(
        `  <testcase classname="com.acme.module${suite}.Test${i}" name="does thing number ${i} with a long descriptive name" time="0.${i}" file="src/test/java/com/acme/Test${i}.java">` +
          (failing ? `<failure message="expected true">java.lang.AssertionError: expected true\n\tat com.acme.Test${i}.run(Test${i}.java:${i + 1})</failure>` : '<system-out>ok</system-out>') +
          '</testcase>\n',
      );
    }
    cases.push('</testsuite>\n');
    const text = cases.join('');
    parts.push(text);
    size += text.length;
    suite += 1;
  }
  parts.push('</testsuites>\n');
  return new TextEncoder().encode(parts.join(''));
}

function sarifBytes(results: number): Uint8Array {
  const rules = Array.from({ length: 50 }, (_, i) => ({ id: `rule-${i}`, defaultConfiguration: { level: i % 3 === 0 ? 'error' : 'warning' }, properties: { 'security-severity': String((i % 10) + 0.5) } }));
  const list = Array.from({ length: results }, (_, i) => ({
    ruleId: `rule-${i % 50}`,
    ruleIndex: i % 50,
    message: { text: `Finding ${i}: something questionable happens here in this function` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `src/module${i % 400}/file${i % 37}.ts`, uriBaseId: '%SRCROOT%' }, region: { startLine: (i % 500) + 1, startColumn: 3, endColumn: 20 } } }],
    partialFingerprints: { primaryLocationLineHash: `${(i * 2654435761 >>> 0).toString(16)}:1` },
  }));
  const log = { version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json', runs: [{ tool: { driver: { name: 'bench', rules } }, results: list }] };
  return new TextEncoder().encode(JSON.stringify(log));
}

interface Figure {
  case: string;
  inputMB: number;
  ms: number;
  heapGrowthMB: number;
  retainedMB: number;
  result: string;
}

function measure(name: string, input: Uint8Array, run: (input: Uint8Array) => string): Figure {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const heapSizeBefore = getHeapStatistics().total_heap_size;
  const started = performance.now();
  const result = run(input);
  const ms = performance.now() - started;
  const heapSizeAfter = getHeapStatistics().total_heap_size;
  gc!();
  const retained = process.memoryUsage().heapUsed - before;
  return { case: name, inputMB: round(input.byteLength / MB), ms: round(ms), heapGrowthMB: round((heapSizeAfter - heapSizeBefore) / MB), retainedMB: round(retained / MB), result };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

const junit = junitBytes(50 * MB);
const junitFigure = measure('JUnit 50 MB', junit, (bytes) => {
  const parsed = parseJunit(bytes);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  const result = evaluateGate({ name: 'tests', type: 'junit' }, parsed.report, null, null);
  return `${parsed.report.tests} tests, ${parsed.report.failures} failed → ${result.result}`;
});
const sarif = sarifBytes(100_000);
const sarifFigure = measure('SARIF 100k results', sarif, (bytes) => {
  const parsed = parseSarif(bytes);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  const result = evaluateGate({ name: 'scan', type: 'sarif', max: { error: 0 }, 'new-only': true }, parsed.report, { fingerprints: new Set() }, null);
  return `${parsed.report.findings.length} findings → ${result.result}`;
});
const figures = [junitFigure, sarifFigure];
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else {
  console.log('case                 input MB   time ms   heap growth MB   retained MB   result');
  for (const f of figures) {
    console.log(`${f.case.padEnd(20)} ${String(f.inputMB).padStart(8)} ${String(f.ms).padStart(9)} ${String(f.heapGrowthMB).padStart(16)} ${String(f.retainedMB).padStart(13)}   ${f.result}`);
  }
  console.log('targets (SPEC §11): ≤ 5000 ms and ≤ 100 MB extra heap each');
}
