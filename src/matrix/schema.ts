/**
 * The shape of each matrix file: which list it holds, the fields of a row and the checks that tie fields of one row
 * together. Checks across rows and files live in load.ts.
 */
import { compareDriver, driverBranch } from '../common/driver-version';
import { compareVersions, majorMinor } from '../common/dotted-version';
import * as f from './fields';
import type { Check } from './fields';

export type Row = Record<string, unknown>;

export interface FieldSpec {
  check: Check;
  required?: boolean;
  /** a source reference: literal text, or a bare key of the file's `sources:` map */
  source?: boolean;
}

/** A problem found by a row check: the field it concerns and the rest of the sentence. */
export type FieldProblem = [field: string, phrase: string];

export interface TableSpec {
  file: string;
  /** top-level key holding the rows */
  list: string;
  /** field naming a row in messages */
  idField: string;
  fields: Record<string, FieldSpec>;
  rowCheck?: (row: Row) => FieldProblem[];
}

const sourced: Record<string, FieldSpec> = {
  source: { check: f.text, required: true, source: true },
  confirmed: { check: f.bool, required: true },
  note: { check: f.text },
  unconfirmedFields: { check: f.listOf(f.text) },
};

export const META_FIELDS: Record<string, FieldSpec> = {
  version: { check: f.pattern(/^\d{4}\.\d{2}\.\d{2}$/, 'a data version YYYY.MM.DD'), required: true },
  date: { check: f.isoDate, required: true },
  note: { check: f.text },
};

export const TOOLKITS: TableSpec = {
  file: 'toolkits.yaml',
  list: 'releases',
  idField: 'version',
  fields: {
    version: { check: f.cudaPatch, required: true },
    label: { check: f.text, required: true },
    linuxDriver: { check: f.driver, required: true },
    linuxDriverBranch: { check: f.positiveInt },
    windowsDriver: { check: f.driver },
    cudart: { check: f.listOf(f.cudaPatch) },
    forwardCompatBranches: { check: f.listOf(f.positiveInt) },
    compatDriver: { check: f.driver },
    componentSource: { check: f.text, source: true },
    ...sourced,
  },
  rowCheck: (row) => {
    const problems: FieldProblem[] = [];
    const version = row.version as string;
    const cudart = (row.cudart as string[] | undefined) ?? [];
    const family = majorMinor(version);
    for (const c of cudart) {
      if (majorMinor(c) !== family) problems.push(['cudart', `"${c}" is not a CUDA ${family} component version`]);
    }
    const ownBranch = driverBranch(row.linuxDriver as string);
    // a branch-only release's linuxDriver stands in for its branch: it must be a driver of that branch
    if (row.linuxDriverBranch !== undefined && row.linuxDriverBranch !== ownBranch) {
      problems.push(['linuxDriverBranch', `${row.linuxDriverBranch} is not the branch of linuxDriver "${row.linuxDriver}"`]);
    }
    const fc = row.forwardCompatBranches as number[] | undefined;
    // forward compatibility runs a newer toolkit on an older branch, never on its own or a newer one
    for (const b of fc ?? []) {
      if (b >= ownBranch) problems.push(['forwardCompatBranches', `${b} is not older than the release's own branch ${ownBranch}`]);
    }
    if (row.compatDriver !== undefined && compareDriver(row.compatDriver as string, row.linuxDriver as string) < 0) {
      problems.push(['compatDriver', `"${row.compatDriver}" is older than linuxDriver "${row.linuxDriver}"`]);
    }
    if ((cudart.length || fc || row.compatDriver) && row.componentSource === undefined) {
      problems.push(['componentSource', 'is missing: cudart, forwardCompatBranches and compatDriver need a source']);
    }
    return problems;
  },
};

export const MAJORS: TableSpec = {
  file: 'majors.yaml',
  list: 'majors',
  idField: 'major',
  fields: {
    major: { check: f.positiveInt, required: true },
    minorVersionCompat: { check: f.bool, required: true },
    minorCompatFloor: { check: f.driver },
    minorCompatBranch: { check: f.positiveInt },
    windowsMinorCompatFloor: { check: f.driver },
    ...sourced,
  },
  rowCheck: (row) => {
    if (row.minorVersionCompat && row.minorCompatFloor === undefined) {
      return [['minorCompatFloor', 'is missing: minorVersionCompat is true']];
    }
    if (!row.minorVersionCompat && (row.minorCompatFloor ?? row.windowsMinorCompatFloor) !== undefined) {
      return [['minorCompatFloor', 'is set although minorVersionCompat is false']];
    }
    return [];
  },
};

export const DRIVERS: TableSpec = {
  file: 'drivers.yaml',
  list: 'branches',
  idField: 'branch',
  fields: {
    branch: { check: f.positiveInt, required: true },
    cuda: { check: f.cudaMinor, required: true },
    kind: { check: f.oneOf(['LTSB', 'PB', 'NFB']) },
    eol: { check: f.eol },
    lifecycleSource: { check: f.text, source: true },
    ...sourced,
  },
  rowCheck: (row) =>
    (row.kind !== undefined || row.eol !== undefined) && row.lifecycleSource === undefined
      ? [['lifecycleSource', 'is missing: kind and eol need a source']]
      : [],
};

export const GPU_SEGMENTS = ['datacenter', 'workstation', 'consumer', 'jetson'] as const;

export const GPUS: TableSpec = {
  file: 'gpus.yaml',
  list: 'gpus',
  idField: 'name',
  fields: {
    name: { check: f.text, required: true },
    aliases: { check: f.listOf(f.text) },
    computeCapability: { check: f.computeCapability, required: true },
    architecture: { check: f.text, required: true },
    segment: { check: f.oneOf(GPU_SEGMENTS), required: true },
    datacenter: { check: f.bool, required: true },
    brands: { check: f.listOf(f.brand), required: true },
    brandSource: { check: f.text, source: true },
    firstDriverBranch: { check: f.positiveInt },
    lastDriverBranch: { check: f.positiveInt },
    minDriver: { check: f.driver },
    minDriverSource: { check: f.text, source: true },
    ...sourced,
  },
  rowCheck: (row) => {
    const problems: FieldProblem[] = [];
    const first = row.firstDriverBranch as number | undefined;
    const last = row.lastDriverBranch as number | undefined;
    if (first !== undefined && last !== undefined && first > last) {
      problems.push(['firstDriverBranch', `${first} is newer than lastDriverBranch ${last}`]);
    }
    if (row.minDriver !== undefined) {
      const floor = driverBranch(row.minDriver as string);
      if (row.minDriverSource === undefined) problems.push(['minDriverSource', 'is missing: minDriver needs a source']);
      if (first !== undefined && floor < first) problems.push(['minDriver', `"${row.minDriver}" is older than firstDriverBranch ${first}`]);
      if (last !== undefined && floor > last) problems.push(['minDriver', `"${row.minDriver}" is newer than lastDriverBranch ${last}`]);
    }
    if (row.datacenter === true && row.segment !== 'datacenter') {
      problems.push(['datacenter', `is true but segment is ${row.segment}`]);
    }
    return problems;
  },
};

export const ARCHS: TableSpec = {
  file: 'archs.yaml',
  list: 'toolkitArchs',
  idField: 'toolkit',
  fields: {
    toolkit: { check: f.cudaMinor, required: true },
    added: { check: f.listOf(f.smTarget) },
    removed: { check: f.listOf(f.smTarget) },
    deprecated: { check: f.listOf(f.smTarget) },
    ...sourced,
  },
};

/** The families and aliases tables share archs.yaml (and its `sources:`) with toolkitArchs. */
export const ARCH_FAMILIES: TableSpec = {
  file: 'archs.yaml',
  list: 'families',
  idField: 'family',
  fields: {
    family: { check: f.pattern(/^sm_\d+x$/, 'a family name like sm_10x'), required: true },
    members: { check: f.listOf(f.computeCapability, { nonEmpty: true }), required: true },
    ...sourced,
  },
  rowCheck: (row) => {
    const members = row.members as string[];
    const cc = (s: string) => s.split('.').map(Number);
    for (let i = 1; i < members.length; i++) {
      const [a, b] = [cc(members[i - 1]), cc(members[i])];
      if (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1])) return [['members', `are not ascending: "${members[i]}" follows "${members[i - 1]}"`]];
    }
    return [];
  },
};

export const ARCH_ALIASES: TableSpec = {
  file: 'archs.yaml',
  list: 'aliases',
  idField: 'from',
  fields: {
    from: { check: f.smTarget, required: true },
    to: { check: f.smTarget, required: true },
    usedFrom: { check: f.cudaMinor },
    usedThrough: { check: f.cudaMinor },
    ...sourced,
  },
  rowCheck: (row) => {
    const suffix = (s: string) => /[af]?$/.exec(s)![0];
    const problems: FieldProblem[] = [];
    if (row.from === row.to) problems.push(['to', `is the same target as from "${row.from}"`]);
    else if (suffix(row.from as string) !== suffix(row.to as string)) problems.push(['to', `"${row.to}" has another suffix than from "${row.from}"`]);
    if (row.usedFrom !== undefined && row.usedThrough !== undefined && compareVersions(row.usedFrom as string, row.usedThrough as string) > 0) {
      problems.push(['usedThrough', `"${row.usedThrough}" is older than usedFrom "${row.usedFrom}"`]);
    }
    return problems;
  },
};

export const LIBRARIES: TableSpec = {
  file: 'libraries.yaml',
  list: 'libraries',
  idField: 'library',
  fields: {
    library: { check: f.pattern(/^[A-Za-z][A-Za-z0-9]*$/, 'a library name like cudart or cublasLt'), required: true },
    sonameMajor: { check: f.positiveInt, required: true },
    cudaMajors: { check: f.listOf(f.positiveInt, { nonEmpty: true }), required: true },
    ...sourced,
  },
};

/** "2.16", "1.19.0": a framework release a row's version range starts or ends at */
const frameworkVersion = f.pattern(/^\d+(\.\d+){0,3}$/, 'a release version like "2.16" or "1.19.0"');

export const FRAMEWORKS: TableSpec = {
  file: 'frameworks.yaml',
  list: 'frameworks',
  idField: 'package',
  fields: {
    package: { check: f.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a normalised distribution name like onnxruntime-gpu'), required: true },
    from: { check: frameworkVersion },
    below: { check: frameworkVersion },
    cuda: { check: f.pattern(/^\d+(\.\d+)?$/, 'a CUDA version "12" or "12.1"'), required: true },
    cudnn: { check: f.pattern(/^\d+(\.\d+)?$/, 'a cuDNN version "9" or "8.9"') },
    ...sourced,
  },
  rowCheck: (row) => {
    if (row.from === undefined && row.below === undefined) return [['from', 'is missing: a row needs from, below or both']];
    if (row.from !== undefined && row.below !== undefined && compareVersions(row.from as string, row.below as string) >= 0) {
      return [['below', `"${row.below}" is not above from "${row.from}"`]];
    }
    return [];
  },
};

export const PTX: TableSpec = {
  file: 'ptx.yaml',
  list: 'ptxIsa',
  idField: 'isa',
  fields: {
    isa: { check: f.pattern(/^\d+\.\d+$/, 'a PTX ISA version like "9.0"'), required: true },
    cuda: { check: f.cudaMinor, required: true },
    driverBranch: { check: f.positiveInt },
    ...sourced,
  },
};

export const TABLES = [TOOLKITS, MAJORS, DRIVERS, GPUS, ARCHS, ARCH_FAMILIES, ARCH_ALIASES, LIBRARIES, FRAMEWORKS, PTX] as const;
export const META_FILE = 'meta.yaml';
