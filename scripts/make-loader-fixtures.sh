#!/usr/bin/env bash
# Real ELF binaries for the dynamic-loader model (issue 16), built with the real nvcc and g++. Outputs are
# committed (__tests__/fixtures/loader/), so the tests pass where nvcc is absent. expected.json records what each
# binary was BUILT to carry (DT_NEEDED, DT_SONAME, DT_RUNPATH/DT_RPATH, where its device code sits).
# Re-run: bash scripts/make-loader-fixtures.sh   (needs /usr/local/cuda/bin/nvcc; CUDA 13.0 was used)
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
OUT=__tests__/fixtures/loader
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
cat >"$src/main.c" <<'C'
extern void launch(int n, float a, const float* x, float* y);
int main(void) { launch(0, 0.0f, 0, 0); return 0; }
C
cat >"$src/cublas_stub.c" <<'C'
/* stands in for libcublas.so.13 at link time only: the binary then records DT_NEEDED libcublas.so.13 */
int cublasCreate_v2(void **handle) { (void)handle; return 0; }
C
cat >"$src/uses_cublas.c" <<'C'
extern int cublasCreate_v2(void **handle);
extern void launch(int n, float a, const float* x, float* y);
int make(void) { void *h; launch(0, 0.0f, 0, 0); return cublasCreate_v2(&h); }
C

# libkern.so: SASS sm_80 + PTX compute_90 in .nv_fatbin, the shared CUDA runtime (DT_NEEDED libcudart.so.13)
"$NVCC" -shared -Xcompiler -fPIC -cudart shared -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=compute_90 \
  -Xlinker -soname=libkern.so -o "$OUT/libkern.so" "$src/k.cu"
# app: an executable that needs libkern.so and finds it through DT_RUNPATH $ORIGIN/../lib
gcc -o "$OUT/app" "$src/main.c" -L"$OUT" -lkern -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' \
  -Wl,-rpath-link,/usr/local/cuda/lib64
# app-rpath: the same with the older DT_RPATH (searched before LD_LIBRARY_PATH)
gcc -o "$OUT/app-rpath" "$src/main.c" -L"$OUT" -lkern -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../lib' \
  -Wl,-rpath-link,/usr/local/cuda/lib64
# libneeds_cublas.so: DT_NEEDED libcublas.so.13 (linked against a stub that is NOT committed) and libkern.so
gcc -shared -fPIC -Wl,-soname,libcublas.so.13 -o "$src/libcublas.so.13" "$src/cublas_stub.c"
ln -sf libcublas.so.13 "$src/libcublas.so"
gcc -shared -fPIC -o "$OUT/libneeds_cublas.so" "$src/uses_cublas.c" -L"$src" -L"$OUT" -lcublas -lkern \
  -Wl,-rpath-link,/usr/local/cuda/lib64
# libstatic.so: nvcc's default static CUDA runtime (no DT_NEEDED libcudart): only its PTX ISA says which CUDA built it
"$NVCC" -shared -Xcompiler -fPIC -cudart static -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=compute_90 \
  -o "$OUT/libstatic.so" "$src/k.cu"
# librelonly.so: relocatable device code (-rdc) never device-linked: PTX only in __nv_relfatbin, no .nv_fatbin —
# the CUDA runtime registers nothing from it, so no kernel of it can launch
"$NVCC" -c -rdc=true -Xcompiler -fPIC -gencode arch=compute_80,code=compute_80 -o "$src/rel.o" "$src/k.cu"
g++ -shared -o "$OUT/librelonly.so" "$src/rel.o"

"$NVCC" --version | tail -1 > "$OUT/nvcc-version.txt"
# expected.json: the dynamic section as GNU readelf reads it (an independent ELF reader), plus where each binary's
# device code sits as it was built (what the CUDA runtime registers, from .nv_fatbin; relocatable code it does not)
node - "$OUT" <<'JS'
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const out = process.argv[2];
const device = {
  'libkern.so': { registered: { sass: ['sm_80'], ptx: ['compute_90'] } },
  'librelonly.so': { registered: { sass: [], ptx: [] }, relocatable: { ptx: ['compute_80'] } },
  'libstatic.so': { registered: { sass: ['sm_80'], ptx: ['compute_90'] } },
};
const expected = {};
for (const f of ['libkern.so', 'app', 'app-rpath', 'libneeds_cublas.so', 'librelonly.so', 'libstatic.so']) {
  const d = execFileSync('readelf', ['-d', `${out}/${f}`], { encoding: 'utf8' });
  const all = (tag) => [...d.matchAll(new RegExp(`\\(${tag}\\)\\s+[^\\[]*\\[([^\\]]*)\\]`, 'g'))].map((m) => m[1]);
  const split = (v) => v.flatMap((x) => x.split(':'));
  expected[f] = { soname: all('SONAME')[0] ?? null, needed: all('NEEDED'), rpath: split(all('RPATH')), runpath: split(all('RUNPATH')), ...device[f] };
}
writeFileSync(`${out}/expected.json`, JSON.stringify(expected, null, 2) + '\n');
JS
for f in libkern.so app app-rpath libneeds_cublas.so librelonly.so libstatic.so; do echo "== $f"; readelf -d "$OUT/$f" | grep -E "NEEDED|SONAME|RPATH|RUNPATH"; done
ls -la "$OUT"
