/**
 * The report as a SARIF 2.1.0 log for GitHub code scanning (`github/codeql-action/upload-sarif`): one rule per reason
 * code (the catalogue below, the texts of README's reason-code table), one result per image × target that fails or
 * has caveats, at the line that brought the CUDA stack in (the caller's Dockerfile anchor), else at the target's entry
 * in the targets file, else at the targets file. Pure: the shells read the files and say where they are.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { sanitizeControl } from '../common/control-chars';
import type { Verdict } from '../model/verdict';
import type { Reason, ReasonCode, Result } from '../verdict/types';
import { stepOf } from '../verdict/wording';
import type { Report, ReportImage } from './types';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
/** Where the tool is documented. The action passes its own repository's README (GITHUB_ACTION_REPOSITORY). */
export const DEFAULT_INFORMATION_URI = 'https://github.com/ORG/cuda-gate#readme';
/** partialFingerprints key: sha256 of image source, target and decisive code. Bump the suffix if its input changes. */
export const FINGERPRINT_KEY = 'cudaGateResult/v1';
/** SARIF's base for repository-relative URIs (code scanning resolves it to the checkout). */
export const SRCROOT = '%SRCROOT%';

/** The verdict a code usually gives: `policy` for NO_CUDA_FOUND (no-cuda), `pass` for informational ones. */
type UsualVerdict = Verdict | 'policy';

interface RuleText {
  /** PascalCase name for tools that show names */
  name: string;
  verdict: UsualVerdict;
  /** where the code applies: both runtimes, or the legacy hook only */
  runtime: 'both' | 'legacy only';
  /** one line: what goes wrong */
  short: string;
  /** when it is reported (README's table, markdown) */
  when: string;
  /** the remedy pattern the reason's own remedy fills in (markdown) */
  fix: string;
}

/**
 * Every reason code, in README's order: the one place the SARIF rules' texts live. A new ReasonCode does not compile
 * until it has an entry; __tests__/report/sarif.test.ts checks the list against README's table.
 */
export const REASON_RULES: Record<ReasonCode, RuleText> = {
  DRIVER_TOO_OLD: {
    name: 'DriverTooOld',
    verdict: 'fail',
    runtime: 'both',
    short: "The host driver is too old for the image's CUDA",
    when: "The driver is below what the image's CUDA needs even with minor-version compatibility (e.g. CUDA 12.x on R470), and forward compatibility does not rescue it: the runtime refuses the driver at CUDA initialisation.",
    fix: 'Upgrade the host driver to the minimum the message names, or build the image on a CUDA release the driver supports, or (data-center GPUs) ship `cuda-compat` and set `forward-compat: true` on a supported branch.',
  },
  MINOR_VERSION_COMPAT: {
    name: 'MinorVersionCompat',
    verdict: 'caveat',
    runtime: 'both',
    short: 'Runs only through CUDA minor-version compatibility',
    when: "The driver is between the CUDA major's floor (12.x: 525.60.13) and the release's own minimum (12.4.1: 550.54.15): it runs, but no JIT of newer PTX and some APIs return `cudaErrorCallRequiresNewerDriver`. A driver of the floor's branch below the patch-level floor is also this caveat, saying so.",
    fix: 'Upgrade the host driver to the release minimum for full support, or make sure the image ships SASS for the target GPU (no PTX JIT).',
  },
  FORWARD_COMPAT: {
    name: 'ForwardCompat',
    verdict: 'caveat',
    runtime: 'both',
    short: "Runs only through the image's forward-compatibility libraries",
    when: 'The driver is too old, but the image ships `cuda-compat` libs, the target sets `forward-compat: true`, the GPU is (or may be) a data-center part and the driver branch is one NVIDIA supports for that CUDA version.',
    fix: 'Forward compatibility works on data-center GPUs only and needs the NVIDIA Container Toolkit to mount the compat libs; upgrading the host driver to the minimum the message names removes the dependency.',
  },
  REQUIRE_UNSATISFIED: {
    name: 'RequireUnsatisfied',
    verdict: 'fail',
    runtime: 'legacy only',
    short: "The image's NVIDIA_REQUIRE_* stops docker run --gpus",
    when: 'The image\'s `NVIDIA_REQUIRE_*` (or the `cuda>=X.Y` implied by `CUDA_VERSION`) is not met by the target, and `NVIDIA_DISABLE_REQUIRE` is not set: the legacy hook (`docker run --gpus`) refuses to start it ("unsatisfied condition: cuda>=12.4").',
    fix: 'Upgrade the host driver to one that meets the requirement, or build on a CUDA release it meets; `NVIDIA_DISABLE_REQUIRE=true` is offered only when the image would run without the check.',
  },
  REQUIRE_INVALID: {
    name: 'RequireInvalid',
    verdict: 'fail',
    runtime: 'legacy only',
    short: "The image's NVIDIA_REQUIRE_* or CUDA_VERSION cannot be parsed by the container toolkit",
    when: 'libnvidia-container\'s `dsl.c` reaches a term it rejects ("requirement error: invalid expression"), or `CUDA_VERSION` is not a version the toolkit\'s parser reads while `NVIDIA_REQUIRE_CUDA` is unset: the legacy hook refuses to start the container.',
    fix: 'Fix the variable (terms look like `cuda>=12.4` or `brand=tesla,driver>=535,driver<536`), or set `NVIDIA_DISABLE_REQUIRE=true` in the image when it runs without the check.',
  },
  REQUIRE_UNCERTAIN: {
    name: 'RequireUncertain',
    verdict: 'caveat',
    runtime: 'legacy only',
    short: "Whether the image's NVIDIA_REQUIRE_* is met depends on the GPU",
    when: 'Whether `NVIDIA_REQUIRE_*` is met depends on the GPU (its NVML brand or compute capability) and the target names no GPU (or one whose brand the matrix does not pin down), or the driver is newer than every branch the matrix knows.',
    fix: "Name the target's GPU (`gpu:` in the targets file) so the requirement can be judged, or add the driver branch with a matrix override.",
  },
  MIXED_CUDA_MAJORS: {
    name: 'MixedCudaMajors',
    verdict: 'caveat',
    runtime: 'both',
    short: 'The image carries components of two CUDA majors',
    when: 'The image carries components of two CUDA majors (e.g. cuDNN for CUDA 11 beside a CUDA 12 runtime).',
    fix: "Keep one CUDA major: use that major's builds of every component (e.g. `libcudnn9-cuda-12`, `nvidia-*-cu12` wheels), or remove the unused toolkit.",
  },
  NO_CUDA_FOUND: {
    name: 'NoCudaFound',
    verdict: 'policy',
    runtime: 'both',
    short: 'No CUDA found in the image',
    when: 'No CUDA runtime, library, package or `NVIDIA_REQUIRE_*` anywhere in the image. The verdict follows the `no-cuda` policy (pass, warn = caveat, fail).',
    fix: 'If the image should use the GPU, check that the CUDA libraries made it into the final stage; if it is CPU-only, set `no-cuda: pass` for it.',
  },
  UNKNOWN_CUDA_RELEASE: {
    name: 'UnknownCudaRelease',
    verdict: 'caveat',
    runtime: 'both',
    short: 'A CUDA version the compatibility matrix does not know',
    when: "A CUDA version the matrix does not know (a fail when the driver is below every earlier release's minimum); when it is newer than every release the matrix knows, the message says so.",
    fix: 'Upgrade cuda-gate, or add the release with a matrix override (`--matrix-overrides`, input `matrix-overrides`).',
  },
  UNCONFIRMED_MATRIX_ROW: {
    name: 'UnconfirmedMatrixRow',
    verdict: 'caveat',
    runtime: 'both',
    short: 'The pass rests on a matrix row that could not be confirmed',
    when: "The pass rests on a matrix row the research could not confirm, and another update of the same CUDA minor needs a newer driver than the target's.",
    fix: 'Use a driver at or above the newest minimum of that CUDA minor to be safe, or confirm the row with a matrix override.',
  },
  DRIVER_BRANCH_EOL: {
    name: 'DriverBranchEol',
    verdict: 'pass',
    runtime: 'both',
    short: "The target's driver branch is past its end of life",
    when: "Informational, never changes the verdict: the target's driver branch is past its end of life as of the matrix date.",
    fix: 'Move the hosts to the newest long-term support or production branch not past its end of life (the message names it).',
  },
  DRIVER_LIBS_IN_IMAGE: {
    name: 'DriverLibsInImage',
    verdict: 'caveat',
    runtime: 'both',
    short: "The image carries the driver's own libcuda.so",
    when: "The image carries the driver's own `libcuda.so` outside a compat directory: it can shadow the library the NVIDIA container toolkit mounts from the host. Kept only where the loader model cannot decide.",
    fix: 'Remove `libcuda.so*` from the image (install `cuda-compat` for forward compatibility instead) and let the container toolkit mount the host driver.',
  },
  DECLARED_CUDA_UNSATISFIED: {
    name: 'DeclaredCudaUnsatisfied',
    verdict: 'fail',
    runtime: 'both',
    short: "The image's conda/pixi environment declares a CUDA the driver does not support",
    when: "The image's conda/pixi environment declares the driver must support CUDA >= X (`__cuda >=X` in a package's depends, pixi `system-requirements cuda = \"X\"`) and the target's driver supports less.",
    fix: "Upgrade the host driver to one that supports the declared CUDA, or re-solve the environment for the host's CUDA (pin `cuda-version`, or set pixi's `system-requirements`).",
  },
  SCAN_INCOMPLETE: {
    name: 'ScanIncomplete',
    verdict: 'fail',
    runtime: 'both',
    short: 'A layer could not be read completely',
    when: 'A layer hit a read limit and was not read completely (truncated tar, decompression bomb, too many entries, over-long names): an image the gate could not read whole does not pass.',
    fix: 'Check the image; if the layer is legitimate, report it with the numbers the finding names.',
  },
  GPU_UNSUPPORTED_BY_DRIVER: {
    name: 'GpuUnsupportedByDriver',
    verdict: 'fail',
    runtime: 'both',
    short: "The target's driver branch does not support its GPU",
    when: "The target's driver branch predates the GPU (e.g. B200 on R550) or has dropped it (Volta after R580).",
    fix: 'Upgrade the host driver to a branch that supports the GPU, or stay on the last branch that still supports it.',
  },
  NO_KERNEL_FOR_GPU: {
    name: 'NoKernelForGpu',
    verdict: 'fail',
    runtime: 'both',
    short: "A binary has no kernel for the target's GPU",
    when: 'A binary with CUDA device code carries neither SASS that runs on the target GPU nor PTX it can JIT: "no kernel image is available for execution on the device".',
    fix: 'Rebuild the binary with `-gencode arch=compute_XY,code=sm_XY` for the GPU (or with PTX: `code=compute_XY`), or use a build of the framework that targets it.',
  },
  RUNTIME_HELPER_ONLY: {
    name: 'RuntimeHelperOnly',
    verdict: 'caveat',
    runtime: 'both',
    short: "A binary's only device code is the CUDA runtime's helper module",
    when: 'A binary whose only device code is one small cubin without PTX (the module `cudart_static` links into every binary) cannot run kernels on the GPU: harmless unless the binary launches kernels itself.',
    fix: 'Nothing if the binary launches no kernels of its own (a wrapper such as libcufftw); otherwise rebuild it with SASS or PTX for the GPU.',
  },
  PTX_JIT_NEEDS_NEWER_DRIVER: {
    name: 'PtxJitNeedsNewerDriver',
    verdict: 'fail',
    runtime: 'both',
    short: "The GPU is covered only by PTX newer than the driver's JIT",
    when: 'The GPU is covered only by PTX, and the driver is older than the toolkit that wrote it: "the provided PTX was compiled with an unsupported toolchain"; minor-version compatibility does not cover PTX.',
    fix: 'Upgrade the host driver to the minimum the message names, or rebuild the binary with SASS for the GPU, or with a CUDA release whose PTX the driver can JIT.',
  },
  PTX_JIT: {
    name: 'PtxJit',
    verdict: 'caveat',
    runtime: 'both',
    short: 'The GPU is covered only by PTX the driver JIT-compiles',
    when: 'The GPU is covered only by PTX the driver can JIT: it runs, but the first launch JIT-compiles (slow start-up; the JIT cache matters).',
    fix: 'Add SASS for the GPU (`-gencode arch=compute_XY,code=sm_XY`), or keep the JIT cache on a persistent volume (`CUDA_CACHE_PATH`) large enough for it (`CUDA_CACHE_MAXSIZE`).',
  },
  GPU_UNSUPPORTED_BY_TOOLKIT: {
    name: 'GpuUnsupportedByToolkit',
    verdict: 'fail',
    runtime: 'both',
    short: "The image's CUDA toolkit cannot target the GPU",
    when: "The image's CUDA toolkit cannot target the GPU: the architecture was dropped (CUDA 13 on a V100), or the GPU is newer than the toolkit and no device code was found to show PTX it could JIT.",
    fix: 'Build the image on a CUDA release that targets the GPU (older for dropped architectures, newer for new GPUs), or deploy it on a GPU the toolkit supports.',
  },
  CUDA_LIBRARY_MISSING: {
    name: 'CudaLibraryMissing',
    verdict: 'fail',
    runtime: 'both',
    short: "The dynamic loader does not find a binary's CUDA library",
    when: 'A binary\'s `DT_NEEDED` CUDA library (runtime, math libraries, cuDNN, NCCL, NVRTC, nvJitLink) resolves nowhere: "error while loading shared libraries". A caveat when the file is in the image but off the search path.',
    fix: "Install the library in the final image (the `nvidia/cuda:X.Y.x-runtime` base, the `libcublas-X-Y` package, the `nvidia-cublas-cuX` wheel), or put its directory on the loader's path.",
  },
  COMPAT_ON_UNSUPPORTED_GPU: {
    name: 'CompatOnUnsupportedGpu',
    verdict: 'fail',
    runtime: 'both',
    short: "The image's forward-compat libcuda is loaded on a GPU that does not support it",
    when: 'The loader picks an image `libcuda.so.1` from a CUDA compat directory before the host\'s and the target\'s GPU is not a data-center part: "CUDA error 804: forward compatibility was attempted on non supported HW".',
    fix: "Take the compat directory off the loader's path (`LD_LIBRARY_PATH`, `ld.so.conf.d`, RPATH) and let the NVIDIA container toolkit mount compat libs only where they apply.",
  },
  DRIVER_LIB_MISMATCH: {
    name: 'DriverLibMismatch',
    verdict: 'fail',
    runtime: 'both',
    short: "The image's libcuda cannot work with the host's kernel driver",
    when: 'The loader picks an image `libcuda.so.1` before the host\'s and it cannot work with the host\'s kernel driver (another branch, an older compat library, an unsupported forward-compat branch): "CUDA error 803: system has unsupported display driver / cuda driver combination".',
    fix: "Remove the image's `libcuda.so*` (or its directory from the loader's path) and let the NVIDIA container toolkit mount the host's driver.",
  },
};

// ---- the SARIF shapes written (a subset of the 2.1.0 schema) ---------------------------------------------------

export interface SarifRegion {
  startLine: number;
}

export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: SarifRegion };
  message?: { text: string };
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: { image: string; target: string; verdict: Verdict; codes: string[]; waived?: boolean; decidedBy?: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: 'cuda-gate'; version: string; semanticVersion?: string; informationUri: string; rules: SarifRule[] } };
    results: SarifResult[];
    columnKind: 'utf16CodeUnits';
    properties: { matrix: { version: string; date: string }; policy: Report['policy']; summary: Report['summary'] };
  }[];
}

// ---- building ----------------------------------------------------------------------------------------------

/** A file in the repository (or elsewhere) and, when known, the line a result points at. */
export interface SourceSpot {
  /** relative to the repository root, or an absolute file: URI (sarifUri makes one from a path) */
  uri: string;
  line?: number;
}

export interface SarifOptions {
  /** the targets file: a result without a Dockerfile line points at its target's entry there (its text: to find it) */
  targetsFile?: { uri: string; text?: string };
  /**
   * The Dockerfile line that brought the CUDA stack in for this result (the action's annotation anchor); a spot
   * without a line is used only when the targets file is unknown.
   */
  dockerfile?: (image: ReportImage | undefined, reason: Reason | undefined, result: Result) => SourceSpot | undefined;
  informationUri?: string;
}

const LEVEL: Record<UsualVerdict, SarifLevel> = { fail: 'error', caveat: 'warning', policy: 'warning', pass: 'note' };

export function buildSarif(report: Report, opts: SarifOptions = {}): SarifLog {
  const informationUri = opts.informationUri ?? DEFAULT_INFORMATION_URI;
  const codes = Object.keys(REASON_RULES) as ReasonCode[];
  // rules link to the README's table only where the tool's real home is known (the action's repository)
  const rules = codes.map((code) => ruleFor(code, opts.informationUri));
  const ruleIndex = new Map(codes.map((c, i) => [c as string, i]));
  const images = new Map(report.images.map((i) => [i.source, i]));
  const targetLines = opts.targetsFile?.text !== undefined ? targetEntryLines(opts.targetsFile.text) : new Map<string, number>();

  const results: SarifResult[] = [];
  for (const result of report.results) {
    const waived = result.waived ? true : undefined;
    if (result.verdict === 'pass' && !waived) continue;
    const reason = decisiveReason(result);
    if (!reason || !ruleIndex.has(reason.code)) continue;
    const image = images.get(result.image);
    results.push({
      ruleId: reason.code,
      ruleIndex: ruleIndex.get(reason.code)!,
      level: waived ? 'note' : result.verdict === 'fail' ? 'error' : 'warning',
      message: { text: messageText(result, reason) },
      locations: locationsFor(result, reason, image, opts, targetLines),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(result.image, result.target, reason.code) },
      properties: {
        image: result.image,
        target: result.target,
        verdict: result.verdict,
        codes: [...new Set(result.reasons.map((r) => r.code))],
        ...(waived && { waived }),
        ...(result.runtimes?.decidedBy && { decidedBy: result.runtimes.decidedBy }),
      },
    });
  }

  const version = report.tool.version;
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'cuda-gate',
            version,
            ...(SEMVER.test(version) && { semanticVersion: version }),
            informationUri,
            rules,
          },
        },
        results,
        columnKind: 'utf16CodeUnits',
        properties: { matrix: { version: report.matrix.version, date: report.matrix.date }, policy: report.policy, summary: report.summary },
      },
    ],
  };
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The reason that decides the verdict: the first whose verdict is the result's, else the first. */
export function decisiveReason(result: Result): Reason | undefined {
  return result.reasons.find((r) => r.verdict === result.verdict) ?? result.reasons[0];
}

/** Stable across runs: the same image source, target and decisive code give the same alert. */
export function fingerprint(image: string, target: string, code: string): string {
  return createHash('sha256').update(`${image}\0${target}\0${code}`).digest('hex').slice(0, 32);
}

function ruleFor(code: ReasonCode, informationUri: string | undefined): SarifRule {
  const r = REASON_RULES[code];
  const verdict = r.verdict === 'policy' ? 'per the no-cuda policy' : r.verdict === 'pass' ? 'pass (informational)' : r.verdict;
  const step = stepOf(code);
  const facts = `Verdict: ${verdict}. Runtime: ${r.runtime}.${step ? ` Step: ${step}.` : ''}`;
  const docs = informationUri && `${informationUri.replace(/#.*$/, '')}#verdicts-and-reason-codes`;
  return {
    id: code,
    name: r.name,
    shortDescription: { text: r.short },
    fullDescription: { text: plain(r.when) },
    help: {
      text: `${plain(r.when)}\n\nFix: ${plain(r.fix)}\n\n${facts}`,
      markdown: `**${code}** — ${facts}\n\n**What it means.** ${r.when}\n\n**Fix.** ${r.fix} The alert's message names the versions, files and layers of this image and target.${docs ? `\n\nSee [Verdicts and reason codes](${docs}).` : ''}`,
    },
    ...(docs && { helpUri: docs }),
    defaultConfiguration: { level: LEVEL[r.verdict] },
    properties: { tags: ['cuda', 'container', 'deployment', ...(step ? [step.toLowerCase().replace(/ /g, '-')] : [])] },
  };
}

/** Markdown to plain text: code spans lose their backticks. */
function plain(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1');
}

function messageText(result: Result, reason: Reason): string {
  const head = `${oneLine(result.image)} on ${oneLine(result.target)}: ${result.verdict}.`;
  const lines = [`${head} ${reason.code}: ${oneLine(reason.message)}`];
  // the targets file's waivers cover it (verdict/waivers.ts): it does not gate, and says until when and why
  if (result.waived) lines.push(`Waived until ${oneLine(result.waived.expires)}: ${oneLine(result.waived.reason)}.`);
  if (reason.remedy) lines.push(`Fix: ${oneLine(reason.remedy)}`);
  const others = [...new Set(result.reasons.filter((r) => r !== reason && r.verdict !== 'pass').map((r) => r.code))].filter((c) => c !== reason.code);
  if (others.length) lines.push(`Also: ${others.join(', ')}.`);
  return lines.join('\n');
}

/** Image content reaches messages: no control characters, one line each. */
function oneLine(s: string): string {
  return sanitizeControl(s, { as: 'space' }).replace(/ {2,}/g, ' ').trim();
}

function locationsFor(result: Result, reason: Reason, image: ReportImage | undefined, opts: SarifOptions, targetLines: Map<string, number>): SarifLocation[] {
  const df = opts.dockerfile?.(image, reason, result);
  if (df?.line !== undefined) return [location(df, 'the Dockerfile line that brought the CUDA stack in')];
  if (opts.targetsFile) {
    const line = targetLines.get(result.target);
    return [location({ uri: opts.targetsFile.uri, line }, line !== undefined ? `target ${oneLine(result.target)}` : 'the targets file')];
  }
  return df ? [location(df, 'the Dockerfile the image was built from')] : [];
}

function location(spot: SourceSpot, what: string): SarifLocation {
  return {
    physicalLocation: {
      artifactLocation: spot.uri.startsWith('file:') ? { uri: spot.uri } : { uri: spot.uri, uriBaseId: SRCROOT },
      ...(spot.line !== undefined && spot.line >= 1 && { region: { startLine: spot.line } }),
    },
    message: { text: what },
  };
}

/**
 * The line of each `targets:` entry's key (`  prod-a100:`), 1-based. YAML the targets loader accepted; anything
 * unreadable gives no lines (the result then points at the file).
 */
export function targetEntryLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  try {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, schema: 'failsafe', uniqueKeys: false });
    const targets = doc.get('targets', true);
    if (!isMap(targets)) return lines;
    for (const pair of targets.items) {
      const key = pair.key;
      if (!isScalar(key) || !key.range) continue;
      const name = String(key.value);
      if (!lines.has(name)) lines.set(name, counter.linePos(key.range[0]).line);
    }
  } catch {
    // not YAML after all: no lines
  }
  return lines;
}

/**
 * A path as a SARIF artifact URI: relative to the repository root (`/`-separated, each segment percent-encoded)
 * when inside it, else an absolute file: URI.
 */
export function sarifUri(path: string, root: string): string {
  const rel = relative(root, path);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(path).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}
