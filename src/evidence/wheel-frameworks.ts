/**
 * Framework wheels whose distribution name or version names the CUDA they are for: jax-cuda12-plugin,
 * cupy-cuda12x, tensorrt-cu12, a `+cu118` local tag (vllm, xformers, …), and those whose CUDA only the matrix
 * knows (onnxruntime-gpu, the untagged vllm PyPI wheel). NVIDIA's own nvidia-* wheels are pip-dist-info.ts's.
 */
import { majorMinor, majorOf } from '../common/dotted-version';
import { frameworkBuild } from '../matrix/framework-queries';
import type { Matrix } from '../matrix/types';
import { cudaFromDigits, cudnnFromLocalTag, flavourFromLocalTag } from './cuda-tags';
import { buildEvidence, CPU_ONLY, type BuildFacts } from './framework-item';
import type { Dist } from './site-packages';
import type { Evidence, EvidenceKind } from './types';

/** Names handled by the dedicated readers (torch.ts, tensorflow.ts, paddle.ts, pip-dist-info.ts). */
function handledElsewhere(name: string): boolean {
  return (
    name === 'torch' ||
    name.startsWith('nvidia-') ||
    name.startsWith('tensorflow') ||
    name.startsWith('tf-nightly') ||
    name === 'intel-tensorflow' ||
    name.startsWith('paddlepaddle')
  );
}

interface NamedFacts extends BuildFacts {
  kind: EvidenceKind;
}

/** What an installed distribution says about CUDA by its name/version; undefined when nothing. */
export function namedWheelFacts(dist: Pick<Dist, 'name' | 'version' | 'requires'>, matrix: Matrix): NamedFacts | undefined {
  const { name, version } = dist;
  if (handledElsewhere(name)) return undefined;
  const base = { package: name, version, kind: 'framework' as EvidenceKind };
  const byMatrix = (): NamedFacts => {
    const row = frameworkBuild(matrix, name, version);
    if (!row) {
      return { ...base, confidence: 'inferred', detail: `the CUDA of ${name} ${version} is not in matrix/frameworks.yaml` };
    }
    return {
      ...base,
      cuda: row.cuda,
      cudnn: row.cudnn,
      confidence: 'inferred',
      detail: `${name} ${version} is built for CUDA ${row.cuda}${row.cudnn ? ` and cuDNN ${row.cudnn}` : ''} (matrix/frameworks.yaml${row.confirmed ? '' : ', unconfirmed'})`,
    };
  };

  let m = /^jax-cuda(\d+)-(?:plugin|pjrt)$/.exec(name);
  if (m) return { ...base, cuda: String(Number(m[1])), confidence: 'exact', value: name };

  if (name === 'jaxlib') {
    const flavour = flavourFromLocalTag(version);
    if (!flavour || !('cuda' in flavour)) return undefined; // plain jaxlib is the CPU part; the plugin brings CUDA
    return { ...base, cuda: flavour.cuda, cudnn: cudnnFromLocalTag(version), confidence: 'exact', value: version };
  }

  m = /^cupy-cuda(\d+)(x?)$/.exec(name);
  if (m) {
    const cuda = m[2] ? String(Number(m[1])) : cudaFromDigits(m[1]);
    return cuda ? { ...base, cuda, confidence: 'exact', value: name } : undefined;
  }

  m = /^tensorrt-cu(\d+)(?:-libs|-bindings)?$/.exec(name);
  if (m) return { ...base, cuda: String(Number(m[1])), confidence: 'exact', value: name };
  if (name === 'tensorrt') {
    const dep = dist.requires.find((r) => /^tensorrt-cu\d+$/.test(r.name));
    return dep ? { ...base, cuda: String(Number(dep.name.slice('tensorrt-cu'.length))), confidence: 'exact', value: `Requires-Dist: ${dep.raw}` } : undefined;
  }

  if (name === 'onnxruntime-gpu') return byMatrix();

  // NVIDIA's CUDA Python meta-wheels: cuda-toolkit pins one toolkit release; cuda-bindings 13.x needs a CUDA 13 driver
  if (name === 'cuda-toolkit') {
    const cuda = majorMinor(version);
    return cuda ? { ...base, kind: 'pip-package', cuda, confidence: 'exact', value: `${name} ${version}` } : undefined;
  }
  if (name === 'cuda-bindings' || name === 'cuda-python') {
    const major = majorOf(version);
    return major !== undefined && major >= 11
      ? { ...base, kind: 'pip-package', cuda: String(major), confidence: 'exact', value: `${name} ${version}` }
      : undefined;
  }

  const flavour = flavourFromLocalTag(version);
  if (name === 'vllm') {
    if (flavour && 'cuda' in flavour) return { ...base, cuda: flavour.cuda, confidence: 'exact', value: version };
    if (flavour) return { ...base, noCuda: 'cpu' in flavour ? CPU_ONLY : `${flavour.other} build (no CUDA)`, confidence: 'exact', value: version };
    return byMatrix();
  }
  // any other wheel with a +cuXYZ tag (xformers, flash-attn builds, torchvision …): the tag is the CUDA
  if (flavour && 'cuda' in flavour) return { ...base, kind: 'pip-package', cuda: flavour.cuda, confidence: 'exact', value: version };
  return undefined;
}

export function namedWheelEvidence(dists: Iterable<Dist>, matrix: Matrix): Evidence[] {
  const out: Evidence[] = [];
  for (const dist of dists) {
    const facts = namedWheelFacts(dist, matrix);
    if (!facts) continue;
    const { kind, ...rest } = facts;
    out.push(buildEvidence(rest, dist.entry, { kind, path: dist.path }));
  }
  return out;
}
