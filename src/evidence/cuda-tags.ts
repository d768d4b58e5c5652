/**
 * How Python and conda builds spell the CUDA they were built for. These are naming conventions, parsed, not
 * compatibility facts: `+cu121` is CUDA 12.1 by construction (`cu` + major + minor), `cuda129_mkl_…` likewise.
 */

/**
 * Digits of a `cuXYZ` / `cudaXYZ` tag -> CUDA version. The last digit is the minor (121 -> 12.1, 92 -> 9.2,
 * 130 -> 13.0); two digits that can only be a major (10 … 20: conda's `cuda12_0`, `cupy-cuda12x`) stay a major.
 */
export function cudaFromDigits(digits: string): string | undefined {
  if (!/^\d{2,3}$/.test(digits)) return undefined;
  if (digits.length === 2 && Number(digits) >= 10 && Number(digits) <= 20) return String(Number(digits));
  return `${Number(digits.slice(0, -1))}.${digits.slice(-1)}`;
}

export type BuildFlavour = { cuda: string } | { cpu: true } | { other: string } | undefined;

/**
 * The PEP 440 local version of a wheel: "2.4.0+cu121" -> CUDA 12.1, "+cpu" -> CPU, "+rocm6.2" -> ROCm,
 * "+cuda12.cudnn89" (old jaxlib) -> CUDA 12; undefined when there is no local tag or it says nothing.
 */
export function flavourFromLocalTag(version: string): BuildFlavour {
  const plus = version.indexOf('+');
  if (plus < 0) return undefined;
  const tag = version.slice(plus + 1).toLowerCase();
  let m = /^cu(\d{2,3})(?:$|[._-])/.exec(tag);
  if (m) {
    const cuda = cudaFromDigits(m[1]);
    return cuda ? { cuda } : undefined;
  }
  m = /^cuda(\d+(?:\.\d+)?)(?:$|[._-])/.exec(tag);
  if (m) return { cuda: m[1] };
  if (/^cpu(?:$|[._-])/.test(tag)) return { cpu: true };
  m = /^(rocm|xpu|hip)/.exec(tag);
  return m ? { other: m[1] === 'xpu' ? 'XPU' : 'ROCm' } : undefined;
}

/** "+cuda12.cudnn89" -> "8.9" (the cuDNN major and minor jaxlib's local tags carried) */
export function cudnnFromLocalTag(version: string): string | undefined {
  const m = /[+.]cudnn(\d)(\d+)(?:$|[._-])/.exec(version);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * A conda build string: conda-forge `cuda129_mkl_py313_h1e53aa0_304` -> 12.9, pytorch channel
 * `py3.11_cuda12.1_cudnn8.9.2_0` -> 12.1 (+ cuDNN 8.9.2), anaconda `gpu_cuda124py39h05d824c_0` -> 12.4,
 * `cuda12_0` -> 12, `cpu_mkl_py311_…` / `py3.9_cpu_0` -> CPU. Hashes are hex, so "cuda" never comes from one.
 */
export function flavourFromCondaBuild(build: string): BuildFlavour {
  const b = build.toLowerCase();
  const dotted = /(?:^|[_.-])cuda(\d+\.\d+)(?:$|[_-])/.exec(b);
  if (dotted) return { cuda: dotted[1] };
  const digits = /(?:^|[_.-])cuda(\d{2,3})(?!\d)/.exec(b);
  if (digits) {
    const cuda = cudaFromDigits(digits[1]);
    return cuda ? { cuda } : undefined;
  }
  if (/(?:^|_)cpu(?:$|_)/.test(b)) return { cpu: true };
  return undefined;
}

/** "py3.11_cuda12.1_cudnn8.9.2_0" -> "8.9.2" */
export function cudnnFromCondaBuild(build: string): string | undefined {
  const m = /(?:^|_)cudnn(\d+(?:\.\d+)*)(?:$|_)/.exec(build.toLowerCase());
  return m ? m[1] : undefined;
}
