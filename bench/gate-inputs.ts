/** The generated inputs of the gate cases (figure 9): a JUnit report of a given size and a SARIF log of a given count of results. */

/** A JUnit report of at least `targetBytes`, as UTF-8 bytes: suites of 100 test cases, about one in 97 failing. */
export function junitBytes(targetBytes: number): Uint8Array {
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

/** A SARIF 2.1.0 log of one run with 50 rules and `results` results, as UTF-8 bytes. */
export function sarifBytes(results: number): Uint8Array {
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
