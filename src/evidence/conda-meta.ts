/**
 * conda, mamba, micromamba and pixi environments: every `<prefix>/conda-meta/<name>-<version>-<build>.json` record
 * (/opt/conda, /opt/conda/envs/*, /app/.pixi/envs/*, /usr/local, …). The file name alone gives name, version and
 * build string (conda forbids "-" in the last two), which is where conda spells the CUDA of a build
 * (`pytorch-2.7.1-cuda129_mkl_py313_…`); the JSON, read when small, adds `depends` / `constrains`: the
 * `cuda-version` pin of CUDA libraries and the `__cuda` virtual-package requirement (the driver's CUDA).
 */
import { majorMinor, majorOf } from '../common/dotted-version';
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import { isToolkitVersioned, KIND_BY_CONDA } from '../model/cuda-components';
import { cudnnFromCondaBuild, flavourFromCondaBuild } from './cuda-tags';
import { buildEvidence, CPU_ONLY, type BuildFacts } from './framework-item';
import type { Detector } from './detector';
import { lowerBound, parseMatchSpec } from './match-spec';
import { basename, contentEntry, dirname, type DetectorOutput } from './origin';
import type { Evidence, EvidenceKind } from './types';

export const CONDA_META_DIR = 'conda-meta';
/**
 * Records are read only up to this size, and only when they fit (the interest checks the size): a large package's
 * record lists thousands of files, and a truncated read would be reported for every one of them. Small records
 * (cuda-version, cuda-cudart, cudnn …) always fit; the build string in the file name covers the big ones.
 */
export const CONDA_META_MAX_BYTES = 64 * 1024;
/** Bound on the match specs looked at per record. */
const MAX_SPECS = 400;

export function isCondaMetaRecordPath(path: string): boolean {
  return path.endsWith('.json') && basename(dirname(path)) === CONDA_META_DIR;
}

export const condaMetaDetector: Detector = {
  id: 'conda-meta',
  version: 1,
  interests: [
    {
      what: '<prefix>/conda-meta/<name>-<version>-<build>.json: the name always counts, the JSON only when small enough to read whole',
      select: { nameSuffix: '.json', dir: [CONDA_META_DIR] },
      keep: { content: CONDA_META_MAX_BYTES, whole: true },
    },
  ],
  detect: ({ view }) => condaMetaEvidence(view),
};

export interface CondaRecord {
  name: string;
  version: string;
  build: string;
  depends?: string[];
  constrains?: string[];
}

/** "pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304.json" -> pytorch, 2.7.1, cuda129_mkl_py313_h1e53aa0_304 */
export function parseRecordFileName(file: string): CondaRecord | undefined {
  const base = file.endsWith('.json') ? file.slice(0, -5) : file;
  const b = base.lastIndexOf('-');
  const v = b > 0 ? base.lastIndexOf('-', b - 1) : -1;
  if (v <= 0 || b === base.length - 1 || b - v < 2) return undefined;
  return { name: base.slice(0, v).toLowerCase(), version: base.slice(v + 1, b), build: base.slice(b + 1) };
}

/** The JSON record (complete, or a head cut short), or undefined when nothing usable is in it. */
export function parseRecordJson(text: string): Partial<CondaRecord> | undefined {
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX_SPECS) : undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    const out: Partial<CondaRecord> = {};
    if (typeof o.name === 'string') out.name = o.name.toLowerCase();
    if (typeof o.version === 'string') out.version = o.version;
    if (typeof o.build === 'string') out.build = o.build;
    const depends = strings(o.depends);
    if (depends) out.depends = depends;
    const constrains = strings(o.constrains);
    if (constrains) out.constrains = constrains;
    return out;
  } catch {
    // a head cut short: the lists conda and rattler write before `files` are still complete
    const list = (key: string) => {
      const m = new RegExp(`"${key}"\\s*:\\s*\\[([^\\]]*)\\]`).exec(text);
      return m ? [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]).slice(0, MAX_SPECS) : undefined;
    };
    const depends = list('depends');
    const constrains = list('constrains');
    if (!depends && !constrains) return undefined;
    return { ...(depends && { depends }), ...(constrains && { constrains }) };
  }
}

/** Frameworks conda-forge, anaconda and the pytorch channel build per CUDA version. */
const FRAMEWORKS = new Set([
  'pytorch',
  'pytorch-gpu',
  'libtorch',
  'jaxlib',
  'tensorflow',
  'tensorflow-base',
  'tensorflow-gpu',
  'libtensorflow',
  'libtensorflow_cc',
  'onnxruntime',
  'onnxruntime-cpp',
  'cupy',
  'cupy-core',
  'paddlepaddle-gpu',
  'tensorrt',
  'libnvinfer',
  'vllm',
]);

/** cuda-* packages that are not toolkit components (their versions are not CUDA versions, or mean a driver). */
const NOT_TOOLKIT = new Set(['cuda-version', 'cuda-compat', 'cuda-compat-impl', 'cuda-python', 'cuda-bindings', 'cuda-core', 'cuda-pathfinder']);

/** The lowest `cuda-version` a record's depends admit: the CUDA minor the package was built for. */
function cudaVersionPin(depends: string[] | undefined): string | undefined {
  for (const d of depends ?? []) {
    const spec = parseMatchSpec(d);
    if (spec?.name === 'cuda-version') {
      const low = lowerBound(spec.version);
      if (low) return low;
    }
  }
  return undefined;
}

interface RecordFacts {
  kind: EvidenceKind;
  cuda?: string;
  cudnn?: string;
  noCuda?: string;
  confidence: Evidence['confidence'];
  detail?: string;
}

/** What one installed conda package says about CUDA; undefined when nothing. */
export function classifyCondaRecord(r: CondaRecord): RecordFacts | undefined {
  const flavour = flavourFromCondaBuild(r.build);
  const buildCuda = flavour && 'cuda' in flavour ? flavour.cuda : undefined;
  const pinned = cudaVersionPin(r.depends);

  if (r.name === 'cuda-version') {
    const cuda = majorMinor(r.version) ?? r.version;
    return {
      kind: 'cuda-version',
      cuda,
      confidence: 'exact',
      detail: `cuda-version metapackage: the CUDA packages of the env are built for CUDA ${cuda}`,
    };
  }
  // CUDA component packages (model/cuda-components.ts): cuda-cudart 12.9.79's version starts with the CUDA
  // major.minor; libcublas, cudnn, nccl … have versions of their own, their CUDA comes from the build string or pin
  const component = KIND_BY_CONDA[r.name];
  const tk = component && isToolkitVersioned(component) ? component : undefined;
  if (tk) {
    const cuda = majorMinor(r.version);
    return cuda ? { kind: tk, cuda, confidence: 'exact' } : { kind: tk, confidence: 'inferred' };
  }
  const own = component;
  if (own) {
    const cuda = buildCuda ?? pinned;
    return cuda ? { kind: own, cuda, confidence: 'exact' } : { kind: own, confidence: 'inferred' };
  }
  if (FRAMEWORKS.has(r.name)) {
    if (flavour && 'cpu' in flavour) return { kind: 'framework', noCuda: CPU_ONLY, confidence: 'exact' };
    const cuda = buildCuda ?? pinned;
    if (!cuda) return undefined; // no CUDA in the build string or depends: a CPU build of a package with no cpu_ tag
    return { kind: 'framework', cuda, cudnn: cudnnFromCondaBuild(r.build), confidence: buildCuda ? 'exact' : 'inferred' };
  }
  if (r.name === 'cuda-python' || r.name === 'cuda-bindings') {
    const major = majorOf(r.version);
    return major !== undefined && major >= 11 ? { kind: 'cuda-package', cuda: String(major), confidence: 'exact' } : undefined;
  }
  if (r.name.startsWith('cuda-') && !NOT_TOOLKIT.has(r.name)) {
    // cuda-nvcc 12.9.86, cuda-cupti, cuda-runtime 12.9.1 …: toolkit components versioned like the toolkit
    const cuda = majorMinor(r.version);
    const major = majorOf(r.version);
    if (cuda && major !== undefined && major >= 9 && major <= 30) return { kind: 'cuda-package', cuda, confidence: 'exact' };
    return undefined;
  }
  if (buildCuda) return { kind: 'cuda-package', cuda: buildCuda, confidence: 'exact' };
  return undefined;
}

/** `__cuda` specs of a record: the driver CUDA it requires (depends) or accepts (constrains). */
function cudaSystemRequirements(r: CondaRecord): { spec: string; where: 'depends on' | 'constrains'; cuda?: string }[] {
  const out: { spec: string; where: 'depends on' | 'constrains'; cuda?: string }[] = [];
  for (const [list, where] of [
    [r.depends, 'depends on'],
    [r.constrains, 'constrains'],
  ] as const) {
    for (const s of list ?? []) {
      const spec = parseMatchSpec(s);
      if (spec?.name !== '__cuda') continue;
      const low = lowerBound(spec.version);
      out.push({ spec: s.trim(), where, ...(low && { cuda: low }) });
    }
  }
  return out;
}

export function condaMetaEvidence(view: FileSystemView): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  for (const e of view.entries()) {
    if (!isCondaMetaRecordPath(e.path)) continue;
    const fromName = parseRecordFileName(basename(e.path));
    if (!fromName) continue;
    const real = contentEntry(view, e);
    let record: CondaRecord = fromName;
    let origin: FileEntry = real ?? e;
    if (real?.content !== undefined) {
      const json = parseRecordJson(real.content);
      if (!json) {
        findings.push({
          code: 'EVIDENCE_CONDA_META_UNREADABLE',
          severity: 'info',
          message: `/${e.path} is not a readable conda package record; only its file name was used`,
          layer: real.layerDigest,
          path: `/${e.path}`,
        });
      } else {
        record = { ...fromName, ...json };
      }
      origin = real;
    }
    evidence.push(...recordEvidence(record, origin, `/${e.path}`));
  }
  return { evidence, findings };
}

function prefixOf(path: string): string {
  return dirname(dirname(path)) || '/';
}

function recordEvidence(r: CondaRecord, entry: FileEntry, path: string): Evidence[] {
  const out: Evidence[] = [];
  const where = `conda env ${prefixOf(path)}`;
  const value = `${r.name}-${r.version}-${r.build}`;
  const facts = classifyCondaRecord(r);
  if (facts) {
    const { kind, detail, ...rest } = facts;
    const build: BuildFacts = { package: r.name, version: r.version, ...rest, value, detail: detail ? `${detail} (${where})` : where };
    out.push(buildEvidence(build, entry, { kind, path, component: r.name }));
  }
  for (const req of cudaSystemRequirements(r)) {
    const ev = buildEvidence(
      {
        // no version: the item is the requirement, not the package (whose own item carries its version)
        package: r.name,
        cuda: req.cuda,
        confidence: 'declared',
        value: req.spec,
        detail: req.cuda
          ? `conda package ${r.name} ${req.where} ${req.spec} (${where}): the host driver must report CUDA >= ${req.cuda}`
          : `conda package ${r.name} ${req.where} ${req.spec} (${where}): it needs an NVIDIA driver, no minimum given`,
      },
      entry,
      { kind: 'cuda-system-requirement', path, component: '__cuda' },
    );
    out.push(ev);
  }
  return out;
}
