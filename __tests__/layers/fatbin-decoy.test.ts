/**
 * Decoy fatbins: a real nvcc container claiming sm_90 SASS + compute_90 PTX planted where the CUDA runtime never loads
 * it — .rodata or a section of its own in an nvcc build, a section that is never loaded, the bytes after the last
 * section — must not count as launchable device code (elf.ts fatbinPlacement). Fixtures: scripts/make-decoy-fixtures.sh
 * (nvcc 13.0, gcc, objcopy). Each case first shows the raw signature scan finds the decoy, so a rule that stopped
 * working would fail it; and both readers (streaming, by offset) must give the same facts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatbinScanner, BinaryScanner, type BinaryFacts } from '../../src/layers/fatbin-scan';
import { scanBinaryAt, type ReadAt } from '../../src/layers/fatbin-seek';
import type { GpuCode } from '../../src/model/gpu-code';
import { describeIf } from '../helpers/skip';

const DIR = join(__dirname, '../fixtures/decoy');
interface Expected {
  decoyIn?: string;
  registered: { sass: string[]; ptx: string[] };
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const fixture = (name: string) => readFileSync(join(DIR, name));
const DECOY = fixture('decoy.fatbin');
const SM80 = { sass: ['sm_80'], ptx: [] };

const summary = (code: GpuCode | undefined) => ({ sass: code?.sass ?? [], ptx: (code?.ptx ?? []).map((p) => p.arch) });

/** every container the signature scan finds, wherever it lies */
function raw(body: Buffer): GpuCode | undefined {
  const s = new FatbinScanner(body.length);
  s.push(body);
  return s.result();
}

function streamed(body: Buffer, chunk: number): BinaryFacts {
  const s = new BinaryScanner(body.length);
  for (let at = 0; at < body.length; at += chunk) s.push(body.subarray(at, at + chunk));
  return s.result();
}

function byOffset(body: Buffer): Promise<BinaryFacts> {
  const readAt: ReadAt = async (buffer, position, length) => body.copy(buffer, 0, position, Math.min(body.length, position + length));
  return scanBinaryAt(readAt, body.length);
}

/** What both readers credit (they must agree, in any chunking). */
async function credited(body: Buffer): Promise<BinaryFacts> {
  const seek = await byOffset(body);
  for (const chunk of [7, 4096, body.length]) expect(streamed(body, chunk)).toEqual(seek);
  return seek;
}

test('the decoy is a real nvcc container for sm_90 + compute_90', () => {
  expect(summary(raw(Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56), DECOY])))).toEqual({
    sass: ['sm_90'],
    ptx: ['compute_90'],
  });
});

describe('decoys in nvcc-built and libcupti-style binaries are not credited', () => {
  test.each(Object.keys(EXPECTED))('%s: only the code that loads', async (name) => {
    const body = fixture(name);
    const e = EXPECTED[name];
    if (e.decoyIn) expect(summary(raw(body)).sass).toContain('sm_90');
    const facts = await credited(body);
    expect(summary(facts.gpuCode)).toEqual(e.registered);
    expect(facts.relocatableGpuCode).toBeUndefined();
  });

  test('libdecoy_rodata.so: the decoy lies in .rodata, a loaded section, which counts in a file without .nv_fatbin', async () => {
    // the same bytes with the .nv_fatbin section renamed: libcupti-style, so the .rodata container is credited
    const body = Buffer.from(fixture('libdecoy_rodata.so'));
    const name = body.indexOf('.nv_fatbin\0', 0, 'latin1');
    expect(name).toBeGreaterThan(0);
    body.write('.nv_fatbix', name, 'latin1');
    expect(summary((await credited(body)).gpuCode)).toEqual({ sass: ['sm_80', 'sm_90'], ptx: ['compute_90'] });
  });

  test.each(['libdecoy_rodata.so', 'librodata_fatbin.so'])('%s with the decoy appended after the section table', async (name) => {
    const body = Buffer.concat([fixture(name), Buffer.alloc(3), DECOY]);
    expect(summary(raw(body)).sass).toContain('sm_90');
    expect(summary((await credited(body)).gpuCode)).toEqual(SM80);
  });

  test('the same fixture from the fatbin suite (libsass_sm80.so) with the decoy appended', async () => {
    const body = Buffer.concat([readFileSync(join(__dirname, '../fixtures/fatbin/libsass_sm80.so')), DECOY]);
    expect(summary((await credited(body)).gpuCode)).toEqual(SM80);
  });

  test('decoy_rodata.o (ET_REL, as a static library holds it): .nv_fatbin is what gets linked and registered', async () => {
    const body = fixture('decoy_rodata.o');
    expect(body.readUInt16LE(16)).toBe(1); // ET_REL
    expect(summary((await credited(body)).gpuCode)).toEqual(SM80);
  });
});

const CUPTI = '/usr/local/cuda/lib64/libcupti.so.13';
const CHECKPOINT = '/usr/local/cuda/lib64/libcheckpoint.so';
const REAL = [CUPTI, CHECKPOINT].filter((p) => existsSync(p));
const describeReal = describeIf(REAL.length > 0, `neither ${CUPTI} nor ${CHECKPOINT} exists (no CUDA toolkit)`);

describeReal('NVIDIA libraries that keep fatbins in .rodata, without .nv_fatbin (when this machine has them)', () => {
  test.each(REAL.length ? REAL : ['none'])('%s: everything the signature scan finds is credited', async (path) => {
    const body = readFileSync(path);
    const all = raw(body);
    expect(all?.sass.length).toBeGreaterThan(0);
    expect((await credited(body)).gpuCode).toEqual(all);
  });
});
