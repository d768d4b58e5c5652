/**
 * Layer tars read as Go's archive/tar (Docker's and containerd's reader) reads them, by both layer readers: the
 * streaming one (analyseLayer) and the by-offset one (analyseLayerAt, which must notice the damage itself and hand
 * the layer over, never read it loosely). Where Go fails (ErrHeader), the layer is CORRUPT_LAYER; where Go reads,
 * both readers read the same entries. Three places (src/tar/headers.ts):
 * - pax records: parsePAX / parsePAXRecord / validPAXRecord, the numbers mergePAX parses, the GNU sparse records;
 * - numeric fields: parseNumeric / parseOctal for every field readHeader parses, and the checksum;
 * - the end: one zero block then EOF is a complete archive, one zero block then a header is damage.
 * When umoci (Go 1.19's archive/tar) is installed, each case is also unpacked by it: it must fail where we say
 * CORRUPT_LAYER and succeed where we read the layer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../../src/layers/analyse-layer-at';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import type { SeekableTar } from '../../src/sources/types';
import { OCI_CONFIG, OCI_MANIFEST, OciLayoutWriter, sha256 } from '../helpers/oci-layout';
import { base256, BLOCK, END, octal, padded, paxHeader, rawEntry, rawHeader, withChecksum, type RawHeader } from '../helpers/raw-tar';
import { partSkippedUnless } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const UMOCI = '/usr/bin/umoci';
const haveUmoci = existsSync(UMOCI);
// without umoci every case still runs, both readers compared; only Go's side of the comparison is left out
partSkippedUnless(haveUmoci, "every case also unpacked by Go's archive/tar (umoci)", `${UMOCI} not found (apt-get install umoci)`);

const LAYER = { digest: `sha256:${'9'.repeat(64)}`, diffId: `sha256:${'9'.repeat(64)}` };
const everything: InterestFn = () => ({ content: 64 });
const LIB = 'usr/lib/libcudart.so.12';

// ---- building tars --------------------------------------------------------------------------------------------------

const file = (name: string, body = 'elf', h: Partial<RawHeader> = {}): Buffer => rawEntry({ name, type: '0', ...h }, body);
/** A pax header ('x' or 'g') whose body is exactly `body`, well-formed or not. */
const paxRaw = (body: string | Buffer, type: 'x' | 'g' = 'x'): Buffer => rawEntry({ name: 'PaxHeaders.0/f', type }, body);
/** One pax record "<len><text>" with its length counted, whatever `text` holds (" key=value\n" when well-formed). */
function rec(text: string): string {
  let len = Buffer.byteLength(text) + 1;
  while (String(len).length + Buffer.byteLength(text) !== len) len++;
  return `${len}${text}`;
}
/** `block` with `bytes` written at `at`, the checksum rewritten. */
function patched(block: Buffer, at: number, bytes: Buffer | string): Buffer {
  const b = Buffer.from(block);
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1')).copy(b, at);
  return withChecksum(b);
}
/** A header with one numeric field replaced (mode 100, uid 108, gid 116, size 124, mtime 136, devmajor 329, ...). */
const headerWith = (at: number, field: Buffer | string, h: Partial<RawHeader> = {}): Buffer =>
  patched(rawHeader({ name: LIB, type: '0', size: 0, ...h }), at, field);
const tar = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, END]);

// ---- reading them ---------------------------------------------------------------------------------------------------

type Outcome = { result: LayerResult } | { error: { code?: string; message: string } };

async function outcome(run: () => Promise<LayerResult>): Promise<Outcome> {
  try {
    return { result: await run() };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { error: { code: err.code, message: err.message } };
  }
}

function seekable(bytes: Buffer): SeekableTar {
  return {
    size: bytes.length,
    async read(buffer, position, length) {
      if (position >= bytes.length) return 0;
      return bytes.copy(buffer, 0, position, Math.min(bytes.length, position + length));
    },
    stream: () => Readable.from([bytes]),
  };
}

async function readBoth(bytes: Buffer): Promise<{ stream: Outcome; seek: Outcome; stats: SeekReadStats }> {
  const stream = await outcome(() => analyseLayer(Readable.from([bytes]), LAYER, everything));
  const stats: SeekReadStats = { bytesRead: 0 };
  const seek = await outcome(() => analyseLayerAt(seekable(bytes), LAYER, everything, undefined, stats));
  return { stream, seek, stats };
}

/** Whether Go's reader (umoci unpack) takes the layer; undefined without umoci. */
function goUnpacks(bytes: Buffer): boolean | undefined {
  if (!haveUmoci) return undefined;
  const dir = tempDir('go-tar-rules-');
  const w = new OciLayoutWriter(join(dir, 'image'));
  const layer = w.blob(bytes, 'application/vnd.oci.image.layer.v1.tar');
  const config = w.json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(bytes)] }, history: [] }, OCI_CONFIG);
  const manifest = w.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }, OCI_MANIFEST);
  w.writeIndex([{ descriptor: manifest, refName: 'latest' }]);
  try {
    execFileSync(UMOCI, ['unpack', '--rootless', '--image', `${join(dir, 'image')}:latest`, join(dir, 'bundle')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Go fails on `bytes`: both readers end in CORRUPT_LAYER with `why`, and the by-offset reader saw the damage itself
 * (it handed the layer over, giving `seekWhy`). `go: false` skips umoci (a rule beyond archive/tar, said where used).
 */
async function expectCorrupt(bytes: Buffer, why: RegExp, o: { seekWhy?: RegExp; go?: boolean } = {}): Promise<void> {
  const { stream, seek, stats } = await readBoth(bytes);
  expect(stream).toEqual({ error: { code: 'CORRUPT_LAYER', message: expect.stringMatching(why) } });
  expect(seek).toEqual(stream);
  expect(stats.streamedBecause).toMatch(o.seekWhy ?? why);
  if (o.go !== false && haveUmoci) expect({ goUnpacks: goUnpacks(bytes) }).toEqual({ goUnpacks: false });
}

/** Go reads `bytes`: both readers give the same result, by offset without handing over; returns it. */
async function expectRead(bytes: Buffer, o: { go?: boolean; streams?: boolean } = {}): Promise<LayerResult> {
  const { stream, seek, stats } = await readBoth(bytes);
  if (!('result' in stream)) throw new Error(`expected a result, got ${stream.error.message}`);
  expect(seek).toEqual(stream);
  // an empty metadata record is left to the streaming reader
  if (!o.streams) expect(stats.streamedBecause).toBeUndefined();
  if (o.go !== false && haveUmoci) expect({ goUnpacks: goUnpacks(bytes) }).toEqual({ goUnpacks: true });
  return stream.result;
}

const paths = (r: LayerResult) => r.entries.map((e) => e.path);
const codes = (r: LayerResult) => r.findings.map((f) => f.code);

// ---------------------------------------------------------------------------------------------------------------------

describe('pax records (Go: parsePAX, parsePAXRecord, validPAXRecord): a malformed one fails the layer', () => {
  test('a well-formed record set reads (the control), NUL bytes allowed in values other than names', async () => {
    const r = await expectRead(tar(paxRaw(rec(' comment=a\0b\n') + rec(' path=usr/lib/renamed.so\n')), file(LIB)));
    expect(paths(r)).toEqual(['usr/lib/renamed.so']);
  });

  test.each([
    ['the length is not a decimal number', '1x path=a\n'],
    ['the length is negative', '-9 path=abc\n'],
    ['the length runs past the record set', '99 path=a\n'],
    ['the length is under 5', '3 a=\n'],
    ['the length ends inside its own digits', '00005 a=b\n'],
    ['no space after the length', '10path=ab\n'],
    ['no newline at the end', rec(' path=abc\n').replace(/\n$/, 'X')],
    ["no '=' in the record", rec(' pathabc\n')],
    ['an empty key', rec(' =abc\n')],
    ['a NUL in a key', rec(' a\0b=1\n')],
    ['a NUL in the path', rec(' path=usr/lib/a\0b\n')],
    ['a NUL in the linkpath', rec(' linkpath=a\0b\n')],
    ['a NUL in the uname', rec(' uname=ro\0ot\n')],
    ['a NUL in the gname', rec(' gname=ro\0ot\n')],
    ['a record cut at the end of the set', `${rec(' mtime=0\n')}12 path=a`],
    ['a good record, then junk', `${rec(' path=usr/lib/x\n')}\n`],
    ['GNU.sparse.numbytes before GNU.sparse.offset', rec(' GNU.sparse.numbytes=3\n')],
    ['a comma in GNU.sparse.offset', rec(' GNU.sparse.offset=1,2\n') + rec(' GNU.sparse.numbytes=3\n')],
  ])('%s', async (_what, body) => {
    await expectCorrupt(tar(paxRaw(body), file(LIB)), /malformed pax record/);
  });

  test('in a global record too (Go parses it the same way; Docker then ignores it)', async () => {
    await expectCorrupt(tar(paxRaw('1x comment=a\n', 'g'), file(LIB)), /malformed pax record/);
  });

  test.each([
    ['uid', 'abc'],
    ['gid', '1.5'],
    ['size', '12a'],
    ['size', '9223372036854775808'],
    ['mtime', '1.2.3'],
    ['atime', '.5'],
    ['ctime', '1e3'],
  ])('%s=%s: a number mergePAX cannot parse', async (key, value) => {
    await expectCorrupt(tar(paxHeader({ [key]: value }), file(LIB)), /not a valid number/);
  });

  test('numbers mergePAX does parse (signs, fractions, empty values keep the header) read', async () => {
    const r = await expectRead(tar(paxHeader({ uid: '+7', gid: '+0', mtime: '-1.5', atime: '1.', size: '', path: '' }), file(LIB, 'abc')));
    expect(r.entries.map((e) => [e.path, e.size])).toEqual([[LIB, 3]]);
  });

  test('a negative pax size fails a file; on a symlink (no body) Go lets it pass', async () => {
    await expectCorrupt(tar(paxHeader({ size: '-1' }), file(LIB)), /negative size/);
    const r = await expectRead(tar(paxHeader({ size: '-1' }), rawEntry({ name: 'usr/lib/libcudart.so', type: '2', linkname: 'libcudart.so.12' })));
    expect(r.entries.map((e) => [e.path, e.type])).toEqual([['usr/lib/libcudart.so', 'symlink']]);
  });

  test('a record set over 1 MiB fails (Go: maxSpecialFileSize); one of exactly 1 MiB reads', async () => {
    // "1048576 comment=ccc…\n": 7 digits, a space, "comment=", the value, a newline
    const exactly = rec(` comment=${'c'.repeat(1024 * 1024 - 17)}\n`);
    expect(Buffer.byteLength(exactly)).toBe(1024 * 1024);
    await expectRead(tar(paxRaw(exactly), file(LIB)));
    await expectCorrupt(tar(paxRaw(`${exactly}${rec(' a=b\n')}`), file(LIB)), /metadata record/);
  });
});

describe('GNU sparse pax records (Go: readGNUSparsePAXHeaders, readGNUSparseMap0x1, validateSparseEntries)', () => {
  const sparse = (records: Record<string, string>, body: string, h: Partial<RawHeader> = {}) =>
    tar(
      paxHeader({ 'GNU.sparse.major': '0', 'GNU.sparse.minor': '1', 'GNU.sparse.name': 'usr/lib/s.so', 'GNU.sparse.size': '10', ...records }),
      file('GNUSparseFile.0/s.so', body, h),
    );

  test('a well-formed 0.1 and 0.0 map reads (the control): named and sized by the records, content unread', async () => {
    const r = await expectRead(sparse({ 'GNU.sparse.numblocks': '2', 'GNU.sparse.map': '0,1,2,3' }, 'abcd'));
    expect(r.entries.map((e) => [e.path, e.size])).toEqual([['usr/lib/s.so', 10]]);
    // 0.0: offset/numbytes pairs, no version records
    const body = [' GNU.sparse.size=10\n', ' GNU.sparse.numblocks=1\n', ' GNU.sparse.offset=2\n', ' GNU.sparse.numbytes=3\n'].map(rec).join('');
    await expectRead(tar(paxRaw(body), file('s.so', 'abc')));
  });

  test.each([
    ['no GNU.sparse.numblocks', { 'GNU.sparse.map': '2,3' }, 'abc'],
    ['numblocks not a number', { 'GNU.sparse.numblocks': 'one', 'GNU.sparse.map': '2,3' }, 'abc'],
    ['more numbers than numblocks says', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '0,1,2,3' }, 'abcd'],
    ['a fragment past the real size', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '8,3' }, 'abc'],
    ['overlapping fragments', { 'GNU.sparse.numblocks': '2', 'GNU.sparse.map': '0,3,2,1' }, 'abcd'],
    ['a negative offset', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '-1,3' }, 'abc'],
    ['a map number that is not decimal', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '0x2,3' }, 'abc'],
    ['a real size that is not a number', { 'GNU.sparse.size': '10k', 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '2,3' }, 'abc'],
    ['a negative real size', { 'GNU.sparse.size': '-10', 'GNU.sparse.numblocks': '0', 'GNU.sparse.map': '' }, ''],
    ['more stored bytes than fragments (errUnrefData when the body is copied)', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '2,3' }, 'abcd'],
    ['fewer stored bytes than fragments (errMissData)', { 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '2,3' }, 'ab'],
  ])('%s', async (_what, records, body) => {
    await expectCorrupt(sparse(records, body), /sparse/);
  });

  test('a sparse map on an entry without a body (a symlink) fails', async () => {
    const bytes = tar(
      paxHeader({ 'GNU.sparse.major': '0', 'GNU.sparse.minor': '1', 'GNU.sparse.numblocks': '0', 'GNU.sparse.map': '' }),
      rawEntry({ name: 'usr/lib/l', type: '2', linkname: 'x' }),
    );
    await expectCorrupt(bytes, /without a body has a GNU sparse map/);
  });

  test('a 1.0 sparse file whose body cannot hold its map fails; an unknown version is a plain file', async () => {
    await expectCorrupt(sparse({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' }, '1\n0\n3\n'), /too short for its GNU sparse 1.0 map/);
    const r = await expectRead(sparse({ 'GNU.sparse.major': '2', 'GNU.sparse.minor': '0' }, 'abc'));
    expect(r.entries.map((e) => [e.path, e.size, e.content])).toEqual([['GNUSparseFile.0/s.so', 3, 'abc']]);
  });
});

describe('numeric fields (Go: parseNumeric, parseOctal): every field readHeader parses must parse', () => {
  test.each([
    ['an inner space', '1 2\0'],
    ['a 9', '00000000009\0'],
    ['a sign', '+0000000003\0'],
    ['letters', 'abc\0'],
  ])('a size field with %s fails', async (_what, field) => {
    await expectCorrupt(tar(headerWith(124, field), padded(Buffer.from('elf'))), /has an unreadable size field \(not an octal number\)/);
  });

  test('octal as Go trims it: spaces and NULs at both ends, then up to a NUL', async () => {
    for (const field of [' \0 3 \0', '3\0junk', '        3   ']) {
      const r = await expectRead(
        tar(headerWith(124, Buffer.concat([Buffer.from(field, 'latin1'), Buffer.alloc(12)]).subarray(0, 12)), padded(Buffer.from('elf'))),
      );
      expect(r.entries.map((e) => [e.path, e.size, e.content])).toEqual([[LIB, 3, 'elf']]);
    }
  });

  test.each([
    ['negative (-3)', Buffer.concat([Buffer.alloc(11, 0xff), Buffer.from([0xfd])]), /negative size \(-3\)/],
    ['over 63 bits (0x80 lead)', Buffer.from([0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]), /base-256, over 63 bits/],
    ['over 63 bits (0xc0 lead: a sign bit, then value bits)', base256(3, 12, 0xc0), /base-256, over 63 bits/],
  ])('a base-256 size %s fails', async (_what, field, why) => {
    await expectCorrupt(tar(headerWith(124, field), padded(Buffer.from('elf'))), why);
  });

  test('a base-256 size Go reads (0x80 lead) reads', async () => {
    const r = await expectRead(tar(headerWith(124, base256(3, 12)), padded(Buffer.from('elf'))));
    expect(r.entries.map((e) => e.size)).toEqual([3]);
  });

  test.each([
    ['mode', 100, 'rw-r--r-'],
    ['uid', 108, '-000001\0'],
    ['gid', 116, '0000008\0'],
    ['mtime', 136, '1e9\0'],
    ['devmajor', 329, '9\0'],
    ['devminor', 337, 'x\0'],
  ])('a %s field that is not octal fails, on a regular file too', async (field, at, bytes) => {
    await expectCorrupt(
      tar(headerWith(at, Buffer.concat([Buffer.from(bytes, 'latin1'), Buffer.alloc(8)]).subarray(0, 8))),
      new RegExp(`unreadable ${field} field`),
    );
  });

  test('a V7 header has no device fields: Go ignores their bytes (a 0/0 char device stays a whiteout)', async () => {
    const h = patched(rawHeader({ name: 'usr/lib/gone.so', type: '3', magic: 'v7' }), 329, 'junk!\0\0\0x\0');
    const r = await expectRead(tar(h), { go: false }); // umoci --rootless cannot create a device
    expect(r.whiteouts).toEqual(['usr/lib/gone.so']);
  });

  test('base-256 device numbers as Go decodes them: a 0x81 lead is 2^56, all-0xff is -1; neither is 0/0', async () => {
    const r = await expectRead(
      tar(
        rawEntry({ name: 'usr/lib/a.so', type: '3', devmajorField: base256(0, 8, 0x81), devminor: 0 }),
        rawEntry({ name: 'usr/lib/b.so', type: '3', devmajorField: Buffer.alloc(8, 0xff), devminor: 0 }),
        rawEntry({ name: 'usr/lib/c.so', type: '3', devmajorField: base256(0, 8), devminorField: base256(0, 8) }),
      ),
      { go: false },
    );
    expect(r.whiteouts).toEqual(['usr/lib/c.so']);
  });

  test('the checksum: the signed sum reads; a base-256 or junk-trailed checksum field fails', async () => {
    const name = Buffer.from('usr/lib/caf\xe9.so', 'latin1');
    const h = rawHeader({ name, type: '0', size: 3 });
    h.fill(0x20, 148, 156);
    let signed = 0;
    for (const b of h) signed += (b << 24) >> 24;
    h.write(`${octal(signed, 7)} `, 148, 'latin1');
    const r = await expectRead(tar(h, padded(Buffer.from('elf'))));
    expect(r.entries).toHaveLength(1);

    const unsigned = rawHeader({ name: LIB, type: '0', size: 3 });
    const sum = Number.parseInt(unsigned.toString('latin1', 148, 154), 8);
    const b256 = Buffer.from(unsigned);
    base256(sum, 8).copy(b256, 148);
    await expectCorrupt(tar(b256, padded(Buffer.from('elf'))), /bad header checksum/);
    const junk = Buffer.from(unsigned);
    junk.write(`${sum.toString(8).padStart(6, '0')} 7`, 148, 'latin1');
    await expectCorrupt(tar(junk, padded(Buffer.from('elf'))), /bad header checksum/);
  });

  test('STAR atime/ctime must parse; GNU ones that do not are an old Go writer prefix (issue 12594)', async () => {
    const star = rawHeader({ name: 'libcudart.so.12', type: '0', size: 3, prefix: 'usr/lib' });
    star.write('nonsense!!!\0', 476, 'latin1');
    star.write('tar\0', 508, 'latin1');
    await expectCorrupt(tar(withChecksum(star), padded(Buffer.from('elf'))), /unreadable atime field/);
    const gnu = patched(rawHeader({ name: 'libcudart.so.12', type: '0', size: 3, magic: 'gnu' }), 345, 'usr/lib\0');
    const r = await expectRead(tar(gnu, padded(Buffer.from('elf'))));
    expect(paths(r)).toEqual([LIB]);
  });

  test("old GNU sparse ('S'): only in a GNU header, its numbers must parse, the map must fit; extension headers are refused", async () => {
    const S = (h: Partial<RawHeader>, set: (b: Buffer) => void) => {
      const b = rawHeader({ name: 'usr/lib/s.so', type: 'S', size: 3, magic: 'gnu', ...h });
      set(b);
      return tar(withChecksum(b), padded(Buffer.from('abc')));
    };
    const map = (b: Buffer, offset: string, length: string, real: string) => {
      b.write(offset, 386, 'latin1');
      b.write(length, 398, 'latin1');
      b.write(real, 483, 'latin1');
    };
    // Docker and containerd refuse an 'S' entry ("unhandled tar header type"), so umoci's view is not compared
    const go = { go: false };
    const ok = await expectRead(
      S({}, (b) => map(b, octal(2, 12), octal(3, 12), octal(10, 12))),
      go,
    );
    expect(ok.entries).toEqual([]);
    await expectCorrupt(
      S({ magic: 'ustar' }, (b) => map(b, octal(2, 12), octal(3, 12), octal(10, 12))),
      /non-GNU header/,
      go,
    );
    await expectCorrupt(
      S({}, (b) => map(b, '2x\0', octal(3, 12), octal(10, 12))),
      /unreadable sparse offset field/,
      go,
    );
    await expectCorrupt(
      S({}, (b) => map(b, octal(8, 12), octal(3, 12), octal(10, 12))),
      /outside its 10 bytes/,
      go,
    );
    await expectCorrupt(
      S({}, (b) => {
        map(b, octal(2, 12), octal(3, 12), octal(10, 12));
        b[482] = 1;
      }),
      /extension headers/,
      go,
    );
  });
});

describe('the end of the archive (Go: readHeader)', () => {
  test('one zero block then the end of the data is a complete archive, not a truncated one', async () => {
    const r = await expectRead(Buffer.concat([file(LIB), Buffer.alloc(BLOCK)]));
    expect({ paths: paths(r), codes: codes(r) }).toEqual({ paths: [LIB], codes: [] });
    const only = await expectRead(Buffer.alloc(BLOCK));
    expect(codes(only)).toEqual([]);
  });

  test('one zero block then a header is damage (a marker cut in half); the entries after it are never applied', async () => {
    await expectCorrupt(Buffer.concat([file(LIB), Buffer.alloc(BLOCK), file('usr/lib/libcudart.so.13'), END]), /zero block followed by a header/);
  });

  test('one zero block then part of a block is damage (Go: ErrUnexpectedEOF)', async () => {
    await expectCorrupt(Buffer.concat([file(LIB), Buffer.alloc(BLOCK), Buffer.alloc(100)]), /Unexpected end of data/, { seekWhy: /ends inside a header/ });
  });

  test('no zero block at all is still LAYER_TRUNCATED (stricter than Go, which reads io.EOF there: a cut layer looks the same)', async () => {
    const r = await expectRead(file(LIB));
    expect(codes(r)).toEqual(['LAYER_TRUNCATED']);
  });

  test('two zero blocks end it; what follows is not read', async () => {
    const r = await expectRead(Buffer.concat([file(LIB), END, Buffer.from('junk after the end')]));
    expect({ paths: paths(r), codes: codes(r) }).toEqual({ paths: [LIB], codes: [] });
  });
});

describe("records Go's Next knows, and those it does not", () => {
  test("an old GNU 'N' record is an entry of its own, not a long name", async () => {
    const r = await expectRead(tar(rawEntry({ name: '././@LongLink', type: 'N', magic: 'gnu' }, 'usr/lib/renamed.so\0'), file(LIB)), { go: false });
    expect(paths(r)).toEqual([LIB]);
  });

  test('an empty pax or GNU long-name record clears the one before it (Go replaces, not merges)', async () => {
    const emptyPax = rawHeader({ name: 'PaxHeaders.0/f', type: 'x', size: 0 });
    const r = await expectRead(tar(paxHeader({ path: 'usr/lib/renamed.so' }), emptyPax, file(LIB)), { streams: true });
    expect(paths(r)).toEqual([LIB]);
    const emptyLong = rawHeader({ name: '././@LongLink', type: 'L', size: 0, magic: 'gnu' });
    const longName = rawEntry({ name: '././@LongLink', type: 'L', magic: 'gnu' }, 'usr/lib/renamed.so\0');
    const g = await expectRead(tar(longName, emptyLong, file(LIB, 'elf', { magic: 'gnu' })), { streams: true });
    expect(paths(g)).toEqual([LIB]);
  });
});
