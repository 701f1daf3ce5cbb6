import { describe, expect, it } from 'vitest';
import { addedLines } from '../../src/gates/patch-lines.ts';

describe('addedLines', () => {
  it('numbers added lines in the new file across hunks, skipping removed lines and markers', () => {
    const patch = ['@@ -1,3 +1,4 @@', ' a', '-b', '+B', '+C', ' d', '\\ No newline at end of file', '@@ -20 +21,2 @@', '+x', ' y'].join('\n');
    expect(addedLines(patch)).toEqual([2, 3, 21]);
  });

  it('reads a new file', () => {
    expect(addedLines('@@ -0,0 +1,2 @@\n+one\n+two')).toEqual([1, 2]);
  });

  it.each(['', 'Binary files differ', 'diff --git a/x b/x'])('refuses %j', (text) => {
    expect(addedLines(text)).toBeNull();
  });
});
