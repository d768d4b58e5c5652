/**
 * Which tar entries the evidence detectors need, asked once per entry of every layer (hundreds of thousands per
 * image): plain string tests on the base name first, a regex only for the few names that get that far.
 */
import type { Interest, InterestFn } from '../layers/types';
import { CONDA_META_MAX_BYTES, isCondaMetaRecordPath } from './conda-meta';
import { VERSION_FILE_MAX_BYTES, VERSION_FILE_RE } from './cuda-version-files';
import { DPKG_MAX_BYTES, isDpkgStatusPath } from './dpkg-status';
import { FATBIN_SCAN_MIN_BYTES, mayCarryDeviceCode } from './gpu-code';
import { isStubPath, LIBCUDA_RE, LIBRARY_RE } from './library-files';
import { DIST_INFO_SUFFIX, isToolkitWheelRecordPath, METADATA_MAX_BYTES, RECORD_MAX_BYTES } from './pip-dist-info';
import { isPixiEnvRecordPath, isPixiManifestPath, PIXI_ENV_RECORD_MAX_BYTES, PIXI_MANIFEST_MAX_BYTES } from './pixi';
import { isModuleFilePath, MODULE_FILE_MAX_BYTES } from './site-packages';

/**
 * Bump when what evidenceInterest keeps changes (a new path, a new rule): per-layer caches key on it, and a stale
 * entry would hide the change. Caps are listed below and need no bump.
 */
export const ANALYSIS_VERSION = 1;

/** Everything here that decides what a layer's analysis keeps; hashed into the per-layer cache's version key. */
export const INTEREST_FINGERPRINT = Object.freeze({
  version: ANALYSIS_VERSION,
  caps: {
    versionFile: VERSION_FILE_MAX_BYTES,
    dpkg: DPKG_MAX_BYTES,
    metadata: METADATA_MAX_BYTES,
    moduleFile: MODULE_FILE_MAX_BYTES,
    wheelRecord: RECORD_MAX_BYTES,
    condaRecord: CONDA_META_MAX_BYTES,
    pixiManifest: PIXI_MANIFEST_MAX_BYTES,
    pixiEnvRecord: PIXI_ENV_RECORD_MAX_BYTES,
    fatbinScanMin: FATBIN_SCAN_MIN_BYTES,
  },
});

const RECORD: Interest = Object.freeze({});
const VERSION_FILE: Interest = Object.freeze({ content: VERSION_FILE_MAX_BYTES });
const DPKG: Interest = Object.freeze({ content: DPKG_MAX_BYTES });
const METADATA: Interest = Object.freeze({ content: METADATA_MAX_BYTES });
const MODULE_FILE: Interest = Object.freeze({ content: MODULE_FILE_MAX_BYTES });
const WHEEL_RECORD: Interest = Object.freeze({ content: RECORD_MAX_BYTES });
const CONDA_RECORD: Interest = Object.freeze({ content: CONDA_META_MAX_BYTES });
const PIXI_MANIFEST: Interest = Object.freeze({ content: PIXI_MANIFEST_MAX_BYTES });
const PIXI_ENV_RECORD: Interest = Object.freeze({ content: PIXI_ENV_RECORD_MAX_BYTES });
const FATBIN_SCAN: Interest = Object.freeze({ scan: 'fatbin' });

export const evidenceInterest: InterestFn = (path: string, size: number): Interest | undefined => {
  if (path.charCodeAt(0) === 118 /* v */ && path.startsWith('var/lib/dpkg/status')) {
    return isDpkgStatusPath(path) ? DPKG : undefined;
  }
  const slash = path.lastIndexOf('/');
  const base = slash < 0 ? path : path.slice(slash + 1);
  switch (base.charCodeAt(0)) {
    case 108: // l: libcudart.so.12, libcuda.so.550.54.15, …
      if (base.startsWith('lib') && base.includes('.so') && (LIBRARY_RE.test(base) || LIBCUDA_RE.test(base))) {
        return isStubPath(path) ? undefined : binary(size);
      }
      break;
    case 77: // M: <name>-<version>.dist-info/METADATA
      if (base === 'METADATA') return path.endsWith(`${DIST_INFO_SUFFIX}/METADATA`) ? METADATA : undefined;
      break;
    case 118: // v: usr/local/cuda*/version.json|txt; site-packages/torch/version.py
      if (base === 'version.json' || base === 'version.txt') return VERSION_FILE_RE.test(path) ? VERSION_FILE : undefined;
      if (base === 'version.py') return isModuleFilePath(path) ? MODULE_FILE : undefined;
      break;
    case 98: // b: site-packages/tensorflow/python/platform/build_info.py
    case 95: // _: site-packages/paddle/version/__init__.py
      if (base === 'build_info.py' || base === '__init__.py') return isModuleFilePath(path) ? MODULE_FILE : undefined;
      break;
    case 82: // R: RECORD of an unsuffixed (CUDA 13 style) nvidia-* wheel: its files name nvidia/cu13/
      if (base === 'RECORD') return isToolkitWheelRecordPath(path) ? WHEEL_RECORD : undefined;
      break;
    case 112: // p: pixi.toml, pyproject.toml, <env>/conda-meta/pixi
      if (base === 'pixi.toml' || base === 'pyproject.toml') return isPixiManifestPath(path) ? PIXI_MANIFEST : undefined;
      if (base === 'pixi') return isPixiEnvRecordPath(path) ? PIXI_ENV_RECORD : undefined;
      break;
  }
  // <prefix>/conda-meta/<name>-<version>-<build>.json: the name always counts, the JSON only when small enough to read whole
  if (base.endsWith('.json') && isCondaMetaRecordPath(path)) return size <= CONDA_META_MAX_BYTES ? CONDA_RECORD : RECORD;
  // binaries are kept even when too small to scan: a file at the same path in an upper layer must replace them
  if (mayCarryDeviceCode(path, base)) return isStubPath(path) ? undefined : binary(size);
  // the dist-info directory itself (its name carries name and version), when the walker keeps directories
  return base.endsWith(DIST_INFO_SUFFIX) ? RECORD : undefined;
};

function binary(size: number): Interest {
  return size >= FATBIN_SCAN_MIN_BYTES ? FATBIN_SCAN : RECORD;
}
