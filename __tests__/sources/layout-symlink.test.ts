/**
 * An `oci:` layout comes from the pull request: a blob that is a symbolic link must not make cuda-gate read a file
 * of the host (and an error must never quote a blob's bytes, which could be that file's).
 */
import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parseSourceRef } from '../../src/sources/ref';
import { runCli } from '../cli/run-cli';
import { CUDA_FIXTURE, readBack } from '../helpers/cuda-fixture';
import { gateErrorOf } from '../helpers/gate-error';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const SECRET = 'root:x:0:0:TOP-SECRET-host-file';

let dir: string;
let outside: string;

beforeAll(() => {
  dir = tempDir('cg-layout-link-');
  outside = join(dir, 'host-secret');
  writeFileSync(outside, `${SECRET}\n`.repeat(4));
});

/** A layout whose blob `digest` is replaced by a link to `target`. */
async function linkedLayout(name: string, which: 'manifest' | 'config' | 'layer', target: string): Promise<string> {
  const layout = join(dir, name);
  const image = await writeOciImage(layout, CUDA_FIXTURE);
  const digest = which === 'manifest' ? image.manifest.digest : which === 'config' ? image.configDigest : image.layerDigests[0];
  const blob = join(layout, 'blobs', ...digest.split(':'));
  rmSync(blob);
  symlinkSync(target, blob);
  return layout;
}

async function failureOf(layout: string) {
  return gateErrorOf(async () => readBack(await openImage(parseSourceRef(`oci:${layout}:latest`), {})));
}

test.each(['manifest', 'config', 'layer'] as const)('a %s blob linked to a host file is refused, its bytes unread and unquoted', async (which) => {
  const layout = await linkedLayout(`abs-${which}`, which, outside);
  const e = await failureOf(layout);
  expect(e.code).toBe('CORRUPT_ARCHIVE');
  expect(e.message).toContain('symbolic link to a file outside the layout');
  expect(e.toLine()).not.toContain('SECRET');
  expect(e.toLine()).not.toContain('root:x');
});

test('a relative link climbing out of the layout is refused the same way, and the CLI exits 2 with one line', async () => {
  const layout = await linkedLayout('rel', 'manifest', '../../../host-secret');
  const r = await runCli('check', `oci:${layout}:latest`, '--driver', '550.54.15', '--no-cache', '--quiet');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/symbolic link to a file outside the layout/);
  expect(r.stderr).not.toContain('SECRET');
  expect(r.stderr.split('\n')).toHaveLength(2);
});

test('blobs/ itself linked out of the layout is refused', async () => {
  const layout = join(dir, 'blobs-dir');
  await writeOciImage(layout, CUDA_FIXTURE);
  const elsewhere = join(dir, 'elsewhere-blobs');
  // move the real blobs out and link to them: the bytes are right, but they are not the layout's
  renameSync(join(layout, 'blobs'), elsewhere);
  symlinkSync(elsewhere, join(layout, 'blobs'));
  expect((await failureOf(layout)).code).toBe('CORRUPT_ARCHIVE');
});

test('a link to another blob inside the layout still reads', async () => {
  const layout = join(dir, 'inside');
  const image = await writeOciImage(layout, CUDA_FIXTURE);
  const blob = join(layout, 'blobs', ...image.configDigest.split(':'));
  const copy = join(layout, 'config-copy');
  writeFileSync(copy, readFileSync(blob));
  rmSync(blob);
  symlinkSync('../../config-copy', blob);
  await expect(readBack(await openImage(parseSourceRef(`oci:${layout}:latest`), {}))).resolves.toBeDefined();
});

test('a blob that is not JSON is described by size and kind, not quoted', async () => {
  const layout = join(dir, 'garbage');
  const image = await writeOciImage(layout, CUDA_FIXTURE);
  writeFileSync(join(layout, 'blobs', ...image.configDigest.split(':')), `${SECRET} and more`);
  const e = await failureOf(layout);
  expect(e.code).toBe('CORRUPT_ARCHIVE');
  expect(e.message).toMatch(/is not valid JSON \(40 bytes of text(, unreadable at byte \d+)?\)/);
  expect(e.toLine()).not.toContain('root');
});
