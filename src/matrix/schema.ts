/**
 * The shape of each matrix file as zod schemas: which lists a file holds, the fields of a row and the checks that tie
 * fields of one row together. The row types of types.ts are inferred from them. Checks across rows and files (unique
 * ids, references between tables) live in load.ts.
 */
import { z } from 'zod';
import { compareDriver, driverBranch } from '../common/driver-version';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import { say, sayPerKey } from '../common/schema-error';
import * as f from './fields';
import { compactName } from './gpu-names';

/** A bare word (no spaces) in a source field names an entry of the file's `sources:` map. */
export const SOURCE_KEY = /^[A-Za-z0-9][\w.-]*$/;

/**
 * A field that says where a fact was read: literal text, or a bare word naming an entry of the file's `sources:`
 * map. The loader resolves such keys once the row is checked (load.ts), so a row's type holds the text.
 */
export const sourceText = f.text.describe('source');

/** The fields of a row that cite a source (sourceText, optional or not), `source` first. */
export function sourceFields(spec: AnyTable): string[] {
  const fields = Object.entries(spec.fields as z.ZodRawShape)
    .filter(([, schema]) => schema === sourceText || (schema instanceof z.ZodOptional && schema.unwrap() === sourceText))
    .map(([name]) => name);
  return ['source', ...fields.filter((name) => name !== 'source')];
}

/** The fields every row has: where its facts were read and whether the research confirmed them. */
const sourced = {
  /** URL or document the fact was read from */
  source: sourceText,
  /** false = unconfirmed in the research; verdicts that rest on it become caveats */
  confirmed: f.bool,
  note: f.text.optional(),
  /** fields of this row that the research could not confirm although the row as a whole is ("brands") */
  unconfirmedFields: f.listOf(f.text).optional(),
};

/** Fields about a row rather than facts in it: they cannot be "unconfirmed". */
const SOURCED_META = Object.keys(sourced);

/** A problem found by a row check: the field it concerns and the rest of the sentence. */
export type FieldProblem = [field: string, phrase: string];

export interface TableSpec<S extends z.ZodRawShape = z.ZodRawShape, Row = unknown> {
  file: string;
  /** top-level key holding the rows */
  list: string;
  /** field naming a row in messages */
  idField: string;
  /** the fields of a row (no others) */
  fields: S;
  /** checks that tie fields of one row together; run once every field is fine */
  rowCheck?: (row: z.output<z.ZodObject<S>>) => FieldProblem[];
  /** the row as the matrix holds it: lists a row may leave out filled in */
  complete: (row: z.output<z.ZodObject<S>>) => Row;
  /** the id that makes two rows one fact, which an override row replaces (default: the idField's value) */
  key?: (row: Row) => string;
  /** how a report names a row (default: the idField's value) */
  label?: (row: Row) => string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTable = TableSpec<any, any>;
/** The row type of a table, as Matrix holds it. */
export type RowOf<T extends AnyTable> = T extends { complete: (row: never) => infer Row } ? Row : never;

function table<S extends z.ZodRawShape, Row = z.output<z.ZodObject<S>>>(spec: TableSpec<S, Row>): TableSpec<S, Row> {
  return spec;
}

const asIs = <T>(row: T): T => row;

/** The id that makes two rows of `spec` one fact: an override row replaces the shipped row of its key. */
export function rowKey<T extends AnyTable>(spec: T, row: RowOf<T>): string {
  return spec.key ? spec.key(row) : String((row as Record<string, unknown>)[spec.idField]);
}

/** How a report names a row of `spec`. */
export function rowLabel<T extends AnyTable>(spec: T, row: RowOf<T>): string {
  return spec.label ? spec.label(row) : String((row as Record<string, unknown>)[spec.idField]);
}

/**
 * One row of `spec`: its fields (no others), then its row checks and `unconfirmedFields` (once every field is fine),
 * then completed. Built once per table (a schema compiles its parser on first use).
 */
export function rowSchema<S extends z.ZodRawShape, Row>(spec: TableSpec<S, Row>) {
  let schema = rowSchemas.get(spec) as ReturnType<typeof buildRowSchema<S, Row>> | undefined;
  if (!schema) rowSchemas.set(spec, (schema = buildRowSchema(spec)));
  return schema;
}

const rowSchemas = new WeakMap<AnyTable, unknown>();

function buildRowSchema<S extends z.ZodRawShape, Row>(spec: TableSpec<S, Row>) {
  const known = Object.keys(spec.fields);
  const row = z.strictObject(spec.fields, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? sayPerKey(iss.keys, (key) => `unknown field "${key}" (known: ${known.join(', ')})`)
        : say('is not a mapping of fields'),
  }) as unknown as z.ZodObject<S>;
  return row
    .superRefine(
      (value, ctx) => {
        const problems = spec.rowCheck?.(value) ?? [];
        const record = value as Record<string, unknown>;
        for (const field of (record.unconfirmedFields as string[] | undefined) ?? []) {
          if (!known.includes(field) || record[field] === undefined || SOURCED_META.includes(field)) {
            problems.push(['unconfirmedFields', `names "${field}", which is not a fact field of this row`]);
          }
        }
        for (const [field, phrase] of problems) ctx.addIssue({ code: 'custom', path: [field], message: say(`${field} ${phrase}`) });
      },
      { when: (payload) => payload.issues.length === 0 },
    )
    .transform((value) => spec.complete(value));
}

export const META = z.strictObject(
  {
    /** data version, bumped on every change to matrix/ */
    version: f.pattern(/^\d{4}\.\d{2}\.\d{2}$/, 'a data version YYYY.MM.DD'),
    /** date the data was last reviewed (YYYY-MM-DD) */
    date: f.isoDate,
    note: f.text.optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? sayPerKey(iss.keys, (key) => `unknown field "${key}" (known: version, date, note)`)
        : say('expected a mapping with version, date, note'),
  },
);

export const TOOLKITS = table({
  file: 'toolkits.yaml',
  list: 'releases',
  idField: 'version',
  fields: {
    /** release version as CUDA_VERSION writes it: "12.4.1"; 11.0 uses 11.0.1 (RC) / 11.0.2 (GA) / 11.0.3 (U1) */
    version: f.cudaPatch,
    /** the release notes' name: "CUDA 12.4 Update 1" */
    label: f.text,
    /**
     * minimum Linux x86_64 driver (release notes Table 3). Where NVIDIA names only a driver branch (from CUDA 13.4 on),
     * the cautious stand-in: the first public driver of that branch found (`linuxDriverBranch` says so)
     */
    linuxDriver: f.driver,
    /** set where NVIDIA names only this driver branch for the release, no minimum driver ("R615") */
    linuxDriverBranch: f.positiveInt.optional(),
    windowsDriver: f.driver.optional(),
    /** cudart component versions this release ships ("12.4.127"); empty when not known */
    cudart: f.listOf(f.cudaPatch).optional(),
    /** driver branches NVIDIA's own images accept with forward compatibility (NVIDIA_REQUIRE_CUDA brand groups) */
    forwardCompatBranches: f.listOf(f.positiveInt).optional(),
    /** libcuda version in this release's cuda-compat package, when known */
    compatDriver: f.driver.optional(),
    /** where cudart / forwardCompatBranches / compatDriver were read (`source` is the driver table) */
    componentSource: sourceText.optional(),
    ...sourced,
  },
  rowCheck: (row) => {
    const problems: FieldProblem[] = [];
    const cudart = row.cudart ?? [];
    const family = majorMinor(row.version);
    for (const c of cudart) {
      if (majorMinor(c) !== family) problems.push(['cudart', `"${c}" is not a CUDA ${family} component version`]);
    }
    const ownBranch = driverBranch(row.linuxDriver);
    // a branch-only release's linuxDriver stands in for its branch: it must be a driver of that branch
    if (row.linuxDriverBranch !== undefined && row.linuxDriverBranch !== ownBranch) {
      problems.push(['linuxDriverBranch', `${row.linuxDriverBranch} is not the branch of linuxDriver "${row.linuxDriver}"`]);
    }
    const fc = row.forwardCompatBranches;
    // forward compatibility runs a newer toolkit on an older branch, never on its own or a newer one
    for (const b of fc ?? []) {
      if (b >= ownBranch) problems.push(['forwardCompatBranches', `${b} is not older than the release's own branch ${ownBranch}`]);
    }
    if (row.compatDriver !== undefined && compareDriver(row.compatDriver, row.linuxDriver) < 0) {
      problems.push(['compatDriver', `"${row.compatDriver}" is older than linuxDriver "${row.linuxDriver}"`]);
    }
    if ((cudart.length || fc || row.compatDriver) && row.componentSource === undefined) {
      problems.push(['componentSource', 'is missing: cudart, forwardCompatBranches and compatDriver need a source']);
    }
    return problems;
  },
  complete: (row) => ({ ...row, cudart: row.cudart ?? [] }),
  key: (row) => versionParts(row.version).join('.'),
});

export const MAJORS = table({
  file: 'majors.yaml',
  list: 'majors',
  idField: 'major',
  fields: {
    major: f.positiveInt,
    /** whether minor-version compatibility exists for this major (11 and later) */
    minorVersionCompat: f.bool,
    /** lowest Linux driver that runs any release of this major through minor-version compatibility */
    minorCompatFloor: f.driver.optional(),
    /**
     * The driver branch NVIDIA's current Table 2 names (">= 525"): a driver of this branch below minorCompatFloor is
     * inside NVIDIA's statement but below the cautious floor, so it is judged a caveat, not a failure.
     */
    minorCompatBranch: f.positiveInt.optional(),
    windowsMinorCompatFloor: f.driver.optional(),
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
  complete: asIs,
});

export const DRIVERS = table({
  file: 'drivers.yaml',
  list: 'branches',
  idField: 'branch',
  fields: {
    branch: f.positiveInt,
    /** the highest CUDA version the branch supports (what nvidia-smi prints as "CUDA Version") */
    cuda: f.cudaMinor,
    /** long-term support / production branch etc., informational: "LTSB" | "PB" | "NFB" */
    kind: f.oneOf(['LTSB', 'PB', 'NFB']).optional(),
    /** data-center end of life: "YYYY-MM", or "reached" for a branch NVIDIA lists as end of life */
    eol: f.eol.optional(),
    /** where kind / eol were read */
    lifecycleSource: sourceText.optional(),
    ...sourced,
  },
  rowCheck: (row) =>
    (row.kind !== undefined || row.eol !== undefined) && row.lifecycleSource === undefined ? [['lifecycleSource', 'is missing: kind and eol need a source']] : [],
  complete: asIs,
});

export const GPU_SEGMENTS = ['datacenter', 'workstation', 'consumer', 'jetson'] as const;

export const GPUS = table({
  file: 'gpus.yaml',
  list: 'gpus',
  idField: 'name',
  fields: {
    name: f.text,
    aliases: f.listOf(f.text).optional(),
    /** "8.0" */
    computeCapability: f.computeCapability,
    architecture: f.text,
    /** market segment */
    segment: f.oneOf(GPU_SEGMENTS),
    /** data-center part: eligible for forward compatibility */
    datacenter: f.bool,
    /** values `brand=` in NVIDIA_REQUIRE_CUDA may match for this GPU (lower case) */
    brands: f.listOf(f.brand),
    /** where the brand strings were read (public nvidia-smi -q outputs); absent while `brands` is a hedge */
    brandSource: sourceText.optional(),
    firstDriverBranch: f.positiveInt.optional(),
    lastDriverBranch: f.positiveInt.optional(),
    /**
     * A floor of this GPU (SKU) above its architecture's first branch: a branch ("595") or a full driver version
     * ("595.58.03"), compared part by part. Cloud and OEM SKUs publish such floors.
     */
    minDriver: f.driver.optional(),
    /** where minDriver was read (required with it) */
    minDriverSource: sourceText.optional(),
    ...sourced,
  },
  rowCheck: (row) => {
    const problems: FieldProblem[] = [];
    const first = row.firstDriverBranch;
    const last = row.lastDriverBranch;
    if (first !== undefined && last !== undefined && first > last) {
      problems.push(['firstDriverBranch', `${first} is newer than lastDriverBranch ${last}`]);
    }
    if (row.minDriver !== undefined) {
      const floor = driverBranch(row.minDriver);
      if (row.minDriverSource === undefined) problems.push(['minDriverSource', 'is missing: minDriver needs a source']);
      if (first !== undefined && floor < first) problems.push(['minDriver', `"${row.minDriver}" is older than firstDriverBranch ${first}`]);
      if (last !== undefined && floor > last) problems.push(['minDriver', `"${row.minDriver}" is newer than lastDriverBranch ${last}`]);
    }
    if (row.datacenter && row.segment !== 'datacenter') {
      problems.push(['datacenter', `is true but segment is ${row.segment}`]);
    }
    return problems;
  },
  complete: (row) => ({ ...row, aliases: row.aliases ?? [] }),
  key: (row) => compactName(row.name),
});

/** What one toolkit minor changed in the GPU targets nvcc can compile for (sm_XY; compute_XY follows). */
export const ARCHS = table({
  file: 'archs.yaml',
  list: 'toolkitArchs',
  idField: 'toolkit',
  fields: {
    /** toolkit major.minor: "12.8" */
    toolkit: f.cudaMinor,
    added: f.listOf(f.smTarget).optional(),
    removed: f.listOf(f.smTarget).optional(),
    /** still buildable, announced for removal */
    deprecated: f.listOf(f.smTarget).optional(),
    ...sourced,
  },
  complete: (row) => ({ ...row, added: row.added ?? [], removed: row.removed ?? [], deprecated: row.deprecated ?? [] }),
});

/**
 * The families and aliases tables share archs.yaml (and its `sources:`) with toolkitArchs. A family (research
 * field-2026-12 §1.3; LLVM NVPTX.td `SMFamilies`): family-specific code (sm_XYf, compute_XYf) for member X.Y runs on
 * every member of the same family with an equal or higher minor.
 */
export const ARCH_FAMILIES = table({
  file: 'archs.yaml',
  list: 'families',
  idField: 'family',
  fields: {
    /** "sm_10x" */
    family: f.pattern(/^sm_\d+x$/, 'a family name like sm_10x'),
    /** member compute capabilities, ascending: ["10.0", "10.3", "10.7"] */
    members: f.listOf(f.computeCapability, { nonEmpty: true }),
    ...sourced,
  },
  rowCheck: (row) => {
    const members = row.members;
    const cc = (s: string) => s.split('.').map(Number);
    for (let i = 1; i < members.length; i++) {
      const [a, b] = [cc(members[i - 1]), cc(members[i])];
      if (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1])) return [['members', `are not ascending: "${members[i]}" follows "${members[i - 1]}"`]];
    }
    return [];
  },
  complete: asIs,
});

/** An old name of a GPU target: sm_101 was Thor's name through CUDA 12.9, sm_110 from 13.0 (same hardware). */
export const ARCH_ALIASES = table({
  file: 'archs.yaml',
  list: 'aliases',
  idField: 'from',
  fields: {
    /** the old name: "sm_101", "sm_101a", "sm_101f" (compute_XY follows) */
    from: f.smTarget,
    /** what it names: "sm_110" */
    to: f.smTarget,
    /** first and last toolkit minor that wrote the old name */
    usedFrom: f.cudaMinor.optional(),
    usedThrough: f.cudaMinor.optional(),
    ...sourced,
  },
  rowCheck: (row) => {
    const suffix = (s: string) => /[af]?$/.exec(s)![0];
    const problems: FieldProblem[] = [];
    if (row.from === row.to) problems.push(['to', `is the same target as from "${row.from}"`]);
    else if (suffix(row.from) !== suffix(row.to)) problems.push(['to', `"${row.to}" has another suffix than from "${row.from}"`]);
    if (row.usedFrom !== undefined && row.usedThrough !== undefined && compareVersions(row.usedFrom, row.usedThrough) > 0) {
      problems.push(['usedThrough', `"${row.usedThrough}" is older than usedFrom "${row.usedFrom}"`]);
    }
    return problems;
  },
  complete: asIs,
});

/** Which CUDA major a library's soname major implies ("libcublas.so.12" -> CUDA 12). */
export const LIBRARIES = table({
  file: 'libraries.yaml',
  list: 'libraries',
  idField: 'library',
  fields: {
    /** evidence kind the rule applies to: cudart, cublas, nvrtc, … */
    library: f.pattern(/^[A-Za-z][A-Za-z0-9]*$/, 'a library name like cudart or cublasLt'),
    sonameMajor: f.positiveInt,
    cudaMajors: f.listOf(f.positiveInt, { nonEmpty: true }),
    ...sourced,
  },
  complete: asIs,
  key: (row) => `${row.library.toLowerCase()} ${row.sonameMajor}`,
  label: (row) => `${row.library} ${row.sonameMajor}`,
});

/** "2.16", "1.19.0": a framework release a row's version range starts or ends at */
const frameworkVersion = f.pattern(/^\d+(\.\d+){0,3}$/, 'a release version like "2.16" or "1.19.0"');

/**
 * Which CUDA a Python framework release was built for, where its files do not say (no `+cuXYZ` tag, no generated
 * build-info file): the PyPI wheel of onnxruntime-gpu 1.19+ is for CUDA 12, TensorFlow 2.16 was tested with 12.3.
 */
export const FRAMEWORKS = table({
  file: 'frameworks.yaml',
  list: 'frameworks',
  idField: 'package',
  fields: {
    /** normalised distribution name (PEP 503): "onnxruntime-gpu", "tensorflow", "vllm" */
    package: f.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a normalised distribution name like onnxruntime-gpu'),
    /** first release the row covers (inclusive); absent = every release below `below` */
    from: frameworkVersion.optional(),
    /** first release the row no longer covers (exclusive); absent = open-ended */
    below: frameworkVersion.optional(),
    /** CUDA the build is for: "12" (any 12.x) or "12.3" */
    cuda: f.pattern(/^\d+(\.\d+)?$/, 'a CUDA version "12" or "12.1"'),
    /** cuDNN the build is for: "9" or "8.9" */
    cudnn: f.pattern(/^\d+(\.\d+)?$/, 'a cuDNN version "9" or "8.9"').optional(),
    ...sourced,
  },
  rowCheck: (row) => {
    if (row.from === undefined && row.below === undefined) return [['from', 'is missing: a row needs from, below or both']];
    if (row.from !== undefined && row.below !== undefined && compareVersions(row.from, row.below) >= 0) {
      return [['below', `"${row.below}" is not above from "${row.from}"`]];
    }
    return [];
  },
  complete: asIs,
  key: (row) => `${row.package} ${row.from ?? ''}`,
  label: (row) => `${row.package}${row.from !== undefined ? ` >=${row.from}` : ''}${row.below !== undefined ? ` <${row.below}` : ''}`,
});

/**
 * A framework's wheel index variant (PyTorch's download.pytorch.org/whl/cu126 …) for a range of releases: the CUDA it
 * is built with and the GPU code its wheels carry (TORCH_CUDA_ARCH_LIST), for planning what a fleet can install.
 */
export const WHEEL_INDEXES = table({
  file: 'frameworks.yaml',
  list: 'wheelIndexes',
  idField: 'index',
  fields: {
    /** normalised distribution name (PEP 503): "torch" */
    package: f.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a normalised distribution name like torch'),
    /** the index variant as its URL names it: "cu126" */
    index: f.pattern(/^cu\d{3,4}$/, 'an index variant like cu126'),
    /** first release the row covers (inclusive) */
    from: frameworkVersion,
    /** first release the row no longer covers (exclusive); absent = open-ended */
    below: frameworkVersion.optional(),
    /** the CUDA the wheels are built with: a release "13.0.2", or only its minor "12.6" */
    cuda: f.pattern(/^\d+\.\d+(\.\d+)?$/, 'a CUDA version "12.6" or "13.0.2"'),
    /** compute capabilities the wheels carry SASS for (x86_64) */
    sass: f.listOf(f.computeCapability, { nonEmpty: true }),
    /** compute capabilities the wheels carry PTX for ("+PTX"); empty: none */
    ptx: f.listOf(f.computeCapability).optional(),
    ...sourced,
  },
  rowCheck: (row) => {
    if (row.below !== undefined && compareVersions(row.from, row.below) >= 0) return [['below', `"${row.below}" is not above from "${row.from}"`]];
    if (majorMinor(row.cuda) !== `${row.index.slice(2, -1)}.${row.index.slice(-1)}`) return [['cuda', `"${row.cuda}" is not the CUDA of index ${row.index}`]];
    return [];
  },
  complete: (row) => ({ ...row, ptx: row.ptx ?? [] }),
  key: (row) => `${row.package} ${row.index} ${row.from}`,
  label: (row) => `${row.package} ${row.index} >=${row.from}${row.below !== undefined ? ` <${row.below}` : ''}`,
});

/** A PTX ISA version and the CUDA release that introduced it: PTX that a driver older than that release cannot JIT. */
export const PTX = table({
  file: 'ptx.yaml',
  list: 'ptxIsa',
  idField: 'isa',
  fields: {
    /** PTX ISA version as `.version` writes it: "9.0" */
    isa: f.pattern(/^\d+\.\d+$/, 'a PTX ISA version like "9.0"'),
    /** CUDA toolkit minor that writes it: "13.0" */
    cuda: f.cudaMinor,
    /** driver branch NVIDIA's PTX release history names for it ("driver r580"), where it names one */
    driverBranch: f.positiveInt.optional(),
    ...sourced,
  },
  complete: asIs,
});

/**
 * A driver library the NVIDIA container runtime mounts from the host (libnvidia-container's utility and compute
 * lists): present at run time whatever the image holds.
 */
export const HOST_LIBS = table({
  file: 'host-libs.yaml',
  list: 'hostLibs',
  idField: 'library',
  fields: {
    /** the name prefix the runtime looks the library up by: "libcuda.so" (DT_NEEDED libcuda.so.1 matches) */
    library: f.pattern(/^lib[A-Za-z0-9_+-]+\.so$/, 'a library name prefix like libcuda.so'),
    /** the NVIDIA_DRIVER_CAPABILITIES value that mounts it */
    capability: f.pattern(/^(utility|compute)$/, 'utility or compute'),
    ...sourced,
  },
  complete: asIs,
});

export const TABLES = [TOOLKITS, MAJORS, DRIVERS, GPUS, ARCHS, ARCH_FAMILIES, ARCH_ALIASES, LIBRARIES, FRAMEWORKS, WHEEL_INDEXES, PTX, HOST_LIBS] as const;
export const META_FILE = 'meta.yaml';

/** The fields every row shares. */
export const SOURCED_ROW = z.object(sourced);

/** `sources:` of a file: short keys naming the texts that rows cite by key. */
export const SOURCES = z.record(
  z.string().regex(SOURCE_KEY, { error: (iss) => say(`sources key "${String(iss.input)}" must be one word`) }),
  z
    .string({ error: (iss) => say(`sources.${String(iss.path?.[iss.path.length - 1])} must be a non-empty text`) })
    .refine((s) => s.trim() !== '', { error: (iss) => say(`sources.${String(iss.path?.[iss.path.length - 1])} must be a non-empty text`) }),
  { error: (iss) => (iss.code === 'invalid_key' ? undefined : say('"sources" must map short keys to source texts')) },
);

/**
 * The top level of a matrix file (`tables` share it: archs.yaml holds three): each table's list of rows, non-empty,
 * and optionally `sources:`. The rows themselves are checked by rowSchema, once the sources are known. An overrides
 * file may hold any of the tables, and says what it cannot override.
 */
export function fileSchema(tables: readonly AnyTable[], opts: { overrides?: boolean } = {}) {
  const key = `${tables.map((t) => t.list).join()}${opts.overrides ? ' overrides' : ''}`;
  let schema = fileSchemas.get(key);
  if (!schema) fileSchemas.set(key, (schema = buildFileSchema(tables, opts)));
  return schema;
}

const fileSchemas = new Map<string, ReturnType<typeof buildFileSchema>>();

function buildFileSchema(tables: readonly AnyTable[], opts: { overrides?: boolean }) {
  const lists = tables.map((t) => t.list);
  const shape: Record<string, z.ZodType> = { sources: SOURCES.optional() };
  for (const list of lists) {
    // the rows themselves are rowSchema's: here only that there is a list of them
    const rows = z.custom<unknown[]>((v) => Array.isArray(v) && v.length > 0, { error: () => say(`"${list}" must be a non-empty list of rows`) });
    shape[list] = opts.overrides ? rows.optional() : rows;
  }
  const expected = [...lists, 'sources'].join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        return sayPerKey(iss.keys, (key) => {
          const hint = opts.overrides && (key === 'meta' || key === 'version') ? ' (the matrix version and date are not overridden)' : '';
          return `unknown top-level key "${key}"${hint} (expected ${expected})`;
        });
      }
      return say(
        opts.overrides
          ? `expected a mapping of tables (${lists.join(', ')}; and optionally sources) at the top`
          : `expected a mapping with ${lists.map((l) => `"${l}:"`).join(', ')} (and optionally "sources:") at the top`,
      );
    },
  });
}
