/**
 * The seek reader (analyseLayerAt: headers by offset, only the wanted file heads, ELF section tables and fatbin
 * headers) must give exactly what the streaming reader (analyseLayer over tar-stream) gives for the same layer tar:
 * the whole LayerResult — entries with content and gpuCode, whiteouts, opaque dirs, findings, entryCount, tarBytes —
 * or the same error. Each tar is written to a file and read both ways: the streaming reader from a file stream, the
 * seek reader through a FileHandle. Well-formed tars must be read by offset (no fallback to streaming), big ones
 * reading a small fraction of their bytes. Then random, hand-made and corrupted tars (fast-check, seed 42).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { evidenceInterest } from '../../src/evidence/interests';
import { analyseLayer, DEFAULT_LAYER_LIMITS, type LayerLimits } from '../../src/layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../../src/layers/analyse-layer-at';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import type { SeekableTar } from '../../src/sources/types';
import { FUZZ } from '../fuzz/bounded';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';
import { base256, BLOCK, END, gnuLong, padded, paxHeader, rawEntry, rawHeader, withChecksum } from '../helpers/raw-tar';
import { corrupted, corruptedArchive, mutatedArchive, packed, rawArchive, spec } from '../helpers/tar-arbitraries';
import { partSkippedUnless, testIf } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const MiB = 1024 * 1024;
const FIXTURES = join(__dirname, '../fixtures/fatbin');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const FATBIN_LIBS = Object.keys(JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, unknown>);
const CUPTI = '/usr/local/cuda/lib64/libcupti.so.13';
const CUDART = '/usr/local/cuda/lib64/libcudart.so.13';
const REAL_LIBS = [CUPTI, CUDART].filter((p) => existsSync(p));
const ABSENT_LIBS = [CUPTI, CUDART].filter((p) => !existsSync(p));

/** Detectors' stand-in: the head of every regular file, and every one through the fatbin scan. */
const EVERYTHING: InterestFn = () => ({ content: 4096, scan: 'fatbin' });
const INTERESTS: [string, InterestFn][] = [
  ['evidenceInterest', evidenceInterest],
  ['everything', EVERYTHING],
];
const limits = (over: Partial<LayerLimits>): LayerLimits => ({ ...DEFAULT_LAYER_LIMITS, ...over });

type Outcome = { result: LayerResult } | { error: { name: string; code?: string; message: string } };

async function outcome(run: () => Promise<LayerResult>): Promise<Outcome> {
  try {
    return { result: await run() };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { error: { name: err.name, code: err.code, message: err.message } };
  }
}

const dir = tempDir('cg-seek-layer-');
let files = 0;
/** each tar is written once, however many times it is read */
const written = new WeakMap<Buffer, string>();

/** A SeekableTar over a file through one FileHandle, counting the bytes it hands out. */
async function seekableFile(file: string): Promise<{ tar: SeekableTar; close: () => Promise<void> }> {
  const handle = await open(file, 'r');
  const { size } = await handle.stat();
  return {
    tar: {
      size,
      async read(buffer, position, length) {
        const n = Math.min(length, size - position);
        if (n <= 0) return 0;
        return (await handle.read(buffer, 0, n, position)).bytesRead;
      },
      stream: () => createReadStream(file),
    },
    close: () => handle.close(),
  };
}

interface Options {
  interest?: InterestFn;
  limits?: LayerLimits;
  /** the layer's declared blob size; default: the tar's own (an uncompressed blob) */
  size?: number | null;
  /** leave diffId unset (the streaming reader then drains the source after the marker) */
  noDiffId?: boolean;
}

interface Both {
  stream: Outcome;
  seek: Outcome;
  stats: SeekReadStats;
  bytes: number;
}

/** Reads `tar` both ways. */
async function readBoth(tar: Buffer, o: Options = {}): Promise<Both> {
  let file = written.get(tar);
  if (file === undefined) {
    file = join(dir, `layer-${++files}.tar`);
    writeFileSync(file, tar);
    written.set(tar, file);
  }
  const identity = () => ({
    digest: `sha256:${'d'.repeat(64)}`,
    ...(!o.noDiffId && { diffId: `sha256:${'e'.repeat(64)}` }),
    ...(o.size !== null && { size: o.size ?? tar.length }),
  });
  const interest = o.interest ?? EVERYTHING;
  const { tar: seekable, close } = await seekableFile(file);
  try {
    const stream = await outcome(() => analyseLayer(seekable.stream(), identity(), interest, o.limits));
    const stats: SeekReadStats = { bytesRead: 0 };
    const seek = await outcome(() => analyseLayerAt(seekable, identity(), interest, o.limits, stats));
    return { stream, seek, stats, bytes: tar.length };
  } finally {
    await close();
  }
}

/** Both readers agree on `tar`, under every interest; returns the streaming outcomes and the seek stats. */
async function expectSame(tar: Buffer, o: Options = {}): Promise<Both[]> {
  const all: Both[] = [];
  for (const [name, interest] of o.interest ? [['given', o.interest] as const] : INTERESTS) {
    const both = await readBoth(tar, { ...o, interest });
    expect({ interest: name, seek: both.seek }).toEqual({ interest: name, seek: both.stream });
    all.push(both);
  }
  return all;
}

/** A well-formed tar: the same result both ways, read by offset without falling back to streaming. Returns the
 * streaming results, one per interest: [evidenceInterest, everything] unless an interest is given. */
async function expectSeeks(tar: Buffer, o: Options = {}): Promise<LayerResult[]> {
  const all = await expectSame(tar, o);
  for (const b of all) {
    expect(b.stats.streamedBecause).toBeUndefined();
    expect('result' in b.stream).toBe(true);
  }
  return all.map((b) => (b.stream as { result: LayerResult }).result);
}

/** A tar the seek reader must hand to the streaming reader (it cannot follow it exactly). */
async function expectFallsBack(tar: Buffer, o: Options = {}): Promise<Outcome[]> {
  const all = await expectSame(tar, o);
  for (const b of all) expect(b.stats.streamedBecause).toEqual(expect.any(String));
  return all.map((b) => b.stream);
}

const codes = (r: LayerResult) => r.findings.map((f) => f.code);
const file = (name: string, body: Buffer | string = 'x') => rawEntry({ name, type: '0' }, body);

// ---------------------------------------------------------------------------------------------------------------------

describe('well-formed layer tars: the seek reader reads them by offset and gives the streaming result', () => {
  test('ustar prefix names, pax long names and link names (tar-stream)', async () => {
    const deep = `usr/local/${'d'.repeat(90)}/lib64/libcudart.so.12.4.127`; // > 100 bytes, split into prefix + name
    const long = `opt/${'p'.repeat(300)}/libcudart.so.12`; // no split fits: a pax path
    const [r] = await expectSeeks(
      await packLayer({
        [deep]: 'cudart',
        [long]: 'long',
        [`usr/local/cuda-12.4/${'v'.repeat(120)}/../version.json`]: '{"cuda":{"version":"12.4.1"}}',
        'usr/lib/link-to-long': { symlink: `/${long}` },
        'usr/lib/hard-to-long': { hardlink: long },
        [`${'s'.repeat(200)}/sym`]: { symlink: 'x'.repeat(150) },
      }),
    );
    expect(r.entries.map((e) => e.path)).toEqual(expect.arrayContaining([deep, long, 'usr/lib/link-to-long', 'usr/lib/hard-to-long']));
  });

  test('GNU long names and long link names (L / K records), alone and together', async () => {
    const longName = `usr/lib/x86_64-linux-gnu/${'n'.repeat(180)}/libcudart.so.12.8.90`;
    const [, r] = await expectSeeks(
      Buffer.concat([
        gnuLong(longName),
        rawEntry({ name: longName.slice(0, 100), type: '0', magic: 'gnu' }, 'ELF?'),
        gnuLong(`../${'t'.repeat(150)}`, 'K'),
        rawEntry({ name: 'usr/lib/sym', type: '2', linkname: 't'.repeat(100), magic: 'gnu' }),
        gnuLong(`opt/${'h'.repeat(150)}/hard`),
        gnuLong(longName, 'K'),
        rawEntry({ name: 'opt/h', type: '1', linkname: 'x', magic: 'gnu' }),
        // an L record and a pax path on one entry: Go applies the GNU long name last, so it wins
        gnuLong('opt/gnu-name'),
        paxHeader({ path: 'opt/pax-name.json' }),
        rawEntry({ name: 'opt/short', type: '0' }, '{}'),
        END,
      ]),
    );
    expect(r.entries.map((e) => [e.path, e.linkTarget])).toEqual([
      [longName, undefined],
      ['usr/lib/sym', `../${'t'.repeat(150)}`],
      [`opt/${'h'.repeat(150)}/hard`, longName],
      // Go: the GNU long name wins over the pax path (reader.go applies it after mergePAX)
      ['opt/gnu-name', undefined],
    ]);
  });

  test('pax global headers name nothing (Go returns them as entries of their own, Docker ignores them)', async () => {
    const [, r] = await expectSeeks(
      Buffer.concat([
        paxHeader({ path: 'usr/local/cuda/version.json', comment: 'global' }, 'g'),
        file('usr/lib/libcudart.so.12', 'not renamed: no per-entry record'),
        paxHeader({ mtime: '0' }),
        file('renamed-by-the-global', '{"cuda":{"version":"12.1.0"}}'),
        paxHeader({ linkpath: 'usr/lib/libcudart.so.12' }, 'g'),
        paxHeader({ path: 'usr/lib/libcudart.so' }),
        rawEntry({ name: 'ignored', type: '2', linkname: 'ignored-too' }),
        paxHeader({ path: 'usr/lib/libcudart.so.11.0', linkpath: 'explicit' }),
        rawEntry({ name: 'ignored', type: '2', linkname: 'x' }),
        END,
      ]),
    );
    expect(r.entries.map((e) => [e.path, e.linkTarget ?? e.content])).toEqual([
      ['usr/lib/libcudart.so.12', 'not renamed: no per-entry record'],
      ['renamed-by-the-global', '{"cuda":{"version":"12.1.0"}}'],
      ['usr/lib/libcudart.so', 'ignored-too'],
      ['usr/lib/libcudart.so.11.0', 'explicit'],
    ]);
  });

  test('a pax size overrides the header size field (octal, base-256 or zero), for files, links and directories', async () => {
    const body = Buffer.alloc(700, 0x61);
    const [, r] = await expectSeeks(
      Buffer.concat([
        paxHeader({ size: '700' }),
        rawHeader({ name: 'usr/local/cuda/version.json', type: '0', size: 0 }),
        padded(body),
        paxHeader({ size: '3' }),
        // the header's own field must still parse (Go's readHeader parses it before the pax size replaces it)
        rawHeader({ name: 'usr/lib/libcudart.so.12', type: '0', sizeField: base256(99, 12) }),
        padded(Buffer.from('elf')),
        paxHeader({ size: '5' }),
        // a link has no body (Go's header-only types), whatever a pax size says
        rawHeader({ name: 'usr/lib/hard', type: '1', linkname: 'usr/lib/libcudart.so.12', size: 0 }),
        // a directory never has a body, whatever a pax size says
        paxHeader({ size: '2048' }),
        rawHeader({ name: 'usr/share/', type: '5', size: 0 }),
        file('usr/share/after-dir.json', '{}'),
        END,
      ]),
    );
    expect(r.entries.map((e) => [e.path, e.size])).toEqual([
      ['usr/local/cuda/version.json', 700],
      ['usr/lib/libcudart.so.12', 3],
      ['usr/lib/hard', 5],
      ['usr/share/after-dir.json', 2],
    ]);
  });

  test('old-style tars (no magic): no prefix field, NUL typeflag is a file', async () => {
    const [, r] = await expectSeeks(
      Buffer.concat([
        rawEntry({ name: 'usr', type: '5', magic: 'v7' }),
        rawEntry({ name: 'usr/local/cuda-11.8/version.txt', type: '\0', magic: 'v7' }, 'CUDA Version 11.8.89\n'),
        rawEntry({ name: 'usr/lib/libcudart.so.11.0', type: '2', linkname: 'libcudart.so.11.8.89', magic: 'v7' }),
        rawEntry({ name: 'usr/lib/libcudart.so.11.8.89', type: '0', magic: 'v7', prefix: 'ignored' }, 'elf'),
        rawEntry({ name: 'usr/lib/hard', type: '1', linkname: 'usr/lib/libcudart.so.11.8.89', magic: 'v7' }),
        END,
      ]),
    );
    expect(r.entries.map((e) => e.path)).toEqual([
      'usr/local/cuda-11.8/version.txt',
      'usr/lib/libcudart.so.11.0',
      'usr/lib/libcudart.so.11.8.89',
      'usr/lib/hard',
    ]);
  });

  test('directories claiming a size (no body follows them, as tar-stream reads it), with and without a trailing slash', async () => {
    await expectSeeks(
      Buffer.concat([
        rawHeader({ name: 'opt/app', type: '5', size: 1 }),
        rawHeader({ name: 'opt/app2/', type: '5', sizeField: base256(1 << 20, 12) }),
        rawHeader({ name: '', prefix: 'usr/local/cuda', type: '5', size: 40 }),
        file('usr/lib/libcudart.so.12', 'after the directories'),
        END,
      ]),
    );
  });

  test('hardlinks inside and outside the root, with and without a body', async () => {
    const [r] = await expectSeeks(
      Buffer.concat([
        await packLayer({
          'usr/lib/libcudart.so.12.4.127': 'cudart',
          'usr/lib/a': { hardlink: 'usr/lib/libcudart.so.12.4.127' },
          'usr/lib/b': { hardlink: './usr//lib/../lib/libcudart.so.12.4.127' },
          'usr/lib/c': { hardlink: '/usr/lib/libcudart.so.12.4.127' },
          'usr/lib/d': { hardlink: '../../etc/passwd' },
          'usr/lib/e': { hardlink: '/' },
          'usr/lib/f': { hardlink: 'a/../..' },
        }).then((t) => t.subarray(0, t.length - END.length)),
        // Go's archive/tar reads no body after a link header, whatever its size says
        rawHeader({ name: 'usr/lib/g', type: '1', linkname: 'usr/lib/a', size: 20 }),
        END,
      ]),
    );
    expect(codes(r)).toEqual(['PATH_OUTSIDE_ROOT', 'PATH_OUTSIDE_ROOT', 'PATH_OUTSIDE_ROOT']);
  });

  test('symlinks: relative, absolute, dangling, climbing, to directories, with a body', async () => {
    await expectSeeks(
      Buffer.concat([
        (
          await packLayer({
            'usr/local/cuda': { symlink: 'cuda-12.4' },
            'usr/local/cuda-12.4/lib64/libcudart.so': { symlink: '/usr/local/cuda-12.4/lib64/libcudart.so.12' },
            'usr/lib/dangling': { symlink: 'nowhere' },
            'usr/lib/up': { symlink: '../../../../etc' },
            lib: { symlink: 'usr/lib' },
            '../escape': { symlink: 'x' },
          })
        ).subarray(0, -END.length),
        // a size but no body: Go reads none after a symlink header
        rawHeader({ name: 'usr/lib/sym-with-size', type: '2', linkname: 'x', size: 10 }),
        END,
      ]),
    );
  });

  test('whiteouts, opaque markers, aufs metadata and bare whiteouts', async () => {
    const [r] = await expectSeeks(
      await packLayer({
        'etc/.wh.old.conf': '',
        '.wh.tmp': '',
        'opt/app/.wh..wh..opq': '',
        'opt/app/c.txt': 'c',
        '.wh..wh.plnk/1234.libcudart.so': 'x',
        '.wh..wh.aufs': '',
        'usr/.wh..wh.orph/x': 'y',
        'usr/.wh.': '',
        './usr/lib/.wh.libcudart.so.12': 'a body on a whiteout',
      }),
    );
    expect(r.whiteouts).toEqual(['etc/old.conf', 'tmp', 'usr/lib/libcudart.so.12']);
    expect(r.opaqueDirs).toEqual(['opt/app']);
  });

  test('character devices: 0/0 (an overlayfs whiteout, octal or base-256) and real ones', async () => {
    const [r] = await expectSeeks(
      Buffer.concat([
        (await packLayer({ 'usr/lib/libgone.so': { charDevice: [0, 0] }, 'dev/null': { charDevice: [1, 3] } })).subarray(0, -END.length),
        rawEntry({ name: 'usr/lib/b256', type: '3', devmajorField: base256(0, 8), devminorField: base256(0, 8) }),
        rawEntry({ name: 'usr/lib/spaces', type: '3', devmajorField: Buffer.from('       \0'), devminorField: Buffer.from('\0\0\0\0\0\0\0\0') }),
        rawEntry({ name: 'usr/lib/neg', type: '3', devmajorField: base256(0, 8, 0xff), devminorField: base256(0, 8) }),
        rawEntry({ name: 'usr/lib/block', type: '4', devmajor: 0, devminor: 0 }),
        END,
      ]),
    );
    expect(r.whiteouts).toEqual(['usr/lib/libgone.so', 'usr/lib/b256', 'usr/lib/spaces']);
  });

  test('names and link targets with a NUL byte in pax records fail the layer both ways (Go: validPAXRecord)', async () => {
    const [r] = await expectFallsBack(
      Buffer.concat([
        paxHeader({ path: 'usr/lib/evil\0.json' }),
        file('x', '{}'),
        paxHeader({ linkpath: 'usr/lib/\0target' }),
        rawEntry({ name: 'usr/lib/sym', type: '2', linkname: 'y' }),
        file('usr/lib/ok.json', '{}'),
        END,
      ]),
    );
    expect(r).toMatchObject({ error: { code: 'CORRUPT_LAYER' } });
  });

  test('names and link targets longer than 4096 bytes (pax, GNU) are skipped with one finding', async () => {
    const long = `usr/${'x'.repeat(5000)}/libcudart.so.12`;
    const [, r] = await expectSeeks(
      Buffer.concat([
        (await packLayer({ [long]: 'x', [`usr/${'y'.repeat(4080)}`]: 'kept', 'usr/sym': { symlink: 'q'.repeat(5000) } })).subarray(0, -END.length),
        gnuLong(`opt/${'g'.repeat(4200)}`),
        file('opt/short', 'gnu long name over the cap'),
        END,
      ]),
    );
    expect(r.entries.map((e) => e.path)).toEqual([`usr/${'y'.repeat(4080)}`]);
    expect(codes(r)).toEqual(['LIMIT_PATH_LENGTH']);
  });

  test('content files larger than their caps: version.json, METADATA, pixi.toml, version.py, a conda record, dpkg status', async () => {
    const SP = 'usr/local/lib/python3.11/site-packages';
    const straddle = `a${'é'.repeat(200_000)}`; // a two-byte character across every even cap
    const layer = await packLayer({
      'usr/local/cuda-12.4/version.json': `{"cuda":{"version":"12.4.1"},"pad":"${'p'.repeat(300 * 1024)}"}`,
      [`${SP}/torch-2.4.0+cu121.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: torch\nVersion: 2.4.0+cu121\n${'Requires-Dist: x\n'.repeat(5000)}`,
      [`${SP}/torch/version.py`]: `__version__ = '2.4.0+cu121'\ncuda = '12.1'\n${'#'.repeat(20_000)}\n`,
      'app/pixi.toml': `[project]\nname = "x"\n${'# pad\n'.repeat(12_000)}`,
      'opt/conda/conda-meta/cuda-version-12.9-h4f385c5_3.json': `{"name":"cuda-version","version":"12.9","pad":"${'c'.repeat(70 * 1024)}"}`,
      'opt/conda/conda-meta/pytorch-2.7.1-cuda129_py313.json': `{"name":"pytorch","version":"2.7.1"}`,
      'usr/local/cuda-12.4/version.txt': straddle,
      'var/lib/dpkg/status': `Package: cuda-cudart-12-4\nStatus: install ok installed\nVersion: 12.4.127-1\n\n${'Package: filler\nStatus: install ok installed\nVersion: 1\n\n'.repeat(700_000)}`,
    });
    expect(layer.length).toBeGreaterThan(32 * MiB); // dpkg status over its 32 MiB cap
    const [withEvidence, withEverything] = await expectSeeks(layer);
    expect(withEvidence.findings.filter((f) => f.code === 'CONTENT_TRUNCATED').map((f) => f.path)).toEqual([
      '/usr/local/cuda-12.4/version.json',
      `/${SP}/torch-2.4.0+cu121.dist-info/METADATA`,
      `/${SP}/torch/version.py`,
      '/app/pixi.toml',
      '/usr/local/cuda-12.4/version.txt',
      '/var/lib/dpkg/status',
    ]);
    expect(withEverything.entries.find((e) => e.path.endsWith('version.txt'))?.content).toBe(`a${'é'.repeat(2047)}`);
    // and with a per-file cap far below the detectors' caps
    await expectSeeks(layer, { interest: evidenceInterest, limits: limits({ maxFileContentBytes: 1000 }) });
  });

  test('the per-layer content budget runs out across many files (small limits), mid-file and at zero', async () => {
    const spec: LayerSpec = {};
    for (let i = 0; i < 12; i++) spec[`opt/data/${i}.txt`] = String(i).repeat(2500);
    spec['opt/data/empty.txt'] = '';
    const [, r] = await expectSeeks(await packLayer(spec), { limits: limits({ maxLayerContentBytes: 10_000, maxFileContentBytes: 3000 }) });
    expect(r.entries.map((e) => e.content?.length)).toEqual([2500, 2500, 2500, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await expectSeeks(await packLayer(spec), { limits: limits({ maxLayerContentBytes: 7777, maxFileContentBytes: 2600 }) });
  });

  test('empty files, wanted and not, with content and with a scan', async () => {
    await expectSeeks(
      await packLayer({
        'usr/local/cuda-12.4/version.json': '',
        'usr/lib/libcudart.so.12': '',
        'usr/lib/libcublas.so.12': Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
        'opt/empty': '',
        'var/lib/dpkg/status': '',
      }),
    );
  });

  test('ELF binaries with real fatbins (the nvcc fixtures, and NVIDIA libraries when present) among big bodies: a small fraction read', async () => {
    const spec: LayerSpec = {};
    let n = 0;
    const big = Buffer.alloc(8 * MiB, 0x5a);
    for (const lib of FATBIN_LIBS) {
      spec[`opt/filler/${n++}.bin`] = big;
      spec[`usr/local/lib/${lib}`] = fixture(lib);
    }
    for (const lib of REAL_LIBS) spec[`usr/local/cuda-13.0/targets/x86_64-linux/lib/${lib.split('/').pop()}`] = readFileSync(lib);
    spec['opt/filler/last.bin'] = big;
    const tar = await packLayer(spec);
    const all = await expectSeeks(tar);
    for (const r of all) {
      const withCode = r.entries.filter((e) => e.gpuCode).map((e) => e.path.split('/').pop());
      expect(withCode).toEqual(expect.arrayContaining(FATBIN_LIBS));
      if (REAL_LIBS.includes(CUPTI)) expect(withCode).toContain('libcupti.so.13');
    }
    for (const interest of [evidenceInterest, EVERYTHING]) {
      const { stats } = await readBoth(tar, { interest });
      expect(stats.bytesRead).toBeLessThan(tar.length / 20);
    }
  });
  // the test above runs with the nvcc fixtures alone where the CUDA toolkit's libraries are absent
  partSkippedUnless(
    ABSENT_LIBS.length === 0,
    `ELF binaries with real fatbins: NVIDIA's ${ABSENT_LIBS.map((p) => basename(p)).join(' and ')} among them`,
    `${ABSENT_LIBS.join(', ')} absent (no CUDA toolkit)`,
  );

  test('ELF bodies whose section table the seek scan does not trust (ELF32, no table, a table past the end): scanned whole, same answer', async () => {
    const elf = fixture('libsass_sm80.so');
    const elf32 = Buffer.from(elf);
    elf32[4] = 1; // ELFCLASS32: scanned whole by both
    const noTable = Buffer.from(elf);
    noTable.writeUInt32LE(0, 0x28);
    noTable.writeUInt32LE(0, 0x2c); // e_shoff 0
    const tableOut = Buffer.from(elf);
    tableOut.writeUInt32LE(0xfffffff0, 0x28);
    await expectSeeks(await packLayer({ 'usr/lib/libcu32.so.1': elf32, 'usr/lib/libcunotable.so.1': noTable, 'usr/lib/libcuout.so.1': tableOut }));
  });

  test('zero blocks: two in the middle end the layer; GNU record padding after the marker', async () => {
    const a = await packLayer({ 'usr/lib/libcudart.so.12': 'a', 'usr/local/cuda/version.json': '{}' });
    const b = await packLayer({ 'usr/lib/libcudart.so.13': 'b' });
    const [ended] = await expectSeeks(Buffer.concat([a, b]));
    expect(ended.entries.map((e) => e.path)).toEqual(['usr/lib/libcudart.so.12', 'usr/local/cuda/version.json']);
    expect(ended.tarBytes).toBe(a.length);
    // a lone one followed by a header is damage (Go's readHeader: ErrHeader)
    const [lone] = await expectFallsBack(Buffer.concat([a.subarray(0, -END.length), Buffer.alloc(BLOCK), b]));
    expect(lone).toMatchObject({ error: { code: 'CORRUPT_LAYER' } });
    const record = Buffer.concat([a, Buffer.alloc(10240 - (a.length % 10240))]);
    await expectSeeks(record);
  });

  test('the end marker followed by garbage, by another tar, by half a block', async () => {
    const a = await packLayer({ 'usr/lib/libcudart.so.12': 'a' });
    await expectSeeks(Buffer.concat([a, Buffer.from('garbage after the end of the archive')]));
    await expectSeeks(Buffer.concat([a, Buffer.alloc(3000, 0xff)]));
    await expectSeeks(Buffer.concat([a, await packLayer({ 'usr/lib/libcudart.so.13': 'b' })]));
    await expectSeeks(Buffer.concat([a, Buffer.alloc(100)]));
  });

  test('a tar without its end marker (cut at an entry boundary): LAYER_TRUNCATED both ways; after one zero block it is complete', async () => {
    const a = await packLayer({ 'usr/lib/libcudart.so.12': 'a', 'usr/lib/x': 'y'.repeat(1000) });
    for (const cut of [a.length - END.length, 2 * BLOCK]) {
      const [r] = await expectSeeks(a.subarray(0, cut));
      expect(codes(r)).toEqual(['LAYER_TRUNCATED']);
    }
    // Go's readHeader: one zero block then EOF is io.EOF, a complete archive
    const [one] = await expectSeeks(a.subarray(0, a.length - BLOCK));
    expect(codes(one)).toEqual([]);
    // a last body of zeros: without a marker, the last 1024 bytes still read as one
    const z = await packLayer({ 'usr/lib/libcudart.so.12': 'a', 'usr/lib/zeros': Buffer.alloc(1024) });
    const [r] = await expectSeeks(z.subarray(0, z.length - END.length));
    expect(codes(r)).toEqual([]);
  });

  test('an empty file and tars of nothing but zeros', async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.alloc(BLOCK), Buffer.alloc(2 * BLOCK), Buffer.alloc(20 * BLOCK)]) await expectSeeks(bytes);
    const [empty] = await expectSeeks(Buffer.alloc(0));
    expect(empty).toMatchObject({ entryCount: 0, tarBytes: 0 });
    // Go's reader gives io.EOF at once on an empty stream: an empty layer (Docker applies nothing), not a cut one
    expect(codes(empty)).toEqual([]);
  });

  test('exactly maxEntries entries, and a tar exactly at the decompressed-bytes cap, are read by offset', async () => {
    const spec: LayerSpec = {};
    for (let i = 0; i < 10; i++) spec[`f/${i}`] = 'x';
    const tar = await packLayer(spec);
    await expectSeeks(tar, { limits: limits({ maxEntries: 10 }) });
    await expectSeeks(tar, { size: null, limits: limits({ maxDecompressedBytes: tar.length }) });
  });

  test('without a diffId (the streaming reader drains the source after the marker for its hash)', async () => {
    const a = await packLayer({ 'usr/lib/libcudart.so.12': 'a' });
    await expectSeeks(Buffer.concat([a, Buffer.alloc(5000, 1)]), { noDiffId: true });
  });
});

describe('tar files as GNU tar writes them (gnu, oldgnu, posix, ustar, v7; sparse files)', () => {
  const haveTar = spawnSync('tar', ['--version']).status === 0;
  const testIfTar = testIf(haveTar, 'no GNU tar on PATH');

  function tree(root: string, long: boolean): void {
    const lib = join(root, 'usr/local/cuda-12.4/lib64');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'libcudart.so.12.4.127'), fixture('libmulti.so'));
    symlinkSync('libcudart.so.12.4.127', join(lib, 'libcudart.so.12'));
    linkSync(join(lib, 'libcudart.so.12.4.127'), join(root, 'usr/local/cuda-12.4/hard.so'));
    writeFileSync(join(root, 'usr/local/cuda-12.4/version.json'), '{"cuda":{"version":"12.4.1"}}');
    mkdirSync(join(root, 'opt/app'), { recursive: true });
    writeFileSync(join(root, 'opt/app/.wh..wh..opq'), '');
    writeFileSync(join(root, 'opt/.wh.gone'), '');
    if (long) {
      const deep = join(root, 'usr/lib', 'd'.repeat(120), 'e'.repeat(120));
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'libcublas.so.12'), fixture('libsm90a.so'));
      symlinkSync(`../${'t'.repeat(150)}`, join(deep, 'long-link'));
    }
  }

  testIfTar.each([
    ['gnu', true],
    ['oldgnu', true],
    ['posix', true],
    ['ustar', false],
    ['v7', false],
  ])('--format=%s', async (format, long) => {
    const root = join(dir, `tree-${format}`);
    tree(root, long as boolean);
    const out = join(dir, `gnu-${format}.tar`);
    const r = spawnSync('tar', [`--format=${format}`, '--sort=name', '--mtime=@0', '-C', root, '-cf', out, '.']);
    expect(r.status).toBe(0);
    await expectSeeks(readFileSync(out));
  });

  testIfTar.each(['gnu', 'posix'])('a sparse file, --format=%s --sparse', async (format) => {
    const root = join(dir, `sparse-${format}`);
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    const sparse = join(root, 'usr/lib/libcudart.so.12');
    writeFileSync(sparse, fixture('libsass_sm80.so'));
    // a hole, then more data: truncate + append at an offset
    const fd = await open(sparse, 'r+');
    await fd.write(Buffer.from('tail'), 0, 4, 4 * MiB);
    await fd.close();
    writeFileSync(join(root, 'usr/local-version.json'), '{}');
    const out = join(dir, `sparse-${format}.tar`);
    const r = spawnSync('tar', [`--format=${format}`, '--sparse', '--sort=name', '--mtime=@0', '-C', root, '-cf', out, '.']);
    expect(r.status).toBe(0);
    await expectSeeks(readFileSync(out));
  });
});

describe('damaged and limit-hitting tars: the seek reader hands them to the streaming reader, whose answer stands', () => {
  const CUDART = 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127';

  test('a tar cut mid-body, mid-header, mid-padding', async () => {
    const whole = await packLayer({ [CUDART]: 'x'.repeat(2000), 'usr/local/cuda-12.4/version.json': '{}' });
    for (const cut of [1200, BLOCK + 2000, 5 * BLOCK + 100, whole.length - END.length - BLOCK + 7]) {
      const [out] = await expectFallsBack(whole.subarray(0, cut));
      expect(out).toMatchObject({ error: { code: 'CORRUPT_LAYER' } });
    }
  });

  test('a bad checksum in the middle', async () => {
    const tar = await packLayer({ a: 'a', [CUDART]: 'elf', b: 'b' });
    tar[2 * BLOCK + 150] ^= 1;
    const [out] = await expectFallsBack(tar);
    expect(out).toMatchObject({ error: { code: 'CORRUPT_LAYER' } });
  });

  test('size fields that are junk, negative, base-256 with a bad lead byte, or past the end', async () => {
    const bad = [Buffer.from('abc\0'), Buffer.from('-1\0'), base256(3, 12, 0x81), base256(3, 12, 0xff), base256(1 << 30, 12)];
    for (const sizeField of bad) {
      await expectFallsBack(Buffer.concat([file('a', 'a'), rawHeader({ name: CUDART, type: '0', sizeField }), padded(Buffer.from('elf')), END]));
    }
    // sizes that decode fine are read by offset
    await expectSeeks(Buffer.concat([rawHeader({ name: CUDART, type: '0', sizeField: Buffer.from('           \0') }), END]));
    for (const sizeField of [Buffer.from(' 3 \0'), Buffer.from('\x00\x003\x00'), base256(3, 12)]) {
      await expectSeeks(Buffer.concat([rawHeader({ name: CUDART, type: '0', sizeField }), padded(Buffer.from('elf')), END]));
    }
  });

  test('metadata records that are too big, negative or run past the end', async () => {
    const rec = paxHeader({ path: 'p' });
    await expectFallsBack(Buffer.concat([rawHeader({ name: 'PaxHeader', type: 'x', size: 5 * MiB }), Buffer.alloc(BLOCK), END]));
    await expectFallsBack(Buffer.concat([rawHeader({ name: 'PaxHeader', type: 'x', sizeField: base256(5, 12, 0xff) }), rec, END]));
    await expectFallsBack(Buffer.concat([file('a'), rawHeader({ name: 'PaxHeader', type: 'x', size: 5000 }), Buffer.alloc(BLOCK, 0x31)]));
  });

  test('the entries limit is hit: LIMIT_ENTRIES with what was read before it', async () => {
    const spec: LayerSpec = {};
    for (let i = 0; i < 50; i++) spec[`usr/lib/libcudart.so.${i}`] = `lib ${i}`;
    const [out] = await expectFallsBack(await packLayer(spec), { limits: limits({ maxEntries: 10 }) });
    expect('result' in out && out.result.findings.map((f) => f.code)).toEqual(['LIMIT_ENTRIES']);
  });

  test('the decompressed-bytes cap is hit (small limits; declared blob size and none)', async () => {
    const spec: LayerSpec = {};
    for (let i = 0; i < 40; i++) spec[`opt/blob/${i}.json`] = 'z'.repeat(10_000);
    const tar = await packLayer(spec);
    const small = limits({ maxDecompressedBytes: 200 * 1024 });
    for (const size of [null, 1000, tar.length]) {
      const [out] = await expectFallsBack(tar, { limits: small, size });
      expect('result' in out && out.result.findings.map((f) => f.code)).toEqual(['LIMIT_DECOMPRESSED_BYTES']);
    }
  });

  test('random bytes, and a gzip stream handed over as a tar', async () => {
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251;
    await expectFallsBack(noise);
    await expectFallsBack(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), noise]));
  });
});

/*
 * Divergences this suite found between the readers, now closed: each input once read differently by the two.
 */
describe('inputs the readers once disagreed on', () => {
  const abc = Buffer.from('abc');

  test('an empty pax or GNU long-name record (size 0): tar-stream loses its place after it; seek hands the layer over', async () => {
    // tar-stream leaves _longHeader set after a 0-byte record and later consumes `size` extra bytes after the next
    // entry whose body has padding, losing the block alignment ("Invalid tar header")
    await expectSame(Buffer.concat([rawHeader({ name: 'PaxHeader', type: 'x', size: 0 }), file('a.txt', abc), file('b.txt', abc), END]));
  });

  test('a tar cut inside the padding of a pax record fails both ways (Unexpected end of data)', async () => {
    const rec = paxHeader({ path: 'some/long/path.txt' });
    await expectSame(Buffer.concat([file('a.txt', abc), rec.subarray(0, BLOCK + 40)]));
  });

  test('a pax record with a negative length is damage both ways (tar-stream alone slices it from the end)', async () => {
    const body = Buffer.from('-3 path=abcdef\n');
    await expectSame(Buffer.concat([rawEntry({ name: 'PaxHeader', type: 'x' }, body), file('a.txt', abc), END]));
  });

  test('an old-style directory (typeflag 0 or NUL, name ending in "/") is no file entry either way', async () => {
    // tar-stream 3.2.2 computes the type before its trailing-slash rule, so the rule has no effect: both readers see a
    // "file" with a body, and the shared entry rules drop it (Go's reader makes it a directory)
    const SP = 'usr/local/lib/python3.11/site-packages';
    await expectSame(Buffer.concat([rawEntry({ name: `${SP}/torch-2.4.0+cu121.dist-info/`, type: '\0', magic: 'v7' }), END]), { interest: evidenceInterest });
  });

  test('an old-style directory claiming a size: its body is skipped by both readers', async () => {
    await expectSame(Buffer.concat([rawHeader({ name: 'usr/lib/', type: '0', size: 5000 }), file('usr/lib/libcudart.so.12', 'x'), END]));
  });

  test('a char device whose devmajor is base-256 with a bad lead byte is no whiteout either way', async () => {
    await expectSame(Buffer.concat([rawEntry({ name: 'usr/lib/libcudart.so.12', type: '3', devmajorField: base256(0, 8, 0x81), devminor: 0 }), END]));
  });
});

// ---- properties ---------------------------------------------------------------------------------------------------

interface Tally {
  runs: number;
  seeked: number;
}

/** The property: both readers agree on `tar` (the tar is printed when they do not). */
async function agree(tar: Buffer, interest: InterestFn, tally: Tally, noDiffId = false): Promise<Both> {
  const both = await readBoth(tar, { interest, noDiffId });
  tally.runs++;
  if (both.stats.streamedBecause === undefined) tally.seeked++;
  if (!isDeepStrictEqual(both.seek, both.stream)) {
    expect({ tar: tar.toString('base64'), seek: both.seek }).toEqual({ tar: tar.toString('base64'), seek: both.stream });
  }
  return both;
}

const RUNS = { ...FUZZ, numRuns: Number(process.env.FUZZ_RUNS ?? 200) };
const interestArb = fc.constantFrom(evidenceInterest, EVERYTHING, (path: string) =>
  path.endsWith('.so') ? { content: 64, scan: 'fatbin' as const } : { content: 64 },
);
const newTally = (): Tally => ({ runs: 0, seeked: 0 });
const report = (name: string, t: Tally) => process.stderr.write(`seek-equals-stream ${name}: ${t.runs} runs, ${t.seeked} read by offset\n`);

describe('properties (fast-check, seed 42): the seek result is the streaming result', () => {
  test('tars written by tar-stream (hostile names, links, whiteouts, duplicates) are all read by offset, identically', async () => {
    const t = newTally();
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 8 }), interestArb, fc.boolean(), async (specs, interest, noDiffId) => {
        const both = await agree(await packed(specs), interest, t, noDiffId);
        expect(both.stats.streamedBecause).toBeUndefined();
      }),
      RUNS,
    );
    report('tar-stream tars', t);
  });

  test('hand-written headers (non-UTF-8 names, bad checksums, absurd sizes, pax and GNU long names)', async () => {
    const t = newTally();
    await fc.assert(
      fc.asyncProperty(rawArchive, interestArb, async (tar, interest) => {
        await agree(tar, interest, t);
      }),
      RUNS,
    );
    report('hand-written headers', t);
    // these nearly all carry a bad checksum or a size Go cannot parse somewhere: handed to the streaming reader
  });

  test('headers with random bytes in one field (size, type, names, magic, device numbers, prefix) under a right checksum', async () => {
    const t = newTally();
    await fc.assert(
      fc.asyncProperty(mutatedArchive, interestArb, async (tar, interest) => {
        await agree(tar, interest, t);
      }),
      RUNS,
    );
    report('mutated fields', t);
    expect(t.seeked).toBeGreaterThan(t.runs / 4);
  });

  test('corrupted valid tars (truncated, flipped, zeroed, spliced)', async () => {
    const t = newTally();
    await fc.assert(
      fc.asyncProperty(corruptedArchive, interestArb, async (c, interest) => {
        await agree(await corrupted(c), interest, t);
      }),
      RUNS,
    );
    report('corrupted tars', t);
    expect(t.seeked).toBeGreaterThan(t.runs / 10);
  });
});

describe("headers Go's archive/tar reads differently from tar-stream (issue 17): both readers follow Go", () => {
  test('a STAR header: the prefix is 131 bytes, atime and ctime follow it (Go tells STAR by "tar\\0" at 508)', async () => {
    const block = rawHeader({ name: 'libcudart.so.12', type: '0', size: 3, prefix: 'usr/lib' });
    block.write(`${'0'.repeat(11)}\0${'1'.repeat(11)}\0`, 476, 'latin1');
    block.write('tar\0', 508, 'latin1');
    const [r] = await expectSeeks(Buffer.concat([withChecksum(block), padded(Buffer.from('elf')), END]));
    expect(r.entries.map((e) => e.path)).toEqual(['usr/lib/libcudart.so.12']);
  });

  test("typeflag '0' with a trailing slash is a file; NUL with one is a directory, and no body follows it", async () => {
    const [r] = await expectSeeks(
      Buffer.concat([
        rawEntry({ name: 'opt/as-file/', type: '0' }, 'abc'),
        // Go: a directory is header-only, so the next header follows at once whatever the size field says
        rawHeader({ name: 'opt/as-dir/', type: '\0', size: 700 }),
        file('opt/as-dir/after', 'ok'),
        END,
      ]),
    );
    expect(r.entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ['opt/as-file', 'file', 3],
      ['opt/as-dir/after', 'file', 2],
    ]);
  });

  test('pax GNU sparse 1.0 and 0.1: GNU.sparse.name names the file, the stored body is skipped, its content is not read', async () => {
    const map = Buffer.concat([padded(Buffer.from('1\n0\n5\n')), Buffer.from('hello')]);
    const [r, all] = await expectSeeks(
      Buffer.concat([
        paxHeader({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'usr/local/cuda/version.json', 'GNU.sparse.realsize': '9000' }),
        rawEntry({ name: 'usr/local/cuda/GNUSparseFile.0/version.json', type: '0' }, map),
        paxHeader({ 'GNU.sparse.name': 'usr/lib/libcudart.so.12', 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '0,3', 'GNU.sparse.size': '4096' }),
        rawEntry({ name: 'usr/lib/GNUSparseFile.0/libcudart.so.12', type: '0' }, 'elf'),
        file('etc/ld.so.conf', '/opt/lib'),
        END,
      ]),
    );
    for (const x of [r, all]) {
      expect(x.entries.map((e) => [e.path, e.size, e.content])).toEqual([
        ['usr/local/cuda/version.json', 9000, undefined],
        ['usr/lib/libcudart.so.12', 4096, undefined],
        ['etc/ld.so.conf', 8, '/opt/lib'],
      ]);
    }
    expect(codes(r)).toContain('SPARSE_FILE_UNREAD');
  });

  test('.wh..wh.* is aufs metadata only at the layer root (moby); below it, an ordinary whiteout / path', async () => {
    const [, r] = await expectSeeks(
      await packLayer({
        '.wh..wh.plnk/123.libcudart.so': 'x',
        'usr/.wh..wh.hidden': '',
        'usr/.wh..wh.plnk/libcudart.so.12': 'y',
        'opt/.wh..wh..opq': '',
      }),
    );
    expect(r.whiteouts).toEqual(['usr/.wh.hidden']);
    expect(r.opaqueDirs).toEqual(['opt']);
    expect(r.entries.map((e) => e.path)).toEqual(['usr/.wh..wh.plnk/libcudart.so.12']);
  });

  test('a whiteout after a file of its own layer deletes it (and a subtree); one before it does not', async () => {
    const [, r] = await expectSeeks(
      await packLayer({ 'etc/.wh.b': '', 'etc/b': 'kept', 'etc/a': 'gone', 'etc/.wh.a': '', 'opt/d/x': 'gone', 'opt/.wh.d': '' }),
    );
    expect(r.entries.map((e) => e.path)).toEqual(['etc/b']);
  });
});
