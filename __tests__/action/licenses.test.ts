/**
 * dist/ ships the licenses of what it bundles: dist/licenses.txt names every package esbuild put into dist/index.js
 * and dist/cli.js (and nothing else), with its version, license and license text; `npm run package:check` fails
 * when the file is stale, as it does for the bundles.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp';
import { ROOT } from './run-action';

let dist: string;
let licenses: string;

function packageScript(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
}

/** `name version` headers of the entries, in file order. */
function entries(text: string): { name: string; version: string; license: string; body: string }[] {
  const blocks = text.split(/^={100}\n/m).slice(1);
  return blocks.map((b) => {
    const [head, license] = b.split('\n');
    const at = head.lastIndexOf(' ');
    return { name: head.slice(0, at), version: head.slice(at + 1), license: license.replace(/^License: /, ''), body: b };
  });
}

/** The packages a bundle holds, from the `// node_modules/<pkg>/…` module comments esbuild writes into it. */
function bundledPackages(file: string): Set<string> {
  const names = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ (?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) names.add(m[1]);
  return names;
}

beforeAll(() => {
  // a fresh build of the working tree, beside the committed dist/ (which the lead rebuilds)
  dist = join(tempDir('cg-dist-'), 'dist');
  const built = packageScript('--dist', dist);
  expect(built.status).toBe(0);
  licenses = readFileSync(join(dist, 'licenses.txt'), 'utf8');
}, 180_000);

test('every package in the bundles is listed, and only those', () => {
  const bundled = new Set([...bundledPackages(join(dist, 'index.js')), ...bundledPackages(join(dist, 'cli.js'))]);
  const listed = new Set(entries(licenses).map((e) => e.name));
  expect(bundled.size).toBeGreaterThan(20);
  expect([...listed].sort()).toEqual([...bundled].sort());
});

test('the runtime dependencies are there with the version installed, a license and its text; no build or test tool is', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const all = entries(licenses);
  for (const name of Object.keys(pkg.dependencies)) {
    const installed = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    const entry = all.find((e) => e.name === name && e.version === installed);
    expect(entry).toBeDefined();
    expect(entry!.license).toMatch(/^(MIT|ISC|Apache-2\.0|BSD-[23]-Clause)/);
    // the license text itself, not only its name
    expect(entry!.body).toMatch(/permission is hereby granted|licensed under the apache license|permission to use, copy, modify/i);
  }
  for (const tool of Object.keys(pkg.devDependencies)) expect(all.some((e) => e.name === tool)).toBe(false);
  expect(licenses.split('\n')[1]).toMatch(/^\d+ packages: @actions\/artifact@/);
});

test('a package without a license file still gets an entry that says so', () => {
  for (const e of entries(licenses)) expect(e.body.split('\n').slice(2).join('\n').trim()).not.toBe('');
});

test('the package check passes on a fresh build and fails when licenses.txt is stale, naming it', () => {
  expect(packageScript('--check', '--dist', dist).status).toBe(0);
  writeFileSync(join(dist, 'licenses.txt'), licenses.replace(/^zod \S+$/m, 'zod 0.0.1'));
  const stale = packageScript('--check', '--dist', dist);
  expect(stale.status).toBe(1);
  expect(stale.stderr).toMatch(/is stale \(licenses\.txt differ from a fresh build\)/);
}, 180_000);

test('the repository has its own license: MIT, as package.json says', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
  expect(pkg.license).toBe('MIT');
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  expect(text).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} cuda-gate authors\n/);
  expect(licenses.split('\n')[0]).toContain('see LICENSE');
});
