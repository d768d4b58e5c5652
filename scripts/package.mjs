// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild, snapshots the parsed matrix, and writes
// dist/licenses.txt: the name, version, license and license text of every package the bundles hold (esbuild's
// metafile says which; legalComments: 'none' drops their banners, so this file is where their notices ship).
// --check rebuilds into a temp dir and fails when the committed dist/ differs (CI runs this); --dist DIR compares
// against DIR instead of dist/ (tests).
import assert from 'node:assert';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { parseDocument } from 'yaml';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

const check = process.argv.includes('--check');
const distArg = process.argv.indexOf('--dist');
const dist = distArg > 0 ? process.argv[distArg + 1] : 'dist';
const outdir = check ? mkdtempSync(join(tmpdir(), 'cuda-gate-dist-')) : dist;

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
  metafile: true,
};
const action = await build({ ...common, entryPoints: { index: 'src/action/main.ts' }, outdir });
const cli = await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir, banner: { js: '#!/usr/bin/env node' } });
writeMatrixSnapshot(join(outdir, 'matrix-snapshot.json'));
writeLicenses(join(outdir, 'licenses.txt'), [action.metafile, cli.metafile]);

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

/**
 * Every node_modules package with a file in either bundle (nearest package.json above the file: a nested copy of
 * another version is its own entry), sorted by name and version, with its license text. A package that ships no
 * license file says so, with the license its package.json names.
 */
function writeLicenses(out, metafiles) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const [input, info] of Object.entries(metafile.outputs).flatMap(([, o]) => Object.entries(o.inputs))) {
      if (!info.bytesInOutput || !input.split('/').includes('node_modules')) continue;
      const dir = packageDir(input);
      if (dir && !packages.has(dir)) packages.set(dir, packageInfo(dir));
    }
  }
  const sorted = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, 'en', { numeric: true }));
  const seen = new Set();
  const entries = sorted.filter((p) => !seen.has(`${p.name}@${p.version}`) && seen.add(`${p.name}@${p.version}`));
  const rule = '='.repeat(100);
  const text = [
    'Third-party software bundled in dist/index.js and dist/cli.js (cuda-gate itself: see LICENSE).',
    `${entries.length} packages: ${entries.map((p) => `${p.name}@${p.version}`).join(', ')}`,
    '',
    ...entries.flatMap((p) => [
      rule,
      `${p.name} ${p.version}`,
      `License: ${p.license}`,
      ...(p.repository ? [`Repository: ${p.repository}`] : []),
      '',
      p.text,
      '',
    ]),
  ].join('\n');
  writeFileSync(out, text);
}

/** The directory of the package a bundled file belongs to: the nearest package.json with a name, below node_modules. */
function packageDir(input) {
  const parts = input.split('/');
  const last = parts.lastIndexOf('node_modules');
  for (let end = parts.length - 1; end > last + 1; end--) {
    const dir = parts.slice(0, end).join(sep);
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name) return dir;
  }
  return undefined;
}

function packageInfo(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const license =
    (typeof pkg.license === 'string' ? pkg.license : pkg.license?.type) ??
    (Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type ?? l).join(' OR ') : undefined) ??
    'UNKNOWN';
  const files = readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
    .sort();
  const readme = files.length ? undefined : readmeLicense(dir);
  const text = files.length
    ? files.map((f) => readFileSync(join(dir, f), 'utf8').replace(/\r\n?/g, '\n').trimEnd()).join('\n\n')
    : readme
      ? `(the package ships no license file; its README says:)\n\n${readme}`
      : `(the package ships no license file and its README states none; ${license === 'UNKNOWN' ? 'its package.json names no license either' : `its package.json names the license: ${license}`})`;
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return { name: pkg.name, version: pkg.version ?? '', license, repository: repo?.replace(/^git\+/, ''), text };
}

/** The License section of a package's README (a heading naming the license, to the next heading), if any. */
function readmeLicense(dir) {
  const readme = readdirSync(dir).find((f) => /^readme(\.|$)/i.test(f));
  if (!readme) return undefined;
  const lines = readFileSync(join(dir, readme), 'utf8').replace(/\r\n?/g, '\n').split('\n');
  const heading = (l, next) => /^#{1,6}\s/.test(l) || /^(=+|-+)\s*$/.test(next ?? '');
  const start = lines.findIndex((l, i) => heading(l, lines[i + 1]) && /licen[cs]e/i.test(l));
  if (start < 0) return undefined;
  const body = start + (/^#/.test(lines[start]) ? 1 : 2);
  let end = lines.findIndex((l, i) => i >= body && heading(l, lines[i + 1]));
  if (end < 0) end = lines.length;
  return [lines[start], ...lines.slice(start + 1, end)].join('\n').trim();
}

if (check) {
  const names = readdirSync(outdir);
  const differing = names.filter((n) => !existsSync(join(dist, n)) || readFileSync(join(dist, n), 'utf8') !== readFileSync(join(outdir, n), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  if (differing.length) {
    console.error(`${dist}/ is stale (${differing.join(', ')} differ from a fresh build): run 'npm run package' and commit dist/`);
    process.exit(1);
  }
  console.log(`${dist}/ matches a fresh build`);
}
