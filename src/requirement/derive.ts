/**
 * Evidence + matrix -> ImageRequirement. Every piece of evidence that pins a CUDA version becomes a "need"; the
 * newest need decides the driver floor. Where the matrix cannot place a version exactly, the need is widened to
 * its family and the highest driver of the family is used: a gate must be cautious, never optimistic.
 */
import { compareDriver, maxDriver } from '../common/driver-version';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import type { Finding } from '../common/findings';
import type { Evidence } from '../evidence/types';
import type { LayerLimits } from '../layers/analyse-layer';
import type { ImageLayer } from '../model/provenance';
import type { RequireExpression } from '../evidence/nvidia-require-types';
import { libraryCudaMajor, majorCompat, releasesInFamily, resolveRelease } from '../matrix/queries';
import type { Matrix, ToolkitRelease } from '../matrix/types';
import { deriveGpuCode } from './gpu-code';
import { ptxJitDriverForIsa } from '../matrix/ptx';
import { analyseLoader, type LoaderInput } from './loader';
import type { CudaNeed, ForwardCompatProvision, ImageRequirement, NeedLevel } from './types';

export interface RequirementInput {
  evidence: Evidence[];
  require: { expressions: RequireExpression[]; disabled: boolean; disableRaw?: string };
  findings?: Finding[];
  /** the image's layer list, where evidence's layerIndex is looked up (digest, instruction) */
  layers?: readonly ImageLayer[];
  /** the limits the layer reader applied, when layers were read */
  scanLimits?: LayerLimits;
  /** the final filesystem and env for the dynamic-loader model (absent with --scan config) */
  loader?: Omit<LoaderInput, 'hostLibs'>;
}

/** Kinds whose `version` is a cudart-style component version that maps to a release. */
const RELEASE_VERSION_KINDS = new Set(['cudart', 'cuda-version']);
/** Kinds that say nothing about which CUDA the image needs. */
const NOT_A_NEED = new Set(['cuda-compat', 'nvidia-require', 'nvidia-disable-require', 'driver-lib', 'gpu-code', 'cuda-system-requirement']);

export function deriveRequirement(input: RequirementInput, matrix: Matrix): ImageRequirement {
  const needs = new Map<string, CudaNeed>();
  const add = (cuda: string, level: NeedLevel, ev: Evidence) => {
    const key = `${level}:${cuda}`;
    let need = needs.get(key);
    if (!need) {
      need = placeNeed(cuda, level, matrix);
      needs.set(key, need);
    }
    need.evidence.push(ev);
  };

  const loader = input.loader ? analyseLoader({ ...input.loader, hostLibs: matrix.hostLibs ?? [] }) : undefined;
  // a binary's own DT_NEEDED sonames (libcudart.so.13) pin its CUDA major, even with no cudart file in the image
  for (const ev of [...input.evidence, ...(loader?.needs ?? [])]) {
    if (NOT_A_NEED.has(ev.kind)) continue;
    const claim = cudaClaim(ev, matrix);
    if (claim) add(claim.cuda, claim.level, ev);
  }
  // a binary with device code that links no CUDA runtime (nvcc's default -cudart static) carries the runtime of the
  // toolkit that built it: its PTX ISA version names that toolkit, so its CUDA major is a need of its own
  const linksRuntime = new Set((loader?.needs ?? []).filter((e) => e.component === 'cudart').map((e) => e.path));
  for (const ev of input.evidence) {
    if (ev.kind !== 'gpu-code' || ev.from !== 'file' || !ev.path || linksRuntime.has(ev.path) || !ev.ptxIsa?.length || !loader) continue;
    const newest = [...ev.ptxIsa].sort(compareVersions).at(-1)!;
    const cuda = ptxJitDriverForIsa(matrix, newest).cuda;
    if (cuda)
      add(String(versionParts(cuda)[0]), 'major', { ...ev, kind: 'ptx-isa', detail: `PTX ISA ${newest} (CUDA ${cuda}), no shared CUDA runtime linked` });
  }

  const list = [...needs.values()].sort((a, b) => compareVersions(a.cuda, b.cuda) || levelRank(a.level) - levelRank(b.level));
  const majors = [...new Set(list.map((n) => n.major))].sort((a, b) => a - b);
  const minDriver = maxDriver(list.map((n) => n.minDriver).filter((d): d is string => !!d));
  const floors = majors.map((m) => majorCompat(matrix, m));
  const minorCompatDriver = floors.every((f) => f?.minorVersionCompat && f.minorCompatFloor) ? maxDriver(floors.map((f) => f!.minorCompatFloor!)) : undefined;

  const forwardCompat = forwardCompatProvision(input.evidence, matrix);
  const declaredCuda = declaredCudaOf(input.evidence);
  const gpuCode = deriveGpuCode(input.evidence, matrix);
  const hasCuda =
    list.length > 0 ||
    !!forwardCompat ||
    !!declaredCuda ||
    !!gpuCode ||
    !!loader?.missing.length ||
    input.require.expressions.some((e) => !e.synthesized && e.alternatives.length > 0);

  return {
    hasCuda,
    runtime: runtimeOf(input.evidence, list),
    needs: list,
    majors,
    minDriver: minDriver && minorCompatDriver && compareDriver(minDriver, minorCompatDriver) < 0 ? minorCompatDriver : minDriver,
    minorCompatDriver,
    forwardCompat,
    require: input.require,
    // empty placeholders (left by building with the NVIDIA runtime) are hidden by the toolkit's mounts
    driverLibs: input.evidence.filter((e) => e.kind === 'driver-lib' && !e.emptyFile),
    ...(declaredCuda && { declaredCuda }),
    ...(gpuCode && { gpuCode }),
    ...(loader && { loader }),
    findings: [...(input.findings ?? []), ...consistencyFindings(list)],
    layers: input.layers ?? [],
    ...(input.scanLimits && { scanLimits: input.scanLimits }),
  };
}

function levelRank(l: NeedLevel): number {
  return l === 'release' ? 0 : l === 'family' ? 1 : 2;
}

/** Which CUDA version an evidence item pins, and how precisely. */
function cudaClaim(ev: Evidence, matrix: Matrix): { cuda: string; level: NeedLevel } | undefined {
  if (RELEASE_VERSION_KINDS.has(ev.kind) && ev.version && versionParts(ev.version).length >= 3) {
    return { cuda: versionParts(ev.version).join('.'), level: 'release' };
  }
  const cuda = ev.cuda ?? (RELEASE_VERSION_KINDS.has(ev.kind) ? ev.version : undefined);
  if (cuda) {
    const parts = versionParts(cuda);
    if (parts.length >= 3) return { cuda: parts.join('.'), level: 'release' };
    if (parts.length === 2) return { cuda: parts.join('.'), level: 'family' };
    if (parts.length === 1) return { cuda: String(parts[0]), level: 'major' };
  }
  if (ev.sonameMajor !== undefined) {
    const majors = libraryCudaMajor(matrix, ev.kind === 'dt-needed' ? (ev.component ?? '') : ev.kind, ev.sonameMajor);
    if (majors && majors.length === 1) return { cuda: String(majors[0]), level: 'major' };
  }
  return undefined;
}

function placeNeed(cuda: string, level: NeedLevel, matrix: Matrix): CudaNeed {
  const major = versionParts(cuda)[0];
  const base: CudaNeed = { cuda, major, level, releases: [], unknown: false, unconfirmed: false, evidence: [] };
  if (level === 'major') {
    const known = matrix.releases.some((r) => versionParts(r.version)[0] === major);
    return { ...base, unknown: !known, lowerBoundDriver: known ? undefined : lowerBound(cuda, matrix) };
  }
  let releases: ToolkitRelease[];
  if (level === 'release') {
    const r = resolveRelease(matrix, cuda);
    // an unplaced patch level falls back to the whole family, whose highest driver is the cautious floor
    releases = r.releases.length ? r.releases : releasesInFamily(matrix, majorMinor(cuda) ?? cuda);
  } else {
    releases = releasesInFamily(matrix, cuda);
  }
  if (!releases.length) return { ...base, unknown: true, lowerBoundDriver: lowerBound(cuda, matrix) };
  return {
    ...base,
    releases: releases.map((r) => r.version),
    minDriver: maxDriver(releases.map((r) => r.linuxDriver)),
    unconfirmed: releases.some((r) => !r.confirmed),
  };
}

/** For a version newer than (or between) known releases: the highest driver any earlier release needs. */
function lowerBound(cuda: string, matrix: Matrix): string | undefined {
  const earlier = matrix.releases.filter((r) => compareVersions(r.version, cuda) < 0);
  return maxDriver(earlier.map((r) => r.linuxDriver));
}

function runtimeOf(evidence: Evidence[], needs: CudaNeed[]): ImageRequirement['runtime'] {
  const pick = (kind: string) =>
    evidence.filter((e) => e.kind === kind && e.version && versionParts(e.version).length >= 2).sort((a, b) => compareVersions(b.version!, a.version!))[0];
  const ev = pick('cudart') ?? pick('cuda-version');
  if (!ev?.version) return undefined;
  const version = versionParts(ev.version).join('.');
  const need = needs.find((n) => n.evidence.includes(ev));
  return {
    version,
    major: versionParts(version)[0],
    release: need && need.releases.length === 1 ? need.releases[0] : undefined,
  };
}

function forwardCompatProvision(evidence: Evidence[], matrix: Matrix): ForwardCompatProvision | undefined {
  const compat = evidence.filter((e) => e.kind === 'cuda-compat');
  if (!compat.length) return undefined;
  const compatDriver = maxDriver(compat.map((e) => e.version).filter((v): v is string => !!v && /^\d+(\.\d+)+$/.test(v)));
  const cuda = compat
    .map((e) => e.cuda)
    .filter((c): c is string => !!c)
    .sort(compareVersions)
    .pop();
  const family = cuda ? (majorMinor(cuda) ?? cuda) : undefined;
  const releases = family ? releasesInFamily(matrix, family) : [];
  // A branch counts only when every release of the family accepts it: cautious.
  const sets = releases.map((r) => new Set(r.forwardCompatBranches ?? []));
  const branches = sets.length ? [...sets[0]].filter((b) => sets.every((s) => s.has(b))).sort((a, b) => a - b) : [];
  return { compatDriver, cuda: family, branches, evidence: compat };
}

/**
 * The highest minimum driver CUDA the image declares (conda `__cuda >=12`, pixi system-requirements), with the
 * items that declare it. A declaration is not a need: it says what the author or the package claims the driver
 * must report, which the verdict checks on its own.
 */
function declaredCudaOf(evidence: Evidence[]): ImageRequirement['declaredCuda'] {
  const declared = evidence.filter((e) => e.kind === 'cuda-system-requirement' && e.cuda && versionParts(e.cuda).length);
  if (!declared.length) return undefined;
  const cuda = declared
    .map((e) => versionParts(e.cuda!).join('.'))
    .sort(compareVersions)
    .pop()!;
  return { cuda, evidence: declared.filter((e) => compareVersions(e.cuda!, cuda) === 0) };
}

function consistencyFindings(needs: CudaNeed[]): Finding[] {
  const findings: Finding[] = [];
  const declared = needs.filter((n) => n.evidence.every((e) => e.from === 'config'));
  const shipped = needs.filter((n) => n.evidence.some((e) => e.from !== 'config') && n.level !== 'major');
  const newestShipped = shipped
    .map((n) => majorMinor(n.cuda) ?? n.cuda)
    .sort(compareVersions)
    .pop();
  for (const d of declared) {
    const fam = majorMinor(d.cuda);
    if (fam && newestShipped && compareVersions(fam, newestShipped) !== 0 && d.level !== 'major') {
      const keys = [...new Set(d.evidence.map((e) => e.key).filter(Boolean))].join(', ');
      findings.push({
        code: 'CONFIG_DISAGREES_WITH_FILES',
        severity: 'warning',
        message: `the config declares CUDA ${d.cuda} (${keys}) but the files carry CUDA ${newestShipped}`,
      });
    }
  }
  return findings;
}
