/**
 * The random-access fatbin scan (src/layers/fatbin-seek.ts) gives exactly what streaming the whole body through
 * FatbinScanner gives — on the nvcc fixtures, on NVIDIA's libraries when this machine has them, on synthetic ELF files
 * and on every fallback — while reading only headers, the section table and the candidate sections minus payloads.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import type { GpuCode } from '../../src/model/gpu-code';
import { FatbinScanner } from '../../src/layers/fatbin-scan';
import { isCandidate, scanFatbinsAt, type ReadAt } from '../../src/layers/fatbin-seek';
import { describeIf } from '../helpers/skip';

const DIR = join(__dirname, '../fixtures/fatbin');
const FIXTURES = Object.keys(JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, unknown>);
const fixture = (name: string) => readFileSync(join(DIR, name));
const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);

/** the reference: the whole body through one scanner, as a layer stream shows it */
function stream(body: Buffer, chunk = 65536): GpuCode | undefined {
  const s = new FatbinScanner(body.length);
  for (let at = 0; at < body.length; at += chunk) s.push(body.subarray(at, at + chunk));
  return s.result();
}

/** a ReadAt over a buffer that counts what it hands out */
function reader(body: Buffer): { readAt: ReadAt; read: () => number; calls: () => number } {
  let read = 0;
  let calls = 0;
  const readAt: ReadAt = async (buffer, position, length) => {
    calls++;
    if (position < 0 || length < 0 || position + length > body.length) throw new Error(`read ${position}+${length} beyond ${body.length}`);
    const n = body.copy(buffer, 0, position, position + length);
    read += n;
    return n;
  };
  return { readAt, read: () => read, calls: () => calls };
}

async function seek(body: Buffer): Promise<{ code: GpuCode | undefined; read: number }> {
  const r = reader(body);
  const code = await scanFatbinsAt(r.readAt, body.length);
  return { code, read: r.read() };
}

interface Entry {
  kind: 1 | 2;
  arch: number;
  flags?: number;
  payload?: number;
  headerSize?: number;
  fill?: 'random' | number;
}

/** one fatbin container with the given entries (payloads random or filled) */
function container(entries: Entry[]): Buffer {
  const parts = entries.flatMap((e) => {
    const headerSize = e.headerSize ?? 64;
    const payload = e.payload ?? 16;
    const h = Buffer.alloc(headerSize);
    h.writeUInt16LE(e.kind, 0);
    h.writeUInt16LE(0x0101, 2);
    h.writeUInt32LE(headerSize, 4);
    h.writeUInt32LE(payload, 8);
    h.writeUInt16LE(0, 0x18);
    h.writeUInt16LE(9, 0x1a);
    h.writeUInt32LE(e.arch, 0x1c);
    h.writeUInt32LE(e.flags ?? 0x11, 0x28);
    return [h, e.fill === 'random' ? randomBytes(payload) : Buffer.alloc(payload, e.fill ?? 0xab)];
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(16);
  SIGNATURE.copy(head);
  head.writeUInt32LE(body.length, 8);
  return Buffer.concat([head, body]);
}

/** the containers nvcc wrote into a fixture, cut out whole */
function realContainers(bytes: Buffer): Buffer[] {
  const found: Buffer[] = [];
  for (let at = bytes.indexOf(SIGNATURE); at >= 0; at = bytes.indexOf(SIGNATURE, at + 1)) {
    found.push(Buffer.from(bytes.subarray(at, at + 16 + Number(bytes.readBigUInt64LE(at + 8)))));
  }
  return found;
}

const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;

interface Section {
  name: string;
  data: Buffer;
  type?: number;
  flags?: number;
  /** bytes before the section in the file (outside every section) */
  pad?: Buffer;
  /** overrides of the written header, to damage it */
  offset?: number;
  size?: number;
  nameOffset?: number;
}

interface ElfOptions {
  elfClass?: number;
  data?: number;
  shnum?: number;
  shoff?: number;
  shstrndx?: number;
  /** bytes after the section table */
  tail?: Buffer;
}

/** A minimal ELF64 file: header, the sections' bytes in order, .shstrtab, then the section header table. */
function elf64(sections: Section[], o: ElfOptions = {}): Buffer {
  const names: Buffer[] = [Buffer.alloc(1)];
  let namesLength = 1;
  const nameOf = (name: string) => {
    const at = namesLength;
    names.push(Buffer.from(`${name}\0`, 'latin1'));
    namesLength += name.length + 1;
    return at;
  };
  const parts: Buffer[] = [Buffer.alloc(64)];
  let offset = 64;
  const headers: Buffer[] = [Buffer.alloc(64)];
  const all = [...sections, { name: '.shstrtab', data: Buffer.alloc(0), type: SHT_STRTAB, flags: 0 } as Section];
  const nameOffsets = all.map((s) => nameOf(s.name));
  const shstrtab = Buffer.concat(names);
  all[all.length - 1].data = shstrtab;
  all.forEach((s, i) => {
    if (s.pad) {
      parts.push(s.pad);
      offset += s.pad.length;
    }
    const h = Buffer.alloc(64);
    h.writeUInt32LE(s.nameOffset ?? nameOffsets[i], 0);
    h.writeUInt32LE(s.type ?? SHT_PROGBITS, 4);
    h.writeBigUInt64LE(BigInt(s.flags ?? SHF_ALLOC), 8);
    h.writeBigUInt64LE(BigInt(s.offset ?? offset), 0x18);
    h.writeBigUInt64LE(BigInt(s.size ?? s.data.length), 0x20);
    headers.push(h);
    if (s.type !== SHT_NOBITS) {
      parts.push(s.data);
      offset += s.data.length;
    }
  });
  const align = (8 - (offset % 8)) % 8;
  parts.push(Buffer.alloc(align));
  const shoff = offset + align;
  parts.push(...headers, o.tail ?? Buffer.alloc(0));
  const file = Buffer.concat(parts);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, o.elfClass ?? 2, o.data ?? 1, 1, 0]).copy(file);
  file.writeUInt16LE(3, 16); // ET_DYN
  file.writeUInt16LE(62, 18); // x86-64
  file.writeBigUInt64LE(BigInt(o.shoff ?? shoff), 0x28);
  file.writeUInt16LE(64, 0x34);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(o.shnum ?? headers.length, 0x3c);
  file.writeUInt16LE(o.shstrndx ?? headers.length - 1, 0x3e);
  return file;
}

const text = (bytes: number) => ({ name: '.text', data: randomBytes(bytes), flags: SHF_ALLOC | SHF_EXECINSTR });

async function expectSame(body: Buffer): Promise<{ code: GpuCode | undefined; read: number }> {
  const got = await seek(body);
  expect(got.code).toEqual(stream(body));
  return got;
}

describe('scanFatbinsAt on the nvcc 13.0 fixtures', () => {
  test.each(FIXTURES)('%s: same GPU code as streaming, reading a fraction of the file', async (name) => {
    const body = fixture(name);
    const { code, read } = await expectSame(body);
    expect(code?.sass.length || code?.ptx.length).toBeTruthy();
    expect(read / body.length).toBeLessThan(0.5);
  });
});

/** NVIDIA's own libraries, when this machine has a CUDA toolkit (skipped elsewhere) */
function realLibraries(): string[] {
  const dirs = ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib'].filter((d) => existsSync(d));
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      // libcupti.so.13*, libcudart.so.13* and the other libcu*.so.*; libcheckpoint (.rodata fatbins), libcudadevrt.a
      const wanted = /^libcu\w*\.so\.\d/.test(name) || name === 'libcheckpoint.so' || name === 'libcudadevrt.a';
      if (!wanted) continue;
      const path = join(dir, name);
      const real = realpathSync(path);
      if (!seen.has(real) && statSync(real).size < 60e6) seen.set(real, path);
    }
  }
  return [...seen.values()];
}

const REAL = realLibraries();
const describeReal = describeIf(REAL.length > 0, 'no CUDA toolkit libraries in /usr/local/cuda/lib64 or /usr/local/cuda/targets/x86_64-linux/lib');

describeReal('scanFatbinsAt on the CUDA toolkit libraries of this machine', () => {
  test.each(REAL.length ? REAL : ['none'])('%s: same GPU code as streaming', async (path) => {
    const body = readFileSync(path);
    const { code, read } = await expectSame(body);
    if (/libcupti|libcheckpoint/.test(path)) {
      // their containers are in .rodata (research image-internals.md §5.5)
      expect(code?.sass.length).toBeGreaterThan(0);
    }
    // static archives are streamed whole (payloads still skipped)
    if (!path.endsWith('.a')) expect(read / body.length).toBeLessThan(0.5);
  });
});

describe('scanFatbinsAt on synthetic ELF files', () => {
  const multi = realContainers(fixture('libmulti.so'));
  const sm90a = realContainers(fixture('libsm90a.so'));

  test('a 20 MB .nv_fatbin of real and big synthetic containers: same answer, under 1% of the file read', async () => {
    const big = Array.from({ length: 10 }, (_, i) =>
      container([
        { kind: 2, arch: 80 + i, payload: 1 << 20, fill: 'random' },
        { kind: 1, arch: 90, headerSize: 80, payload: (1 << 20) - 8, fill: 'random' },
      ]),
    );
    // a signature inside a payload: streaming skips it, so must the seek
    big[3].set(SIGNATURE, 16 + 64 + 1000);
    const fatbin = Buffer.concat([...multi, ...big.slice(0, 5), ...sm90a, ...big.slice(5)]);
    expect(fatbin.length).toBeGreaterThan(20e6);
    const body = elf64([
      text(1 << 20),
      { name: '.rodata', data: randomBytes(4096) },
      { name: '.nv_fatbin', data: fatbin },
      { name: '.data', data: randomBytes(512) },
    ]);
    const { code, read } = await expectSame(body);
    expect(code?.sass).toEqual(expect.arrayContaining(['sm_75', 'sm_80', 'sm_89', 'sm_90a', 'sm_120']));
    expect(read / body.length).toBeLessThan(0.01);
  });

  test('containers in .rodata, .data, .cask_resource, .lrodata and __nv_relfatbin are all found', async () => {
    const body = elf64([
      text(5000),
      { name: '.rodata', data: Buffer.concat([randomBytes(333), container([{ kind: 2, arch: 75 }]), randomBytes(77)]) },
      // SHF_X86_64_LARGE, as in libcublasLt.so.13
      { name: '.cask_resource', data: Buffer.concat([randomBytes(100), container([{ kind: 2, arch: 86 }])]), flags: SHF_ALLOC | 0x10000000 },
      { name: '.data.rel.ro', data: container([{ kind: 2, arch: 87 }]), flags: SHF_ALLOC | 1 },
      { name: '.lrodata', data: container([{ kind: 2, arch: 89 }]), pad: randomBytes(13) },
      { name: '__nv_relfatbin', data: container([{ kind: 2, arch: 100, flags: 0x200011 }]), flags: 0 },
      { name: '.ldata', data: container([{ kind: 1, arch: 120 }]), flags: SHF_ALLOC | 1 },
    ]);
    const { code } = await expectSame(body);
    expect(code).toMatchObject({ sass: ['sm_75', 'sm_86', 'sm_87', 'sm_89', 'sm_100f'], ptx: [{ arch: 'compute_120', isa: '9.0' }] });
  });

  test('a container running past its section end is followed to its end, as streaming does', async () => {
    const c = container([
      { kind: 2, arch: 80, payload: 4096, fill: 'random' },
      { kind: 2, arch: 90, payload: 4096, fill: 'random' },
    ]);
    // the section ends inside the first payload; the second entry header lies in the bytes after it
    const body = elf64([{ name: '.nv_fatbin', data: c, size: 200 }, text(8192)]);
    const { code } = await expectSame(body);
    expect(code?.sass).toEqual(['sm_80', 'sm_90']);
  });

  test('a signature cut by a section end is completed from the bytes after it', async () => {
    const c = container([{ kind: 2, arch: 80 }]);
    const body = elf64([{ name: '.rodata', data: c, size: 5 }, text(300)]);
    expect((await expectSame(body)).code?.sass).toEqual(['sm_80']);
  });

  test.each([0, 1])('a container claiming exactly the bytes left in the body (+%d): judged as streaming does', async (extra) => {
    const body = elf64([{ name: '.nv_fatbin', data: container([{ kind: 2, arch: 80 }]) }, text(1000)]);
    const at = body.indexOf(SIGNATURE);
    body.writeUInt32LE(body.length - at - 16 + extra, at + 8);
    const { code } = await expectSame(body);
    expect(code?.sass ?? []).toEqual(extra ? [] : ['sm_80']);
  });

  test('a container in code (.text) is not looked for: the assumption, documented', async () => {
    const body = elf64([{ name: '.text', data: container([{ kind: 2, arch: 80 }]), flags: SHF_ALLOC | SHF_EXECINSTR }]);
    expect(stream(body)?.sass).toEqual(['sm_80']);
    expect((await seek(body)).code).toBeUndefined();
    expect(isCandidate('.text', SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR)).toBe(false);
    expect(isCandidate('.debug_info', SHT_PROGBITS, 0)).toBe(false);
    expect(isCandidate('.nv_fatbin', SHT_PROGBITS, 0)).toBe(true);
  });

  test('.bss-like NOBITS sections occupy no file bytes and are not read', async () => {
    const body = elf64([
      { name: '.nv_fatbin', data: container([{ kind: 2, arch: 80 }]) },
      { name: '.bss', data: Buffer.alloc(0), type: SHT_NOBITS, size: 1 << 30, flags: SHF_ALLOC | 1 },
      { name: '.rodata', data: container([{ kind: 2, arch: 90 }]) },
    ]);
    expect((await expectSame(body)).code?.sass).toEqual(['sm_80', 'sm_90']);
  });

  test('random garbage with containers planted in candidate sections: same answer as streaming', async () => {
    const pool = [...multi, ...sm90a, container([{ kind: 1, arch: 75, headerSize: 80 }]), container([{ kind: 2, arch: 121, flags: 0x100011, payload: 3000 }])];
    const names = ['.nv_fatbin', '.rodata', '.data', '.cask_resource', '.lrodata.x', '.text', '.comment', '.eh_frame'];
    const candidate = (name: string) => name !== '.text' && name !== '.comment';
    const sectionArb = fc.record({
      name: fc.constantFrom(...names),
      garbage: fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 4 }),
      planted: fc.array(fc.nat(pool.length - 1), { maxLength: 3 }),
      pad: fc.uint8Array({ maxLength: 64 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(sectionArb, { minLength: 1, maxLength: 6 }), async (specs) => {
        const sections: Section[] = specs.map((s) => {
          const pieces: Buffer[] = [];
          s.garbage.forEach((g, i) => {
            pieces.push(Buffer.from(g));
            if (candidate(s.name) && i < s.planted.length) pieces.push(pool[s.planted[i]]);
          });
          const flags = s.name === '.text' ? SHF_ALLOC | SHF_EXECINSTR : s.name === '.comment' ? 0 : SHF_ALLOC;
          return { name: s.name, data: Buffer.concat(pieces), flags, pad: Buffer.from(s.pad) };
        });
        const body = elf64(sections);
        expect((await seek(body)).code).toEqual(stream(body));
      }),
      { numRuns: 150 },
    );
  });
});

describe('scanFatbinsAt falls back to the whole body, identically', () => {
  const c = container([{ kind: 2, arch: 80 }]);
  // a container in code, which only a whole-body scan finds: proves the fallback was taken
  const inCode: Section = { name: '.text2', data: c, flags: SHF_ALLOC | SHF_EXECINSTR };
  const withContainer = () => elf64([text(3000), inCode]);

  test('ELF32 and big-endian files', async () => {
    expect((await expectSame(elf64([text(100), inCode], { elfClass: 1 }))).code?.sass).toEqual(['sm_80']);
    expect((await expectSame(elf64([text(100), inCode], { data: 2 }))).code?.sass).toEqual(['sm_80']);
  });

  test('no section table, extended numbering, SHN_XINDEX string table, a table out of the file, a truncated file', async () => {
    const whole = withContainer();
    const cases = [
      elf64([text(100), inCode], { shoff: 0, shnum: 0 }),
      elf64([text(100), inCode], { shnum: 0 }),
      elf64([text(100), inCode], { shstrndx: 0xffff }),
      elf64([text(100), inCode], { shoff: 1 << 30 }),
      whole.subarray(0, whole.length - 10),
    ];
    for (const body of cases) expect((await expectSame(body)).code?.sass).toEqual(['sm_80']);
  });

  test('a damaged .shstrtab, overlapping candidate sections, a section beyond the file end', async () => {
    const cases = [
      elf64([text(100), { name: '.rodata', data: randomBytes(10), nameOffset: 1 << 20 }, inCode]),
      elf64([{ name: '.rodata', data: randomBytes(64) }, { name: '.data', data: randomBytes(64), offset: 64 + 32 }, inCode]),
      elf64([text(100), inCode, { name: '.rodata', data: randomBytes(10), size: 1 << 30 }]),
    ];
    for (const body of cases) expect((await expectSame(body)).code?.sass).toEqual(['sm_80']);
  });

  test('a static archive of objects with __nv_relfatbin', async () => {
    const member = elf64([text(100), { name: '__nv_relfatbin', data: c, flags: 0 }]);
    const header = Buffer.alloc(60, 0x20);
    header.write(`k.o/`, 0, 'latin1');
    header.write(String(member.length), 48, 'latin1');
    header.write('`\n', 58, 'latin1');
    const archive = Buffer.concat([Buffer.from('!<arch>\n', 'latin1'), header, member]);
    expect((await expectSame(archive)).code?.sass).toEqual(['sm_80']);
  });

  test('a body that is not a binary: undefined after reading its first 8 bytes', async () => {
    const body = Buffer.concat([Buffer.from('#!/bin/sh\n'), c, randomBytes(1 << 16)]);
    const r = reader(body);
    expect(await scanFatbinsAt(r.readAt, body.length)).toBeUndefined();
    expect(stream(body)).toBeUndefined();
    expect(r.read()).toBe(8);
  });

  test('tiny bodies: empty, shorter than the magic, shorter than an ELF header', async () => {
    const elfThenSignature = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...SIGNATURE]);
    for (const body of [Buffer.alloc(0), Buffer.from([0x7f, 0x45]), elfThenSignature, withContainer().subarray(0, 40)]) {
      await expectSame(body);
    }
  });

  test('a body shorter than its stated size is an error, not a silent answer', async () => {
    // an archive is read to its end
    const body = Buffer.concat([Buffer.from('!<arch>\n', 'latin1'), withContainer()]);
    const r = reader(body);
    const short: ReadAt = (buffer, position, length) =>
      position >= body.length ? Promise.resolve(0) : r.readAt(buffer, position, Math.min(length, body.length - position));
    await expect(scanFatbinsAt(short, body.length + 100)).rejects.toThrow(/ends at/);
  });
});

describe('FatbinScanner random-access API', () => {
  test('skip() instead of pushing payload bytes gives the streamed answer, in 1-byte to 4 KiB pushes', () => {
    for (const name of FIXTURES) {
      const body = fixture(name);
      for (const chunk of [1, 7, 4096]) {
        const s = new FatbinScanner(body.length);
        let skipped = 0;
        for (let at = 0; at < body.length;) {
          const skip = s.skippable();
          if (skip > 0) {
            s.skip(skip);
            at += skip;
            skipped += skip;
          } else {
            const n = Math.min(chunk, body.length - at, s.headerLeft() || chunk);
            s.push(body.subarray(at, at + n));
            at += n;
          }
        }
        expect(s.result()).toEqual(stream(body));
        if (chunk < 64) expect(skipped).toBeGreaterThan(0);
      }
    }
  });

  test('gap() only between containers; skip() only over a payload; done() for a non-binary', () => {
    const s = new FatbinScanner(1000);
    s.push(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    expect(s.done()).toBe(false);
    s.gap(10);
    s.push(SIGNATURE);
    expect(s.inContainer()).toBe(true);
    expect(s.headerLeft()).toBe(8);
    expect(() => s.gap(1)).toThrow();
    expect(() => s.skip(1)).toThrow();
    const off = new FatbinScanner();
    off.push(Buffer.from('not a binary'));
    expect(off.done()).toBe(true);
  });
});
