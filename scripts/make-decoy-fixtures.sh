#!/usr/bin/env bash
# Binaries with a decoy fatbin: a real nvcc container claiming sm_90 SASS + compute_90 PTX, planted where the CUDA
# runtime never loads it, beside the device code that does load (sm_80). Built with the real nvcc, gcc and objcopy;
# outputs are committed (__tests__/fixtures/decoy/), so the tests pass where nvcc is absent. expected.json records
# what each binary was BUILT to carry: the code that loads (`registered`) and the decoy (`decoy`).
# Re-run: bash scripts/make-decoy-fixtures.sh   (needs /usr/local/cuda/bin/nvcc; CUDA 13.0 was used)
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
OUT=__tests__/fixtures/decoy
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

# the decoy: a whole fatbin container as nvcc writes it (sm_90 SASS + compute_90 PTX); the real code: sm_80 only
"$NVCC" -fatbin -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 -o "$OUT/decoy.fatbin" "$src/k.cu"
"$NVCC" -fatbin -gencode arch=compute_80,code=sm_80 -o "$src/real.fatbin" "$src/k.cu"

# a C array of a file's bytes, 8-aligned as fatbins are; $3: extra attributes (a section)
carray() {
  local file=$1 name=$2 attrs=${3:-}
  node -e '
    const b = require("node:fs").readFileSync(process.argv[1]);
    const bytes = [...b].map((x) => "0x" + x.toString(16).padStart(2, "0")).join(",");
    console.log(`__attribute__((used, aligned(8)${process.argv[3]})) const unsigned char ${process.argv[2]}[${b.length}] = {${bytes}};`);
    console.log(`const void* ${process.argv[2]}_at(void) { return ${process.argv[2]}; }`);
  ' "$file" "$name" "$attrs"
}

# nvcc builds (.nv_fatbin holds the sm_80 kernel, registered through .nvFatBinSegment) with the decoy in .rodata,
# or in a section of its own that is loaded (SHF_ALLOC)
{ cat "$src/k.cu"; echo 'extern "C" {'; carray "$OUT/decoy.fatbin" cg_decoy; echo '}'; } >"$src/rodata.cu"
{ cat "$src/k.cu"; echo 'extern "C" {'; carray "$OUT/decoy.fatbin" cg_decoy ', section(".cg_decoy")'; echo '}'; } >"$src/section.cu"
"$NVCC" -shared -Xcompiler -fPIC -cudart shared -gencode arch=compute_80,code=sm_80 -o "$OUT/libdecoy_rodata.so" "$src/rodata.cu"
"$NVCC" -shared -Xcompiler -fPIC -cudart shared -gencode arch=compute_80,code=sm_80 -o "$OUT/libdecoy_section.so" "$src/section.cu"
# the same as a relocatable object (ET_REL), as a static library holds it
"$NVCC" -c -Xcompiler -fPIC -gencode arch=compute_80,code=sm_80 -o "$OUT/decoy_rodata.o" "$src/rodata.cu"

# libcupti-style: no .nv_fatbin; the library keeps its fatbin (sm_80) in .rodata and loads it itself
carray "$src/real.fatbin" cg_kernels >"$src/cupti_style.c"
gcc -shared -fPIC -O2 -o "$OUT/librodata_fatbin.so" "$src/cupti_style.c"
# ... plus the decoy in a section that is never loaded (no SHF_ALLOC); "fatbin" in its name makes the seek reader read it
objcopy --add-section .cg_decoy_fatbin="$OUT/decoy.fatbin" --set-section-flags .cg_decoy_fatbin=contents,readonly \
  --set-section-alignment .cg_decoy_fatbin=8 "$OUT/librodata_fatbin.so" "$OUT/librodata_decoy_nonalloc.so"

"$NVCC" --version | tail -1 > "$OUT/nvcc-version.txt"
cat >"$OUT/expected.json" <<'JSON'
{
  "libdecoy_rodata.so": { "decoyIn": ".rodata", "registered": { "sass": ["sm_80"], "ptx": [] } },
  "libdecoy_section.so": { "decoyIn": ".cg_decoy", "registered": { "sass": ["sm_80"], "ptx": [] } },
  "decoy_rodata.o": { "decoyIn": ".rodata", "registered": { "sass": ["sm_80"], "ptx": [] } },
  "librodata_fatbin.so": { "registered": { "sass": ["sm_80"], "ptx": [] } },
  "librodata_decoy_nonalloc.so": { "decoyIn": ".cg_decoy_fatbin", "registered": { "sass": ["sm_80"], "ptx": [] } }
}
JSON
# where each fatbin container sits, as GNU readelf sees the sections (the decoy's section must be the one named)
for f in libdecoy_rodata.so libdecoy_section.so decoy_rodata.o librodata_fatbin.so librodata_decoy_nonalloc.so; do
  echo "== $f"
  readelf -SW "$OUT/$f" | grep -E "\.nv_fatbin|\.rodata |cg_decoy" || true
done
ls -la "$OUT"
