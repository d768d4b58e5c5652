// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild, and snapshots the parsed matrix.
// --check rebuilds into a temp dir and fails when the committed dist/ differs (CI runs this).
import assert from 'node:assert';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { parseDocument } from 'yaml';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const check = process.argv.includes('--check');
const outdir = check ? mkdtempSync(join(tmpdir(), 'cuda-gate-dist-')) : 'dist';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  // optional native helpers of ssh2 (pulled in by dockerode): never used for unix/tcp DOCKER_HOST
  external: ['cpu-features', './crypto/build/Release/sshcrypto.node'],
  define: { 'process.env.CUDA_GATE_BUNDLED': '"1"', 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/import-meta-url.mjs'],
};
await build({ ...common, entryPoints: { index: 'src/action/main.ts' }, outdir });
await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir, banner: { js: '#!/usr/bin/env node' } });
writeMatrixSnapshot(join(outdir, 'matrix-snapshot.json'));

/**
 * The shipped matrix, parsed, keyed by the SHA-256 of each file's text (src/matrix/yaml-file.ts reads it): start-up
 * skips the YAML parser. Parsed exactly as at run time; a value JSON cannot carry stops the build.
 */
function writeMatrixSnapshot(out) {
  const snapshot = {};
  for (const name of readdirSync('matrix')
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    const text = readFileSync(join('matrix', name), 'utf8');
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) throw new Error(`matrix/${name}: ${doc.errors[0].message}`);
    const data = doc.toJS();
    assert.deepStrictEqual(JSON.parse(JSON.stringify(data)), data, `matrix/${name} holds a value JSON cannot carry`);
    snapshot[createHash('sha256').update(text).digest('hex')] = data;
  }
  writeFileSync(out, `${JSON.stringify(snapshot)}\n`);
}

if (check) {
  const names = readdirSync(outdir);
  const differing = names.filter((n) => !existsSync(join('dist', n)) || readFileSync(join('dist', n), 'utf8') !== readFileSync(join(outdir, n), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  if (differing.length) {
    console.error(`dist/ is stale (${differing.join(', ')} differ from a fresh build): run 'npm run package' and commit dist/`);
    process.exit(1);
  }
  console.log('dist/ matches a fresh build');
}
