/**
 * NVIDIA's CUDA wheels, from the `<name>-<version>.dist-info` directories pip leaves wherever it installs
 * (site-packages, a venv, even /usr/local/cuda-13.0/dist-info). The directory name gives name and version; METADATA's
 * Name:/Version: confirm them when it was read. CUDA 12 wheels carry the major in a suffix
 * (nvidia-cuda-runtime-cu12 12.1.105); CUDA 13 toolkit wheels dropped it (nvidia-cuda-runtime 13.0.96).
 */
import { majorMinor, majorOf } from '../common/dotted-version';
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import { isToolkitVersioned, KIND_BY_PIP } from '../model/cuda-components';
import type { Detector, PathInterest } from './detector';
import { basename, contentEntry, dirname, originOf, type DetectorOutput } from './origin';
import type { Evidence, EvidenceKind } from './types';

export const DIST_INFO_SUFFIX = '.dist-info';
export const METADATA_MAX_BYTES = 64 * 1024;
/** RECORD of a toolkit wheel: one line per file, a few dozen files */
export const RECORD_MAX_BYTES = 16 * 1024;

/**
 * RECORD of an nvidia-* wheel without a -cuNN suffix (CUDA 13 style: nvidia-cublas 13.1.0.3, nvidia-cufft 12.0.0.61):
 * its version need not be the CUDA version, but its files live in `nvidia/cu13/lib`, which is.
 */
export const TOOLKIT_WHEEL_RECORD_RE = /(?:^|\/)(?![^/]*_cu\d+-)nvidia_[^/]*\.dist-info\/RECORD$/;

export function isToolkitWheelRecordPath(path: string): boolean {
  return TOOLKIT_WHEEL_RECORD_RE.test(path);
}

/** `<name>-<version>.dist-info` itself (its name carries name and version), when the walker keeps directories. */
export const DIST_INFO_DIR: PathInterest = Object.freeze({
  what: 'dist-info directories (name and version)',
  select: { nameSuffix: DIST_INFO_SUFFIX },
  keep: {},
});
/** Name:, Version:, Requires-Dist: of any installed distribution */
export const DIST_INFO_METADATA: PathInterest = Object.freeze({
  what: 'dist-info METADATA',
  select: { name: ['METADATA'] },
  claims: true,
  where: { pathRe: /\.dist-info\/METADATA$/ },
  keep: { content: METADATA_MAX_BYTES },
});

export const pipDistInfoDetector: Detector = {
  id: 'pip-dist-info',
  version: 1,
  interests: [
    DIST_INFO_DIR,
    DIST_INFO_METADATA,
    {
      what: 'RECORD of an unsuffixed (CUDA 13 style) nvidia-* wheel: its files name nvidia/cu13/',
      select: { name: ['RECORD'] },
      claims: true,
      where: { pathRe: TOOLKIT_WHEEL_RECORD_RE },
      keep: { content: RECORD_MAX_BYTES },
    },
  ],
  detect: ({ view }) => pipDistInfoEvidence(view),
};

/** "nvidia/cu13/lib/libcublas.so.13,sha256=…" in RECORD -> "13" */
export function cudaFromRecord(text: string): string | undefined {
  const m = /^nvidia\/cu(\d{2})\//m.exec(text);
  return m ? String(Number(m[1])) : undefined;
}

/** PEP 503 normalisation: lower case, runs of -_. become "-". */
export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** "nvidia_cudnn_cu12-9.1.0.70.dist-info" -> { name: "nvidia-cudnn-cu12", version: "9.1.0.70" } */
export function parseDistInfoDirName(dir: string): { name: string; version: string } | undefined {
  if (!dir.endsWith(DIST_INFO_SUFFIX)) return undefined;
  const base = dir.slice(0, -DIST_INFO_SUFFIX.length);
  const dash = base.lastIndexOf('-');
  if (dash <= 0 || dash === base.length - 1) return undefined;
  return { name: normalizeDistName(base.slice(0, dash)), version: base.slice(dash + 1) };
}

/** Name: and Version: from the header block of METADATA (RFC 822 style, ends at the first blank line). */
export function parseMetadata(text: string): { name?: string; version?: string } {
  const out: { name?: string; version?: string } = {};
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.trim() === '') break;
    const m = /^(Name|Version):\s*(.*?)\s*$/i.exec(l);
    if (!m) continue;
    const key = m[1].toLowerCase() as 'name' | 'version';
    if (out[key] === undefined && m[2]) out[key] = m[2];
  }
  return out;
}

/** Unsuffixed (CUDA 13 style) toolkit wheels whose version starts with the CUDA version (nvidia-cuda-* 13.0.96). */
function followsToolkitVersion(stem: string): boolean {
  return stem.startsWith('cuda-') || stem === 'nvjitlink' || stem === 'nvvm' || stem === 'nvtx';
}

/** "12" -> "12"; "117" -> "11.7" (the early nvidia-*-cu117 wheels) */
function cudaFromSuffix(digits: string): string {
  return digits.length >= 3 ? `${digits.slice(0, 2)}.${digits.slice(2)}` : digits;
}

export interface WheelFacts {
  kind: EvidenceKind;
  component: string;
  cuda?: string;
}

/** What an nvidia-* wheel (normalised name, version) says; undefined for wheels that say nothing about CUDA. */
export function classifyWheel(name: string, version: string): WheelFacts | undefined {
  const m = /^nvidia-(.+?)(?:-cu(\d+))?$/.exec(name);
  if (!m) return undefined;
  const stem = m[1];
  const kind = KIND_BY_PIP[stem];
  let cuda: string | undefined;
  if (m[2]) cuda = cudaFromSuffix(m[2]);
  else if (followsToolkitVersion(stem)) {
    const major = majorOf(version);
    if (major !== undefined) cuda = String(major);
  }
  // cudart/nvrtc/nvJitLink versions start with the CUDA major.minor (12.1.105): more precise than the suffix
  if (kind && isToolkitVersioned(kind) && cuda !== undefined && majorOf(version) === majorOf(cuda)) {
    cuda = majorMinor(version) ?? cuda;
  }
  if (kind) return cuda === undefined ? { kind, component: stem } : { kind, component: stem, cuda };
  if (cuda === undefined) return undefined;
  return { kind: 'pip-package', component: stem, cuda };
}

export function pipDistInfoEvidence(view: FileSystemView): DetectorOutput {
  const dirs = new Map<string, { dir?: FileEntry; metadata?: FileEntry; record?: FileEntry }>();
  for (const e of view.entries()) {
    const base = basename(e.path);
    if (base.endsWith(DIST_INFO_SUFFIX)) {
      if (e.type !== 'dir') continue;
      const d = dirs.get(e.path) ?? {};
      d.dir = e;
      dirs.set(e.path, d);
    } else if (base === 'METADATA') {
      const parent = dirname(e.path);
      if (!parent.endsWith(DIST_INFO_SUFFIX)) continue;
      const d = dirs.get(parent) ?? {};
      d.metadata = e;
      dirs.set(parent, d);
    } else if (base === 'RECORD') {
      const parent = dirname(e.path);
      if (!parent.endsWith(DIST_INFO_SUFFIX)) continue;
      const d = dirs.get(parent) ?? {};
      d.record = e;
      dirs.set(parent, d);
    }
  }

  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  for (const [dir, { dir: dirEntry, metadata, record }] of dirs) {
    const parsed = parseDistInfoDirName(basename(dir));
    if (!parsed || !parsed.name.startsWith('nvidia-')) continue;
    let { name, version } = parsed;
    let confirmed = false;
    const meta = metadata ? contentEntry(view, metadata) : undefined;
    if (meta?.content !== undefined) {
      const md = parseMetadata(meta.content);
      const mdName = md.name ? normalizeDistName(md.name) : undefined;
      if ((mdName && mdName !== name) || (md.version && md.version !== version)) {
        findings.push({
          code: 'EVIDENCE_DIST_INFO_MISMATCH',
          severity: 'info',
          message: `/${dir} is named for ${name} ${version} but its METADATA says ${md.name ?? name} ${md.version ?? version}; METADATA is used`,
          layer: meta.layerDigest,
          path: `/${dir}`,
        });
      }
      name = mdName ?? name;
      version = md.version ?? version;
      confirmed = !!(md.name || md.version);
    }
    let facts = classifyWheel(name, version);
    const recordText = record ? contentEntry(view, record)?.content : undefined;
    const recordCuda = recordText !== undefined ? cudaFromRecord(recordText) : undefined;
    if (recordCuda && !facts?.cuda) {
      // CUDA 13 math-library wheels: the nvidia/cu13/ directory their files go to names the CUDA major
      facts = facts ? { ...facts, cuda: recordCuda } : { kind: 'pip-package', component: name.replace(/^nvidia-/, ''), cuda: recordCuda };
    }
    if (!facts) continue;
    const from = meta ?? metadata ?? dirEntry;
    if (!from) continue;
    const ev: Evidence = {
      kind: facts.kind,
      version,
      from: 'package',
      package: name,
      ...originOf(from),
      path: `/${dir}`,
      confidence: 'exact',
      component: facts.component,
      value: basename(dir),
    };
    if (facts.cuda) ev.cuda = facts.cuda;
    if (!confirmed) ev.detail = 'name and version from the dist-info directory name (METADATA not read)';
    evidence.push(ev);
  }
  return { evidence, findings };
}
