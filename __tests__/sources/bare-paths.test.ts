/**
 * A path without a source prefix is read by what it holds (sources/sniff.ts): a docker save archive, an OCI archive,
 * an OCI layout directory; the report says which form it used. Anything else is one clear error naming the path;
 * a registry-looking name that the daemon cannot give suggests docker://.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { daemonError } from '../../src/sources/daemon';
import { parseSourceRef } from '../../src/sources/ref';
import { runCli } from '../cli/run-cli';
import { tarDirectory, writeTar } from '../helpers/archives';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const EXAMPLE = join(__dirname, '../../examples/images/cuda12.4-app.tar');
const matrix = loadMatrix();

describe('a bare path is read by its content', () => {
  let layout: string;
  let ociArchive: string;
  beforeAll(async () => {
    const dir = tempDir('cg-bare-');
    layout = join(dir, 'layout');
    await writeOciImage(layout, { layers: [{ 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'elf' }], env: { CUDA_VERSION: '12.4.1' } }, 'app');
    // named like a docker archive on purpose: the content decides
    ociArchive = join(dir, 'image.docker.tar');
    await tarDirectory(layout, ociArchive);
  });

  test.each<[string, () => string, string]>([
    ['a docker save archive', () => EXAMPLE, 'docker-archive'],
    ['an OCI layout directory', () => layout, 'oci'],
    ['an OCI archive, whatever its name says', () => ociArchive, 'oci-archive'],
  ])('%s', async (_, path, form) => {
    expect(parseSourceRef(path())).toMatchObject({ kind: form, path: path(), sniffed: true });
    const { image } = await analyseImage(path(), { matrix });
    expect(image).toMatchObject({ source: path(), form, formFromContent: true });
    expect(image.cuda?.release).toBe('12.4.1');
  });

  test('the text report says how it read the path', async () => {
    const r = await runCli('check', EXAMPLE, '--driver', '560.35.03');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${EXAMPLE} (example/cuda-app:12.4) — read as docker-archive`);
  });

  test('a path that is no image is one error naming it, not a daemon lookup', async () => {
    const dir = tempDir('cg-bare-');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not an image\n');
    const tar = join(dir, 'files.tar');
    await writeTar(tar, [{ name: 'etc/hostname', body: 'x\n' }]);
    for (const [path, why] of [
      [text, 'is not a tar archive'],
      [tar, 'is a tar without manifest.json or oci-layout'],
      [dir, 'is a directory without an oci-layout file'],
    ]) {
      const r = await runCli('check', path, '--driver', '560.35.03');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`the path "${path}" ${why}`);
      expect(r.stderr).not.toContain('Docker engine');
    }
  });
});

describe('a registry-looking name the daemon cannot give', () => {
  test.each(['docker.io/library/ubuntu:22.04', '127.0.0.1:5000/app:1', 'localhost/app:1', 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64)])(
    '%s: the error suggests docker://',
    (name) => {
      const ref = parseSourceRef(name, () => false);
      for (const err of [{ statusCode: 404 }, { code: 'ENOENT' }]) {
        expect(daemonError(err, ref).hint).toContain(`use docker://${name}`);
      }
    },
  );

  test('a plain name does not', () => {
    expect(
      daemonError(
        { statusCode: 404 },
        parseSourceRef('myapp:1', () => false),
      ).hint,
    ).not.toContain('docker://');
  });
});
