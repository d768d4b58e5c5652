/**
 * PaddlePaddle: `paddle/version/__init__.py`, written by Paddle's setup.py (`cuda_version = '12.0'`,
 * `cudnn_version = '8.9.1'`, `'False'` on CPU builds); without it, the `.postNNN` suffix of paddlepaddle-gpu
 * wheels from Paddle's own index (`2.6.1.post120` = CUDA 12.0; a naming convention the research could not confirm).
 */
import { cudaFromDigits } from './cuda-tags';
import { buildEvidence, CPU_ONLY, type BuildFacts } from './framework-item';
import type { DetectorOutput } from './origin';
import { distsNamed, type SitePackages } from './site-packages';
import type { Evidence } from './types';

export interface PaddleVersionPy {
  version?: string;
  cuda?: string;
  cudnn?: string;
  cpu?: boolean;
}

export function parsePaddleVersionPy(text: string): PaddleVersionPy {
  const get = (name: string) => new RegExp(`^${name}\\s*=\\s*['"]([^'"\\n]*)['"]`, 'm').exec(text)?.[1];
  const out: PaddleVersionPy = {};
  const full = get('full_version');
  if (full) out.version = full;
  const cuda = get('cuda_version');
  if (cuda && /^\d+(\.\d+)*$/.test(cuda)) out.cuda = cuda;
  else if (cuda !== undefined && /^(false|off|)$/i.test(cuda)) out.cpu = true;
  const cudnn = get('cudnn_version');
  if (cudnn && /^\d+(\.\d+)*$/.test(cudnn)) out.cudnn = cudnn;
  return out;
}

export function paddleEvidence(sp: SitePackages): DetectorOutput {
  const evidence: Evidence[] = [];
  const init = sp.modules.paddleVersion;
  const dists = distsNamed(sp, ['paddlepaddle-gpu', 'paddlepaddle']);
  const pkg = dists[0]?.name ?? 'paddlepaddle';
  if (init) {
    const v = parsePaddleVersionPy(init.text);
    const base = { package: pkg, version: dists[0]?.version ?? v.version, confidence: 'exact' as const };
    if (v.cuda) evidence.push(buildEvidence({ ...base, cuda: v.cuda, cudnn: v.cudnn, value: `cuda_version = '${v.cuda}'` }, init.entry));
    else if (v.cpu) evidence.push(buildEvidence({ ...base, noCuda: CPU_ONLY, value: "cuda_version = 'False'" }, init.entry));
    if (v.cuda || v.cpu) return { evidence, findings: [] };
  }
  for (const dist of dists) {
    const base = { package: dist.name, version: dist.version };
    const post = /\.post(\d{2,3})$/.exec(dist.version);
    const cuda = post ? cudaFromDigits(post[1]) : undefined;
    let facts: BuildFacts;
    if (dist.name === 'paddlepaddle') facts = { ...base, noCuda: CPU_ONLY, confidence: 'inferred', value: dist.name };
    else if (cuda) {
      facts = {
        ...base,
        cuda,
        confidence: 'inferred',
        value: dist.version,
        detail: `the .post${post![1]} suffix of Paddle's CUDA wheels names the CUDA version`,
      };
    } else {
      facts = {
        ...base,
        confidence: 'inferred',
        detail: 'which CUDA this paddlepaddle-gpu was built for is not known: no paddle/version/__init__.py read, no .postNNN suffix',
      };
    }
    evidence.push(buildEvidence(facts, dist.entry, { path: dist.path }));
  }
  return { evidence, findings: [] };
}
