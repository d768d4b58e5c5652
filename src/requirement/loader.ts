/**
 * Step 2 of a container start, the dynamic loader: each ELF's DT_NEEDED CUDA libraries resolved as glibc's ld.so
 * resolves them, over the image's final filesystem plus the driver libraries the NVIDIA container runtime mounts from
 * the host (matrix/host-libs.yaml). Plain data out: what is missing, which image copy of libcuda.so.1 the loader
 * would pick before the host's, the load graph (which root reaches which binary, through which chain), and the CUDA
 * majors the binaries' own DT_NEEDED sonames pin (evidence for the requirement's needs).
 *
 * Search order (glibc elf/dl-load.c _dl_map_object), for an object O loaded by executable E:
 *   1. DT_RPATH of O, then of E — only when O has no DT_RUNPATH (E's RPATH only when E has no RUNPATH)
 *   2. LD_LIBRARY_PATH of the image's env
 *   3. DT_RUNPATH of O
 *   4. ld.so.cache, approximated by /etc/ld.so.conf and the files its `include` lines name, in order (the container
 *      toolkit runs ldconfig at start, which rebuilds the cache from them)
 *   5. the default directories: the multiarch pair, /lib64 and /usr/lib64 (64-bit), /lib and /usr/lib
 * A DT_NEEDED already loaded in the same process (same soname) is not searched again. hwcaps subdirectories are
 * ignored. $ORIGIN is the object's directory: of the executable after following symlinks (/proc/self/exe), of a
 * library the directory it was found in (glibc does not follow a library's symlink for $ORIGIN).
 */
import type { Evidence } from '../evidence/types';
import type { FileEntry, FileSystemView } from '../layers/types';
import { kindOfLibrary, type CudaComponentKind } from '../model/cuda-components';
import type { HostLib } from '../matrix/types';

/** The ELF dynamic section as the layer reader records it on a file entry (src/layers/types.ts). */
export interface DynamicSection {
  soname?: string;
  needed: string[];
  rpath: string[];
  runpath: string[];
}

type DynEntry = FileEntry & { dynamic?: DynamicSection };

export interface LoaderInput {
  view: Pick<FileSystemView, 'entries' | 'resolve' | 'get'> & Partial<Pick<FileSystemView, 'realpath'>>;
  /** the image config's env (LD_LIBRARY_PATH) */
  env: Record<string, string>;
  /** the image config's architecture (amd64, arm64): $LIB, $PLATFORM, the multiarch directories */
  architecture?: string;
  /** the image's entrypoint + cmd, when the source reads them: a root when it names a binary */
  entrypoint?: string[];
  /** matrix/host-libs.yaml */
  hostLibs: readonly HostLib[];
}

/** Where a DT_NEEDED was found: which step of the search order. */
export type FoundVia = 'rpath' | 'ld-library-path' | 'runpath' | 'ld.so.conf' | 'default' | 'host' | 'loaded' | 'path';

export interface MissingLibrary {
  /** the binary whose DT_NEEDED it is (absolute path) */
  binary: string;
  layerIndex?: number;
  soname: string;
  kind: CudaComponentKind;
  /** root first, ending at `binary`; absent when no root reaches it (it may be dlopen'ed) */
  chain?: string[];
  /** paths elsewhere in the image holding a file of that name (not on the search path) */
  elsewhere: string[];
  /** the same library of another soname major in the image (libcudart.so.12 beside a needed libcudart.so.13) */
  otherMajors: string[];
}

export interface DriverShadow {
  /** the image's libcuda.so.1 the loader would pick (absolute path, as found) */
  path: string;
  /** the file it resolves to */
  file: string;
  layerIndex?: number;
  /** what puts it before the host's: "LD_LIBRARY_PATH", "/etc/ld.so.conf.d/000-compat.conf", "RPATH of /app/x" */
  via: string;
  /** under a cuda compat directory (forward-compatibility package) */
  compat: boolean;
  /** libcuda.so.<version> of the file, when its name says */
  version?: string;
}

export interface LoaderModel {
  /** ELF objects with a dynamic section */
  objects: number;
  roots: string[];
  /** binary path -> the chain from a root that reaches it (root first, the binary last) */
  chains: Record<string, string[]>;
  /** binaries with a dynamic section no root reaches */
  unlinked: string[];
  missing: MissingLibrary[];
  driverShadows: DriverShadow[];
  /** the directories the host's driver libraries are mounted into (the container's library directory) */
  hostDir: string;
  /** dt-needed evidence: a binary's CUDA library soname (its CUDA major), for the requirement's needs */
  needs: Evidence[];
  /** the ld.so.conf files read, in order */
  confFiles: string[];
}

/** Symlink hops the loader model follows itself (the view bounds its own). */
const MAX_CONF_DEPTH = 8;

interface Arch {
  triplet: string;
  platform: string;
  /** what $LIB may expand to: upstream glibc's lib64, and Debian/Ubuntu's multiarch directory */
  lib: string[];
  bits64: boolean;
}

const ARCHES: Record<string, Arch> = {
  amd64: { triplet: 'x86_64-linux-gnu', platform: 'x86_64', lib: ['lib64', 'lib/x86_64-linux-gnu'], bits64: true },
  arm64: { triplet: 'aarch64-linux-gnu', platform: 'aarch64', lib: ['lib64', 'lib/aarch64-linux-gnu'], bits64: true },
  ppc64le: { triplet: 'powerpc64le-linux-gnu', platform: 'powerpc64le', lib: ['lib64', 'lib/powerpc64le-linux-gnu'], bits64: true },
};

function archOf(a: string | undefined): Arch {
  if (a === 'x86_64') return ARCHES.amd64;
  if (a === 'aarch64') return ARCHES.arm64;
  return ARCHES[a ?? 'amd64'] ?? ARCHES.amd64;
}

const norm = (p: string) =>
  p
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\/{2,}/g, '/');
const abs = (p: string) => `/${norm(p)}`;
const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Normalise "a/b/../c" (no leading slash in or out); ".." above the root stays at the root. */
function clean(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** lib<stem>.so[.N…] -> the CUDA component kind, or undefined when not a CUDA library of the component table. */
export function cudaKindOfSoname(soname: string): CudaComponentKind | undefined {
  const m = /^lib(.+?)\.so(?:\.|$)/.exec(baseOf(soname));
  return m ? kindOfLibrary(m[1]) : undefined;
}

/** The first number after ".so." (libcudart.so.13 -> 13). */
export function sonameMajorOf(soname: string): number | undefined {
  const m = /\.so\.(\d+)/.exec(soname);
  return m ? Number(m[1]) : undefined;
}

/** Whether the container runtime mounts a library of this name from the host. */
export function isHostLib(soname: string, hostLibs: readonly HostLib[]): boolean {
  const name = baseOf(soname);
  return hostLibs.some((h) => name === h.library || name.startsWith(`${h.library}.`));
}

/** A root: an executable, a Python extension module, a Node addon. */
export function isRoot(path: string): boolean {
  const name = baseOf(path);
  if (/\.node$/.test(name)) return true;
  if (/\.(cpython-[^/]*|abi3)\.so$/.test(name) && /\/(site|dist)-packages\//.test(`/${path}`)) return true;
  return !/\.so(\.|$)/.test(name) && !/\.(a|o|ko)$/.test(name);
}

/** Parse ld.so.conf text: directories and include globs, in order. */
function parseConf(text: string): { dirs: string[]; includes: string[] } {
  const dirs: string[] = [];
  const includes: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const inc = /^include\s+(.+)$/.exec(line);
    if (inc) {
      includes.push(...inc[1].split(/\s+/));
      continue;
    }
    if (/^hwcap\s/.test(line)) continue;
    // ldconfig also splits on ":" and ","; "dir=type" is the old libc4/5 syntax
    for (const tok of line.split(/[\s:,]+/)) if (tok) dirs.push(tok.replace(/=.*$/, ''));
  }
  return { dirs, includes };
}

function globToRe(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

interface SearchDir {
  dir: string;
  /** what put it on the search path, for messages */
  from: string;
}

/** The ld.so.conf directories, in order, and the files read. */
function confDirs(view: LoaderInput['view']): { dirs: SearchDir[]; files: string[] } {
  const entries = view.entries();
  const dirs: SearchDir[] = [];
  const files: string[] = [];
  const read = (path: string, depth: number) => {
    if (depth > MAX_CONF_DEPTH || files.includes(path)) return;
    const entry = view.resolve(path);
    if (!entry || entry.content === undefined) return;
    files.push(path);
    const { dirs: d, includes } = parseConf(entry.content);
    for (const dir of d) dirs.push({ dir: norm(dir), from: abs(path) });
    for (const inc of includes) {
      const pattern = clean(inc.startsWith('/') ? inc : `${dirOf(path)}/${inc}`);
      if (!/[*?[]/.test(pattern)) {
        read(pattern, depth + 1);
        continue;
      }
      const re = globToRe(pattern);
      const matched = entries
        .filter((e) => re.test(e.path))
        .map((e) => e.path)
        .sort();
      for (const m of matched) read(m, depth + 1);
    }
  };
  read('etc/ld.so.conf', 0);
  // without /etc/ld.so.conf ldconfig reads no conf.d file; a prebuilt ld.so.cache may still list them: read them
  if (!files.length) {
    const re = globToRe('etc/ld.so.conf.d/*.conf');
    for (const m of entries
      .filter((e) => re.test(e.path))
      .map((e) => e.path)
      .sort())
      read(m, 1);
  }
  return { dirs, files };
}

function isObject(e: DynEntry): boolean {
  return (e.type === 'file' || e.type === 'hardlink') && e.dynamic !== undefined;
}

/** Expand $ORIGIN, $LIB, $PLATFORM (and their ${} forms) in one RPATH/RUNPATH entry: one or more directories. */
function expand(entry: string, origin: string, arch: Arch): string[] {
  let out = [entry.replace(/\$(\{ORIGIN\}|ORIGIN)/g, `/${origin}`).replace(/\$(\{PLATFORM\}|PLATFORM)/g, arch.platform)];
  if (/\$(\{LIB\}|LIB)/.test(entry)) out = arch.lib.flatMap((lib) => out.map((p) => p.replace(/\$(\{LIB\}|LIB)/g, lib)));
  // relative entries are relative to the working directory: taken from the root
  return out.map((p) => clean(p));
}

export function analyseLoader(input: LoaderInput): LoaderModel {
  const { view, env, hostLibs } = input;
  const arch = archOf(input.architecture);
  const all = view.entries() as DynEntry[];
  const objects = all.filter(isObject);
  const byPath = new Map(objects.map((o) => [o.path, o]));

  const conf = confDirs(view);
  const ldLibraryPath: SearchDir[] = (env.LD_LIBRARY_PATH ?? '')
    .split(/[:;]/)
    .filter((d) => d.startsWith('/'))
    .map((d) => ({ dir: norm(d), from: 'LD_LIBRARY_PATH' }));
  const defaults: SearchDir[] = [`lib/${arch.triplet}`, `usr/lib/${arch.triplet}`, ...(arch.bits64 ? ['lib64', 'usr/lib64'] : []), 'lib', 'usr/lib'].map(
    (dir) => ({ dir, from: 'default' }),
  );
  // the container's library directory, where libnvidia-container mounts the host's driver libraries
  const hasDir = (d: string) => all.some((e) => e.path.startsWith(`${d}/`));
  const hostDir = hasDir(`usr/lib/${arch.triplet}`) ? `usr/lib/${arch.triplet}` : arch.bits64 && hasDir('usr/lib64') ? 'usr/lib64' : `usr/lib/${arch.triplet}`;
  const cacheOrder = [...conf.dirs, ...defaults];

  /** the file a path names, symlinks followed; undefined when absent or not a regular file */
  const fileAt = (path: string): DynEntry | undefined => {
    const e = view.resolve(path) as DynEntry | undefined;
    return e && (e.type === 'file' || e.type === 'hardlink') ? e : undefined;
  };
  const realOf = (path: string) => view.realpath?.(path) ?? fileAt(path)?.path ?? path;

  interface Found {
    path: string;
    file?: DynEntry;
    via: FoundVia;
    from: string;
  }

  /** One DT_NEEDED of `obj` (found at `loadPath`), loaded into a process started by `exe`. */
  const resolve = (name: string, obj: DynEntry, loadPath: string, exe: DynEntry | undefined, loaded: Map<string, string>): Found | undefined => {
    if (name.includes('/')) {
      const p = clean(name);
      const f = fileAt(p);
      return f ? { path: p, file: f, via: 'path', from: name } : undefined;
    }
    const already = loaded.get(name);
    if (already) return { path: already, file: fileAt(already), via: 'loaded', from: 'already loaded' };
    const dyn = obj.dynamic!;
    const origin = dirOf(loadPath);
    const steps: { dirs: SearchDir[]; via: FoundVia }[] = [];
    if (!dyn.runpath.length) {
      const rp: SearchDir[] = dyn.rpath.flatMap((r) => expand(r, origin, arch).map((dir) => ({ dir, from: `RPATH of ${abs(loadPath)}` })));
      if (exe && exe !== obj && !exe.dynamic!.runpath.length) {
        const exeOrigin = dirOf(realOf(exe.path));
        rp.push(...exe.dynamic!.rpath.flatMap((r) => expand(r, exeOrigin, arch).map((dir) => ({ dir, from: `RPATH of ${abs(exe.path)}` }))));
      }
      steps.push({ dirs: rp, via: 'rpath' });
    }
    steps.push({ dirs: ldLibraryPath, via: 'ld-library-path' });
    steps.push({ dirs: dyn.runpath.flatMap((r) => expand(r, origin, arch).map((dir) => ({ dir, from: `RUNPATH of ${abs(loadPath)}` }))), via: 'runpath' });
    const host = isHostLib(name, hostLibs);
    for (const step of steps) {
      for (const d of step.dirs) {
        const p = d.dir ? `${d.dir}/${name}` : name;
        const f = fileAt(p);
        if (f) return { path: p, file: f, via: step.via, from: d.from };
      }
    }
    // ld.so.cache ≈ ld.so.conf, then the default directories; the host's libraries sit in the container's lib dir
    for (const d of cacheOrder) {
      if (host && d.dir === hostDir) return { path: `${hostDir}/${name}`, via: 'host', from: 'mounted from the host by the NVIDIA container runtime' };
      const p = `${d.dir}/${name}`;
      const f = fileAt(p);
      if (f) return { path: p, file: f, via: d.from === 'default' ? 'default' : 'ld.so.conf', from: d.from };
    }
    if (host) return { path: `${hostDir}/${name}`, via: 'host', from: 'mounted from the host by the NVIDIA container runtime' };
    return undefined;
  };

  const roots = objects.filter((o) => isRoot(o.path)).map((o) => o.path);
  // the entrypoint's words: an absolute path, or a command name found on the image's PATH as a shell would
  const pathDirs = (input.env.PATH ?? '').split(':').filter((d) => d.startsWith('/'));
  for (const word of input.entrypoint ?? []) {
    const candidates = word.startsWith('/') ? [word] : word.includes('/') ? [] : pathDirs.map((d) => `${d}/${word}`);
    for (const c of candidates) {
      const f = fileAt(norm(c));
      if (f && isObject(f)) {
        // the program the container runs heads the roots (attribution names its chain first)
        const at = roots.indexOf(f.path);
        if (at >= 0) roots.splice(at, 1);
        roots.unshift(f.path);
        break;
      }
    }
  }

  const chains: Record<string, string[]> = {};
  const missing = new Map<string, MissingLibrary>();
  const needs = new Map<string, Evidence>();
  const elsewhereOf = (name: string) =>
    all
      .filter((e) => baseOf(e.path) === name && e.type !== 'dir')
      .map((e) => abs(e.path))
      .slice(0, 3);

  const otherMajorsOf = (name: string) => {
    const prefix = /^(.+?\.so\.)/.exec(name)?.[1];
    const major = sonameMajorOf(name);
    if (!prefix) return [];
    return all
      .filter((e) => e.type !== 'dir' && baseOf(e.path).startsWith(prefix) && sonameMajorOf(baseOf(e.path)) !== major)
      .map((e) => abs(e.path))
      .slice(0, 3);
  };

  const noteNeeds = (obj: DynEntry) => {
    for (const name of obj.dynamic!.needed) {
      const kind = cudaKindOfSoname(name);
      const major = sonameMajorOf(name);
      if (!kind || major === undefined) continue;
      const key = `${obj.path} ${name}`;
      if (needs.has(key)) continue;
      needs.set(key, {
        kind: 'dt-needed',
        component: kind,
        sonameMajor: major,
        from: 'file',
        path: abs(obj.path),
        ...(obj.layerIndex !== undefined && { layerIndex: obj.layerIndex }),
        confidence: 'inferred',
        value: name,
        detail: `DT_NEEDED ${name}`,
      });
    }
  };

  /** Load `start` as the process's first object and walk its dependencies breadth-first, as ld.so maps them. */
  const walk = (start: DynEntry, exe: DynEntry | undefined, rootChain: string[] | undefined) => {
    const loaded = new Map<string, string>();
    const startLoad = start === exe ? realOf(start.path) : start.path;
    if (start.dynamic!.soname) loaded.set(start.dynamic!.soname, start.path);
    const queue: { obj: DynEntry; loadPath: string; chain: string[] }[] = [{ obj: start, loadPath: startLoad, chain: [abs(start.path)] }];
    const seen = new Set<string>([start.path]);
    while (queue.length) {
      const { obj, loadPath, chain } = queue.shift()!;
      noteNeeds(obj);
      for (const name of obj.dynamic!.needed) {
        const found = resolve(name, obj, loadPath, exe, loaded);
        const kind = cudaKindOfSoname(name);
        if (!found) {
          if (kind) {
            const key = `${obj.path} ${name}`;
            const prev = missing.get(key);
            if (!prev || (!prev.chain && rootChain)) {
              missing.set(key, {
                binary: abs(obj.path),
                ...(obj.layerIndex !== undefined && { layerIndex: obj.layerIndex }),
                soname: name,
                kind,
                ...(rootChain && { chain: [...chain, name] }),
                elsewhere: elsewhereOf(name),
                otherMajors: otherMajorsOf(name),
              });
            }
          }
          continue;
        }
        if (found.via !== 'loaded') loaded.set(name, found.path);
        const file = found.file;
        if (!file || !isObject(file) || seen.has(file.path)) continue;
        seen.add(file.path);
        if (file.dynamic!.soname) loaded.set(file.dynamic!.soname, found.path);
        const next = [...chain, abs(found.path)];
        if (rootChain && !chains[abs(file.path)]) chains[abs(file.path)] = next;
        queue.push({ obj: file, loadPath: found.path, chain: next });
      }
    }
  };

  for (const r of roots) {
    const obj = byPath.get(r)!;
    const isExe = !/\.so(\.|$)/.test(baseOf(r)) && !/\.node$/.test(r);
    if (!chains[abs(r)]) chains[abs(r)] = [abs(r)];
    walk(obj, isExe ? obj : undefined, [abs(r)]);
  }
  const unlinked = objects.filter((o) => !chains[abs(o.path)]).map((o) => abs(o.path));
  // a binary no root reaches is still judged, as if dlopen'ed on its own
  for (const path of unlinked) walk(byPath.get(norm(path))!, undefined, undefined);

  return {
    objects: objects.length,
    roots: roots.map(abs),
    chains,
    unlinked,
    missing: [...missing.values()].sort((a, b) => (a.binary < b.binary ? -1 : a.binary > b.binary ? 1 : a.soname < b.soname ? -1 : 1)),
    driverShadows: driverShadows(),
    hostDir: abs(hostDir),
    needs: [...needs.values()],
    confFiles: conf.files.map(abs),
  };

  /** Image copies of libcuda.so.1 the loader picks before the host's: as libcudart's dlopen, and per RPATH/RUNPATH. */
  function driverShadows(): DriverShadow[] {
    const out: DriverShadow[] = [];
    const name = 'libcuda.so.1';
    const add = (path: string, via: string) => {
      const file = fileAt(path);
      if (!file || out.some((s) => s.path === abs(path))) return;
      const real = realOf(path);
      const version = /libcuda\.so\.(\d+\.\d+(?:\.\d+)?)$/.exec(baseOf(real))?.[1];
      out.push({
        path: abs(path),
        file: abs(real),
        ...(file.layerIndex !== undefined && { layerIndex: file.layerIndex }),
        via,
        compat: /(^|\/)compat\//.test(real) || /(^|\/)compat\//.test(path),
        ...(version && { version }),
      });
    };
    // libcudart dlopens libcuda.so.1: LD_LIBRARY_PATH, then the cache (ld.so.conf order), the host's dir winning its place
    for (const d of ldLibraryPath) if (fileAt(`${d.dir}/${name}`)) return (add(`${d.dir}/${name}`, 'LD_LIBRARY_PATH'), out);
    for (const d of cacheOrder) {
      if (d.dir === hostDir) break;
      if (fileAt(`${d.dir}/${name}`)) {
        add(`${d.dir}/${name}`, d.from === 'default' ? `the default directory /${d.dir}` : d.from);
        break;
      }
    }
    // a binary whose RPATH/RUNPATH holds libcuda.so.1 (a copied driver library, a compat dir)
    for (const o of objects) {
      const dyn = o.dynamic!;
      for (const [list, what] of [
        [dyn.runpath.length ? [] : dyn.rpath, 'RPATH'],
        [dyn.runpath, 'RUNPATH'],
      ] as const) {
        for (const r of list) {
          for (const dir of expand(r, dirOf(o.path), arch)) {
            if (fileAt(`${dir}/${name}`)) add(`${dir}/${name}`, `${what} of /${o.path}`);
          }
        }
      }
    }
    return out;
  }
}
