import { describe, expect, it } from 'vitest';
import { readArtifactZip } from '../../src/gates/read-artifact-zip.ts';
import { missingArtifact, oversizedArtifact, unreachableArtifact, zipOf } from '../../src/providers/artifacts.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('missingArtifact', () => {
  it('names the artifact asked for and the ones there are, with the gate reason', () => {
    const refusal = missingArtifact('coverage', ['junit', 'lint']);
    expect(refusal).toStrictEqual({
      ok: false,
      reason: 'artifact.not-in-run',
      artifact: 'coverage',
      entry: null,
      detail: expect.stringContaining('(it has junit, lint)'),
      gateReason: { code: 'artifact.not-in-run', available: ['junit', 'lint'] },
    });
  });

  it('says when the run has no artifacts at all', () => {
    const refusal = missingArtifact('coverage', []);
    expect(refusal.gateReason).toStrictEqual({ code: 'artifact.not-in-run', available: [] });
    expect(refusal.detail).toContain('(there are none)');
    expect(refusal.detail).not.toContain('it has');
  });
});

describe('oversizedArtifact', () => {
  it('carries the over-limit reason with the limit and the artifact name', () => {
    const refusal = oversizedArtifact('coverage', 100);
    expect(refusal).toStrictEqual({
      ok: false,
      reason: 'artifact.over-limit',
      artifact: 'coverage',
      entry: null,
      detail: 'the artifact is larger than the 100 bytes a gate reads; it was not read',
      gateReason: { code: 'artifact.over-limit', max: 100 },
    });
  });
});

describe('unreachableArtifact', () => {
  it("says what the artifact's URL answered", () => {
    const refusal = unreachableArtifact('junit', 404);
    expect(refusal).toMatchObject({ ok: false, reason: 'artifact.unreachable', artifact: 'junit', gateReason: { code: 'artifact.unreachable', status: 404 } });
    expect(refusal.detail).toBe("the artifact's URL answered HTTP 404; check the URL the job reported");
  });
});

describe('zipOf', () => {
  it('makes a zip the artifact reader reads back with the same bytes', async () => {
    const files = {
      'coverage/lcov.info': text('SF:src/app.ts\nDA:1,1\nend_of_record\n'),
      'junit.xml': text('<testsuites tests="1"/>'),
      'binary.dat': new Uint8Array([0, 1, 2, 254, 255]),
      'empty.txt': new Uint8Array(0),
    };
    const read = await readArtifactZip('report', zipOf(files));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.artifact).toBe('report');
    const entries = Object.fromEntries(read.entries.map((entry) => [entry.name, Buffer.from(entry.bytes).toString('hex')]));
    expect(entries).toStrictEqual(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, Buffer.from(bytes).toString('hex')])));
  });

  it('makes an empty archive of no files', async () => {
    expect(await readArtifactZip('nothing', zipOf({}))).toMatchObject({ ok: true, entries: [] });
  });

  it('leaves a hostile file name to the reader, which refuses it as it would in any artifact', async () => {
    const read = await readArtifactZip('report', zipOf({ '../outside.xml': text('<x/>') }));
    expect(read).toMatchObject({ ok: false, reason: 'artifact.entry-name-unsafe', artifact: 'report', entry: '../outside.xml' });
  });
});
