/**
 * What a pixi project declares about the driver, when its files made it into the image: `[system-requirements]
 * cuda = "12"` in pixi.toml (or `[tool.pixi.system-requirements]` in pyproject.toml, per feature too), and the
 * environment record pixi leaves in `<env>/conda-meta/pixi` (newer pixi: `minimum_supported_platform.requirements`).
 * `cuda = "12"` means the env is valid on a machine whose DRIVER reports CUDA >= 12: a declared floor, not a need.
 * pixi.lock is not read: v6 locks repeat the `__cuda` specs the env's conda-meta records already carry, and v7's
 * `virtual-packages` repeat the manifest's system requirements.
 */
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import type { Detector } from './detector';
import { lowerBound, parseMatchSpec } from './match-spec';
import { basename, contentEntry, dirname, originOf, type DetectorOutput } from './origin';
import type { Evidence } from './types';

export const PIXI_MANIFEST_MAX_BYTES = 64 * 1024;
export const PIXI_ENV_RECORD_MAX_BYTES = 16 * 1024;

/** a pyproject.toml inside installed packages or node_modules is a package's, not the project's manifest */
const NOT_PROJECT_RE = /(?:^|\/)(?:site|dist)-packages\/|node_modules\//;

/** pixi.toml anywhere; pyproject.toml outside installed packages (a project's own manifest). */
export function isPixiManifestPath(path: string): boolean {
  const base = basename(path);
  if (base === 'pixi.toml') return true;
  return base === 'pyproject.toml' && !NOT_PROJECT_RE.test(path);
}

export function isPixiEnvRecordPath(path: string): boolean {
  return path.endsWith('/conda-meta/pixi') || path === 'conda-meta/pixi';
}

export const pixiDetector: Detector = {
  id: 'pixi',
  version: 1,
  interests: [
    { what: 'pixi.toml', select: { name: ['pixi.toml'] }, claims: true, keep: { content: PIXI_MANIFEST_MAX_BYTES } },
    {
      what: "a project's pyproject.toml ([tool.pixi.system-requirements])",
      select: { name: ['pyproject.toml'] },
      claims: true,
      where: { pathNotRe: NOT_PROJECT_RE },
      keep: { content: PIXI_MANIFEST_MAX_BYTES },
    },
    {
      what: "pixi's environment record <env>/conda-meta/pixi",
      select: { name: ['pixi'] },
      claims: true,
      where: { dir: ['conda-meta'] },
      keep: { content: PIXI_ENV_RECORD_MAX_BYTES },
    },
  ],
  detect: ({ view }) => pixiEvidence(view),
};

export interface DeclaredCuda {
  /** the minimum as written ("12", "12.0") */
  cuda: string;
  /** the feature whose system requirements these are; undefined = the whole workspace */
  feature?: string;
  /** the line as written */
  line: string;
}

/** Strips a `# comment` that is not inside a string. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function unquote(s: string): string {
  return s.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** "tool.pixi.feature.gpu.system-requirements" -> { feature: "gpu" } when it is a system-requirements table. */
function systemRequirementsTable(path: string[], pyproject: boolean): { feature?: string } | undefined {
  const p = pyproject ? (path[0] === 'tool' && path[1] === 'pixi' ? path.slice(2) : undefined) : path;
  if (!p) return undefined;
  if (p.length === 1 && p[0] === 'system-requirements') return {};
  if (p.length === 3 && p[0] === 'feature' && p[2] === 'system-requirements') return { feature: p[1] };
  return undefined;
}

function splitKey(key: string): string[] {
  return key.split('.').map(unquote);
}

/**
 * The `cuda` system requirements of a pixi.toml / pyproject.toml. A line reader, not a TOML parser: it follows
 * table headers, dotted keys and inline tables, and skips multi-line strings; other TOML is not needed here.
 */
export function pixiSystemRequirements(text: string, pyproject: boolean): DeclaredCuda[] {
  const out: DeclaredCuda[] = [];
  let table: string[] = [];
  let inMultiline: string | undefined;
  for (const raw of text.split('\n')) {
    if (inMultiline) {
      if (raw.includes(inMultiline)) inMultiline = undefined;
      continue;
    }
    const line = stripComment(raw).trim();
    if (!line) continue;
    const header = /^\[\s*([^[\]]+?)\s*\]$/.exec(line);
    if (header) {
      table = splitKey(header[1]);
      continue;
    }
    if (/^\[\[/.test(line)) {
      table = ['[[array]]'];
      continue;
    }
    const kv = /^([A-Za-z0-9_."'-]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const value = kv[2];
    for (const q of ['"""', "'''"]) {
      if (value.startsWith(q) && !value.slice(3).includes(q)) inMultiline = q;
    }
    const path = [...table, ...splitKey(kv[1])];
    const leaf = path[path.length - 1];
    if (leaf === 'cuda') {
      const t = systemRequirementsTable(path.slice(0, -1), pyproject);
      const cuda = unquote(value);
      if (t && /^\d+(\.\d+)*$/.test(cuda)) out.push({ cuda, ...t, line });
    } else {
      const t = systemRequirementsTable(path, pyproject);
      const inline = t && /^\{.*\bcuda\s*=\s*["']?(\d+(?:\.\d+)*)["']?/.exec(value);
      if (t && inline) out.push({ cuda: inline[1], ...t, line });
    }
  }
  return out;
}

/** `minimum_supported_platform.requirements` of pixi's env record: ["__cuda >=12", …]. */
export function pixiEnvRecordRequirements(text: string): { env?: string; specs: string[] } | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) return undefined;
    const env = typeof o.environment_name === 'string' ? o.environment_name : undefined;
    const msp = o.minimum_supported_platform as Record<string, unknown> | undefined;
    const reqs = msp && typeof msp === 'object' && Array.isArray(msp.requirements) ? msp.requirements : [];
    const specs = reqs.filter((r): r is string => typeof r === 'string').slice(0, 100);
    return { env, specs };
  } catch {
    return undefined;
  }
}

function declared(entry: FileEntry, cuda: string | undefined, value: string, detail: string): Evidence {
  const ev: Evidence = {
    kind: 'cuda-system-requirement',
    from: 'file',
    ...originOf(entry),
    confidence: 'declared',
    component: 'pixi',
    value,
    detail,
  };
  if (cuda) ev.cuda = cuda;
  return ev;
}

export function pixiEvidence(view: FileSystemView): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  for (const e of view.entries()) {
    const manifest = isPixiManifestPath(e.path);
    if (!manifest && !isPixiEnvRecordPath(e.path)) continue;
    const real = contentEntry(view, e);
    if (real?.content === undefined) continue;
    if (manifest) {
      const pyproject = basename(e.path) === 'pyproject.toml';
      for (const d of pixiSystemRequirements(real.content, pyproject)) {
        const table = `${pyproject ? 'tool.pixi.' : ''}${d.feature ? `feature.${d.feature}.` : ''}system-requirements`;
        const ev = declared(
          real,
          d.cuda,
          d.line,
          `pixi [${table}] cuda = "${d.cuda}": the project declares its environments${d.feature ? ` using feature ${d.feature}` : ''} need a driver that reports CUDA >= ${d.cuda}`,
        );
        ev.path = `/${e.path}`;
        evidence.push(ev);
      }
      continue;
    }
    const rec = pixiEnvRecordRequirements(real.content);
    if (!rec) {
      findings.push({
        code: 'EVIDENCE_PIXI_RECORD_UNREADABLE',
        severity: 'info',
        message: `/${e.path} is not readable JSON; the pixi environment record was skipped`,
        layer: real.layerDigest,
        path: `/${e.path}`,
      });
      continue;
    }
    for (const s of rec.specs) {
      const spec = parseMatchSpec(s);
      if (spec?.name !== '__cuda') continue;
      const low = lowerBound(spec.version);
      const ev = declared(
        real,
        low,
        s,
        `pixi environment ${rec.env ?? dirname(dirname(e.path))} records the minimum platform ${s}${low ? `: the host driver must report CUDA >= ${low}` : ''}`,
      );
      ev.path = `/${e.path}`;
      evidence.push(ev);
    }
  }
  return { evidence, findings };
}
