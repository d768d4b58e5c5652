/**
 * TensorFlow: `tensorflow/python/platform/build_info.py`, generated at build time (gen_build_info.py) as one
 * `build_info = collections.OrderedDict([('cuda_version', '12.3'), …])` (or a dict / module constants in older
 * releases). It names the CUDA and cuDNN the build used and the GPU code it carries (`cuda_compute_capabilities`:
 * sm_XY = SASS, compute_XY = PTX). Without the file, matrix/frameworks.yaml gives the tested configuration.
 */
import { majorMinor } from '../common/dotted-version';
import { frameworkBuild } from '../matrix/framework-queries';
import type { Matrix } from '../matrix/types';
import { buildEvidence, CPU_ONLY, type BuildFacts } from './framework-item';
import type { DetectorOutput } from './origin';
import { distsNamed, type SitePackages } from './site-packages';
import type { Evidence } from './types';

/** Distributions that install the `tensorflow` package. */
export const TENSORFLOW_DISTS = [
  'tensorflow',
  'tensorflow-gpu',
  'tensorflow-cpu',
  'tf-nightly',
  'tf-nightly-gpu',
  'tf-nightly-cpu',
  'intel-tensorflow',
] as const;

export interface TfBuildInfo {
  isCudaBuild?: boolean;
  isRocmBuild?: boolean;
  cudaVersion?: string;
  cudnnVersion?: string;
  computeCapabilities?: string[];
}

/** `('key', value)`, `'key': value` and `key = value` spellings alike. */
function valueOf(text: string, key: string, value: string): RegExpExecArray | null {
  return new RegExp(`['"]?\\b${key}['"]?\\s*[,:=]\\s*${value}`).exec(text);
}

export function parseTfBuildInfo(text: string): TfBuildInfo {
  const out: TfBuildInfo = {};
  const bool = (key: string) => {
    const m = valueOf(text, key, '(True|False)');
    return m ? m[1] === 'True' : undefined;
  };
  const str = (key: string) => valueOf(text, key, `['"]([^'"\\n]*)['"]`)?.[1];
  out.isCudaBuild = bool('is_cuda_build');
  out.isRocmBuild = bool('is_rocm_build');
  out.cudaVersion = str('cuda_version') ?? str('cuda_version_number');
  out.cudnnVersion = str('cudnn_version') ?? str('cudnn_version_number');
  const caps = valueOf(text, 'cuda_compute_capabilities', '\\[([^\\]]{0,2000})\\]');
  if (caps) out.computeCapabilities = [...caps[1].matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1].trim());
  for (const k of Object.keys(out) as (keyof TfBuildInfo)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * "sm_80" -> SASS, "compute_90" -> PTX; a bare "7.0" (older build settings) is read as SASS only, which is the
 * cautious reading (no PTX claimed that might not be there).
 */
export function archsFromCapabilities(caps: string[], source: string): NonNullable<Evidence['gpuArchs']> {
  const sass = new Set<string>();
  const ptx = new Set<string>();
  for (const c of caps) {
    let m = /^sm_(\d{2,3}[af]?)$/.exec(c);
    if (m) sass.add(`sm_${m[1]}`);
    else if ((m = /^compute_(\d{2,3}[af]?)$/.exec(c))) ptx.add(`compute_${m[1]}`);
    else if ((m = /^(\d{1,2})\.(\d)$/.exec(c))) sass.add(`sm_${m[1]}${m[2]}`);
  }
  return { sass: [...sass], ptx: [...ptx], source };
}

const CPU_DISTS = new Set(['tensorflow-cpu', 'tf-nightly-cpu']);

export function tensorflowEvidence(sp: SitePackages, matrix: Matrix): DetectorOutput {
  const evidence: Evidence[] = [];
  const buildInfo = sp.modules.tensorflowBuildInfo;
  const dists = distsNamed(sp, TENSORFLOW_DISTS);
  const version = dists[0]?.version;
  const pkg = dists[0]?.name ?? 'tensorflow';

  if (buildInfo) {
    const info = parseTfBuildInfo(buildInfo.text);
    const base = { package: pkg, version, confidence: 'exact' as const };
    let facts: BuildFacts;
    if (info.isCudaBuild === false) {
      facts = { ...base, noCuda: info.isRocmBuild ? 'ROCm build (no CUDA)' : CPU_ONLY, value: 'is_cuda_build: False' };
    } else if (info.isCudaBuild === undefined && !info.cudaVersion) {
      facts = { ...base, noCuda: CPU_ONLY, value: 'build_info.py names no CUDA' };
    } else {
      facts = { ...base, value: `cuda_version: '${info.cudaVersion ?? '?'}'` };
      if (info.cudaVersion && /^\d+(\.\d+)*$/.test(info.cudaVersion)) facts.cuda = majorMinor(info.cudaVersion) ?? info.cudaVersion;
      else facts.detail = 'a CUDA build whose build_info.py names no readable cuda_version';
      if (info.cudnnVersion) facts.cudnn = info.cudnnVersion;
      if (info.computeCapabilities?.length) {
        facts.gpuArchs = archsFromCapabilities(info.computeCapabilities, 'tensorflow build_info.py cuda_compute_capabilities');
      }
    }
    evidence.push(buildEvidence(facts, buildInfo.entry));
    return { evidence, findings: [] };
  }

  for (const dist of dists) {
    const base = { package: dist.name, version: dist.version };
    if (CPU_DISTS.has(dist.name)) {
      evidence.push(buildEvidence({ ...base, noCuda: CPU_ONLY, confidence: 'exact', value: dist.name }, dist.entry, { path: dist.path }));
      continue;
    }
    const row = !dist.name.startsWith('tf-nightly') ? frameworkBuild(matrix, 'tensorflow', dist.version) : undefined;
    const facts: BuildFacts = row
      ? {
          ...base,
          cuda: row.cuda,
          cudnn: row.cudnn,
          confidence: 'inferred',
          detail: `tensorflow/python/platform/build_info.py was not read; TensorFlow ${dist.version} was tested with CUDA ${row.cuda}${row.cudnn ? `, cuDNN ${row.cudnn}` : ''} (matrix/frameworks.yaml${row.confirmed ? '' : ', unconfirmed'})`,
        }
      : {
          ...base,
          confidence: 'inferred',
          detail: 'which CUDA this TensorFlow was built for is not known: build_info.py was not read and the matrix has no row for this release',
        };
    evidence.push(buildEvidence(facts, dist.entry, { path: dist.path }));
  }
  return { evidence, findings: [] };
}
