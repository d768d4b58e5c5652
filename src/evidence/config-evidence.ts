/**
 * Evidence from the image config: the env vars and labels NVIDIA's CUDA images (and images built FROM them) carry.
 * What they state is what the Dockerfile declared (confidence 'declared'); the files may disagree, which the
 * requirement stage reports. Values are normally already expanded (Docker expands ENV at build time), but a config
 * written by other tools may hold `${NAME}` references: they are expanded from the same env before parsing.
 */
import { majorMinor, numericPrefix } from '../common/dotted-version';
import type { ImageConfig } from '../sources/types';
import { parseGoBool } from './nvidia-require';
import { classifyPackage, componentVersion, cudaFromVersionSuffix, parsePackageSpec, type PackageFacts } from './package-names';
import type { Evidence, EvidenceKind } from './types';

/** `$NAME` and `${NAME}` from env; unknown names are left as written so they cannot fake a version. */
export function expandEnv(value: string, env: Record<string, string>): string {
  return value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    return Object.prototype.hasOwnProperty.call(env, name) ? env[name] : whole;
  });
}

/** How the CUDA version of a *_VERSION var is found. */
type CudaFrom =
  /** the component's own version starts with the CUDA major.minor (cudart, nvtx, nvml: 12.4.127 -> 12.4) */
  | 'own-major-minor'
  /** the version is the toolkit release itself (NV_CUDA_LIB_VERSION 12.4.1-1) */
  | 'own'
  /** from the package names in these sibling vars (NV_LIBCUBLAS_PACKAGE_NAME libcublas-12-4 -> 12.4) */
  | string[];

interface VersionVar {
  kind: EvidenceKind;
  component: string;
  cuda: CudaFrom;
}

/** NVIDIA image env vars whose value is a component version. */
const VERSION_VARS: Record<string, VersionVar> = {
  NV_CUDA_CUDART_VERSION: { kind: 'cudart', component: 'cudart', cuda: 'own-major-minor' },
  NV_CUDA_CUDART_DEV_VERSION: { kind: 'cuda-package', component: 'cudart-dev', cuda: 'own-major-minor' },
  NV_CUDA_LIB_VERSION: { kind: 'cuda-package', component: 'cuda-libraries', cuda: 'own' },
  NV_NVTX_VERSION: { kind: 'cuda-package', component: 'nvtx', cuda: 'own-major-minor' },
  NV_NVML_DEV_VERSION: { kind: 'cuda-package', component: 'nvml-dev', cuda: 'own-major-minor' },
  NV_NVPROF_VERSION: { kind: 'cuda-package', component: 'nvprof', cuda: 'own-major-minor' },
  NV_LIBNPP_VERSION: { kind: 'cuda-package', component: 'npp', cuda: ['NV_LIBNPP_PACKAGE_NAME', 'NV_LIBNPP_PACKAGE'] },
  NV_LIBNPP_DEV_VERSION: { kind: 'cuda-package', component: 'npp-dev', cuda: ['NV_LIBNPP_DEV_PACKAGE'] },
  NV_LIBCUSPARSE_VERSION: { kind: 'cusparse', component: 'cusparse', cuda: ['NV_LIBCUSPARSE_PACKAGE_NAME', 'NV_LIBCUSPARSE_PACKAGE'] },
  NV_LIBCUSPARSE_DEV_VERSION: { kind: 'cuda-package', component: 'cusparse-dev', cuda: ['NV_LIBCUSPARSE_DEV_PACKAGE'] },
  NV_LIBCUBLAS_VERSION: { kind: 'cublas', component: 'cublas', cuda: ['NV_LIBCUBLAS_PACKAGE_NAME', 'NV_LIBCUBLAS_PACKAGE'] },
  NV_LIBCUBLAS_DEV_VERSION: {
    kind: 'cuda-package',
    component: 'cublas-dev',
    cuda: ['NV_LIBCUBLAS_DEV_PACKAGE_NAME', 'NV_LIBCUBLAS_DEV_PACKAGE'],
  },
  NV_CUDNN_VERSION: { kind: 'cudnn', component: 'cudnn', cuda: ['NV_CUDNN_PACKAGE', 'NV_CUDNN_PACKAGE_NAME'] },
  NV_LIBNCCL_PACKAGE_VERSION: { kind: 'nccl', component: 'nccl', cuda: ['NV_LIBNCCL_PACKAGE'] },
  NV_LIBNCCL_VERSION: { kind: 'nccl', component: 'nccl', cuda: ['NV_LIBNCCL_PACKAGE'] },
  NCCL_VERSION: { kind: 'nccl', component: 'nccl', cuda: ['NV_LIBNCCL_PACKAGE'] },
  NV_LIBNCCL_DEV_PACKAGE_VERSION: { kind: 'cuda-package', component: 'nccl-dev', cuda: ['NV_LIBNCCL_DEV_PACKAGE'] },
};

/** Labels worth reading; the rest (com.nvidia.volumes.needed, maintainer, …) say nothing about versions. */
const LABELS: Record<string, { kind: EvidenceKind; component: string }> = {
  'com.nvidia.cudnn.version': { kind: 'cudnn', component: 'cudnn' },
  'com.nvidia.cuda.version': { kind: 'cuda-version', component: 'cuda' },
};

function isPackageVar(name: string): boolean {
  return name.startsWith('NV_') && name.includes('PACKAGE') && !name.endsWith('_NAME') && !name.endsWith('_VERSION');
}

function packageFactsOf(raw: string | undefined, env: Record<string, string>): PackageFacts | undefined {
  if (raw === undefined) return undefined;
  const spec = parsePackageSpec(expandEnv(raw, env));
  return spec ? classifyPackage(spec.name, spec.version) : undefined;
}

function versionEvidence(name: string, raw: string, spec: VersionVar, env: Record<string, string>): Evidence | undefined {
  const expanded = expandEnv(raw, env);
  const version = componentVersion(expanded);
  if (!version) return undefined;
  let cuda: string | undefined;
  if (spec.cuda === 'own-major-minor') cuda = majorMinor(version);
  else if (spec.cuda === 'own') cuda = version;
  else {
    cuda = cudaFromVersionSuffix(expanded);
    for (const sibling of spec.cuda) {
      if (cuda) break;
      cuda = packageFactsOf(env[sibling], env)?.cuda;
    }
  }
  const ev: Evidence = { kind: spec.kind, version, from: 'config', key: `env:${name}`, confidence: 'declared', value: raw, component: spec.component };
  if (cuda) ev.cuda = cuda;
  return ev;
}

export function configEvidence(config: ImageConfig): Evidence[] {
  const env = config.env;
  const out: Evidence[] = [];
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (name === 'CUDA_VERSION') {
      const version = numericPrefix(expandEnv(raw, env));
      const ev: Evidence = { kind: 'cuda-version', from: 'config', key: `env:${name}`, confidence: 'declared', value: raw };
      if (version) {
        ev.version = version;
        ev.cuda = version;
      } else ev.detail = 'not a version number';
      out.push(ev);
    } else if (name.startsWith('NVIDIA_REQUIRE_')) {
      const ev: Evidence = { kind: 'nvidia-require', from: 'config', key: `env:${name}`, confidence: 'declared', value: raw };
      if (name.startsWith('NVIDIA_REQUIRE_JETPACK')) ev.detail = 'NVIDIA_REQUIRE_JETPACK* is not checked by the NVIDIA container toolkit';
      out.push(ev);
    } else if (name === 'NVIDIA_DISABLE_REQUIRE') {
      const b = parseGoBool(raw);
      out.push({
        kind: 'nvidia-disable-require',
        from: 'config',
        key: `env:${name}`,
        confidence: 'declared',
        value: raw,
        detail:
          b === true
            ? 'the NVIDIA container toolkit skips every NVIDIA_REQUIRE_* check'
            : b === false
              ? 'false: NVIDIA_REQUIRE_* checks stay on'
              : 'not a boolean Go accepts (1/t/T/TRUE/true/True, 0/f/F/FALSE/false/False): treated as false, checks stay on',
      });
    } else if (VERSION_VARS[name]) {
      const ev = versionEvidence(name, raw, VERSION_VARS[name], env);
      if (ev) out.push(ev);
    } else if (isPackageVar(name)) {
      const facts = packageFactsOf(raw, env);
      if (!facts) continue;
      const ev: Evidence = { kind: facts.kind, from: 'config', key: `env:${name}`, confidence: 'declared', value: raw, component: facts.component };
      if (facts.version) ev.version = facts.version;
      if (facts.cuda) ev.cuda = facts.cuda;
      out.push(ev);
    }
  }
  for (const label of Object.keys(config.labels).sort()) {
    const spec = LABELS[label];
    if (!spec) continue;
    const raw = config.labels[label];
    const version = componentVersion(raw);
    if (!version) continue;
    const ev: Evidence = { kind: spec.kind, version, from: 'config', key: `label:${label}`, confidence: 'declared', value: raw, component: spec.component };
    if (spec.kind === 'cuda-version') ev.cuda = version;
    out.push(ev);
  }
  return out;
}
