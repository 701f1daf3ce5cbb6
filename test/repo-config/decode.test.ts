import { describe, expect, it } from 'vitest';
import { decodeConfigText, MAX_CONFIG_BYTES } from '../../src/repo-config/decode.ts';

describe('decodeConfigText', () => {
  it('decodes UTF-8 and drops a byte-order mark', () => {
    expect(decodeConfigText(Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from('a: é\n')]), 'f.yml')).toEqual({ ok: true, text: 'a: é\n' });
    expect(decodeConfigText('\uFEFFa: 1\n', 'f.yml')).toEqual({ ok: true, text: 'a: 1\n' });
  });

  it('accepts exactly the limit and refuses one byte more', () => {
    expect(decodeConfigText(new Uint8Array(MAX_CONFIG_BYTES).fill(0x20), 'f.yml').ok).toBe(true);
    const over = decodeConfigText(new Uint8Array(MAX_CONFIG_BYTES + 1).fill(0x20), 'f.yml');
    expect(over).toEqual({
      ok: false,
      error: { file: 'f.yml', line: 1, column: 1, message: 'the file is 1048577 bytes, over the 1 MB limit (1048576 bytes) for shipgate configs', path: [] },
    });
  });

  it('measures text in UTF-8 bytes, not characters', () => {
    const text = 'é'.repeat(MAX_CONFIG_BYTES / 2 + 1);
    expect(decodeConfigText(text, 'f.yml').ok).toBe(false);
  });

  it.each([
    { name: 'a lone continuation byte', bytes: [0x61, 0x80], line: 1, column: 2, byte: '0x80' },
    { name: 'an overlong encoding', bytes: [0x0a, 0x0a, 0x20, 0xc0, 0xaf], line: 3, column: 2, byte: '0xC0' },
    { name: 'an encoded surrogate', bytes: [0xed, 0xa0, 0x80], line: 1, column: 1, byte: '0xED' },
    { name: 'a sequence cut short at the end', bytes: [0x78, 0xf0, 0x9f, 0x98], line: 1, column: 2, byte: '0xF0' },
    { name: 'a bad byte after multi-byte characters', bytes: [...Buffer.from('€€'), 0xff], line: 1, column: 3, byte: '0xFF' },
  ])('names the line and column of $name', ({ bytes, line, column, byte }) => {
    const result = decodeConfigText(Uint8Array.from(bytes), 'f.yml');
    expect(result).toEqual({
      ok: false,
      error: { file: 'f.yml', line, column, message: `the file is not valid UTF-8 (byte ${byte}); save it as UTF-8`, path: [] },
    });
  });
});
