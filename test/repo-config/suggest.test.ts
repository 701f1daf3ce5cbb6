import { describe, expect, it } from 'vitest';
import { editDistance, suggestNearest } from '../../src/repo-config/suggest.ts';

describe('suggestNearest', () => {
  const topLevel = ['version', '_extends', 'defaults', 'pipelines', 'environments', 'commands', 'notifications'];

  it.each([
    ['pipline', topLevel, 'pipelines'],
    ['Pipelines', topLevel, 'pipelines'],
    ['enviroments', topLevel, 'environments'],
    ['need', ['needs', 'if', 'environment', 'jobs'], 'needs'],
    ['max-failure', ['name', 'type', 'job', 'artifact', 'max-failures'], 'max-failures'],
    ['wokrflow', ['workflow', 'inputs'], 'workflow'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(suggestNearest(word, candidates)).toBe(expected);
  });

  it('suggests nothing when nothing is close', () => {
    expect(suggestNearest('colour', topLevel)).toBeUndefined();
    expect(suggestNearest('ab', ['xyz'])).toBeUndefined();
  });

  it('gives up on inputs too large to be worth it', () => {
    expect(suggestNearest('a'.repeat(65), ['a'.repeat(64)])).toBeUndefined();
    expect(suggestNearest('ab', Array.from({ length: 501 }, (_, i) => `ab${i}`))).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('need', 'needs')).toBe(1);
    expect(editDistance('pipline', 'pipelines')).toBe(2);
    expect(editDistance('wokrflow', 'workflow')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
