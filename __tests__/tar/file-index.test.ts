import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { indexTarFile } from '../../src/tar/file-index';
import { tempDir } from '../helpers/tmp';

const LONG_DIR = `site-packages/${'nvidia_cuda_runtime_cu12-12.4.127.dist-info/'.repeat(3)}`;
const LONG_NAME = `${LONG_DIR}METADATA`;

/** A tree with a >100-char path, a symlink and a >100-char symlink target, tarred by GNU tar in `format`. */
function tarWithFormat(format: string): { tar: string; body: Buffer } {
  const dir = tempDir();
  const root = join(dir, 'root');
  mkdirSync(join(root, LONG_DIR), { recursive: true });
  const body = Buffer.from('Name: nvidia-cuda-runtime-cu12\nVersion: 12.4.127\n');
  writeFileSync(join(root, LONG_NAME), body);
  // ustar has no room for a link target over 100 bytes; gnu and pax do
  symlinkSync(format === 'ustar' ? 'short-target' : LONG_NAME, join(root, 'short-link'));
  const tar = join(dir, `x-${format}.tar`);
  execFileSync('tar', [`--format=${format}`, '-C', root, '-cf', tar, '.']);
  return { tar, body };
}

describe('indexTarFile', () => {
  test.each(['gnu', 'pax', 'ustar'])('finds long names and link targets in %s tars, with body offsets', async (format) => {
    const { tar, body } = tarWithFormat(format);
    const index = await indexTarFile(tar);
    const member = index.get(LONG_NAME.replace(/\/$/, ''));
    expect(member).toMatchObject({ type: 'file', size: body.length });
    expect(readFileSync(tar).subarray(member!.offset, member!.offset + member!.size)).toEqual(body);
    expect(index.get('short-link')).toMatchObject({ type: 'symlink', linkTarget: format === 'ustar' ? 'short-target' : LONG_NAME });
    expect(index.get('site-packages')).toMatchObject({ type: 'dir' });
  });

  test('reads old-style (v7) tars', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'manifest.json'), '[]');
    const tar = join(dir, 'v7.tar');
    execFileSync('tar', ['--format=v7', '-C', dir, '-cf', tar, 'manifest.json']);
    expect((await indexTarFile(tar)).get('manifest.json')).toMatchObject({ type: 'file', size: 2 });
  });

  test('a tar cut short in the padding after a header is CORRUPT_ARCHIVE', async () => {
    const { tar } = tarWithFormat('pax');
    truncateSync(tar, 2048 + 100);
    await expect(indexTarFile(tar)).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
  });

  test('a tar cut short inside a body is CORRUPT_ARCHIVE naming the file', async () => {
    const { tar } = tarWithFormat('pax');
    const member = (await indexTarFile(tar)).get(LONG_NAME)!;
    truncateSync(tar, member.offset + 10);
    await expect(indexTarFile(tar)).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE', message: expect.stringContaining(tar) });
  });

  test('a file that is not a tar is NOT_AN_IMAGE', async () => {
    const file = join(tempDir(), 'random.bin');
    writeFileSync(file, Buffer.from('this is just some text, definitely not a tar archive\n'.repeat(40)));
    await expect(indexTarFile(file)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE', message: expect.stringContaining(file) });
  });

  test('a gzipped archive is NOT_AN_IMAGE with the fix in the message', async () => {
    const file = join(tempDir(), 'app.tar.gz');
    writeFileSync(file, gzipSync(Buffer.alloc(4096)));
    await expect(indexTarFile(file)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE', message: expect.stringContaining('gunzip') });
  });

  test('an empty file is NOT_AN_IMAGE', async () => {
    const file = join(tempDir(), 'empty.tar');
    writeFileSync(file, '');
    await expect(indexTarFile(file)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
  });
});
