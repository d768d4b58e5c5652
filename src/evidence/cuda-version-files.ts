/**
 * The toolkit's own version files: /usr/local/cuda-X.Y/version.json (CUDA >= 11.1: the release and the version of
 * each component it ships) and version.txt (CUDA <= 11.0: "CUDA Version 10.2.89").
 */
import { majorMinor, numericPrefix } from '../common/dotted-version';
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import { isToolkitVersioned, KIND_BY_VERSION_JSON } from '../model/cuda-components';
import type { Detector } from './detector';
import { contentEntry, originOf, type DetectorOutput } from './origin';
import type { Evidence } from './types';

export const VERSION_FILE_RE = /^usr\/local\/cuda[^/]*\/version\.(json|txt)$/;
export const VERSION_FILE_MAX_BYTES = 256 * 1024;

export const cudaVersionFileDetector: Detector = {
  id: 'cuda-version-files',
  version: 1,
  interests: [
    {
      what: "the toolkit's version.json / version.txt under /usr/local/cuda*",
      select: { name: ['version.json', 'version.txt'] },
      claims: true,
      where: { pathRe: VERSION_FILE_RE },
      keep: { content: VERSION_FILE_MAX_BYTES },
    },
  ],
  detect: ({ view }) => cudaVersionFileEvidence(view),
};

const DOTTED = /^\d+(?:\.\d+)*$/;

export function cudaVersionFileEvidence(view: FileSystemView): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const e of view.entries()) {
    if (!VERSION_FILE_RE.test(e.path)) continue;
    const real = contentEntry(view, e);
    if (!real || seen.has(real.path)) continue;
    seen.add(real.path);
    if (real.content === undefined) {
      findings.push({
        code: 'EVIDENCE_UNREAD',
        severity: 'info',
        message: `/${real.path} was not read, so the CUDA version it states is unknown`,
        layer: real.layerDigest,
        path: `/${real.path}`,
      });
      continue;
    }
    if (e.path.endsWith('.json')) readJson(real, evidence, findings);
    else readTxt(real, evidence, findings);
  }
  return { evidence, findings };
}

function badFile(real: FileEntry, why: string): Finding {
  return {
    code: 'EVIDENCE_BAD_VERSION_FILE',
    severity: 'warning',
    message: `/${real.path} ${why}; the CUDA version it should state was not used`,
    layer: real.layerDigest,
    path: `/${real.path}`,
  };
}

function versionOf(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>).version;
  return typeof v === 'string' && DOTTED.test(v.trim()) ? v.trim() : undefined;
}

function readJson(real: FileEntry, evidence: Evidence[], findings: Finding[]): void {
  let doc: unknown;
  try {
    doc = JSON.parse(real.content ?? '');
  } catch (err) {
    const why = real.contentTruncated ? `is larger than ${VERSION_FILE_MAX_BYTES} bytes and was cut` : `is not valid JSON (${(err as Error).message})`;
    findings.push(badFile(real, why));
    return;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    findings.push(badFile(real, 'is not a JSON object'));
    return;
  }
  const obj = doc as Record<string, unknown>;
  const origin = originOf(real);
  const release = versionOf(obj.cuda);
  if (release) evidence.push({ kind: 'cuda-version', version: release, cuda: release, from: 'file', ...origin, confidence: 'exact', component: 'cuda' });
  else findings.push(badFile(real, 'has no "cuda": {"version": …} entry'));
  for (const key of Object.keys(KIND_BY_VERSION_JSON).sort()) {
    const version = versionOf(obj[key]);
    if (!version) continue;
    const kind = KIND_BY_VERSION_JSON[key];
    const ev: Evidence = {
      kind,
      version,
      from: 'file',
      ...origin,
      // the manifest of the release: it lists the component whether or not its package is installed
      confidence: 'declared',
      component: key,
      detail: 'listed in version.json (the release manifest); the library itself may not be installed',
    };
    if (isToolkitVersioned(kind)) {
      const mm = majorMinor(version);
      if (mm) ev.cuda = mm;
    }
    evidence.push(ev);
  }
}

function readTxt(real: FileEntry, evidence: Evidence[], findings: Finding[]): void {
  const m = /CUDA Version\s+(\d+(?:\.\d+)*)/.exec(real.content ?? '');
  const version = m ? numericPrefix(m[1]) : undefined;
  if (!version) {
    findings.push(badFile(real, 'does not say "CUDA Version X.Y.Z"'));
    return;
  }
  const ev: Evidence = { kind: 'cuda-version', version, from: 'file', ...originOf(real), confidence: 'exact', component: 'cuda' };
  // "10.2.89" is the runtime's build number, not an update number: only major.minor names the release family
  ev.cuda = majorMinor(version) ?? version;
  evidence.push(ev);
}
