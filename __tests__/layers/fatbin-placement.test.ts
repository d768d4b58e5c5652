/**
 * Which fatbin containers count as launchable, by where they lie in the ELF section table (elf.ts fatbinPlacement):
 * wholly inside a loaded data section, and inside .nv_fatbin (or .cask_resource) when the file has a .nv_fatbin.
 * Synthetic ELF64 files, each read by both readers (they must agree) and by the raw signature scan (which must find
 * the container, so each case shows the rule at work).
 */
import { randomBytes } from 'node:crypto';
import { BinaryScanner, FatbinScanner, type BinaryFacts } from '../../src/layers/fatbin-scan';
import { scanBinaryAt, type ReadAt } from '../../src/layers/fatbin-seek';
import { fatbinPlacement } from '../../src/layers/elf';
import type { GpuCode } from '../../src/model/gpu-code';

const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);
const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;

/** one container with one SASS entry for `arch` */
function container(arch: number, payload = 32): Buffer {
  const h = Buffer.alloc(16 + 64 + payload, 0xab);
  SIGNATURE.copy(h);
  h.writeBigUInt64LE(BigInt(64 + payload), 8);
  h.fill(0, 16, 80);
  h.writeUInt16LE(2, 16);
  h.writeUInt16LE(0x0101, 18);
  h.writeUInt32LE(64, 20);
  h.writeUInt32LE(payload, 24);
  h.writeUInt32LE(arch, 16 + 0x1c);
  h.writeUInt32LE(0x11, 16 + 0x28);
  return h;
}

interface Section {
  name: string;
  data: Buffer;
  type?: number;
  flags?: number;
  /** the size written in the header, when not the data's */
  size?: number;
}

/** ELF64 LE: header, sections in order, .shstrtab, the section table, then `tail` */
function elf64(sections: Section[], tail: Buffer = Buffer.alloc(0)): Buffer {
  const all = [...sections, { name: '.shstrtab', data: Buffer.alloc(0), type: SHT_STRTAB, flags: 0 }];
  let names = Buffer.alloc(1);
  const nameAt = all.map((s) => {
    const at = names.length;
    names = Buffer.concat([names, Buffer.from(`${s.name}\0`, 'latin1')]);
    return at;
  });
  all[all.length - 1].data = names;
  const parts: Buffer[] = [Buffer.alloc(64)];
  let offset = 64;
  const headers: Buffer[] = [Buffer.alloc(64)];
  all.forEach((s, i) => {
    const h = Buffer.alloc(64);
    h.writeUInt32LE(nameAt[i], 0);
    h.writeUInt32LE(s.type ?? SHT_PROGBITS, 4);
    h.writeBigUInt64LE(BigInt(s.flags ?? SHF_ALLOC), 8);
    h.writeBigUInt64LE(BigInt(offset), 0x18);
    h.writeBigUInt64LE(BigInt(s.size ?? s.data.length), 0x20);
    headers.push(h);
    parts.push(s.data);
    offset += s.data.length;
  });
  const pad = (8 - (offset % 8)) % 8;
  parts.push(Buffer.alloc(pad), ...headers, tail);
  const file = Buffer.concat(parts);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(file);
  file.writeUInt16LE(3, 16); // ET_DYN
  file.writeUInt16LE(62, 18);
  file.writeBigUInt64LE(BigInt(offset + pad), 0x28);
  file.writeUInt16LE(64, 0x34);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(headers.length, 0x3c);
  file.writeUInt16LE(headers.length - 1, 0x3e);
  return file;
}

const text = (bytes = 2000): Section => ({ name: '.text', data: randomBytes(bytes), flags: SHF_ALLOC | SHF_EXECINSTR });
const sass = (code: GpuCode | undefined) => code?.sass ?? [];

function raw(body: Buffer): string[] {
  const s = new FatbinScanner(body.length);
  s.push(body);
  return sass(s.result());
}

async function credited(body: Buffer): Promise<BinaryFacts> {
  const readAt: ReadAt = async (buffer, position, length) => body.copy(buffer, 0, position, Math.min(body.length, position + length));
  const seek = await scanBinaryAt(readAt, body.length);
  for (const chunk of [5, 1000, body.length]) {
    const s = new BinaryScanner(body.length);
    for (let at = 0; at < body.length; at += chunk) s.push(body.subarray(at, at + chunk));
    expect(s.result()).toEqual(seek);
  }
  return seek;
}

describe('a file without .nv_fatbin (libcupti-style): loaded data sections count', () => {
  test('.rodata, .data, .ldata and a loaded section of any name are credited; a never-loaded one is not', async () => {
    const body = elf64([
      text(),
      { name: '.rodata', data: Buffer.concat([randomBytes(40), container(75)]) },
      { name: '.data', data: container(80), flags: SHF_ALLOC | SHF_WRITE },
      { name: '.ldata', data: container(86), flags: SHF_ALLOC | SHF_WRITE | 0x10000000 },
      { name: '.blob', data: container(87) },
      { name: '.note.blob', data: container(89), flags: 0 },
      { name: '.rodata.unloaded', data: container(90), flags: 0 },
    ]);
    expect(raw(body)).toEqual(['sm_75', 'sm_80', 'sm_86', 'sm_87', 'sm_89', 'sm_90']);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_75', 'sm_80', 'sm_86', 'sm_87']);
  });

  test('a container in code (.text, loaded but executable) is not credited, by either reader', async () => {
    const body = elf64([
      { name: '.rodata', data: container(80) },
      { name: '.text', data: container(90), flags: SHF_ALLOC | SHF_EXECINSTR },
    ]);
    expect(raw(body)).toEqual(['sm_80', 'sm_90']);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_80']);
  });

  test('a container that starts in .rodata and runs past its end is not credited (it must lie wholly inside)', async () => {
    const c = container(90, 400);
    const body = elf64([{ name: '.rodata', data: Buffer.concat([container(80), c]), size: 112 + 200 }, text()]);
    expect(raw(body)).toEqual(['sm_80', 'sm_90']);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_80']);
  });

  test('a container between sections, or after the section table, is not credited', async () => {
    const body = elf64([{ name: '.rodata', data: container(80) }, { name: '.gap', data: container(86), type: SHT_NOBITS }, text()], container(90));
    expect(raw(body)).toEqual(['sm_80', 'sm_86', 'sm_90']);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_80']);
  });

  test('__nv_relfatbin stays relocatable whether loaded or not', async () => {
    const body = elf64([
      { name: '.rodata', data: container(80) },
      { name: '__nv_relfatbin', data: container(90) },
      { name: '__nv_relfatbin.x', data: container(100), flags: 0 },
    ]);
    const facts = await credited(body);
    expect(sass(facts.gpuCode)).toEqual(['sm_80']);
    expect(sass(facts.relocatableGpuCode)).toEqual(['sm_90', 'sm_100']);
  });
});

describe('a file with .nv_fatbin (nvcc, clang): only .nv_fatbin (and .cask_resource) count', () => {
  test('containers in .rodata, .data or a loaded section of its own are not credited', async () => {
    const body = elf64([
      text(),
      { name: '.rodata', data: container(90) },
      { name: '.nv_fatbin', data: Buffer.concat([container(75), container(80)]) },
      { name: '.data', data: container(100), flags: SHF_ALLOC | SHF_WRITE },
      { name: '.my_kernels', data: container(120) },
    ]);
    expect(raw(body)).toEqual(['sm_75', 'sm_80', 'sm_90', 'sm_100', 'sm_120']);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_75', 'sm_80']);
  });

  test('.cask_resource beside .nv_fatbin counts (libcublasLt keeps kernels there and loads them itself)', async () => {
    const body = elf64([
      { name: '.nv_fatbin', data: container(80, 4096) },
      { name: '.cask_resource', data: container(90), flags: SHF_ALLOC | 0x10000000 },
      { name: '.rodata', data: container(100) },
    ]);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_80', 'sm_90']);
  });

  test('a .nv_fatbin that is never loaded credits nothing', async () => {
    const body = elf64([
      { name: '.nv_fatbin', data: container(80, 4096), flags: 0 },
      { name: '.rodata', data: container(90) },
    ]);
    expect(raw(body)).toEqual(['sm_80', 'sm_90']);
    expect((await credited(body)).gpuCode).toBeUndefined();
  });

  test('fatbinPlacement: the ranges it gives', () => {
    const section = (name: string, offset: number, flags = SHF_ALLOC, type = SHT_PROGBITS) => ({ name, type, flags, offset, size: 100 });
    expect(fatbinPlacement([section('.rodata', 100), section('.nv_fatbin', 300), section('__nv_relfatbin', 500, 0)])).toEqual({
      relocatable: [[500, 600]],
      loadable: [[300, 400]],
      selfLoaded: [[100, 200]],
      registeredBy: [[300, 400]],
    });
    expect(fatbinPlacement([section('.rodata', 100), section('.bss', 200, SHF_ALLOC, SHT_NOBITS), section('.comment', 300, 0)])).toEqual({
      relocatable: [],
      loadable: [[100, 200]],
    });
  });
});

describe('a library that loads its kernels itself: its .nv_fatbin holds only the CUDA runtime helper module', () => {
  // cuFFT 11.2 (CUDA 12.4, Debian libcufft11): .nv_fatbin is one compressed 320-byte sm_52 entry; its 17,607
  // containers lie in .data, loaded by the library itself
  const data = (): Section => ({ name: '.data', data: Buffer.concat([container(80, 3000), container(90, 3000)]), flags: SHF_ALLOC | SHF_WRITE });

  test('the containers in its data sections count', async () => {
    const body = elf64([text(), { name: '.nv_fatbin', data: container(52, 320) }, data()]);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_52', 'sm_80', 'sm_90']);
  });

  test('not when its .nv_fatbin holds a kernel of its own (an nvcc build with a decoy)', async () => {
    for (const own of [container(52, 2049), Buffer.concat([container(52, 320), container(61, 320)])]) {
      const body = elf64([text(), { name: '.nv_fatbin', data: own }, data()]);
      expect(sass((await credited(body)).gpuCode)).not.toContain('sm_80');
    }
  });
});

describe('known limit: without a section table both readers can read, everything found counts (as before)', () => {
  test('no section table', async () => {
    const body = elf64([{ name: '.rodata', data: container(80) }], container(90));
    body.writeBigUInt64LE(0n, 0x28);
    body.writeUInt16LE(0, 0x3c);
    body.writeUInt16LE(0, 0x3e);
    expect(sass((await credited(body)).gpuCode)).toEqual(['sm_80', 'sm_90']);
  });

  test('a static archive', async () => {
    const member = elf64([{ name: '.rodata', data: container(80) }], container(90));
    const header = Buffer.alloc(60, 0x20);
    header.write('k.o/', 0, 'latin1');
    header.write(String(member.length), 48, 'latin1');
    header.write('`\n', 58, 'latin1');
    const archive = Buffer.concat([Buffer.from('!<arch>\n', 'latin1'), header, member]);
    expect(sass((await credited(archive)).gpuCode)).toEqual(['sm_80', 'sm_90']);
  });
});
