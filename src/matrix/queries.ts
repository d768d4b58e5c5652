/**
 * Questions the other stages ask the matrix. Pure functions over a loaded Matrix; where the matrix cannot answer
 * exactly they answer cautiously (a whole family, the higher driver) and say so.
 */
import { parseDriverVersion } from '../common/driver-version';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import { compareArchNames } from '../model/gpu-code';
import { compactName, editDistance, nameTokens, startsWithName } from './gpu-names';
import type { DriverBranch, Gpu, LibraryRule, MajorCompat, Matrix, SourcedRow, ToolkitRelease } from './types';

/** "12.4.127-1" -> "12.4.127"; undefined when there is no dotted number */
function canonical(version: string): string | undefined {
  const parts = versionParts(version);
  return parts.length ? parts.join('.') : undefined;
}

/** Whether a fact of a row is confirmed: the row is, and (given a field) that field is not listed as unconfirmed. */
export function isConfirmed(row: SourcedRow, field?: string): boolean {
  return row.confirmed && !(field && row.unconfirmedFields?.includes(field));
}

/** The release CUDA_VERSION names exactly ("12.4.1"); "12.4" is a family, not a release. */
export function releaseByVersion(m: Matrix, version: string): ToolkitRelease | undefined {
  const v = canonical(version);
  return v === undefined ? undefined : m.releases.find((r) => r.version === v);
}

/** Every release that ships this cudart component version ("12.4.127" -> [12.4.1]). */
export function releasesByCudart(m: Matrix, cudart: string): ToolkitRelease[] {
  const v = canonical(cudart);
  return v === undefined ? [] : m.releases.filter((r) => r.cudart.includes(v));
}

/** All releases of a minor ("12.4": GA and updates) or of a major ("12"); a longer version is cut to its minor. */
export function releasesInFamily(m: Matrix, family: string): ToolkitRelease[] {
  const parts = versionParts(family);
  if (parts.length === 0) return [];
  const key = parts.length === 1 ? String(parts[0]) : majorMinor(family);
  const depth = parts.length === 1 ? 1 : 2;
  return m.releases.filter((r) => versionParts(r.version).slice(0, depth).join('.') === key);
}

export function latestRelease(m: Matrix): ToolkitRelease | undefined {
  return m.releases[m.releases.length - 1];
}

export function majorCompat(m: Matrix, major: number): MajorCompat | undefined {
  return m.majors.find((x) => x.major === major);
}

/**
 * The release among `versions` whose minimum driver is `driver` and for which NVIDIA names only a driver branch
 * (linuxDriverBranch): its linuxDriver is then a stand-in, which messages must say.
 */
export function branchOnlyRelease(m: Matrix, versions: readonly string[], driver: string): ToolkitRelease | undefined {
  return m.releases.find((r) => r.linuxDriverBranch !== undefined && r.linuxDriver === driver && versions.includes(r.version));
}

/** Whether a branch is past its end of life as of `asOf` (YYYY-MM-DD, the matrix date): "reached", or an earlier month. */
export function branchPastEol(branch: DriverBranch, asOf: string): boolean {
  if (branch.eol === undefined) return false;
  return branch.eol === 'reached' || branch.eol < asOf.slice(0, 7);
}

/** The newest long-term support or production branch not past its end of life as of `asOf`. */
export function newestSupportedBranch(m: Matrix, asOf: string): DriverBranch | undefined {
  return [...m.driverBranches].reverse().find((b) => (b.kind === 'LTSB' || b.kind === 'PB') && !branchPastEol(b, asOf));
}

export interface ResolvedRelease {
  /** ascending; more than one when only the family is known: take the highest driver (cautious) */
  releases: ToolkitRelease[];
  /** true when the version named a release or a cudart component exactly */
  exact: boolean;
  /** how the releases were found */
  by: 'release' | 'cudart' | 'family' | 'none';
}

/**
 * The release(s) a CUDA version of any precision stands for: "12.4.1" (a release), "12.4.127" (a cudart
 * component), "12.4" or an unknown "12.4.99" (the 12.4 family), "12" (every 12.x). Empty when the matrix has none.
 */
export function resolveRelease(m: Matrix, version: string): ResolvedRelease {
  const release = releaseByVersion(m, version);
  if (release) return { releases: [release], exact: true, by: 'release' };
  const byCudart = releasesByCudart(m, version);
  if (byCudart.length) return { releases: byCudart, exact: true, by: 'cudart' };
  const family = releasesInFamily(m, version);
  return family.length ? { releases: family, exact: false, by: 'family' } : { releases: [], exact: false, by: 'none' };
}

export interface DriverCuda {
  /** highest CUDA major.minor the driver supports, as nvidia-smi prints it; "0.0" when belowKnown */
  cuda: string;
  /** the branch row that answered: the driver's own, or (confirmed: false) the nearest listed branch below it */
  branch?: DriverBranch;
  /** the driver is newer than every branch the matrix knows: it supports at least `cuda`, maybe more */
  beyondKnown: boolean;
  /** the driver is older than every release in the matrix: it supports none of them */
  belowKnown: boolean;
  confirmed: boolean;
}

/** Compares below every CUDA version, so a driver older than the matrix fails every `cuda>=` check. */
const NO_KNOWN_CUDA = '0.0';

/**
 * The CUDA version a driver reports (nvmlSystemGetCudaDriverVersion, what nvidia-smi prints and what
 * libnvidia-container compares `cuda>=` with). It is a property of the driver branch: every driver of a branch
 * reports the same value, early ones too (550.40.07 reports 12.4 although the 12.4 toolkit names 550.54.14). A branch
 * the matrix does not list reports what the nearest listed branch below it does (cautious: a lower version fails
 * more `cuda>=` checks), marked unconfirmed. Throws BAD_DRIVER_VERSION for a malformed version.
 */
export function cudaForDriver(m: Matrix, driver: string): DriverCuda {
  const parts = parseDriverVersion(driver);
  const newestBranch = m.driverBranches[m.driverBranches.length - 1];
  const beyondKnown = newestBranch === undefined || parts[0] > newestBranch.branch;

  const row = m.driverBranches.find((b) => b.branch === parts[0]);
  if (row) return { cuda: row.cuda, branch: row, beyondKnown, belowKnown: row.cuda === NO_KNOWN_CUDA, confirmed: row.confirmed };
  const below = [...m.driverBranches].reverse().find((b) => b.branch < parts[0]);
  if (!below) return { cuda: NO_KNOWN_CUDA, beyondKnown, belowKnown: true, confirmed: true };
  return { cuda: below.cuda, branch: below, beyondKnown, belowKnown: below.cuda === NO_KNOWN_CUDA, confirmed: false };
}

/** A GPU found by name, or a GPU known only by the compute capability the user gave. */
export interface FoundGpu extends Gpu {
  /** false: built from a bare compute capability; datacenter (false) and brands ([]) are then assumptions */
  catalogued: boolean;
  matchedBy: 'name' | 'alias' | 'prefix' | 'computeCapability';
}

const CC_FORM = /^(\d{1,2})\.(\d)$/;
const SM_FORM = /^sm_?(\d{1,2})(\d)$/i;

/**
 * A GPU by name or alias (case, "NVIDIA " and spacing ignored; a known name followed by form-factor words such
 * as "A100-SXM4-80GB" matches that name), or by compute capability ("8.0", "sm_80").
 */
export function findGpu(m: Matrix, nameOrCC: string): FoundGpu | undefined {
  const query = nameOrCC.trim();
  const cc = CC_FORM.exec(query) ?? SM_FORM.exec(query);
  if (cc) return bareComputeCapability(m, `${Number(cc[1])}.${cc[2]}`);

  const key = compactName(query);
  if (!key) return undefined;
  for (const gpu of m.gpus) {
    if (compactName(gpu.name) === key) return { ...gpu, catalogued: true, matchedBy: 'name' };
    if (gpu.aliases.some((a) => compactName(a) === key)) return { ...gpu, catalogued: true, matchedBy: 'alias' };
  }
  return byLongestPrefix(m, nameTokens(query));
}

function byLongestPrefix(m: Matrix, tokens: string[]): FoundGpu | undefined {
  let best: { gpu: Gpu; length: number } | undefined;
  let tie = false;
  for (const gpu of m.gpus) {
    for (const name of [gpu.name, ...gpu.aliases]) {
      const candidate = nameTokens(name);
      if (!startsWithName(tokens, candidate)) continue;
      if (!best || candidate.length > best.length) {
        best = { gpu, length: candidate.length };
        tie = false;
      } else if (candidate.length === best.length && best.gpu !== gpu) {
        tie = true;
      }
    }
  }
  // two GPUs matching equally well: refuse to guess
  return best && !tie ? { ...best.gpu, catalogued: true, matchedBy: 'prefix' } : undefined;
}

/**
 * Compute capabilities the matrix knows: of catalogued GPUs, and of every sm target a toolkit adds (an old name as the
 * target it names: sm_101 is 11.0, there is no GPU of compute capability 10.1).
 */
function knownComputeCapabilities(m: Matrix): Set<string> {
  const known = new Set(m.gpus.map((g) => g.computeCapability));
  const renamed = new Map((m.archAliases ?? []).map((a) => [a.from, a.to]));
  for (const change of m.toolkitArchs ?? []) {
    for (const sm of change.added) {
      const cc = smComputeCapability(renamed.get(sm) ?? sm);
      if (cc) known.add(cc);
    }
  }
  return known;
}

/** "sm_90a" -> "9.0", "sm_100f" -> "10.0" */
function smComputeCapability(sm: string): string | undefined {
  const digits = /^sm_(\d{2,3})[af]?$/.exec(sm)?.[1];
  return digits ? `${Number(digits.slice(0, -1))}.${digits.slice(-1)}` : undefined;
}

function bareComputeCapability(m: Matrix, cc: string): FoundGpu | undefined {
  if (!knownComputeCapabilities(m).has(cc)) return undefined;
  const same = m.gpus.filter((g) => g.computeCapability === cc);
  const first = same.map((g) => g.firstDriverBranch).filter((b): b is number => b !== undefined);
  const last = same.map((g) => g.lastDriverBranch).filter((b): b is number => b !== undefined);
  const [major, minor] = cc.split('.');
  return {
    name: `sm_${major}${minor} (compute capability ${cc})`,
    aliases: [],
    computeCapability: cc,
    architecture: same[0]?.architecture ?? 'unknown',
    // not known to be a data-center part: no forward compatibility, no brand= match (cautious)
    datacenter: false,
    brands: [],
    // cautious across the GPUs of this capability: the latest first branch, the earliest last branch
    firstDriverBranch: first.length ? Math.max(...first) : undefined,
    lastDriverBranch: last.length ? Math.min(...last) : undefined,
    source: 'compute capability given by the user; architecture and driver branches from the GPUs of matrix/gpus.yaml with it',
    confirmed: same.every((g) => g.confirmed),
    unconfirmedFields: [
      'datacenter',
      'brands',
      ...(same.some((g) => g.unconfirmedFields?.includes('firstDriverBranch')) ? ['firstDriverBranch'] : []),
    ],
    catalogued: false,
    matchedBy: 'computeCapability',
  };
}

/** Up to three catalogue names close to an unknown one, for "did you mean" in an error. */
export function suggestGpus(m: Matrix, name: string, max = 3): string[] {
  const query = compactName(name);
  if (!query) return [];
  const limit = Math.max(2, Math.floor(query.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const gpu of m.gpus) {
    let score = Infinity;
    for (const n of [gpu.name, ...gpu.aliases]) {
      const c = compactName(n);
      // a name containing what was typed ("a6000" in "rtxa6000") beats one a typo away
      const contains = query.length >= 3 && (c.includes(query) || query.startsWith(c)) ? 0.5 : Infinity;
      score = Math.min(score, contains, editDistance(query, c));
    }
    if (score <= limit) scored.push({ name: gpu.name, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** CUDA major(s) a library's soname major implies ("cublas", 12 -> [12]); undefined when no rule covers it. */
export function libraryCudaMajor(m: Matrix, library: string, sonameMajor: number): number[] | undefined {
  return libraryRule(m, library, sonameMajor)?.cudaMajors;
}

/** The rule itself, for its source and confirmed flag. `library` may carry a "lib" prefix; case is ignored. */
export function libraryRule(m: Matrix, library: string, sonameMajor: number): LibraryRule | undefined {
  const name = library.toLowerCase().replace(/^lib/, '');
  return m.libraries.find((r) => r.library.toLowerCase() === name && r.sonameMajor === sonameMajor);
}

/** The sm targets a toolkit minor ("12.4", or any longer version) can compile for, ascending. */
export function smTargetsForToolkit(m: Matrix, toolkit: string): string[] {
  const targets = new Set<string>();
  for (const change of m.toolkitArchs ?? []) {
    if (compareVersions(change.toolkit, majorMinor(toolkit) ?? toolkit) > 0) break;
    for (const sm of change.removed) targets.delete(sm);
    for (const sm of change.added) targets.add(sm);
  }
  return [...targets].sort(compareArchNames);
}
