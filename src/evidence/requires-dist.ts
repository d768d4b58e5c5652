/**
 * `Requires-Dist:` lines of a wheel's METADATA. PyTorch's PyPI wheels carry no `+cuXYZ` tag but pin NVIDIA's
 * runtime wheels exactly, in three spellings seen in real METADATA:
 *   nvidia-cuda-runtime-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"
 *   nvidia-cuda-runtime-cu12 (==12.4.127) ; platform_system == "Linux"
 *   cuda-toolkit[cublas,cudart,…]==13.0.2; platform_system == "Linux"      (CUDA 13 builds)
 */
import { majorMinor, majorOf } from '../common/dotted-version';
import { cudaComponent } from '../model/cuda-components';
import { normalizeDistName } from './pip-dist-info';

export interface Requirement {
  /** normalised distribution name */
  name: string;
  /** the exact version of an `==` pin, when there is one */
  pinned?: string;
  /** the line as written, for the evidence */
  raw: string;
}

/** Header lines of METADATA (up to the first blank line), continuation lines joined. Bounded by the text given. */
export function metadataHeaders(text: string): [key: string, value: string][] {
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.trim() === '') break;
    if (/^[ \t]/.test(l) && out.length) {
      out[out.length - 1][1] += ` ${l.trim()}`;
      continue;
    }
    const colon = l.indexOf(':');
    if (colon > 0) out.push([l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()]);
  }
  return out;
}

/**
 * The unconditional requirements (extras such as tensorflow's `and-cuda` are left out: they may not be installed).
 */
export function requiresDist(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const [key, value] of metadataHeaders(text)) {
    if (key !== 'requires-dist') continue;
    const semi = value.indexOf(';');
    const marker = semi < 0 ? '' : value.slice(semi + 1);
    if (/\bextra\s*==/.test(marker)) continue;
    const spec = (semi < 0 ? value : value.slice(0, semi)).trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?\s*([^)]*?)\s*\)?\s*$/.exec(spec);
    if (!m) continue;
    const pin = /(?:^|,)\s*===?\s*([0-9][^,\s]*)/.exec(m[2]);
    const req: Requirement = { name: normalizeDistName(m[1]), raw: value };
    if (pin) req.pinned = pin[1];
    out.push(req);
  }
  return out;
}

/** Runtime wheels whose version starts with the CUDA major.minor (12.4.127 -> 12.4), cudart first. */
const TOOLKIT_VERSIONED = (['cudart', 'nvrtc'] as const).map((kind) => new RegExp(`^nvidia-${cudaComponent(kind)!.pip}(?:-cu(\\d+))?$`));

/**
 * The CUDA a wheel was built for, from what it pins: the cudart / NVRTC wheel (major.minor), the `cuda-toolkit`
 * meta-wheel (major.minor), else the `-cuNN` suffix of any NVIDIA wheel (major only).
 */
export function cudaFromRequirements(reqs: Requirement[]): { cuda: string; requirement: Requirement } | undefined {
  for (const re of TOOLKIT_VERSIONED) {
    for (const req of reqs) {
      const m = re.exec(req.name);
      if (!m || !req.pinned) continue;
      const cuda = majorMinor(req.pinned);
      if (cuda && (!m[1] || majorOf(req.pinned) === Number(m[1]))) return { cuda, requirement: req };
    }
  }
  for (const req of reqs) {
    if (req.name !== 'cuda-toolkit' || !req.pinned) continue;
    const cuda = majorMinor(req.pinned);
    if (cuda) return { cuda, requirement: req };
  }
  for (const req of reqs) {
    const m = /^nvidia-.+-cu(\d{2})$/.exec(req.name);
    if (m) return { cuda: String(Number(m[1])), requirement: req };
  }
  return undefined;
}
