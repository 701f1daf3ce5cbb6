import { describe, expect, it } from 'vitest';
import { repoPathOrRaw, toRepoPath, uriToPath } from '../../src/gates/repo-path.ts';

describe('toRepoPath', () => {
  it.each([
    ['src/a.ts', [], 'src/a.ts'],
    ['./src/a.ts', [], 'src/a.ts'],
    ['/home/runner/work/shop/shop/src/a.ts', [], 'src/a.ts'],
    ['/__w/shop/shop/src/a.ts', [], 'src/a.ts'],
    ['/github/workspace/src/a.ts', [], 'src/a.ts'],
    ['D:\\a\\shop\\shop\\src\\a.ts', [], 'src/a.ts'],
    ['/srv/ci/checkout/src/a.ts', ['/srv/ci/checkout/'], 'src/a.ts'],
    ['/srv/ci/checkout/src/a.ts', [], null],
    ['src/../../etc/passwd', [], null],
    ['C:/Users/x/a.ts', [], null],
  ])('%s with roots %j is %s', (path, roots, expected) => {
    expect(toRepoPath(path, roots)).toBe(expected);
  });

  it('keeps an unmappable path as written for suffix matching', () => {
    expect(repoPathOrRaw('/tmp/x/src/a.ts')).toBe('/tmp/x/src/a.ts');
  });
});

describe('uriToPath', () => {
  it.each([
    ['file:///home/runner/work/a/a/src/x%20y.js', '/home/runner/work/a/a/src/x y.js'],
    ['file:///C:/a/b.js', 'C:/a/b.js'],
    ['src/a%2Bb.js', 'src/a+b.js'],
    ['src/100%.js', 'src/100%.js'],
  ])('%s is %s', (uri, path) => {
    expect(uriToPath(uri)).toBe(path);
  });
});
