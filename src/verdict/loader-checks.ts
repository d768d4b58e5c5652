/**
 * Step 2 of a start, the dynamic loader (requirement/loader.ts): a CUDA library a binary needs that resolves nowhere,
 * and an image copy of libcuda.so.1 the loader picks before the host's, judged by the target's GPU and driver.
 */
import { driverBranch } from '../common/driver-version';
import { majorMinor } from '../common/dotted-version';
import type { Matrix } from '../matrix/types';
import { libraryCudaMajor } from '../matrix/queries';
import { cudaComponent } from '../model/cuda-components';
import { showProvenance } from '../model/provenance';
import type { Target } from '../model/target';
import type { DriverShadow, MissingLibrary } from '../requirement/loader';
import { sonameMajorOf } from '../requirement/loader';
import type { ImageRequirement } from '../requirement/types';
import { layerWords } from './describe';
import type { Reason } from './types';

const NAMED = 3;

export interface LoaderVerdict {
  reasons: Reason[];
  /** driver-lib evidence paths this check decided (DRIVER_LIBS_IN_IMAGE is kept for the others) */
  decided: Set<string>;
}

export function checkLoader(req: ImageRequirement, target: Target, matrix: Matrix): LoaderVerdict {
  const loader = req.loader;
  const decided = new Set<string>();
  if (!loader) return { reasons: [], decided };
  const reasons: Reason[] = [];
  const missing = checkMissing(loader.missing, req, matrix);
  if (missing) reasons.push(missing);
  for (const shadow of loader.driverShadows) {
    const r = judgeShadow(shadow, req, target);
    if (r.decided) {
      decided.add(shadow.path);
      decided.add(shadow.file);
      // the other names of the same library (libcuda.so, libcuda.so.<version>) beside it
      decided.add(`${shadow.path.slice(0, shadow.path.lastIndexOf('/'))}/`);
      decided.add(`${shadow.file.slice(0, shadow.file.lastIndexOf('/'))}/`);
    }
    if (r.reason && !reasons.some((x) => x.code === r.reason!.code)) reasons.push(r.reason);
  }
  return { reasons, decided };
}

/** "app → libkern.so → libcudart.so.13" */
export function chainText(chain: readonly string[]): string {
  return chain.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(' → ');
}

/** How a binary is reached, for a message: the chain from a root, or that nothing found links it. */
export function reachText(binary: string, req: ImageRequirement): string {
  const chain = req.loader?.chains[binary];
  if (chain && chain.length > 1) return `loaded as ${chainText(chain)}`;
  if (chain) return '';
  if (req.loader?.unlinked.includes(binary)) return "not linked by anything found (may be dlopen'ed)";
  return '';
}

function where(m: MissingLibrary, req: ImageRequirement): string {
  const loc = layerWords(m, req.layers).join(', ');
  return loc ? `${m.binary} (${loc})` : m.binary;
}

function checkMissing(list: MissingLibrary[], req: ImageRequirement, matrix: Matrix): Reason | undefined {
  if (!list.length) return undefined;
  // nowhere in the image is a fail; on disk but off the search path runs only if the application preloads it
  const nowhere = list.filter((m) => !m.elsewhere.length);
  const offPath = list.filter((m) => m.elsewhere.length);
  const ranked = [...nowhere.filter((m) => m.chain), ...nowhere.filter((m) => !m.chain), ...offPath.filter((m) => m.chain), ...offPath.filter((m) => !m.chain)];
  const first = ranked[0];
  const fail = nowhere.length > 0;
  const how = first.chain ? `; loaded as ${chainText(first.chain)}` : "; not linked by anything found (may be dlopen'ed)";
  const others = first.otherMajors.length
    ? `; the image has ${first.otherMajors.join(', ')} — another major, which a binary linked against ${first.soname} cannot use`
    : '';
  const found = first.elsewhere.length
    ? `is not on the loader's search path (the image has it at ${first.elsewhere.join(', ')}): it loads only if the application preloads it by full path (PyTorch does for nvidia-* wheels)`
    : 'resolves nowhere — not in its RPATH/RUNPATH, LD_LIBRARY_PATH, the ld.so.conf directories or the default directories, and the NVIDIA container runtime mounts only the driver libraries';
  const rest = ranked.slice(1);
  const more = rest.length
    ? `; ${rest.length} more: ${rest
        .slice(0, NAMED)
        .map((m) => `${m.binary} needs ${m.soname}`)
        .join(', ')}${rest.length > NAMED ? ` and ${rest.length - NAMED} more` : ''}`
    : '';
  return {
    code: 'CUDA_LIBRARY_MISSING',
    verdict: fail ? 'fail' : 'caveat',
    message: `${where(first, req)} needs ${first.soname}, which ${found}${how}${others}: ${fail ? 'it fails to load' : 'otherwise it fails to load'} with "error while loading shared libraries: ${first.soname}: cannot open shared object file"${more}`,
    remedy: fixFor(first, req, matrix),
    facts: { needs: { library: first.soname }, path: first.binary },
    origin: ranked.slice(0, 5).map((m) => showProvenance({ path: m.binary, ...(m.layerIndex !== undefined && { layerIndex: m.layerIndex }) }, req.layers)),
  };
}

/** The base image, package or wheel that provides the library, from the component table's names. */
function fixFor(m: MissingLibrary, req: ImageRequirement, matrix: Matrix): string {
  const c = cudaComponent(m.kind);
  const soMajor = sonameMajorOf(m.soname);
  const majors = soMajor !== undefined ? libraryCudaMajor(matrix, m.kind, soMajor) : undefined;
  const major = majors?.length === 1 ? majors[0] : (req.runtime?.major ?? req.majors[req.majors.length - 1]);
  const runtimeMinor = req.runtime && req.runtime.major === major ? majorMinor(req.runtime.version)?.split('.')[1] : undefined;
  const tag = major === undefined ? undefined : runtimeMinor !== undefined ? `${major}.${runtimeMinor}.x` : `${major}.y.z`;
  const options: string[] = [];
  if (tag) {
    const flavour = m.kind === 'cudnn' ? 'cudnn-runtime' : 'runtime';
    options.push(`base the final stage on nvidia/cuda:${tag}-${flavour}-<os> (it carries ${c?.name ?? m.soname})`);
    if (m.kind === 'cudnn') options.push(`install libcudnn${soMajor ?? ''}-cuda-${major}`);
    else if (m.kind === 'nccl') options.push('install libnccl2 for CUDA ' + major);
    else if (c?.deb) options.push(`install ${c.deb}-${major}-${runtimeMinor ?? '<minor>'}`);
    if (c?.pip) options.push(`pip install nvidia-${c.pip}-cu${major}`);
  }
  if (m.elsewhere.length) options.unshift(`add ${m.elsewhere[0].slice(0, m.elsewhere[0].lastIndexOf('/'))} to the binary's RUNPATH or to LD_LIBRARY_PATH`);
  if (m.otherMajors.length) options.push(`or rebuild ${m.binary.slice(m.binary.lastIndexOf('/') + 1)} against the CUDA the image carries`);
  return options.length ? options.join(', or ') : `install the package that provides ${m.soname}`;
}

function judgeShadow(s: DriverShadow, req: ImageRequirement, target: Target): { reason?: Reason; decided: boolean } {
  const hostBranch = driverBranch(target.driver);
  const branch = s.version ? driverBranch(s.version) : undefined;
  const loc = layerWords(s, req.layers).join(', ');
  const lib = `${s.path}${s.file !== s.path ? ` (→ ${s.file})` : ''}${loc ? ` (${loc})` : ''}`;
  const origin = [showProvenance({ path: s.file, ...(s.layerIndex !== undefined && { layerIndex: s.layerIndex }) }, req.layers)];
  const intro = `the loader picks the image's ${lib} before the host driver's libcuda.so.1 (through ${s.via})`;
  const remedy803 = `remove ${s.via === 'LD_LIBRARY_PATH' ? 'its directory from LD_LIBRARY_PATH' : s.via.startsWith('/etc/') ? s.via : `libcuda.so* from ${s.path.slice(0, s.path.lastIndexOf('/'))}`} and let the NVIDIA container toolkit mount the host's driver (forward compatibility: the toolkit's cuda-compat hook mounts compat libs only where they apply)`;
  if (s.compat && target.gpu?.datacenter === false) {
    return {
      decided: true,
      reason: {
        code: 'COMPAT_ON_UNSUPPORTED_GPU',
        verdict: 'fail',
        message: `${intro}: a forward-compatibility libcuda${s.version ? ` ${s.version}` : ''} on ${target.gpu.input}, which is not a data-center GPU — cuInit fails with "CUDA error 804: forward compatibility was attempted on non supported HW"`,
        remedy: remedy803,
        origin,
      },
    };
  }
  if (branch === undefined) return { decided: false };
  const mismatch = (why: string): Reason => ({
    code: 'DRIVER_LIB_MISMATCH',
    verdict: 'fail',
    message: `${intro}: libcuda ${s.version} ${why}; ${target.name}'s kernel driver is ${target.driver} — cuInit fails with "CUDA error 803: system has unsupported display driver / cuda driver combination"`,
    remedy: remedy803,
    origin,
  });
  if (!s.compat) {
    if (s.version === target.driver) return { decided: true };
    if (branch !== hostBranch) return { decided: true, reason: mismatch(`is the user-space half of driver branch R${branch}, not R${hostBranch}`) };
    return { decided: false };
  }
  if (branch < hostBranch) return { decided: true, reason: mismatch(`(forward-compatibility package) is older than the host's branch R${hostBranch}`) };
  if (branch === hostBranch) return { decided: false };
  const eligible = req.forwardCompat?.branches ?? [];
  if (!eligible.includes(hostBranch)) {
    return {
      decided: true,
      reason: mismatch(
        `(forward-compatibility package${req.forwardCompat?.cuda ? ` for CUDA ${req.forwardCompat.cuda}` : ''}) does not support forward compatibility on R${hostBranch}${eligible.length ? ` (only ${eligible.map((b) => `R${b}`).join(', ')})` : ''}`,
      ),
    };
  }
  // data-center (or unnamed) GPU, newer compat lib on an eligible branch: FORWARD_COMPAT decides
  return { decided: true };
}
