/**
 * Installed Debian/Ubuntu packages: /var/lib/dpkg/status (stanzas of "Field: value" lines separated by blank lines),
 * and distroless images' /var/lib/dpkg/status.d/<name> files (same format, one package each, often without a
 * Status field). What the package names (and, for Debian's own CUDA packages, versions and Source) say about CUDA
 * is in package-names.ts.
 */
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import type { Detector } from './detector';
import { contentEntry, originOf, type DetectorOutput } from './origin';
import { classifyPackage } from './package-names';
import type { Evidence } from './types';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
export const DPKG_MAX_BYTES = 32 * 1024 * 1024;

/** status itself, or status.d/<name> (distroless keeps <pkg>.md5sums next to each <pkg>: not a status file) */
export const DPKG_STATUS_RE = /^var\/lib\/dpkg\/status(?:\.d\/(?![^/]*\.md5sums$)[^/]+)?$/;

export function isDpkgStatusPath(path: string): boolean {
  return DPKG_STATUS_RE.test(path);
}

export const dpkgDetector: Detector = {
  id: 'dpkg-status',
  version: 1,
  interests: [
    {
      what: 'the dpkg status database (status, distroless status.d/*)',
      select: { pathPrefix: [DPKG_STATUS] },
      claims: true,
      where: { pathRe: DPKG_STATUS_RE },
      keep: { content: DPKG_MAX_BYTES },
    },
  ],
  detect: ({ view }) => dpkgEvidence(view),
};

export interface DpkgPackage {
  package: string;
  version?: string;
  source?: string;
  status?: string;
  architecture?: string;
}

/**
 * Parses stanzas; keeps a package only if dpkg has it installed: Status "<want> <flag> installed" ("install ok
 * installed", and "hold ok installed" for the packages NVIDIA's images apt-mark hold). Without a Status field the
 * stanza counts only where `statusOptional` (status.d). Stanzas without Package, or with lines that are not
 * fields, are skipped; a cut-off last stanza (`truncated`) is dropped.
 */
export function parseDpkgStatus(text: string, opts: { statusOptional?: boolean; truncated?: boolean } = {}): DpkgPackage[] {
  const out: DpkgPackage[] = [];
  const stanzas: string[][] = [];
  let cur: string[] = [];
  const lines = text.split('\n');
  // the newline ending the last line does not end a stanza: only a blank line does
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l.trim() === '') {
      if (cur.length) stanzas.push(cur);
      cur = [];
    } else cur.push(l);
  }
  if (cur.length && !opts.truncated) stanzas.push(cur);

  for (const lines of stanzas) {
    const fields = new Map<string, string>();
    let malformed = false;
    for (const l of lines) {
      if (l[0] === ' ' || l[0] === '\t') continue; // continuation of a multi-line field (Description, Conffiles)
      const colon = l.indexOf(':');
      if (colon <= 0) {
        malformed = true;
        break;
      }
      const key = l.slice(0, colon).trim().toLowerCase();
      if (!fields.has(key)) fields.set(key, l.slice(colon + 1).trim());
    }
    const name = fields.get('package');
    if (malformed || !name) continue;
    const status = fields.get('status');
    if (status === undefined ? !opts.statusOptional : !isInstalled(status)) continue;
    const pkg: DpkgPackage = { package: name };
    const version = fields.get('version');
    if (version) pkg.version = version;
    const source = fields.get('source');
    if (source) pkg.source = source;
    if (status !== undefined) pkg.status = status;
    const arch = fields.get('architecture');
    if (arch) pkg.architecture = arch;
    out.push(pkg);
  }
  return out;
}

function isInstalled(status: string): boolean {
  const words = status.split(/\s+/);
  return words.length === 3 && words[2] === 'installed';
}

export function dpkgEvidence(view: FileSystemView): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  for (const e of view.entries()) {
    if (!isDpkgStatusPath(e.path)) continue;
    const real = contentEntry(view, e);
    if (!real) continue;
    if (real.content === undefined) {
      findings.push({
        code: 'EVIDENCE_UNREAD',
        severity: 'info',
        message: `/${e.path} was not read, so installed packages are unknown`,
        layer: real.layerDigest,
        path: `/${e.path}`,
      });
      continue;
    }
    const packages = parseDpkgStatus(real.content, { statusOptional: e.path !== DPKG_STATUS, truncated: real.contentTruncated });
    evidence.push(...packageEvidence(packages, real, e.path));
  }
  return { evidence, findings };
}

function packageEvidence(packages: DpkgPackage[], real: FileEntry, path: string): Evidence[] {
  const out: Evidence[] = [];
  const origin = { ...originOf(real), path: `/${path}` };
  for (const p of packages) {
    const facts = classifyPackage(p.package, p.version, p.source);
    if (!facts) continue;
    const ev: Evidence = { kind: facts.kind, from: 'package', package: p.package, ...origin, confidence: 'exact', component: facts.component };
    if (facts.version) ev.version = facts.version;
    if (facts.cuda) ev.cuda = facts.cuda;
    if (facts.sonameMajor !== undefined) ev.sonameMajor = facts.sonameMajor;
    if (p.version) ev.value = p.version;
    if (facts.kind === 'driver-lib') {
      ev.detail = `${p.package} installs the driver's libcuda.so into the image, where it shadows the host driver the NVIDIA container toolkit mounts`;
    }
    out.push(ev);
  }
  return out;
}
