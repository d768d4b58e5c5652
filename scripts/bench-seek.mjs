// The seek-path and parallel-gzip section of `npm run bench` (alone: BENCH_ONLY=seek npm run bench).
// 1. Writes a >= 4 GB docker-archive by hand (no dockerd): a 1.5 GB valid ELF64 shared object whose `.nv_fatbin`
//    holds ~2,000 fatbin containers (real nvcc containers from __tests__/fixtures/fatbin in the middle, synthetic ones
//    with large payloads around them), a 400 MB one, a 1 GB non-CUDA ELF with a normal `.rodata`, ~1.2 GB of data
//    files, thousands of small files (site-packages, small extension .so files, a dpkg database, version.json).
//    Times `cat ARCHIVE > /dev/null`, cuda-gate's seek path (the default) and its streaming path (--no-seek), cold
//    (the archive's pages dropped with posix_fadvise DONTNEED via `dd iflag=nocache`, checked with fincore) and warm
//    (page cache holding the whole archive); medians of BENCH_REPEAT runs; checks both paths report the same evidence.
// 2. Writes a gzip oci-archive (BENCH_GZIP_LAYERS layers of BENCH_GZIP_LAYER_MB uncompressed, gzip -6, ~2:1) and
//    times --jobs 1 against --jobs 2 (warm page cache: decompression bound).
// Options: BENCH_SEEK_LIB_MB (1536), BENCH_SEEK_CONTAINERS (2000), BENCH_SEEK_ELF_MB (1024), BENCH_SEEK_DATA_MB (1200),
// BENCH_SMALL_FILES (4000), BENCH_GZIP_LAYERS (4), BENCH_GZIP_LAYER_MB (320), BENCH_REPEAT (3).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { cliAccepts, CLI, dropFromPageCache, gate, median, residentFraction, ROOT, sh, timed, waitForQuiet } from './bench-common.mjs';
import {
  checkElfWithBinutils,
  elfEntry,
  elfSharedObject,
  fatbinSection,
  fileEntry,
  filler,
  fixtureFatbin,
  writeDockerArchive,
  walkFatbins,
  writeOciGzipArchive,
} from './bench-image.mjs';

const env = (name, dflt) => Number(process.env[name] ?? dflt);
const MB = 1 << 20;
const SIZES = {
  libMb: env('BENCH_SEEK_LIB_MB', 1536),
  containers: env('BENCH_SEEK_CONTAINERS', 2000),
  elfMb: env('BENCH_SEEK_ELF_MB', 1024),
  dataMb: env('BENCH_SEEK_DATA_MB', 1200),
  smallFiles: env('BENCH_SMALL_FILES', 4000),
  gzipLayers: env('BENCH_GZIP_LAYERS', 4),
  gzipLayerMb: env('BENCH_GZIP_LAYER_MB', 320),
  repeat: env('BENCH_REPEAT', 3),
};

const CUDA_LIB = 'usr/local/cuda-12.4/targets/x86_64-linux/lib';
const SITE = 'usr/lib/python3/dist-packages';

function dpkgStatus() {
  const stanza = (name, version) =>
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 1024\nMaintainer: bench <bench@example.com>\nArchitecture: amd64\nVersion: ${version}\nDescription: ${name} for the cuda-gate benchmark\n`;
  const cuda = [
    ['cuda-cudart-12-4', '12.4.127-1'],
    ['libcublas-12-4', '12.4.5.8-1'],
    ['libnccl2', '2.21.5-1+cuda12.4'],
    ['libcudnn9-cuda-12', '9.1.0.70-1'],
  ];
  const filler = Array.from({ length: 400 }, (_, i) => [`libbench${i}`, `1.${i % 17}.${i}-1ubuntu1`]);
  return [...filler.slice(0, 200), ...cuda, ...filler.slice(200)].map(([n, v]) => stanza(n, v)).join('\n');
}

/** Small files like a Python install: modules, extension .so files (ELF, scanned by both paths), dist-infos. */
function siteFiles(count, prefix = SITE) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(fileEntry(`${prefix}/pkg${i % 200}/mod${i}.py`, `# module ${i}\n${'x = 1\n'.repeat(200 + (i % 300))}`));
    if (i % 13 === 0) {
      const kb = 16 + ((i * 7919) % 240);
      out.push(elfEntry(`${prefix}/pkg${i % 200}/_ext${i}.cpython-310-x86_64-linux-gnu.so`, { textBytes: kb * 700, rodataBytes: kb * 200 }));
    }
  }
  out.push(fileEntry(`${prefix}/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: nvidia-cudnn-cu12\nVersion: 9.1.0.70\n'));
  out.push(fileEntry(`${prefix}/numpy-1.26.4.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n'));
  return out;
}

function dataFiles(mb, dir) {
  const n = Math.max(1, Math.round(mb / 128));
  return Array.from({ length: n }, (_, i) => {
    const size = Math.floor((mb * MB) / n);
    return { path: `${dir}/model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`, size, body: () => filler(size) };
  });
}

function dockerArchiveLayers(work) {
  const { libMb, containers, elfMb, dataMb, smallFiles } = SIZES;
  const real = ['libmulti.so', 'libsm90a.so'].map((l) => fixtureFatbin(ROOT, l, work));
  const cublasText = 48 * MB;
  const cublasRodata = 32 * MB;
  const cublasFatbin = fatbinSection({ bytes: libMb * MB - cublasText - cublasRodata, count: containers, real });
  const cudnnFatbin = fatbinSection({ bytes: 376 * MB, count: 400, real: [fixtureFatbin(ROOT, 'libsass80_ptx90.so', work)] });
  const cublas = elfSharedObject({ textBytes: cublasText, rodataBytes: cublasRodata, fatbin: cublasFatbin });
  const layers = [
    [
      fileEntry('etc/os-release', 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n'),
      fileEntry('var/lib/dpkg/status', dpkgStatus()),
      ...siteFiles(smallFiles),
    ],
    dataFiles(dataMb, 'opt/models'),
    [
      { path: `${CUDA_LIB}/libcublasLt.so.12.4.5.8`, size: cublas.size, mode: 0o755, body: () => cublas.body() },
      { path: `${CUDA_LIB}/libcublasLt.so.12`, symlink: 'libcublasLt.so.12.4.5.8' },
      elfEntry(`${CUDA_LIB}/libcudart.so.12.4.127`, { textBytes: 560_000, rodataBytes: 140_000 }),
      { path: `${CUDA_LIB}/libcudart.so.12`, symlink: 'libcudart.so.12.4.127' },
      fileEntry(
        'usr/local/cuda-12.4/version.json',
        JSON.stringify({ cuda: { name: 'CUDA SDK', version: '12.4.1' }, cuda_cudart: { name: 'CUDA Runtime (cudart)', version: '12.4.127' } }, null, 2),
      ),
      elfEntry('usr/lib/x86_64-linux-gnu/libcudnn_engines_precompiled.so.9.1.0', { textBytes: 16 * MB, rodataBytes: 8 * MB, fatbin: cudnnFatbin }),
    ],
    [elfEntry('opt/conda/lib/python3.10/site-packages/torch/lib/libtorch_cpu.so', { textBytes: elfMb * MB - 64 * MB, rodataBytes: 64 * MB })],
    [fileEntry('app/serve.py', 'print("v1")\n')],
  ];
  return { layers, containers: cublasFatbin.containers + cudnnFatbin.containers };
}

function gzipLayers() {
  const { gzipLayers: n, gzipLayerMb: mb } = SIZES;
  return Array.from({ length: n }, (_, i) => {
    const lib = Math.floor(mb * 0.75);
    return [
      elfEntry(`opt/venv/lib/python3.10/site-packages/pkg${i}/lib/libpkg${i}.so`, { textBytes: (lib - 8) * MB, rodataBytes: 8 * MB }),
      ...dataFiles(mb - lib - 8, `opt/data/layer${i}`),
      ...siteFiles(1500, `opt/venv/lib/python3.10/site-packages/layer${i}`),
    ];
  });
}

/** The sanity checks that cost nothing: binutils reads a generated ELF and its `.nv_fatbin` holds what was written. */
function selfCheck(work, log) {
  const real = fixtureFatbin(ROOT, 'libsass80_ptx90.so', work);
  const fatbin = fatbinSection({ bytes: 4 * MB, count: 8, real: [real] });
  const elf = elfSharedObject({ textBytes: 100_000, rodataBytes: 50_000, fatbin });
  const file = join(work, 'selfcheck.so');
  const sections = checkElfWithBinutils(elf, file);
  if (statSync(file).size !== elf.size) throw new Error('the ELF writer wrote a different size than it planned');
  const out = join(work, 'selfcheck.nv_fatbin');
  execFileSync('objcopy', ['-O', 'binary', '--only-section=.nv_fatbin', file, out]);
  const got = readFileSync(out);
  if (got.length !== fatbin.size) throw new Error(`objcopy reads a .nv_fatbin of ${got.length} B, ${fatbin.size} B were written`);
  if (!got.includes(real)) throw new Error('the real nvcc containers are not in the .nv_fatbin objcopy reads');
  const { containers: count, archs } = walkFatbins(got);
  if (count !== fatbin.containers) throw new Error(`the .nv_fatbin holds ${count} containers, ${fatbin.containers} were written`);
  rmSync(file);
  rmSync(out);
  log(
    `   self-check: readelf/objcopy read the generated ELF (${sections.match(/Number of section headers:\s+(\d+)/)?.[1]} sections) and its .nv_fatbin (${got.length} B, ${count} containers: ${archs.join(' ')})`,
  );
}

/** The parts of a report both read paths must agree on. */
function evidenceOf(reportFile) {
  const r = JSON.parse(readFileSync(reportFile, 'utf8'));
  return {
    images: r.images.map((i) => ({
      evidence: i.evidence,
      findings: i.findings,
      requirement: i.requirement,
      layers: i.layers.map(({ index, digest, entries }) => ({ index, digest, entries })),
    })),
    results: r.results,
    bytesRead: r.images.map((i) => i.scan.bytesRead),
    byOffset: r.images.map((i) => i.scan.byOffset),
  };
}

function sameEvidence(a, b) {
  const x = evidenceOf(a);
  const y = evidenceOf(b);
  const parts = ['evidence', 'findings', 'requirement', 'layers'];
  const differing = parts.filter((p) => JSON.stringify(x.images.map((i) => i[p])) !== JSON.stringify(y.images.map((i) => i[p])));
  if (JSON.stringify(x.results) !== JSON.stringify(y.results)) differing.push('results');
  return {
    same: differing.length === 0,
    differing,
    bytesRead: [x.bytesRead, y.bytesRead],
    byOffset: [x.byOffset, y.byOffset],
    counts: x.images.map((i) => ({ evidence: i.evidence.length, findings: i.findings.length })),
  };
}

/** The kernel read-ahead of the disk holding `dir` (KiB), best effort: a cold seek reads at least this much per miss. */
function readAheadKb(dir) {
  try {
    const dev = sh('df', ['--output=source', dir])
      .trim()
      .split('\n')
      .pop()
      .replace(/^\/dev\//, '');
    for (const p of [`/sys/class/block/${dev}/queue/read_ahead_kb`, `/sys/class/block/${dev}/../queue/read_ahead_kb`]) {
      try {
        return Number(readFileSync(p, 'utf8'));
      } catch {
        /* next */
      }
    }
  } catch {
    /* not Linux, or no df */
  }
  return undefined;
}

export async function seekSection({ work, results, log = (s) => process.stderr.write(`${s}\n`) }) {
  const section = (results.seek = { sizes: SIZES, runs: {}, table: [], readAheadKb: readAheadKb(work) });
  const flags = { noSeek: cliAccepts(['--no-seek']), jobs: cliAccepts(['--jobs', '2']) };
  section.flags = flags;
  if (!flags.noSeek) log(`   NOTE: ${CLI} does not accept --no-seek: the streaming-path rows are skipped (rebuild with npm run package)`);
  if (!flags.jobs) log(`   NOTE: ${CLI} does not accept --jobs: the --jobs rows are skipped (rebuild with npm run package)`);

  selfCheck(work, log);

  // ---- docker-archive, uncompressed
  const planned = SIZES.libMb + 400 + SIZES.elfMb + SIZES.dataMb + SIZES.smallFiles * 0.06 + 100;
  const free = Number(statfsSync(work).bavail) * Number(statfsSync(work).bsize);
  const gzipPlanned = SIZES.gzipLayers * SIZES.gzipLayerMb * 1.1;
  if (free < (planned + gzipPlanned) * MB * 1.1)
    throw new Error(`need ~${((planned + gzipPlanned) / 1024).toFixed(1)} GB free in ${work}, have ${(free / 2 ** 30).toFixed(1)} GB`);
  const archive = join(work, 'seek-bench.tar');
  let t0 = Date.now();
  log(
    `\n== seek path: writing a docker-archive (${SIZES.libMb} MB fatbin library, ${SIZES.elfMb} MB non-CUDA ELF, ${SIZES.dataMb} MB data, ${SIZES.smallFiles} small files)`,
  );
  const { layers, containers } = dockerArchiveLayers(work);
  const written = writeDockerArchive(archive, {
    layers,
    tag: 'cuda-gate-bench/seek:v1',
    env: ['PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin:/bin', 'CUDA_VERSION=12.4.1', 'NV_CUDA_CUDART_VERSION=12.4.127-1'],
    onLayer: (i, d) => log(`   layer ${i}: ${(d.size / 1e9).toFixed(2)} GB`),
  });
  section.dockerArchive = { bytes: written.bytes, layers: written.layers.length, fatbinContainers: containers, writeSeconds: (Date.now() - t0) / 1000 };
  log(`   ${(written.bytes / 1e9).toFixed(2)} GB, ${containers} fatbin containers, written in ${section.dockerArchive.writeSeconds.toFixed(0)} s`);

  const cacheDir = join(work, 'seek-cache');
  const src = `docker-archive:${archive}`;
  const reports = {};
  const dropCold = (file) => {
    dropFromPageCache(file);
    const resident = residentFraction(file);
    if (resident !== undefined && resident > 0.01)
      throw new Error(`dropping ${file} from the page cache did not work: ${(resident * 100).toFixed(0)} % resident`);
  };
  const runs = section.runs;
  const record = (name, r) => {
    (runs[name] ??= []).push(r);
    const noise = r.othersCpuSeconds > 0.05 * r.seconds ? `, others used ${r.othersCpuSeconds.toFixed(1)} CPU-s meanwhile` : '';
    const waited = r.quiet === false ? ' (machine never got quiet)' : r.waitedSeconds > 5 ? ` (waited ${r.waitedSeconds.toFixed(0)} s for quiet)` : '';
    log(`   ${name} … ${r.seconds.toFixed(2)} s${r.rssMb ? `, ${r.rssMb.toFixed(0)} MB RSS` : ''}${noise}${waited}`);
  };
  /** a timing taken once the rest of the machine is quiet; `cold`: the file's pages dropped right before */
  const measure = (cmd, args, { coldFile } = {}) => {
    const q = waitForQuiet();
    if (coldFile) dropCold(coldFile);
    return { ...timed(cmd, args), quiet: q.quiet, waitedSeconds: q.waitedSeconds };
  };
  const gateRun = (name, extra, cold) => {
    rmSync(cacheDir, { recursive: true, force: true });
    const report = join(work, `report-${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
    const r = measure(process.execPath, [CLI, ...gate(src, ['--cache-dir', cacheDir, '--output', report, ...extra])], { coldFile: cold && archive });
    reports[name] = report;
    record(name, r);
  };
  const catRun = (name, cold) => record(name, measure('bash', ['-c', `cat '${archive}' > /dev/null`], { coldFile: cold && archive }));

  for (let rep = 1; rep <= SIZES.repeat; rep++) {
    log(`   -- round ${rep}/${SIZES.repeat}`);
    // what every run pays before reading a layer: node start, the bundle, the archive's index, the config
    record('--scan config (start-up floor)', measure(process.execPath, [CLI, ...gate(src, ['--scan', 'config', '--no-cache'])]));
    catRun('cat, cold', true);
    gateRun('seek, cold', [], true);
    section.seekColdResident ??= residentFraction(archive);
    if (flags.noSeek) gateRun('stream, cold', ['--no-seek'], true);
    timed('bash', ['-c', `cat '${archive}' > /dev/null`]);
    catRun('cat, warm');
    gateRun('seek, warm', []);
    if (flags.noSeek) gateRun('stream, warm', ['--no-seek']);
  }
  if (flags.noSeek) {
    section.evidenceCheck = sameEvidence(reports['seek, warm'], reports['stream, warm']);
    section.evidenceCheckCold = sameEvidence(reports['seek, cold'], reports['stream, cold']);
  }
  if (section.seekColdResident !== undefined)
    log(`   after a cold seek run ${(section.seekColdResident * 100).toFixed(1)} % of the archive was in the page cache (read-ahead included)`);

  // ---- gzip oci-archive, --jobs 1 vs 2
  if (!process.env.BENCH_KEEP) rmSync(archive, { force: true });
  const oci = join(work, 'jobs-bench.tar');
  t0 = Date.now();
  log(`\n== parallel gzip: writing an oci-archive (${SIZES.gzipLayers} gzip layers × ${SIZES.gzipLayerMb} MB)`);
  const ociWritten = await writeOciGzipArchive(oci, { layers: gzipLayers(), ref: 'v1', work, env: ['CUDA_VERSION=12.4.1'] });
  section.ociArchive = {
    bytes: ociWritten.bytes,
    layers: ociWritten.layers.length,
    uncompressedBytes: ociWritten.layers.reduce((n, l) => n + l.tarBytes, 0),
    writeSeconds: (Date.now() - t0) / 1000,
  };
  log(
    `   ${(ociWritten.bytes / 1e9).toFixed(2)} GB gzip (${(section.ociArchive.uncompressedBytes / 1e9).toFixed(2)} GB uncompressed), written in ${section.ociArchive.writeSeconds.toFixed(0)} s`,
  );
  const ociSrc = `oci-archive:${oci}`;
  const jobsRun = (jobs) => {
    rmSync(cacheDir, { recursive: true, force: true });
    const report = join(work, `report-jobs${jobs}.json`);
    const r = measure(process.execPath, [CLI, ...gate(ociSrc, ['--cache-dir', cacheDir, '--output', report, ...(flags.jobs ? ['--jobs', String(jobs)] : [])])]);
    reports[`jobs ${jobs}`] = report;
    record(flags.jobs ? `gzip oci-archive, --jobs ${jobs}` : 'gzip oci-archive, no --jobs flag', r);
  };
  timed('bash', ['-c', `cat '${oci}' > /dev/null`]);
  record('gzip oci-archive: cat, warm', measure('bash', ['-c', `cat '${oci}' > /dev/null`]));
  const ranges = ociWritten.layers.map((l) => `${l.offset}:${l.size}`);
  const inflate = (n) =>
    record(
      `gzip oci-archive: node gunzip, ${n} layer(s) at once`,
      measure(process.execPath, [join(ROOT, 'scripts/bench-gunzip.mjs'), oci, String(n), ...ranges]),
    );
  if (flags.jobs) {
    for (let rep = 1; rep <= SIZES.repeat; rep++) {
      inflate(1);
      inflate(2);
      jobsRun(1);
      jobsRun(2);
    }
    section.jobsEvidenceCheck = sameEvidence(reports['jobs 1'], reports['jobs 2']);
  } else {
    jobsRun('default');
  }
  if (!process.env.BENCH_KEEP) rmSync(oci, { force: true });

  // ---- table
  const m = (name) => {
    const rs = runs[name];
    if (!rs) return undefined;
    const med = (f) => (rs.every((r) => r[f] !== undefined) ? median(rs.map((r) => r[f])) : undefined);
    return {
      seconds: med('seconds'),
      cpuSeconds: med('cpuSeconds'),
      othersCpuSeconds: med('othersCpuSeconds'),
      rssMb: Math.max(...rs.map((r) => r.rssMb ?? 0)) || undefined,
      all: rs.map((r) => r.seconds),
    };
  };
  const push = (run, x, y, against, cache, speedup) =>
    x &&
    y &&
    section.table.push({
      run,
      ratio: speedup ? y.seconds / x.seconds : x.seconds / y.seconds,
      seconds: x.seconds,
      against,
      againstSeconds: y.seconds,
      cache,
      rssMb: x.rssMb,
      cpuSeconds: x.cpuSeconds,
      othersCpuSeconds: Math.max(x.othersCpuSeconds ?? 0, y.othersCpuSeconds ?? 0),
      ...(speedup && { speedup }),
    });
  const row = (run, x, y, against, cache) => push(run, x, y, against, cache, false);
  const speedup = (run, before, after, against) => push(run, after, before, against, 'warm', true);
  row('docker-archive, seek path', m('seek, cold'), m('cat, cold'), 'cat ARCHIVE > /dev/null', 'cold');
  row('docker-archive, seek path', m('seek, warm'), m('cat, warm'), 'cat ARCHIVE > /dev/null', 'warm');
  row('docker-archive, seek path', m('seek, cold'), m('stream, cold'), 'streaming path (--no-seek)', 'cold');
  row('docker-archive, seek path', m('seek, warm'), m('stream, warm'), 'streaming path (--no-seek)', 'warm');
  row('docker-archive, seek path', m('seek, warm'), m('--scan config (start-up floor)'), '--scan config (start-up, index, config)', 'warm');
  row('docker-archive, streaming path', m('stream, cold'), m('cat, cold'), 'cat ARCHIVE > /dev/null', 'cold');
  row('docker-archive, streaming path', m('stream, warm'), m('cat, warm'), 'cat ARCHIVE > /dev/null', 'warm');
  const nodeInflate1 = m('gzip oci-archive: node gunzip, 1 layer(s) at once');
  const nodeInflate2 = m('gzip oci-archive: node gunzip, 2 layer(s) at once');
  row('gzip oci-archive, --jobs 1', m('gzip oci-archive, --jobs 1'), nodeInflate1, 'node zlib gunzip of every layer, 1 at once', 'warm');
  row('gzip oci-archive, --jobs 2', m('gzip oci-archive, --jobs 2'), nodeInflate2, 'node zlib gunzip of every layer, 2 at once', 'warm');
  // speed-ups: the slower time over the faster one (> 1 is faster)
  speedup(
    'gzip oci-archive, --jobs 2 speed-up',
    m('gzip oci-archive, --jobs 1'),
    m('gzip oci-archive, --jobs 2'),
    '--jobs 1 (time of --jobs 1 ÷ time of --jobs 2)',
  );
  speedup('node zlib gunzip, 2 at once: speed-up', nodeInflate1, nodeInflate2, '1 at once (what this machine allows)');
  const j1 = m('gzip oci-archive, --jobs 1');
  const j2 = m('gzip oci-archive, --jobs 2');
  if (j1 && j2) section.jobsSpeedup = j1.seconds / j2.seconds;
  section.medians = Object.fromEntries(Object.keys(runs).map((k) => [k, m(k)]));
  return section;
}

/** The section's markdown table and notes, for the console. */
export function printSeekSection(section, machine) {
  const lines = [];
  const a = section.dockerArchive;
  lines.push(`\n### Seek path and parallel gzip — ${machine.cores} cores, ${machine.node}`);
  lines.push(
    `docker-archive ${(a.bytes / 1e9).toFixed(2)} GB uncompressed (${a.layers} layers, ${a.fatbinContainers} fatbin containers); gzip oci-archive ${(section.ociArchive.bytes / 1e9).toFixed(2)} GB (${(section.ociArchive.uncompressedBytes / 1e9).toFixed(2)} GB uncompressed, ${section.ociArchive.layers} layers).`,
  );
  lines.push(
    `cold = the archive's pages dropped (fadvise DONTNEED, checked with fincore) before each run; warm = the whole archive in the page cache. Medians of ${section.sizes.repeat} runs.\n`,
  );
  lines.push('ratio = seconds ÷ against-seconds (lower is better), except speed-up rows = against-seconds ÷ seconds (higher is better).\n');
  lines.push(
    "CPU-s: user+sys of the run itself (median); others' CPU-s: what the rest of the machine used meanwhile (median, the larger of the two sides) — noise on a shared machine.\n",
  );
  lines.push("| run | page cache | ratio | against | seconds (median) | against, seconds | CPU-s | others' CPU-s | peak RSS |");
  lines.push('|---|---|---|---|---|---|---|---|---|');
  const f = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
  for (const t of section.table) {
    lines.push(
      `| ${t.run} | ${t.cache} | ${t.ratio.toFixed(3)}× | ${t.against} | ${f(t.seconds)} | ${f(t.againstSeconds)} | ${f(t.cpuSeconds)} | ${f(t.othersCpuSeconds, 1)} | ${t.rssMb ? `${t.rssMb.toFixed(0)} MB` : ''} |`,
    );
  }
  if (section.jobsSpeedup) lines.push(`\n--jobs 2 speed-up over --jobs 1: ${section.jobsSpeedup.toFixed(2)}× (goal >= 1.6× on 2 cores)`);
  const ev = section.evidenceCheck;
  if (ev) {
    const verdict = (c) => (c.same ? 'IDENTICAL' : `DIFFER in ${c.differing.join(', ')}`);
    lines.push(
      `seek vs streaming reports (evidence, findings, requirement, layers, results): warm runs ${verdict(ev)}, cold runs ${verdict(section.evidenceCheckCold)} (${ev.counts.map((c) => `${c.evidence} evidence, ${c.findings} findings`).join('; ')}); scan.bytesRead seek ${ev.bytesRead[0].join(',')} vs streaming ${ev.bytesRead[1].join(',')}`,
    );
    const off = (b) => (b ? `${b.layers} layers read by offset, ${(b.bytesRead / 1e6).toFixed(1)} MB read` : 'none read by offset');
    lines.push(`scan.byOffset: seek ${ev.byOffset[0].map(off).join('; ')} — streaming ${ev.byOffset[1].map(off).join('; ')}`);
  } else lines.push('seek vs streaming reports: not compared (this build has no --no-seek)');
  const jv = section.jobsEvidenceCheck;
  if (jv) lines.push(`--jobs 1 vs --jobs 2 reports: ${jv.same ? 'IDENTICAL' : `DIFFER in ${jv.differing.join(', ')}`}`);
  if (!section.flags.jobs) lines.push('--jobs: not timed (this build has no --jobs)');
  if (section.seekColdResident !== undefined)
    lines.push(
      `after a cold seek run ${(section.seekColdResident * 100).toFixed(1)} % of the docker-archive was in the page cache (kernel read-ahead included; read_ahead_kb ${section.readAheadKb ?? '?'})`,
    );
  return lines.join('\n');
}
