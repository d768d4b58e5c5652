// `npm run bench`: what a scan costs, as ratios to floors measured in the same run (never bare seconds).
// Builds a multi-GB CUDA-like image in the real dockerd (a 1.6 GB library with real nvcc fatbins spliced into its
// middle, a 400 MB one, thousands of small site-packages files, a dpkg database), pushes it to the real loopback
// registry, then times: the floors (`docker save IMG > /dev/null`; `cat ARCHIVE > /dev/null`; every blob fetched
// with curl and gunzipped to /dev/null) and cuda-gate on the daemon, the archive and the registry — cold (empty
// cache), warm (after rebuilding only the top layer), and `--scan config` — with each run's peak RSS.
// Then the seek-path / parallel-gzip section (scripts/bench-seek.mjs: a >= 4 GB hand-written docker-archive, seek
// path vs `--no-seek` vs `cat`, cold and warm page cache; a gzip oci-archive, `--jobs 1` vs `--jobs 2`; no dockerd).
// Prints tables, writes bench-results/bench-<date>.json. Not part of the tests.
// Options: BENCH_ONLY=seek (only the seek section) or BENCH_ONLY=engines (only the dockerd/registry part);
// BENCH_LIB_MB (default 1600), BENCH_SMALL_FILES (default 4000), BENCH_KEEP=1 keeps the work dir; the seek
// section's own sizes are listed in scripts/bench-seek.mjs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, gate, ROOT, sh, timed } from './bench-common.mjs';
import { fillerPool } from './bench-image.mjs';
import { printSeekSection, seekSection } from './bench-seek.mjs';

const LIB_MB = Number(process.env.BENCH_LIB_MB ?? 1600);
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 4000);
const ONLY = process.env.BENCH_ONLY;
if (ONLY && ONLY !== 'seek' && ONLY !== 'engines') throw new Error(`BENCH_ONLY=${ONLY}: expected seek or engines`);

function ensureEngines() {
  if (process.env.DOCKER_HOST && process.env.TEST_REGISTRY) return () => {};
  const out = spawnSync('bash', ['-c', `. "${ROOT}/scripts/engines.sh" && start_engines >&2 && echo "$DOCKER_HOST $TEST_REGISTRY $ENG_DIR" && disown -a`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error('could not start dockerd and the registry (scripts/engines.sh)');
  const [dockerHost, registry, engDir] = out.stdout.trim().split(/\s+/);
  Object.assign(process.env, { DOCKER_HOST: dockerHost, TEST_REGISTRY: registry });
  return () =>
    spawnSync('bash', ['-c', `ENG_DIR=${engDir}; ENG_PIDS=($(pgrep -f "$ENG_DIR")); . "${ROOT}/scripts/engines.sh"; stop_engines`], { stdio: 'ignore' });
}

async function writeLargeLib(path, mb, fatbins) {
  const pool = fillerPool();
  const out = createWriteStream(path);
  const header = Buffer.alloc(64);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = 2;
  header[5] = 1;
  out.write(header);
  const total = mb << 20;
  const middle = Math.floor(total / 2);
  let written = 64;
  let spliced = false;
  let turn = 0;
  while (written < total) {
    if (!spliced && written >= middle) {
      for (const f of fatbins) {
        out.write(f);
        written += f.length;
      }
      spliced = true;
    }
    const n = Math.min(1 << 20, total - written);
    const start = (turn++ * 4099) % (pool.length - n);
    if (!out.write(pool.subarray(start, start + n))) await new Promise((r) => out.once('drain', r));
    written += n;
  }
  await new Promise((r) => out.end(r));
}

function fatbinsOf(lib) {
  // the fixtures are whole .so files: splice them in whole; the scanner finds the containers inside
  return [readFileSync(join(ROOT, '__tests__/fixtures/fatbin', lib))];
}

async function buildContext(dir, topMarker) {
  const rootfs = join(dir, 'rootfs');
  const lib = join(rootfs, 'usr/local/cuda-12.4/targets/x86_64-linux/lib');
  mkdirSync(lib, { recursive: true });
  if (!existsSync(join(lib, 'libcublasLt.so.12.4.5.8'))) {
    await writeLargeLib(join(lib, 'libcublasLt.so.12.4.5.8'), LIB_MB, fatbinsOf('libmulti.so'));
    await writeLargeLib(join(rootfs, 'libcudnn_engines_precompiled.so.9.1.0'), 400, fatbinsOf('libsass80_ptx90.so'));
    writeFileSync(join(lib, 'libcudart.so.12.4.127'), randomBytes(700_000));
    const sp = join(rootfs, 'usr/lib/python3/dist-packages');
    for (let i = 0; i < SMALL_FILES; i++) {
      const d = join(sp, `pkg${i % 200}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `mod${i}.py`), `# module ${i}\n${'x = 1\n'.repeat(200 + (i % 300))}`);
    }
    mkdirSync(join(sp, 'nvidia_cudnn_cu12-9.1.0.70.dist-info'), { recursive: true });
    writeFileSync(join(sp, 'nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA'), 'Metadata-Version: 2.1\nName: nvidia-cudnn-cu12\nVersion: 9.1.0.70\n');
    mkdirSync(join(rootfs, 'var/lib/dpkg'), { recursive: true });
    writeFileSync(
      join(rootfs, 'var/lib/dpkg/status'),
      'Package: cuda-cudart-12-4\nStatus: install ok installed\nVersion: 12.4.127-1\n\nPackage: libnccl2\nStatus: install ok installed\nVersion: 2.21.5-1+cuda12.4\n',
    );
  }
  mkdirSync(join(dir, 'top'), { recursive: true });
  writeFileSync(join(dir, 'top/serve.py'), `print(${JSON.stringify(topMarker)})\n`);
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/usr/local /usr/local',
      'COPY rootfs/libcudnn_engines_precompiled.so.9.1.0 /usr/lib/x86_64-linux-gnu/libcudnn_engines_precompiled.so.9.1.0',
      'COPY rootfs/usr/lib/python3 /usr/lib/python3',
      'COPY rootfs/var /var',
      'ENV CUDA_VERSION=12.4.1 NV_CUDA_CUDART_VERSION=12.4.127-1',
      'COPY top /app',
      '',
    ].join('\n'),
  );
}

function registryFloor(repoRef) {
  const [host, rest] = [repoRef.slice(0, repoRef.indexOf('/')), repoRef.slice(repoRef.indexOf('/') + 1)];
  const [name, tag] = rest.split(':');
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const manifest = JSON.parse(sh('curl', ['-sf', '-H', `Accept: ${accept}`, `http://${host}/v2/${name}/manifests/${tag}`]));
  const script = [manifest.config, ...manifest.layers]
    .map((b) => `curl -sf http://${host}/v2/${name}/blobs/${b.digest} | ${b.mediaType.includes('gzip') ? 'gzip -dc' : 'cat'} > /dev/null`)
    .join(' && ');
  return timed('bash', ['-c', script]);
}

/** The dockerd / registry part: the image built by `docker build`, read from the daemon, an archive, the registry. */
async function enginesSection(work, results) {
  const stopEngines = ensureEngines();
  const registry = process.env.TEST_REGISTRY;
  results.runs = {};
  const step = (label) => process.stderr.write(`\n== ${label}\n`);
  try {
    step(`building a CUDA-like image (${LIB_MB} MB library + 400 MB + ${SMALL_FILES} small files)`);
    const ctx = join(work, 'ctx');
    await buildContext(ctx, 'v1');
    sh('docker', ['build', '-q', '-t', 'cuda-gate-bench/app:v1', ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const archive = join(work, 'app-v1.tar');
    sh('docker', ['save', '-o', archive, 'cuda-gate-bench/app:v1']);
    const imageBytes = statSync(archive).size;
    results.image = {
      bytes: imageBytes,
      layers: JSON.parse(sh('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'cuda-gate-bench/app:v1'])).length,
    };
    step('pushing to the loopback registry (gzip)');
    sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${registry}/bench/app:v1`]);

    const cacheDir = join(work, 'cache');
    const run = (name, cmd, args, opts) => {
      process.stderr.write(`   ${name} … `);
      const r = timed(cmd, args, opts);
      process.stderr.write(`${r.seconds.toFixed(2)} s${r.rssMb ? `, ${r.rssMb.toFixed(0)} MB RSS` : ''}\n`);
      results.runs[name] = r;
      return r;
    };

    step('floors');
    run('floor: docker save > /dev/null', 'bash', ['-c', 'docker save cuda-gate-bench/app:v1 > /dev/null']);
    run('floor: cat archive > /dev/null', 'bash', ['-c', `cat ${archive} > /dev/null`]);
    process.stderr.write('   floor: curl + gunzip every blob … ');
    results.runs['floor: curl + gunzip blobs'] = registryFloor(`${registry}/bench/app:v1`);
    process.stderr.write(`${results.runs['floor: curl + gunzip blobs'].seconds.toFixed(2)} s\n`);

    step('cold scans (empty cache)');
    const sources = {
      daemon: 'docker-daemon:cuda-gate-bench/app:v1',
      archive: `docker-archive:${archive}`,
      registry: `docker://${registry}/bench/app:v1`,
    };
    for (const [k, src] of Object.entries(sources)) {
      rmSync(cacheDir, { recursive: true, force: true });
      run(`cold: ${k}`, process.execPath, [CLI, ...gate(src, ['--cache-dir', cacheDir])]);
    }
    step('--scan config');
    for (const [k, src] of Object.entries(sources)) run(`scan config: ${k}`, process.execPath, [CLI, ...gate(src, ['--scan', 'config', '--no-cache'])]);

    step('warm scans: only the top layer rebuilt');
    await buildContext(ctx, 'v2');
    sh('docker', ['build', '-q', '-t', 'cuda-gate-bench/app:v2', ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const archive2 = join(work, 'app-v2.tar');
    sh('docker', ['save', '-o', archive2, 'cuda-gate-bench/app:v2']);
    sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive2}`, `docker://${registry}/bench/app:v2`]);
    const warm = { daemon: 'docker-daemon:cuda-gate-bench/app:v2', archive: `docker-archive:${archive2}`, registry: `docker://${registry}/bench/app:v2` };
    for (const [k, src] of Object.entries(warm)) {
      // each source kind warms its own cache from the v1 scan, then reads v2
      rmSync(cacheDir, { recursive: true, force: true });
      timed(process.execPath, [CLI, ...gate(sources[k], ['--cache-dir', cacheDir])]);
      run(`warm: ${k}`, process.execPath, [CLI, ...gate(src, ['--cache-dir', cacheDir])]);
    }

    const r = results.runs;
    const rows = [
      ['daemon, cold', r['cold: daemon'], r['floor: docker save > /dev/null']],
      ['archive, cold', r['cold: archive'], r['floor: cat archive > /dev/null']],
      ['registry, cold', r['cold: registry'], r['floor: curl + gunzip blobs']],
      ['daemon, warm (top layer rebuilt)', r['warm: daemon'], r['cold: daemon']],
      ['archive, warm (top layer rebuilt)', r['warm: archive'], r['cold: archive']],
      ['registry, warm (top layer rebuilt)', r['warm: registry'], r['cold: registry']],
      ['daemon, --scan config', r['scan config: daemon'], r['floor: docker save > /dev/null']],
      ['archive, --scan config', r['scan config: archive'], r['floor: cat archive > /dev/null']],
      ['registry, --scan config', r['scan config: registry'], r['floor: curl + gunzip blobs']],
    ];
    const floorName = (f) => Object.entries(r).find(([, v]) => v === f)?.[0] ?? '';
    results.table = rows.map(([name, x, floor]) => ({
      run: name,
      seconds: x.seconds,
      ratio: x.seconds / floor.seconds,
      against: floorName(floor),
      rssMb: x.rssMb,
    }));
    console.log(`\ncuda-gate benchmark — image ${(imageBytes / 1e9).toFixed(2)} GB uncompressed, ${results.machine.cores} cores, ${process.version}`);
    console.log('(page cache warm: the archive was just written; the daemon exports from its own store)\n');
    console.log(`${'run'.padEnd(38)} ${'ratio'.padStart(7)}  against${' '.repeat(28)} ${'peak RSS'.padStart(9)}`);
    for (const t of results.table) {
      console.log(`${t.run.padEnd(38)} ${t.ratio.toFixed(2).padStart(6)}×  ${t.against.padEnd(35)} ${t.rssMb ? `${t.rssMb.toFixed(0)} MB`.padStart(9) : ''}`);
    }
    console.log(
      '\nfloors, for scale:',
      Object.entries(r)
        .filter(([k]) => k.startsWith('floor'))
        .map(([k, v]) => `${k}: ${v.seconds.toFixed(2)} s`)
        .join('; '),
    );
  } finally {
    spawnSync('docker', ['rmi', '-f', 'cuda-gate-bench/app:v1', 'cuda-gate-bench/app:v2'], { stdio: 'ignore' });
    stopEngines();
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-'));
  const results = { date: new Date().toISOString(), machine: { cores: cpus().length, node: process.version } };
  try {
    if (ONLY !== 'seek') await enginesSection(work, results);
    if (ONLY !== 'engines') {
      const section = await seekSection({ work, results });
      console.log(printSeekSection(section, results.machine));
    }
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const out = join(ROOT, 'bench-results', `bench-${results.date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
    writeFileSync(out, JSON.stringify(results, null, 2));
    console.log(`\nwritten: ${out}`);
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`kept: ${work}`);
  }
}

main().catch((e) => {
  console.error(`bench failed: ${e.message}`);
  process.exit(1);
});
