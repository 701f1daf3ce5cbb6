import { describe, expect, it } from 'vitest';
import { parseBenchmark } from '../../../src/gates/parsers/benchmark.ts';
import { reportFixture } from '../fixture.ts';

const values = (input: string | Uint8Array) => {
  const parsed = parseBenchmark(input);
  return parsed.ok ? [...parsed.report.values.entries()] : parsed.reason;
};

describe('parseBenchmark', () => {
  it('reads {name: number}', () => {
    expect(values(reportFixture('edge-cases/benchmark-object.json'))).toEqual([
      ['parse 1 MB', { value: 12.5, unit: null }],
      ['render page', { value: 48, unit: null }],
      ['cold start', { value: 310.2, unit: null }],
    ]);
  });

  it('reads [{name, value, unit}]', () => {
    expect(values(reportFixture('edge-cases/benchmark-array.json'))).toEqual([
      ['parse 1 MB', { value: 12.5, unit: 'ms' }],
      ['throughput', { value: 9100, unit: 'ops/s' }],
    ]);
  });

  it('reads Bencher metric format as bench/measure', () => {
    expect(values('{"sort": {"latency": {"value": 3.5, "lower_value": 3.1}}}')).toEqual([['sort/latency', { value: 3.5, unit: 'latency' }]]);
  });

  it('keeps a __proto__ benchmark as a plain name', () => {
    expect(values('{"__proto__": 1}')).toEqual([['__proto__', { value: 1, unit: null }]]);
  });

  it.each([
    ['{"a": "fast"}', /'a' has no finite numeric value/],
    ['[{"value": 1}]', /item 0/],
    ['42', /expected/],
    ['nope', /JSON|Unexpected/],
  ])('refuses %s', (text, error) => {
    expect(parseBenchmark(text)).toMatchObject({ ok: false, reason: { code: 'report.invalid', error: expect.stringMatching(error) } });
  });
});
