#!/usr/bin/env bash
# Compiles tiny CUDA kernels with the real nvcc into shared libraries with chosen -gencode sets, for the GPU code
# scan tests. Outputs are committed (__tests__/fixtures/fatbin/), so the tests pass where nvcc is absent.
# expected.json records what each library was ASKED to carry (the -gencode sets), which the scanner must find.
# Re-run: bash scripts/make-fatbin-fixtures.sh   (needs /usr/local/cuda/bin/nvcc; CUDA 13.0 was used)
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
OUT=__tests__/fixtures/fatbin
mkdir -p "$OUT"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cat >"$src/k.cu" <<'CU'
extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}
extern "C" void launch(int n, float a, const float* x, float* y) { saxpy<<<(n + 255) / 256, 256>>>(n, a, x, y); }
CU

# name | -gencode list (arch=…,code=…) | extra flags
build() {
  local name=$1 flags=$2 extra=${3:-}
  local args=()
  for g in $flags; do args+=(-gencode "$g"); done
  # shellcheck disable=SC2086
  "$NVCC" -shared -Xcompiler -fPIC -cudart shared "${args[@]}" $extra -o "$OUT/$name" "$src/k.cu"
}

build libsass_sm80.so        "arch=compute_80,code=sm_80"
build libptx_compute75.so    "arch=compute_75,code=compute_75"
build libsass80_ptx90.so     "arch=compute_80,code=sm_80 arch=compute_90,code=compute_90"
build libmulti.so            "arch=compute_75,code=sm_75 arch=compute_80,code=sm_80 arch=compute_86,code=sm_86 arch=compute_90,code=sm_90 arch=compute_100,code=sm_100 arch=compute_120,code=sm_120 arch=compute_120,code=compute_120"
build libsm90a.so            "arch=compute_90a,code=sm_90a"
build libsass_uncompressed.so "arch=compute_80,code=sm_80 arch=compute_90,code=compute_90" "--compress-mode=none"

"$NVCC" --version | tail -1 > "$OUT/nvcc-version.txt"
cat >"$OUT/expected.json" <<'JSON'
{
  "libsass_sm80.so": { "sass": ["sm_80"], "ptx": [] },
  "libptx_compute75.so": { "sass": [], "ptx": ["compute_75"] },
  "libsass80_ptx90.so": { "sass": ["sm_80"], "ptx": ["compute_90"] },
  "libmulti.so": { "sass": ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"], "ptx": ["compute_120"] },
  "libsm90a.so": { "sass": ["sm_90a"], "ptx": [] },
  "libsass_uncompressed.so": { "sass": ["sm_80"], "ptx": ["compute_90"] }
}
JSON
ls -la "$OUT"
