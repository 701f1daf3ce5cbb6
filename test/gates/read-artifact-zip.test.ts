import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_LIMITS, readArtifactZip } from '../../src/gates/read-artifact-zip.ts';

const zip = (files: Zippable, level: 0 | 6 | 9 = 6) => zipSync(files, { level, mtime: new Date(Date.UTC(2026, 0, 1)) });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('readArtifactZip', () => {
  it('reads every file entry in memory, skipping folders', async () => {
    const archive = zip({ 'coverage/lcov.info': strToU8('SF:a.ts\nDA:1,1\nend_of_record\n'), 'junit.xml': strToU8('<testsuite/>'), 'empty/': new Uint8Array(0) });
    const read = await readArtifactZip('reports', archive);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.entries.map((entry) => entry.name).sort()).toEqual(['coverage/lcov.info', 'junit.xml']);
    expect(text(read.entries.find((entry) => entry.name === 'junit.xml')!.bytes)).toBe('<testsuite/>');
  });

  it('inflates only the entries select accepts', async () => {
    const archive = zip({ 'a.json': strToU8('{}'), 'b.xml': strToU8('<x/>') });
    const read = await readArtifactZip('reports', archive, { select: (name) => name.endsWith('.xml') });
    expect(read.ok && read.entries.map((entry) => entry.name)).toEqual(['b.xml']);
  });

  it('refuses bytes that are not a zip', async () => {
    const read = await readArtifactZip('coverage', strToU8('this is not a zip archive at all, just text'));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.zip-corrupt', artifact: 'coverage', entry: null });
    expect(!read.ok && read.detail).toMatch(/not a readable zip archive/);
  });

  it('refuses a zip whose entry data is damaged', async () => {
    let seed = 7;
    const letters = Array.from({ length: 5000 }, () => String.fromCharCode(97 + ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % 26))).join('');
    const archive = zip({ 'report.xml': strToU8(letters) });
    // Flip bytes inside the deflated data (after the 30-byte local header and the name).
    const damaged = archive.slice();
    for (let i = 45; i < 80; i++) damaged[i] = (damaged[i] ?? 0) ^ 0xff;
    const read = await readArtifactZip('junit', damaged);
    expect(read).toMatchObject({ ok: false, reason: 'artifact.zip-corrupt', entry: 'report.xml' });
  });

  it('refuses a zip bomb while inflating: a highly compressible entry over 100:1', async () => {
    const archive = zip({ 'bomb.xml': new Uint8Array(20 * 1024 * 1024) }, 9);
    expect(archive.byteLength).toBeLessThan(100_000);
    const read = await readArtifactZip('junit', archive);
    expect(read).toMatchObject({ ok: false, reason: 'artifact.entry-ratio', entry: 'bomb.xml' });
    expect(!read.ok && read.detail).toMatch(/more than 100:1/);
  });

  it('does not hold a small repetitive file to the ratio', async () => {
    const archive = zip({ 'lcov.info': strToU8('DA:1,0\n'.repeat(20_000)) }, 9);
    const read = await readArtifactZip('coverage', archive);
    expect(read.ok).toBe(true);
  });

  it('refuses 20,000 entries before inflating any', async () => {
    const files: Zippable = {};
    for (let i = 0; i < 20_000; i++) files[`r/${i}.xml`] = new Uint8Array(0);
    const read = await readArtifactZip('junit', zip(files, 0));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.too-many-entries', entry: null });
    expect(!read.ok && read.detail).toContain('20000 entries; at most 10000');
  });

  it.each([
    ['../evil.xml', /climbs out/],
    ['reports/../../evil.xml', /climbs out/],
    ['/etc/passwd', /absolute path/],
    ['\\windows\\evil.xml', /absolute path/],
    ['C:/evil.xml', /drive letter/],
    ['..\\evil.xml', /climbs out/],
  ])('refuses the entry name %s', async (name, problem) => {
    const read = await readArtifactZip('junit', zip({ 'ok.xml': strToU8('<a/>'), [name]: strToU8('<b/>') }));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.entry-name-unsafe', entry: name.replaceAll('\\', '/') });
    expect(!read.ok && read.detail).toMatch(problem);
  });

  it('refuses a nested zip by name', async () => {
    const read = await readArtifactZip('junit', zip({ 'inner.zip': zip({ 'a.xml': strToU8('<a/>') }) }));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.nested-zip', entry: 'inner.zip' });
  });

  it('refuses a nested zip by its magic bytes under another name', async () => {
    const read = await readArtifactZip('junit', zip({ 'junit.xml': zip({ 'a.xml': strToU8('<a/>') }) }));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.nested-zip', entry: 'junit.xml' });
  });

  it('refuses a 200 MB artifact without reading it', async () => {
    const read = await readArtifactZip('coverage', new Uint8Array(200 * 1024 * 1024));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.too-large', entry: null });
  });

  it('refuses an artifact that inflates past the total limit', async () => {
    const limits = { ...ARTIFACT_LIMITS, maxUncompressedBytes: 150_000 };
    let seed = 11;
    const random = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) >>> 16);
    const archive = zip({ 'a.bin': random(100_000), 'b.bin': random(100_000) });
    const read = await readArtifactZip('reports', archive, { limits });
    expect(read).toMatchObject({ ok: false, reason: 'artifact.uncompressed-too-large', entry: 'b.bin' });
  });

  it('counts the inflated bytes, not the sizes the header claims', async () => {
    const archive = zip({ 'a.txt': strToU8('x'.repeat(50_000)) }).slice();
    // Make the central directory claim 10 bytes inflated; the data still inflates to 50,000.
    const view = new DataView(archive.buffer);
    for (let i = archive.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) {
        view.setUint32(i + 24, 10, true);
        break;
      }
    }
    const read = await readArtifactZip('reports', archive);
    expect(read).toMatchObject({ ok: false, reason: 'artifact.zip-corrupt', entry: 'a.txt' });
  });
});
