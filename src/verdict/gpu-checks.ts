/**
 * The image's GPU code against the target's GPU. Per binary that carries device code: SASS for the GPU runs as is;
 * else PTX the GPU can take is JIT-compiled at first launch (a caveat), which fails when the driver is older than the
 * toolkit that wrote the PTX; else there is no kernel at all. Separately, the image's CUDA toolkit may not target
 * the GPU's architecture at all (dropped, or newer than the toolkit). Images where no device code was found are not
 * judged per binary: nothing is known, and saying nothing beats crying wolf.
 */
import { compareDriver } from '../common/driver-version';
import { compareVersions, majorMinor } from '../common/dotted-version';
import { cudaForDriver, releasesInFamily, smTargetsForToolkit } from '../matrix/queries';
import { ptxNewerThanMatrix } from '../matrix/freshness';
import type { Matrix, ToolkitArchChange } from '../matrix/types';
import {
  archName,
  archRules,
  canonicalArch,
  ccText,
  parseArch,
  parseComputeCapability,
  runsOn,
  smName,
  type ArchRules,
  type ComputeCapability,
  type GpuArch,
} from '../requirement/gpu-arch';
import type { GpuBinary, PtxJitDriver } from '../requirement/gpu-code';
import type { ImageRequirement } from '../requirement/types';
import type { ImageLayer } from '../model/provenance';
import { RUNTIME_HELPER_MAX_BYTES } from '../model/gpu-code';
import type { Target } from '../model/target';
import { describeEvidence, layerWords, originOf } from './describe';
import { reachText } from './loader-checks';
import type { Reason } from './types';

/** Binaries named in a message before "and N more". */
const NAMED = 3;

export function checkGpuCode(req: ImageRequirement, target: Target, matrix: Matrix): Reason[] {
  const cc = target.gpu ? parseComputeCapability(target.gpu.computeCapability) : undefined;
  if (!target.gpu || !cc) return [];
  const gpu = gpuLabel(target, cc);
  // the binaries the application loads first (the load graph), each with the chain that reaches it
  const binaries = attribute(req.gpuCode?.binaries ?? [], req);
  const rules = archRules(matrix);

  const toolkit = toolkitSupport(req, cc, matrix, rules);
  if (toolkit?.state === 'too-old') return [tooOldForToolkit(toolkit, gpu, cc, binaries, req, matrix, rules)];
  if (!binaries.length) return toolkit?.state === 'too-new' ? [tooNewForToolkit(toolkit, gpu, cc, req)] : [];

  const routes = binaries.map((b) => routeOf(b, cc, target.driver, rules));
  const reasons: Reason[] = [];
  const none = routes.filter((r) => r.kind === 'none' && !isRuntimeHelperOnly(r.binary));
  if (none.length) reasons.push(noKernel(none, gpu, cc, matrix, rules, req.layers));
  const helpers = routes.filter((r) => r.kind === 'none' && isRuntimeHelperOnly(r.binary));
  if (helpers.length) reasons.push(helperOnly(helpers, gpu, cc, rules, req.layers));
  const stale = routes.filter((r) => r.kind === 'jit' && r.driverTooOld).sort(byJitDriver);
  if (stale.length) reasons.push(jitNeedsNewerDriver(stale, gpu, cc, target, matrix, req.layers));
  const jit = routes.filter((r) => r.kind === 'jit' && !r.driverTooOld).sort(byJitDriver);
  if (jit.length) reasons.push(jitCaveat(jit, gpu, cc, matrix, req.layers));
  return reasons;
}

// ---- per binary ----------------------------------------------------------------------------------------------

interface Route {
  binary: GpuBinary;
  kind: 'sass' | 'jit' | 'none';
  /** the PTX the driver would JIT: the newest the GPU can take */
  ptx?: GpuArch;
  driverTooOld?: boolean;
}

function routeOf(binary: GpuBinary, cc: ComputeCapability, driver: string, rules: ArchRules): Route {
  if (archs(binary.sass, 'sass').some((a) => runsOn(a, cc, rules))) return { binary, kind: 'sass' };
  const ptx = archs(binary.ptx, 'ptx')
    .filter((a) => runsOn(a, cc, rules))
    .pop();
  if (!ptx) return { binary, kind: 'none' };
  const needed = binary.ptxJit?.minDriver;
  return { binary, kind: 'jit', ptx, driverTooOld: needed !== undefined && compareDriver(driver, needed) < 0 };
}

function archs(list: string[], kind: GpuArch['kind']): GpuArch[] {
  return list.map((s) => parseArch(s, kind)).filter((a): a is GpuArch => a !== undefined);
}

/** the PTX that needs the newest driver first */
function byJitDriver(a: Route, b: Route): number {
  const da = a.binary.ptxJit?.minDriver ?? '0';
  const db = b.binary.ptxJit?.minDriver ?? '0';
  return compareDriver(db, da) || (a.binary.path < b.binary.path ? -1 : 1);
}

function noKernel(routes: Route[], gpu: string, cc: ComputeCapability, matrix: Matrix, rules: ArchRules, layers: readonly ImageLayer[]): Reason {
  const first = routes[0].binary;
  const carried = describeCode(first, rules);
  // an old name counts as the target it names (sm_101 is Thor's sm_110)
  const all = archs(first.sass, 'sass')
    .concat(archs(first.ptx, 'ptx'))
    .map((a) => canonicalArch(a, rules));
  const gpuIsNewer = all.length > 0 && all.every((a) => a.major < cc.major || (a.major === cc.major && a.minor < cc.minor));
  const sm = smName(cc);
  const build = `-gencode arch=compute_${cc.major}${cc.minor},code=${sm}`;
  const firstToolkit = firstToolkitFor(cc, matrix, rules);
  const remedy = gpuIsNewer
    ? `rebuild ${binaryName(first)} with ${build} (CUDA >= ${firstToolkit ?? '?'} targets ${sm}${oldNames(cc, matrix)}), or add PTX (code=compute_XY) the driver can JIT; for prebuilt packages use a build made with CUDA >= ${firstToolkit ?? 'the first toolkit that targets the GPU'}${firstToolkit ? ` (for PyTorch a +cu${firstToolkit.replace('.', '')} or later wheel)` : ''}`
    : `rebuild ${binaryName(first)} with ${build} added, or deploy it on the GPUs it was built for (${[...first.sass, ...first.ptx].join(', ')})`;
  return {
    code: 'NO_KERNEL_FOR_GPU',
    verdict: 'fail',
    message: `${where(first, layers)} carries ${carried}; ${gpu} is ${sm} and none of it runs there: kernel launches fail with "no kernel image is available for execution on the device"${more(routes, 'without a kernel for it')}`,
    remedy,
    facts: { needs: { gpuCode: sm }, has: { gpu, gpuCode: [...first.sass, ...first.ptx].join(' ') }, path: first.path },
    origin: originOf(
      routes.map((r) => r.binary.evidence),
      layers,
    ),
  };
}

/**
 * Every binary linked with cudart_static carries the runtime's own small module: one uncompressed cubin of
 * 1,448 bytes (nvcc 13.0, sm_75) to 1,904 bytes (libcufftw.so.12 in NVIDIA's cuFFT wheel), with no PTX. A binary
 * whose only device code is that module (libcufftw: an FFTW wrapper whose kernels live in libcufft) launches no
 * kernel of its own; the smallest real kernel, `p[threadIdx.x] = 1`, is a 2,856-byte cubin for sm_75 (both measured
 * with this machine's nvcc). Compressed or several entries: judged as kernels.
 */

function isRuntimeHelperOnly(binary: GpuBinary): boolean {
  const size = binary.size;
  return size !== undefined && binary.ptx.length === 0 && size.entries === 1 && size.compressed === 0 && size.bytes <= RUNTIME_HELPER_MAX_BYTES;
}

/** Cautious, not silent: a tiny kernel of the binary's own would fail the same way. */
function helperOnly(routes: Route[], gpu: string, cc: ComputeCapability, rules: ArchRules, layers: readonly ImageLayer[]): Reason {
  const first = routes[0].binary;
  const sm = smName(cc);
  return {
    code: 'RUNTIME_HELPER_ONLY',
    verdict: 'caveat',
    message: `${where(first, layers)} carries only ${first.size!.bytes} bytes of device code (${describeCode(first, rules)}): the size of the CUDA runtime's own helper module that cudart_static links into binaries, not kernels of its own; ${gpu} is ${sm} and cannot run it — harmless unless the binary launches kernels itself${more(routes, 'with only that module')}`,
    remedy: `nothing if ${binaryName(first)} launches no kernels of its own (a wrapper such as libcufftw); otherwise rebuild it with -gencode arch=compute_${cc.major}${cc.minor},code=${sm}`,
    origin: originOf(
      routes.map((r) => r.binary.evidence),
      layers,
    ),
  };
}

function jitNeedsNewerDriver(routes: Route[], gpu: string, cc: ComputeCapability, target: Target, matrix: Matrix, layers: readonly ImageLayer[]): Reason {
  const { binary, ptx } = routes[0];
  const jit = binary.ptxJit!;
  const host = cudaForDriver(matrix, target.driver);
  const sm = smName(cc);
  return {
    code: 'PTX_JIT_NEEDS_NEWER_DRIVER',
    verdict: 'fail',
    message: `${where(binary, layers)} has no SASS for ${gpuWithSm(gpu, cc)} and reaches it only through its PTX ${archLabel(ptx!)} (${ptxOrigin(jit)}); driver ${target.driver} (CUDA ${host.cuda}) is older than that toolkit and cannot JIT it: launches fail with "the provided PTX was compiled with an unsupported toolchain" — minor-version compatibility does not cover PTX${jit.unconfirmed && !jit.beyondKnown ? ' (the matrix row for this PTX version is unconfirmed)' : ''}${jit.beyondKnown ? `; ${ptxNewerThanMatrix(matrix, jit.isa) ?? `its PTX is newer than this matrix (${matrix.meta.date})`}` : ''}${more(routes, 'whose PTX needs a newer driver')}`,
    facts: { needs: { driver: jit.minDriver, gpuCode: sm }, has: { driver: target.driver, cuda: host.cuda, gpu }, path: binary.path },
    remedy: `upgrade the host driver to >= ${jit.minDriver}${jit.beyondKnown ? ' (at least; this PTX is newer than the matrix knows)' : ''}, or rebuild ${binaryName(binary)} with SASS for the GPU (-gencode arch=compute_${cc.major}${cc.minor},code=${sm}), or with CUDA <= ${host.cuda} so its PTX is one the driver can JIT`,
    origin: originOf(
      routes.map((r) => r.binary.evidence),
      layers,
    ),
  };
}

function jitCaveat(routes: Route[], gpu: string, cc: ComputeCapability, matrix: Matrix, layers: readonly ImageLayer[]): Reason {
  const { binary, ptx } = routes[0];
  const jit = binary.ptxJit;
  const sm = smName(cc);
  const unknown = !jit?.minDriver
    ? '; which toolkit wrote the PTX is unknown, so whether this driver can JIT it is not checked'
    : jit.beyondKnown
      ? `; ${ptxNewerThanMatrix(matrix, jit.isa) ?? `its PTX ISA ${jit.isa} is newer than this matrix (${matrix.meta.date})`}; the driver is only known to be new enough for older PTX`
      : '';
  return {
    code: 'PTX_JIT',
    verdict: 'caveat',
    message: `${where(binary, layers)} has no SASS for ${gpuWithSm(gpu, cc)}: the driver JIT-compiles its PTX ${archLabel(ptx!)}${jit?.minDriver && !jit.beyondKnown ? ` (${ptxOrigin(jit)})` : ''} at first launch, which slows start-up (minutes for large libraries) and may run slower than native SASS; the result is cached in the JIT cache (~/.nv/ComputeCache, CUDA_CACHE_PATH / CUDA_CACHE_MAXSIZE)${unknown}${more(routes, 'JIT-compiled as well')}`,
    remedy: `add SASS for the GPU (-gencode arch=compute_${cc.major}${cc.minor},code=${sm}), or keep the JIT cache on a persistent volume (CUDA_CACHE_PATH) large enough for it (CUDA_CACHE_MAXSIZE)`,
    origin: originOf(
      routes.map((r) => r.binary.evidence),
      layers,
    ),
  };
}

function ptxOrigin(jit: PtxJitDriver): string {
  const isa = jit.isa ? `PTX ISA ${jit.isa}` : 'PTX';
  const by = jit.cuda ? `written by CUDA ${jit.cuda}` : 'from a toolkit the matrix does not know';
  return `${isa}, ${by}${jit.minDriver ? `, needs driver >= ${jit.minDriver}` : ''}`;
}

// ---- the image's toolkit against the GPU ----------------------------------------------------------------------

interface ToolkitSupport {
  state: 'ok' | 'too-old' | 'too-new';
  /** toolkit minor of the image: "13.0" */
  toolkit: string;
  /** the archs.yaml row that removed the GPU's code (too-old) */
  row?: ToolkitArchChange;
}

/** Whether any sm target of the image's toolkit runs on the GPU; else which side it falls off. */
function toolkitSupport(req: ImageRequirement, cc: ComputeCapability, matrix: Matrix, rules: ArchRules): ToolkitSupport | undefined {
  const toolkit = imageToolkit(req);
  if (!toolkit || !matrix.toolkitArchs?.length) return undefined;
  const targets = archs(smTargetsForToolkit(matrix, toolkit), 'sass');
  if (!targets.length) return undefined;
  if (targets.some((t) => runsOn(t, cc, rules))) return { state: 'ok', toolkit };
  const older = targets.map((t) => canonicalArch(t, rules)).every((t) => t.major > cc.major || (t.major === cc.major && t.minor > cc.minor));
  if (!older) return { state: 'too-new', toolkit };
  const row = [...matrix.toolkitArchs].reverse().find((r) => compareVersions(r.toolkit, toolkit) <= 0 && r.removed.some((sm) => sameGpu(sm, cc, rules)));
  return { state: 'too-old', toolkit, row };
}

function sameGpu(sm: string, cc: ComputeCapability, rules: ArchRules): boolean {
  const a = parseArch(sm, 'sass');
  return !!a && a.suffix === '' && runsOn(a, cc, rules);
}

/** the runtime the image ships (or declares); else its newest CUDA need more precise than a major */
function imageToolkit(req: ImageRequirement): string | undefined {
  if (req.runtime) return majorMinor(req.runtime.version);
  const need = [...req.needs].reverse().find((n) => n.level !== 'major');
  return need ? majorMinor(need.cuda) : undefined;
}

function runtimeWhere(req: ImageRequirement): { text: string; origin: Reason['origin'] } {
  const evidence = req.needs.flatMap((n) => n.evidence);
  const ev =
    evidence.find((e) => e.kind === 'cudart' && req.runtime && e.version === req.runtime.version) ??
    evidence.find((e) => e.kind === 'cudart' || e.kind === 'cuda-version') ??
    evidence[0];
  return { text: ev ? ` — ${describeEvidence(ev, req.layers)} —` : '', origin: ev ? originOf([ev], req.layers) : undefined };
}

function lackingText(lacking: number, total: number): string {
  if (!lacking) return '';
  if (lacking === total)
    return total === 1
      ? "; the image's one binary with device code has none either"
      : `; none of the image's ${total} binaries with device code has one either`;
  return `; ${lacking} of the image's ${total} binaries with device code lack one as well`;
}

function tooOldForToolkit(
  support: ToolkitSupport,
  gpu: string,
  cc: ComputeCapability,
  binaries: GpuBinary[],
  req: ImageRequirement,
  matrix: Matrix,
  rules: ArchRules,
): Reason {
  const sm = smName(cc);
  const removedIn = support.row?.toolkit;
  const lastFamily = removedIn ? lastFamilyBefore(removedIn, matrix) : undefined;
  const runtime = runtimeWhere(req);
  const lacking = binaries.filter((b) => routeOf(b, cc, '0', rules).kind === 'none').length;
  const unconfirmed = support.row && !support.row.confirmed;
  return {
    code: 'GPU_UNSUPPORTED_BY_TOOLKIT',
    verdict: unconfirmed ? 'caveat' : 'fail',
    message: `the image's CUDA ${support.toolkit}${runtime.text} no longer targets ${gpuWithSm(gpu, cc)}, compute capability ${ccText(cc)}${removedIn ? `: ${sm} was removed in CUDA ${removedIn}` : ''}, so its CUDA libraries carry no kernels for it${lackingText(lacking, binaries.length)}${unconfirmed ? ' (the matrix row for this removal is unconfirmed)' : ''}`,
    remedy: `build the image on CUDA ${lastFamily ? `<= ${lastFamily}` : `older than ${removedIn ?? support.toolkit}`} for ${gpu} hosts, or deploy it on a newer GPU (compute capability >= ${minTarget(support.toolkit, matrix) ?? '?'})`,
    origin: runtime.origin,
    facts: { needs: { gpuCode: sm, cuda: support.toolkit }, has: { gpu } },
  };
}

function tooNewForToolkit(support: ToolkitSupport, gpu: string, cc: ComputeCapability, req: ImageRequirement): Reason {
  const sm = smName(cc);
  const runtime = runtimeWhere(req);
  return {
    code: 'GPU_UNSUPPORTED_BY_TOOLKIT',
    verdict: 'fail',
    message: `the image's CUDA ${support.toolkit}${runtime.text} predates ${gpuWithSm(gpu, cc)}, compute capability ${ccText(cc)}, and cannot compile for it; its kernels run there only if they carry PTX the driver can JIT, and no device code was found in the image to show that`,
    remedy: `rebuild on a CUDA version that targets ${sm}, or make sure every CUDA binary carries PTX (-gencode arch=compute_XY,code=compute_XY)`,
    origin: runtime.origin,
    facts: { needs: { gpuCode: sm, cuda: support.toolkit }, has: { gpu } },
  };
}

/** The first toolkit minor whose sm targets run on the GPU ("12.8" for sm_100). */
function firstToolkitFor(cc: ComputeCapability, matrix: Matrix, rules: ArchRules): string | undefined {
  for (const row of matrix.toolkitArchs ?? []) {
    if (row.added.some((sm) => sameGpu(sm, cc, rules))) return row.toolkit;
  }
  return undefined;
}

/** "; CUDA 12.8-12.9 call it sm_101": the GPU's target under an old name, for a rebuild remedy. */
function oldNames(cc: ComputeCapability, matrix: Matrix): string {
  const sm = smName(cc);
  const old = (matrix.archAliases ?? []).filter((a) => a.to === sm);
  return old
    .map((a) => {
      const range =
        a.usedFrom && a.usedThrough ? (a.usedFrom === a.usedThrough ? `CUDA ${a.usedFrom}` : `CUDA ${a.usedFrom}-${a.usedThrough}`) : 'older toolkits';
      return `; ${range} call it ${a.from}`;
    })
    .join('');
}

/** The newest toolkit minor of the matrix released before `toolkit` ("12.9" before "13.0"). */
function lastFamilyBefore(toolkit: string, matrix: Matrix): string | undefined {
  const families = matrix.releases.map((r) => majorMinor(r.version)!).filter((f) => compareVersions(f, toolkit) < 0);
  const last = families.sort(compareVersions).pop();
  return last && releasesInFamily(matrix, last).length ? last : undefined;
}

function minTarget(toolkit: string, matrix: Matrix): string | undefined {
  const first = archs(smTargetsForToolkit(matrix, toolkit), 'sass')[0];
  return first ? `${first.major}.${first.minor}` : undefined;
}

// ---- wording --------------------------------------------------------------------------------------------------

/** "B200 (Blackwell)" or "a GPU of compute capability 8.6" */
function gpuLabel(target: Target, cc: ComputeCapability): string {
  const g = target.gpu!;
  if (g.gpu) return `${g.gpu.name} (${g.gpu.architecture})`;
  return `a GPU of compute capability ${ccText(cc)}`;
}

/** "T4 (Turing, sm_75)" */
function gpuWithSm(gpu: string, cc: ComputeCapability): string {
  return gpu.endsWith(')') ? `${gpu.slice(0, -1)}, ${smName(cc)})` : `${gpu} (${smName(cc)})`;
}

function binaryName(b: GpuBinary): string {
  return b.path.slice(b.path.lastIndexOf('/') + 1) || b.path;
}

/** A binary with how the application reaches it: "loaded as _C.so → libtorch_cuda.so", or "not linked by anything found". */
type Attributed = GpuBinary & { reach?: string };

/** Reached binaries first (stable: path order within), each carrying its reach text. */
function attribute(binaries: GpuBinary[], req: ImageRequirement): Attributed[] {
  if (!req.loader) return binaries;
  const out = binaries.map((b) => {
    const reach = reachText(b.path, req);
    return reach ? { ...b, reach } : b;
  });
  const reached = (b: GpuBinary) => (req.loader!.chains[b.path] ? 0 : 1);
  return out
    .map((b, i) => ({ b, i }))
    .sort((x, y) => reached(x.b) - reached(y.b) || x.i - y.i)
    .map((x) => x.b);
}

/** "/usr/lib/libk.so (layer 3, `RUN pip install …`; loaded as app → libk.so)" */
function where(b: Attributed, layers: readonly ImageLayer[]): string {
  const loc = [layerWords(b, layers).join(', '), b.reach].filter(Boolean).join('; ');
  const what = b.source === 'fatbin' ? b.path : `${b.path} (build info: ${b.source})`;
  return loc ? `${what} (${loc})` : what;
}

function describeCode(b: GpuBinary, rules: ArchRules): string {
  const sass = b.sass.length ? `SASS ${b.sass.map((s) => withNewName(s, 'sass', rules)).join(', ')}` : 'no SASS';
  const ptx = b.ptx.length ? `PTX ${b.ptx.map((s) => withNewName(s, 'ptx', rules)).join(', ')}` : 'no PTX';
  return `${sass} and ${ptx}`;
}

/** "sm_101 (now sm_110)" for an old name, else the name as found */
function withNewName(name: string, kind: GpuArch['kind'], rules: ArchRules): string {
  const a = parseArch(name, kind);
  if (!a) return name;
  const now = canonicalArch(a, rules);
  return now === a ? name : `${name} (now ${archName(now)})`;
}

function archLabel(a: GpuArch): string {
  return `compute_${a.major}${a.minor}${a.suffix}`;
}

function more(routes: Route[], what: string): string {
  const rest = routes.slice(1);
  if (!rest.length) return '';
  const named = rest.slice(0, NAMED).map((r) => r.binary.path);
  const extra = rest.length - named.length;
  return `; ${rest.length} more binar${rest.length === 1 ? 'y' : 'ies'} ${what}: ${named.join(', ')}${extra > 0 ? ` and ${extra} more` : ''}`;
}
