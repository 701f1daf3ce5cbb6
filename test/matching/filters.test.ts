import { describe, expect, it } from 'vitest';
import { filterName, filterPaths, isSet } from '../../src/matching/filters.ts';

describe('filterName', () => {
  const base = { subject: 'branch', key: 'on.push.branches' };

  it('matches every name when no list is set (empty lists count as not set)', () => {
    expect(filterName({ ...base, name: 'x', include: [], ignore: [] })).toEqual({
      ok: true,
      reason: 'on.push.branches is not set, so every branch matches',
    });
  });

  it('names the deciding pattern', () => {
    expect(filterName({ ...base, name: 'release/v1', include: ['main', 'release/**', '!release/old'] })).toEqual({
      ok: true,
      reason: "branch 'release/v1' matches on.push.branches 'release/**'",
    });
    expect(filterName({ ...base, name: 'release/old', include: ['main', 'release/**', '!release/old'] })).toEqual({
      ok: false,
      reason: "branch 'release/old' is excluded by on.push.branches '!release/old'",
    });
  });

  it('shortens long pattern lists in messages', () => {
    const include = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(filterName({ ...base, name: 'z', include }).reason).toBe(
      "branch 'z' does not match on.push.branches ('a', 'b', 'c', 'd', 'e', … 2 more)",
    );
  });

  it('applies ignore lists with the same ordered semantics', () => {
    const ignore = ['dependabot/**', '!dependabot/keep'];
    expect(filterName({ ...base, name: 'dependabot/npm', ignore })).toEqual({
      ok: false,
      reason: "branch 'dependabot/npm' is ignored by on.push.branches-ignore 'dependabot/**'",
    });
    expect(filterName({ ...base, name: 'dependabot/keep', ignore }).ok).toBe(true);
  });
});

describe('filterPaths', () => {
  const base = { key: 'on.push.paths', source: 'push' };

  it('returns undefined when no path filter is set', () => {
    expect(filterPaths({ ...base, files: undefined })).toBeUndefined();
    expect(filterPaths({ ...base, files: ['a'], include: [], ignore: [] })).toBeUndefined();
  });

  it('needs one matching path for paths and one kept path for paths-ignore', () => {
    expect(filterPaths({ ...base, files: ['docs/a.md', 'src/b.ts'], include: ['src/**'] })).toEqual({
      ok: true,
      reason: "changed path 'src/b.ts' matches on.push.paths 'src/**'",
    });
    expect(filterPaths({ ...base, files: ['docs/a.md', 'src/b.ts'], ignore: ['docs/**'] })).toEqual({
      ok: true,
      reason: "changed path 'src/b.ts' is not ignored by on.push.paths-ignore",
    });
    expect(filterPaths({ ...base, files: ['docs/a.md'], ignore: ['docs/**'] })).toEqual({
      ok: false,
      reason: "every changed path is ignored by on.push.paths-ignore ('docs/**')",
    });
  });

  it('lets a negation in paths-ignore keep a file', () => {
    expect(filterPaths({ ...base, files: ['docs/api.md'], ignore: ['docs/**', '!docs/api.md'] })?.ok).toBe(true);
  });

  it('applies both lists when both are given', () => {
    const lists = { include: ['src/**'], ignore: ['src/**/*.test.ts'] };
    expect(filterPaths({ ...base, files: ['src/a.test.ts'], ...lists })?.ok).toBe(false);
    expect(filterPaths({ ...base, files: ['src/a.test.ts', 'src/a.ts'], ...lists })?.ok).toBe(true);
  });

  it('never skips on a partial list', () => {
    const include = filterPaths({ ...base, files: ['docs/a.md'], incomplete: true, include: ['src/**'] });
    expect(include).toEqual({
      ok: true,
      reason: 'the changed-file list is incomplete (GitHub lists at most 300 files) and no listed path matches on.push.paths, so it runs to be safe',
    });
    expect(filterPaths({ ...base, files: ['docs/a.md'], incomplete: true, ignore: ['docs/**'] })?.ok).toBe(true);
  });
});

describe('isSet', () => {
  it('is false for missing and empty lists', () => {
    expect(isSet(undefined)).toBe(false);
    expect(isSet([])).toBe(false);
    expect(isSet(['x'])).toBe(true);
  });
});
