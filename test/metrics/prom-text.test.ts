/** The strict Prometheus text parser the metrics tests read scrapes with (`test/helpers/prom-text.ts`). */
import { describe, expect, it } from 'vitest';
import { histogramOf, parsePromText, sampleValue } from '../helpers/prom-text.ts';

const GOOD = `# HELP jobs_total Jobs, with a backslash \\\\ and a new line \\n in the help.
# TYPE jobs_total counter
jobs_total{pipeline="ci",conclusion="success"} 3
jobs_total{pipeline="say \\"hi\\"\\\\n",conclusion="failure",} 1 1700000000000

# a comment
# TYPE depth gauge
depth NaN
# TYPE wait_seconds histogram
wait_seconds_bucket{le="1",queue="a"} 1
wait_seconds_bucket{le="10",queue="a"} 3
wait_seconds_bucket{le="+Inf",queue="a"} 4
wait_seconds_sum{queue="a"} 31.5
wait_seconds_count{queue="a"} 4
`;

const histogram = (lines: string[]) => `# TYPE h_seconds histogram\n${lines.join('\n')}\n`;

describe('parsePromText', () => {
  it('reads families, help, types, escaped label values and histograms', () => {
    const families = parsePromText(GOOD);
    expect(families.get('jobs_total')).toMatchObject({ type: 'counter', help: 'Jobs, with a backslash \\ and a new line \n in the help.' });
    expect(sampleValue(families, 'jobs_total', { pipeline: 'ci', conclusion: 'success' })).toBe(3);
    expect(sampleValue(families, 'jobs_total', { pipeline: 'say "hi"\\n', conclusion: 'failure' })).toBe(1);
    expect(sampleValue(families, 'depth')).toBeNaN();
    expect(histogramOf(families, 'wait_seconds', { queue: 'a' })).toEqual({
      labels: { queue: 'a' },
      buckets: [
        { le: 1, count: 1 },
        { le: 10, count: 3 },
        { le: Infinity, count: 4 },
      ],
      sum: 31.5,
      count: 4,
    });
    expect(parsePromText('')).toEqual(new Map());
  });

  it.each([
    ['no final newline', 'x 1'],
    ['a bad metric name', '1x 1\n'],
    ['a bad value', 'x one\n'],
    ['a missing value', 'x{a="b"}\n'],
    ['an unquoted label value', 'x{a=b} 1\n'],
    ['a bad escape in a label value', 'x{a="\\t"} 1\n'],
    ['an unterminated label value', 'x{a="b} 1\n'],
    ['a label given twice', 'x{a="1",a="2"} 1\n'],
    ['a reserved label name', 'x{__name__="y"} 1\n'],
    ['a bad timestamp', 'x 1 soon\n'],
    ['an unknown type', '# TYPE x meter\nx 1\n'],
    ['a second TYPE', '# TYPE x gauge\n# TYPE x gauge\nx 1\n'],
    ['a second HELP', '# HELP x a\n# HELP x b\nx 1\n'],
    ['a TYPE after the samples', 'x 1\n# TYPE x gauge\n'],
    ['a sample given twice', 'x{a="1"} 1\nx{a="1"} 2\n'],
    ['a family whose samples are apart', '# TYPE x gauge\nx{a="1"} 1\n# TYPE y gauge\ny 1\nx{a="2"} 1\n'],
    ['a negative counter', '# TYPE c_total counter\nc_total -1\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePromText(text)).toThrow();
  });

  it.each([
    ['a bucket without le', ['h_seconds_bucket 1', 'h_seconds_sum 1', 'h_seconds_count 1']],
    ['buckets out of order', ['h_seconds_bucket{le="10"} 1', 'h_seconds_bucket{le="1"} 1', 'h_seconds_bucket{le="+Inf"} 1', 'h_seconds_sum 1', 'h_seconds_count 1']],
    ['a decreasing count', ['h_seconds_bucket{le="1"} 2', 'h_seconds_bucket{le="+Inf"} 1', 'h_seconds_sum 1', 'h_seconds_count 1']],
    ['no +Inf bucket', ['h_seconds_bucket{le="1"} 1', 'h_seconds_sum 1', 'h_seconds_count 1']],
    ['+Inf differing from _count', ['h_seconds_bucket{le="+Inf"} 2', 'h_seconds_sum 1', 'h_seconds_count 3']],
    ['no _sum', ['h_seconds_bucket{le="+Inf"} 1', 'h_seconds_count 1']],
    ['a sample of its own name', ['h_seconds_bucket{le="+Inf"} 1', 'h_seconds_sum 1', 'h_seconds_count 1', 'h_seconds 1']],
  ])('refuses a histogram with %s', (_what, lines) => {
    expect(() => parsePromText(histogram(lines))).toThrow(/histogram|together/);
  });

  it('takes a consistent histogram with several label sets', () => {
    const families = parsePromText(
      histogram(['h_seconds_bucket{a="1",le="+Inf"} 2', 'h_seconds_sum{a="1"} 3', 'h_seconds_count{a="1"} 2', 'h_seconds_bucket{a="2",le="+Inf"} 0', 'h_seconds_sum{a="2"} 0', 'h_seconds_count{a="2"} 0']),
    );
    expect(histogramOf(families, 'h_seconds', { a: '1' })).toMatchObject({ count: 2, sum: 3 });
    expect(histogramOf(families, 'h_seconds', { a: '2' })).toMatchObject({ count: 0 });
    expect(histogramOf(families, 'h_seconds', { a: '3' })).toBeUndefined();
  });
});
