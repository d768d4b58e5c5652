// Image files written by hand for the benchmark, streamed to disk (no file is ever held whole in memory), without
// dockerd: ustar headers, ELF64 shared objects with a section table, nvcc-style fatbin containers, and the
// docker-archive (Docker >= 25 save layout) and oci-archive containers around the layer tars.
// Every body is a generator of Buffers, so the same layer tar can go straight into an archive or through gzip.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const BLOCK = 512;
const CHUNK = 1 << 20;
const EPOCH = 0;

// ---------------------------------------------------------------------------------------------------------------
// filler

/** Library-like filler: half random, half zero per 256-byte block (gzip -6 ~2:1, like real .so files). */
export function fillerPool() {
  const pool = randomBytes(4 << 20);
  for (let i = 0; i < pool.length; i += 256) pool.fill(0, i + 128, i + 256);
  return pool;
}

const POOL = fillerPool();
let turn = 0;

/** `bytes` of filler, in chunks of at most 1 MiB, each a (shifting) view into the shared pool. */
export function* filler(bytes) {
  let left = bytes;
  while (left > 0) {
    const n = Math.min(CHUNK, left);
    const start = (turn++ * 4099) % (POOL.length - n);
    yield POOL.subarray(start, start + n);
    left -= n;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ustar

function octal(buf, at, width, value) {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'latin1');
}

/** Splits a path into ustar prefix (<= 155) and name (<= 100). */
function splitName(path) {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`path too long for ustar: ${path}`);
}

/** One 512-byte ustar header. type: '0' file, '2' symlink, '5' directory. */
export function tarHeader({ path, size = 0, type = '0', mode = type === '5' ? 0o755 : 0o644, linkname = '' }) {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size >= 8 ** 11) throw new Error(`${path}: ${size} bytes do not fit a ustar size field`);
  octal(h, 124, 12, size);
  octal(h, 136, 12, EPOCH);
  h.fill(0x20, 148, 156);
  h.write(type, 156, 1, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  h.write('root', 265, 32, 'latin1');
  h.write('root', 297, 32, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

const ZEROS = Buffer.alloc(1024);
const pad = (size) => ZEROS.subarray(0, (BLOCK - (size % BLOCK)) % BLOCK);

/**
 * A layer tar as a generator of Buffers. `entries`: {path, dir: true} | {path, symlink} | {path, size, body}
 * where body() yields exactly `size` bytes. Parent directories get their own entries, as `docker build` writes them.
 */
export function* layerTar(entries) {
  const dirs = new Set();
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = `${parts.slice(0, i).join('/')}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        yield tarHeader({ path: d, type: '5' });
      }
    }
    if (e.dir) {
      if (!dirs.has(`${e.path}/`)) yield tarHeader({ path: `${e.path}/`, type: '5' });
      dirs.add(`${e.path}/`);
    } else if (e.symlink) {
      yield tarHeader({ path: e.path, type: '2', mode: 0o777, linkname: e.symlink });
    } else {
      yield tarHeader({ path: e.path, size: e.size, mode: e.mode ?? 0o644 });
      let n = 0;
      for (const chunk of e.body()) {
        n += chunk.length;
        yield chunk;
      }
      if (n !== e.size) throw new Error(`${e.path}: body gave ${n} bytes, header says ${e.size}`);
      yield pad(e.size);
    }
  }
  yield ZEROS;
}

/** A small file entry from a string or Buffer. */
export function fileEntry(path, content, mode) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    path,
    size: bytes.length,
    mode,
    body: function* () {
      yield bytes;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// fatbin containers

const FATBIN_MAGIC = 0xba55ed50;

/** The `.nv_fatbin` section of an nvcc-built fixture, as bytes (objcopy), padded to 8. */
export function fixtureFatbin(root, lib, work) {
  const out = join(work, `${lib}.nv_fatbin`);
  execFileSync('objcopy', ['-O', 'binary', '--only-section=.nv_fatbin', join(root, '__tests__/fixtures/fatbin', lib), out]);
  const bytes = readFileSync(out);
  rmSync(out, { force: true });
  if (bytes.readUInt32LE(0) !== FATBIN_MAGIC) throw new Error(`${lib}: .nv_fatbin does not start with a fatbin container`);
  return Buffer.concat([bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)]);
}

/**
 * Walks the fatbin containers in `bytes` (a `.nv_fatbin` section) as a parser does: each container ends exactly after
 * its last entry, zero padding may follow. Returns {containers, archs} or throws where the chain breaks.
 */
export function walkFatbins(bytes) {
  const archs = new Set();
  let containers = 0;
  for (let at = 0; at < bytes.length; containers++) {
    if (bytes.readUInt32LE(at) !== FATBIN_MAGIC) throw new Error(`no fatbin container at offset ${at}`);
    const end = at + 16 + Number(bytes.readBigUInt64LE(at + 8));
    let e = at + 16;
    for (; e < end; e += bytes.readUInt32LE(e + 4) + Number(bytes.readBigUInt64LE(e + 8))) {
      archs.add(`${bytes.readUInt16LE(e) === 2 ? 'sm' : 'compute'}_${bytes.readUInt32LE(e + 0x1c)}`);
    }
    if (e !== end) throw new Error(`the entries of the container at ${at} overrun it`);
    at = end;
    while (at + 8 <= bytes.length && bytes.readBigUInt64LE(at) === 0n) at += 8;
  }
  return { containers, archs: [...archs] };
}

/** A 64-byte entry header: kind 2 = ELF (SASS cubin), 1 = PTX; flags 0x11 = 64-bit, host Linux, not compressed. */
function entryHeader({ kind, arch, payloadSize }) {
  const h = Buffer.alloc(64);
  h.writeUInt16LE(kind, 0);
  h.writeUInt16LE(0x0101, 2);
  h.writeUInt32LE(64, 4);
  h.writeBigUInt64LE(BigInt(payloadSize), 8);
  // ELF entries: minor 8, major 1 (observed); PTX entries: PTX ISA 8.4 (CUDA 12.4)
  h.writeUInt16LE(kind === 2 ? 8 : 4, 0x18);
  h.writeUInt16LE(kind === 2 ? 1 : 8, 0x1a);
  h.writeUInt32LE(arch, 0x1c);
  h.writeBigUInt64LE(0x11n, 0x28);
  return h;
}

/** What a synthetic container holds: SASS for these archs plus PTX for the last, as in a cuBLAS-like build. */
export const SYNTHETIC_SASS = [70, 75, 80, 86, 90];
export const SYNTHETIC_PTX = 90;

/**
 * Plans `count` synthetic fatbin containers of about `bytes` in all, with the `real` container blobs (fixtures)
 * placed in the middle. Returns {size, body} for the whole section (8-aligned, exact size known up front).
 */
export function fatbinSection({ bytes, count, real = [] }) {
  const entries = [...SYNTHETIC_SASS.map((arch) => ({ kind: 2, arch })), { kind: 1, arch: SYNTHETIC_PTX }];
  const realBytes = real.reduce((n, b) => n + b.length, 0);
  const perContainer = Math.max(entries.length * 128, Math.floor((bytes - realBytes) / Math.max(1, count)));
  // payloads 8-aligned; PTX payload a quarter of a cubin's
  const unit = Math.floor((perContainer - 16 - entries.length * 64) / (SYNTHETIC_SASS.length + 0.25) / 8) * 8;
  const payloads = entries.map((e) => (e.kind === 2 ? unit : Math.max(8, Math.floor(unit / 4 / 8) * 8)));
  const fatSize = payloads.reduce((n, p) => n + 64 + p, 0);
  const containerBytes = 16 + fatSize;
  const size = count * containerBytes + realBytes;
  const containerHeader = Buffer.alloc(16);
  containerHeader.writeUInt32LE(FATBIN_MAGIC, 0);
  containerHeader.writeUInt16LE(1, 4);
  containerHeader.writeUInt16LE(16, 6);
  containerHeader.writeBigUInt64LE(BigInt(fatSize), 8);
  const headers = entries.map((e, i) => entryHeader({ ...e, payloadSize: payloads[i] }));
  return {
    size,
    containers: count + real.reduce((n, b) => n + walkFatbins(b).containers, 0),
    *body() {
      for (let c = 0; c < count; c++) {
        if (c === Math.floor(count / 2)) yield* real;
        yield containerHeader;
        for (let i = 0; i < entries.length; i++) {
          yield headers[i];
          yield* filler(payloads[i]);
        }
      }
      if (count === 0) yield* real;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// ELF64 shared objects

const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;

const align = (n, a) => Math.ceil(n / a) * a;

/**
 * A valid ELF64 x86-64 shared object (ET_DYN, one PT_LOAD, a section table at the end): `.text` and `.rodata` of
 * filler, optionally `.nv_fatbin` (a fatbinSection), then `.shstrtab` and the section headers. Returns
 * {size, body} with the exact size known up front, so it can be written into a tar as it is generated.
 */
export function elfSharedObject({ textBytes, rodataBytes, fatbin }) {
  const sections = [];
  let at = align(64 + 56, 4096);
  const add = (name, type, flags, size, alignment, body) => {
    at = align(at, alignment);
    sections.push({ name, type, flags, offset: at, size, alignment, body });
    at += size;
  };
  add('.text', SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, textBytes, 16, () => filler(textBytes));
  add('.rodata', SHT_PROGBITS, SHF_ALLOC, rodataBytes, 32, () => filler(rodataBytes));
  if (fatbin) add('.nv_fatbin', SHT_PROGBITS, SHF_ALLOC, fatbin.size, 8, () => fatbin.body());
  const loadEnd = at;
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const shstrtab = Buffer.from(`${names.join('\0')}\0`, 'latin1');
  const nameOffset = (name) => names.slice(0, names.indexOf(name)).reduce((n, s) => n + s.length + 1, 0);
  add('.shstrtab', SHT_STRTAB, 0, shstrtab.length, 1, function* () {
    yield shstrtab;
  });
  const shoff = align(at, 8);
  const shnum = sections.length + 1;
  const size = shoff + shnum * 64;

  const ehdr = Buffer.alloc(64 + 56);
  ehdr.write('\x7fELF', 0, 'latin1');
  ehdr[4] = 2; // ELFCLASS64
  ehdr[5] = 1; // little-endian
  ehdr[6] = 1; // EV_CURRENT
  ehdr.writeUInt16LE(3, 16); // ET_DYN
  ehdr.writeUInt16LE(62, 18); // EM_X86_64
  ehdr.writeUInt32LE(1, 20);
  ehdr.writeBigUInt64LE(64n, 32); // e_phoff
  ehdr.writeBigUInt64LE(BigInt(shoff), 40);
  ehdr.writeUInt16LE(64, 52);
  ehdr.writeUInt16LE(56, 54);
  ehdr.writeUInt16LE(1, 56);
  ehdr.writeUInt16LE(64, 58);
  ehdr.writeUInt16LE(shnum, 60);
  ehdr.writeUInt16LE(shnum - 1, 62); // .shstrtab is last
  // PT_LOAD R+X over everything but .shstrtab and the section table
  ehdr.writeUInt32LE(1, 64);
  ehdr.writeUInt32LE(5, 68);
  ehdr.writeBigUInt64LE(BigInt(loadEnd), 64 + 32);
  ehdr.writeBigUInt64LE(BigInt(loadEnd), 64 + 40);
  ehdr.writeBigUInt64LE(0x1000n, 64 + 48);

  const shdrs = Buffer.alloc(shnum * 64);
  sections.forEach((s, i) => {
    const o = (i + 1) * 64;
    shdrs.writeUInt32LE(nameOffset(s.name), o);
    shdrs.writeUInt32LE(s.type, o + 4);
    shdrs.writeBigUInt64LE(BigInt(s.flags), o + 8);
    shdrs.writeBigUInt64LE(BigInt(s.flags & SHF_ALLOC ? s.offset : 0), o + 16);
    shdrs.writeBigUInt64LE(BigInt(s.offset), o + 24);
    shdrs.writeBigUInt64LE(BigInt(s.size), o + 32);
    shdrs.writeBigUInt64LE(BigInt(s.alignment), o + 48);
  });

  return {
    size,
    *body() {
      yield ehdr;
      let pos = ehdr.length;
      for (const s of sections) {
        if (s.offset > pos) yield Buffer.alloc(s.offset - pos);
        yield* s.body();
        pos = s.offset + s.size;
      }
      if (shoff > pos) yield Buffer.alloc(shoff - pos);
      yield shdrs;
    },
  };
}

/** An ELF file entry for a layer. */
export function elfEntry(path, spec) {
  const elf = elfSharedObject(spec);
  return { path, size: elf.size, mode: 0o755, body: () => elf.body() };
}

/** Writes `elf` to a file and has binutils read it back: the section table and `.nv_fatbin` must parse. */
export function checkElfWithBinutils(elf, path) {
  const fd = openSync(path, 'w');
  for (const chunk of elf.body()) writeSync(fd, chunk);
  closeSync(fd);
  const sections = execFileSync('readelf', ['-hSW', path], { encoding: 'utf8' });
  if (!/Type:\s+DYN/.test(sections)) throw new Error(`readelf does not see a shared object:\n${sections}`);
  return sections;
}

// ---------------------------------------------------------------------------------------------------------------
// archives

const sha256hex = (h) => h.digest('hex');

/**
 * An archive file written with positioned writes: each entry's 512-byte header is written after its body, once the
 * body's size and digest (hence the blob name) are known.
 */
export class ArchiveWriter {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, 'w');
    this.pos = 0;
  }

  write(buf) {
    let off = 0;
    while (off < buf.length) {
      const n = writeSync(this.fd, buf, off, buf.length - off, this.pos);
      off += n;
      this.pos += n;
    }
  }

  /** A blob from a generator of Buffers: returns {digest, size}; the entry is named blobs/sha256/<hex>. */
  blobFromChunks(chunks) {
    const headerAt = this.pos;
    this.write(Buffer.alloc(BLOCK));
    const hash = createHash('sha256');
    let size = 0;
    for (const c of chunks) {
      hash.update(c);
      this.write(c);
      size += c.length;
    }
    this.write(pad(size));
    const hex = sha256hex(hash);
    writeSync(this.fd, tarHeader({ path: `blobs/sha256/${hex}`, size }), 0, BLOCK, headerAt);
    return { digest: `sha256:${hex}`, size };
  }

  /** A blob copied from a file whose digest is already known. */
  async blobFromFile(file, digest, size) {
    this.write(tarHeader({ path: `blobs/sha256/${digest.slice(7)}`, size }));
    const offset = this.pos;
    for await (const c of createReadStream(file, { highWaterMark: CHUNK })) this.write(c);
    this.write(pad(size));
    return offset;
  }

  /** A small JSON blob: returns its descriptor fields. */
  jsonBlob(doc) {
    const bytes = Buffer.from(JSON.stringify(doc));
    return this.blobFromChunks([bytes]);
  }

  file(path, content) {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    this.write(tarHeader({ path, size: bytes.length }));
    this.write(bytes);
    this.write(pad(bytes.length));
  }

  close() {
    this.write(ZEROS);
    closeSync(this.fd);
  }
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

function imageConfig(diffIds, env) {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: env, Labels: {} },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created_by: `COPY layer${i} / # buildkit` })),
  };
}

/**
 * A docker-archive in the Docker >= 25 save layout (uncompressed layer blobs first, then index.json, manifest.json,
 * oci-layout, repositories), each layer tar streamed straight into the archive. `layers`: arrays of layer entries.
 */
export function writeDockerArchive(path, { layers, tag, env = [], onLayer = () => {} }) {
  const w = new ArchiveWriter(path);
  const descs = layers.map((entries, i) => {
    const d = w.blobFromChunks(layerTar(entries));
    onLayer(i, d);
    return { mediaType: LAYER_TAR, ...d };
  });
  const config = {
    mediaType: OCI_CONFIG,
    ...w.jsonBlob(
      imageConfig(
        descs.map((d) => d.digest),
        env,
      ),
    ),
  };
  const manifest = { mediaType: OCI_MANIFEST, ...w.jsonBlob({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: descs }) };
  const blob = (d) => `blobs/sha256/${d.digest.slice(7)}`;
  w.file(
    'index.json',
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...manifest, annotations: { 'io.containerd.image.name': `docker.io/${tag}`, 'org.opencontainers.image.ref.name': tag.split(':')[1] } }],
    }),
  );
  w.file('manifest.json', JSON.stringify([{ Config: blob(config), RepoTags: [tag], Layers: descs.map(blob) }]));
  w.file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  w.file('repositories', JSON.stringify({ [tag.split(':')[0]]: { [tag.split(':')[1]]: descs.at(-1).digest.slice(7) } }));
  w.close();
  return { bytes: w.pos, layers: descs };
}

/** gzips one layer tar into `file` (zlib on the thread pool): {digest, size, diffId, tarBytes}. */
async function gzipLayer(entries, file, level) {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  let tarBytes = 0;
  let size = 0;
  const tar = Readable.from(
    (function* () {
      for (const c of layerTar(entries)) {
        diff.update(c);
        tarBytes += c.length;
        yield c;
      }
    })(),
    { objectMode: false, highWaterMark: CHUNK },
  );
  const gz = createGzip({ level, chunkSize: 256 << 10 });
  gz.on('data', (c) => {
    blob.update(c);
    size += c.length;
  });
  await pipeline(tar, gz, createWriteStream(file));
  return { digest: `sha256:${sha256hex(blob)}`, size, diffId: `sha256:${sha256hex(diff)}`, tarBytes };
}

/**
 * An oci-archive (a tar of an OCI layout: blobs, index.json, oci-layout) with gzip layers. The layers are
 * compressed concurrently (`parallel` at a time) to temp files in `work`, then copied in. Returns each layer blob's
 * offset in the archive (for the inflate floor).
 */
export async function writeOciGzipArchive(path, { layers, ref, work, env = [], level = 6, parallel = 2 }) {
  const gz = new Array(layers.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, layers.length) }, async () => {
      while (next < layers.length) {
        const i = next++;
        gz[i] = { file: join(work, `layer${i}.tar.gz`), ...(await gzipLayer(layers[i], join(work, `layer${i}.tar.gz`), level)) };
      }
    }),
  );
  const w = new ArchiveWriter(path);
  w.file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const l of gz) {
    l.offset = await w.blobFromFile(l.file, l.digest, l.size);
    rmSync(l.file, { force: true });
  }
  const descs = gz.map((l) => ({ mediaType: LAYER_GZIP, digest: l.digest, size: l.size }));
  const config = {
    mediaType: OCI_CONFIG,
    ...w.jsonBlob(
      imageConfig(
        gz.map((l) => l.diffId),
        env,
      ),
    ),
  };
  const manifest = { mediaType: OCI_MANIFEST, ...w.jsonBlob({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: descs }) };
  w.file(
    'index.json',
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref } }] }),
  );
  w.close();
  return { bytes: w.pos, layers: gz.map(({ digest, size, tarBytes, offset }) => ({ digest, size, tarBytes, offset })) };
}
