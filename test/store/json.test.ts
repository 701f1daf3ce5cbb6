import { describe, expect, it } from 'vitest';
import { toJsonb } from '../../src/store/json.ts';

describe('toJsonb', () => {
  it.each([
    { value: { a: [1, 'two', null] }, json: '{"a":[1,"two",null]}' },
    { value: [1, 2], json: '[1,2]' },
    { value: 'text', json: '"text"' },
    { value: 'nul\u0000here', json: '"nul\\ufffdhere"' },
    // A literal backslash followed by u0000 is text, not a NUL.
    { value: 'slash\\u0000', json: '"slash\\\\u0000"' },
    { value: 'both\\\u0000', json: '"both\\\\\\ufffd"' },
  ])('encodes $json', ({ value, json }) => {
    expect(toJsonb(value)).toBe(json);
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => toJsonb(undefined)).toThrow(/cannot store undefined/);
  });
});
