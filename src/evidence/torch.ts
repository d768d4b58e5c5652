/**
 * PyTorch: which CUDA a torch install was built for. In order of trust: `torch/version.py` (generated at build time,
 * what `torch.version.cuda` returns), the local version tag (`2.4.0+cu121`, `+cpu`, `+rocm6.2`), then the NVIDIA
 * runtime wheels the METADATA pins (the PyPI default wheel has no tag).
 */
import { majorMinor } from '../common/dotted-version';
import type { Finding } from '../common/findings';
import { flavourFromLocalTag, type BuildFlavour } from './cuda-tags';
import { buildEvidence, CPU_ONLY, type BuildFacts } from './framework-item';
import type { DetectorOutput } from './origin';
import { cudaFromRequirements } from './requires-dist';
import { distsNamed, type SitePackages } from './site-packages';
import type { Evidence } from './types';

export interface TorchVersionPy {
  version?: string;
  /** the `cuda` field: a version, null for `None` (CPU or ROCm builds), undefined when absent */
  cuda?: string | null;
  hip?: string | null;
  /** the `cuda = …` line as written */
  cudaLine?: string;
}

/** Accepts `cuda = '11.3'` (1.x) and `cuda: Optional[str] = '12.8'` (2.x), either quote. */
function field(text: string, name: string): { value: string | null; line: string } | undefined {
  const re = new RegExp(`^${name}(?:\\s*:\\s*[A-Za-z_.\\[\\]]+)?\\s*=\\s*(None|'([^'\\n]*)'|"([^"\\n]*)")[ \\t]*\\r?$`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  return { value: m[1] === 'None' ? null : (m[2] ?? m[3] ?? ''), line: m[0].trim() };
}

export function parseTorchVersionPy(text: string): TorchVersionPy {
  const out: TorchVersionPy = {};
  const v = field(text, '__version__');
  if (v?.value) out.version = v.value;
  const cuda = field(text, 'cuda');
  if (cuda) {
    out.cuda = cuda.value;
    out.cudaLine = cuda.line;
  }
  const hip = field(text, 'hip');
  if (hip) out.hip = hip.value;
  return out;
}

function noCudaLabel(flavour: BuildFlavour | undefined, hip?: string | null): string {
  if (hip) return 'ROCm build (no CUDA)';
  if (flavour && 'other' in flavour) return `${flavour.other} build (no CUDA)`;
  return CPU_ONLY;
}

export function torchEvidence(sp: SitePackages): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  const versionPy = sp.modules.torchVersion;
  const vp = versionPy ? parseTorchVersionPy(versionPy.text) : undefined;
  const dists = distsNamed(sp, ['torch']);

  if (!dists.length && versionPy && vp) {
    // torch without a dist-info (a source build, an egg): version.py alone
    const flavour = vp.version ? flavourFromLocalTag(vp.version) : undefined;
    const facts = fromVersionPy(vp, flavour);
    if (facts) evidence.push(buildEvidence(facts, versionPy.entry));
    return { evidence, findings };
  }

  for (const dist of dists) {
    const flavour = flavourFromLocalTag(dist.version);
    const fromVp = vp ? fromVersionPy(vp, flavour, dist.version) : undefined;
    if (fromVp && versionPy) {
      const tagCuda = flavour && 'cuda' in flavour ? flavour.cuda : undefined;
      if (tagCuda && fromVp.cuda && majorMinor(fromVp.cuda) !== (majorMinor(tagCuda) ?? tagCuda)) {
        findings.push({
          code: 'EVIDENCE_TORCH_CUDA_DISAGREES',
          severity: 'warning',
          message: `torch ${dist.version} (${dist.path}) is tagged for CUDA ${tagCuda} but /${versionPy.entry.path} says cuda = '${fromVp.cuda}'; version.py is used`,
          layer: versionPy.entry.layerDigest,
          path: `/${versionPy.entry.path}`,
        });
      }
      evidence.push(buildEvidence(fromVp, versionPy.entry));
      continue;
    }
    const base = { package: 'torch', version: dist.version };
    let facts: BuildFacts;
    if (flavour && 'cuda' in flavour) {
      facts = { ...base, cuda: flavour.cuda, confidence: 'exact', value: dist.version };
    } else if (flavour) {
      facts = { ...base, noCuda: noCudaLabel(flavour), confidence: 'exact', value: dist.version };
    } else {
      const pinned = cudaFromRequirements(dist.requires);
      facts = pinned
        ? {
            ...base,
            cuda: pinned.cuda,
            confidence: 'inferred',
            value: `Requires-Dist: ${pinned.requirement.raw}`,
            detail: 'no +cuXYZ tag (the PyPI default wheel): the CUDA is that of the NVIDIA runtime wheel its METADATA pins',
          }
        : {
            ...base,
            confidence: 'inferred',
            detail: dist.metadataRead
              ? 'which CUDA this torch was built for is not known: no local version tag, no torch/version.py read, no NVIDIA wheel pinned'
              : 'which CUDA this torch was built for is not known: only the dist-info directory name was read',
          };
    }
    evidence.push(buildEvidence(facts, dist.entry, { path: dist.path }));
  }
  return { evidence, findings };
}

function fromVersionPy(vp: TorchVersionPy, flavour: BuildFlavour | undefined, distVersion?: string): BuildFacts | undefined {
  if (vp.cuda === undefined) return undefined;
  const base = { package: 'torch', version: distVersion ?? vp.version, value: vp.cudaLine };
  if (vp.cuda === null || vp.cuda === '') return { ...base, noCuda: noCudaLabel(flavour, vp.hip), confidence: 'exact' };
  // anything but a dotted number is not a CUDA version: fall back to the tag and the pins
  if (!/^\d+(\.\d+){0,2}$/.test(vp.cuda)) return undefined;
  return { ...base, cuda: vp.cuda, confidence: 'exact' };
}
