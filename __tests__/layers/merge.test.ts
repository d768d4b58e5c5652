import { Readable } from 'node:stream';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { mergeLayers } from '../../src/layers/merge';
import type { FileSystemView, InterestFn, LayerResult } from '../../src/layers/types';
import type { HistoryEntry } from '../../src/sources/types';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';

/** Everything under usr/ and etc/ and opt/ is interesting, with content. */
const interest: InterestFn = () => ({ content: 1024 });

async function layers(...specs: LayerSpec[]): Promise<LayerResult[]> {
  return Promise.all(specs.map(async (spec, i) => analyseLayer(Readable.from([await packLayer(spec)]), { digest: `sha256:l${i}` }, interest)));
}

async function merged(...specs: LayerSpec[]): Promise<FileSystemView> {
  return mergeLayers(await layers(...specs), []);
}

const CUDART = {
  'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'cudart',
  'usr/local/cuda-12.4/lib64/libcudart.so.12': { symlink: 'libcudart.so.12.4.127' },
  'usr/local/cuda-12.4/lib64/libcudart.so': { symlink: 'libcudart.so.12' },
};

describe('mergeLayers', () => {
  test('a whiteout deletes a file from a lower layer', async () => {
    const fs = await merged({ 'etc/a.conf': 'a', 'etc/b.conf': 'b' }, { 'etc/.wh.a.conf': '' });
    expect(fs.get('etc/a.conf')).toBeUndefined();
    expect(fs.get('etc/b.conf')?.content).toBe('b');
  });

  test('a whiteout of a directory deletes everything under it', async () => {
    const fs = await merged({ 'opt/conda/lib/libcudart.so.11.0': 'x', 'opt/conda/bin/python': 'y' }, { 'opt/.wh.conda': '' });
    expect(fs.entries()).toEqual([]);
  });

  test('a whiteout before a file of its own layer deletes only the lower one; after it, deletes both (moby, containerd)', async () => {
    // moby's UnpackLayer and containerd's applyNaive RemoveAll the path when they meet the whiteout: what the same
    // layer wrote before it goes too (overlay snapshotters fail the pull instead); what comes after it stands
    const before = await merged({ 'etc/a.conf': 'old' }, { 'etc/.wh.a.conf': '', 'etc/a.conf': 'new' });
    expect(before.get('etc/a.conf')).toMatchObject({ content: 'new', layerIndex: 1 });
    const after = await merged({ 'etc/a.conf': 'old', 'opt/d/x': 'x' }, { 'etc/a.conf': 'new', 'etc/.wh.a.conf': '', 'opt/d/y': 'y', 'opt/.wh.d': '' });
    expect(after.get('etc/a.conf')).toBeUndefined();
    expect(after.entries().map((e) => e.path)).toEqual([]);
  });

  test('an opaque directory hides lower children but keeps its own layer’s', async () => {
    const fs = await merged(
      { 'opt/app/old.txt': 'old', 'opt/app/sub/deep.txt': 'deep', 'opt/other.txt': 'other' },
      { 'opt/app/new.txt': 'new', 'opt/app/.wh..wh..opq': '' },
    );
    expect(fs.entries().map((e) => e.path)).toEqual(['opt/app/new.txt', 'opt/other.txt']);
  });

  test('an upper layer replaces a file at the same path', async () => {
    const fs = await merged({ 'etc/v': 'one' }, { 'etc/v': 'two' });
    expect(fs.get('/etc/v')).toMatchObject({ content: 'two', layerIndex: 1, layerDigest: 'sha256:l1' });
  });

  test('a plain file replacing a lower directory: nothing below it is left in the final view', async () => {
    const fs = await merged({ 'usr/local/cuda/lib64/libcudart.so.12': 'x', 'usr/local/cuda/version.json': '{}' }, { 'usr/local/cuda': 'a file now' });
    expect(fs.entries().map((e) => [e.path, e.type])).toEqual([['usr/local/cuda', 'file']]);
    expect(fs.resolve('usr/local/cuda/lib64/libcudart.so.12')).toBeUndefined();
  });

  test('a file replacing a lower directory removes what was under it', async () => {
    const fs = await merged({ 'usr/share/cuda/a': 'a' }, { 'usr/share/cuda': { symlink: '/opt/cuda' } });
    expect(fs.get('usr/share/cuda/a')).toBeUndefined();
    expect(fs.get('usr/share/cuda')?.type).toBe('symlink');
  });

  test('a directory replacing a lower symlink drops the symlink', async () => {
    const fs = await merged({ 'usr/local/cuda': { symlink: 'cuda-11.8' } }, { 'usr/local/cuda/version.json': '{}' });
    expect(fs.get('usr/local/cuda')).toBeUndefined();
    expect(fs.resolve('usr/local/cuda/version.json')?.layerIndex).toBe(1);
  });

  test('a symlink chain libcudart.so -> .so.12 -> .so.12.4.127 resolves to the file', async () => {
    const fs = await merged(CUDART);
    expect(fs.resolve('/usr/local/cuda-12.4/lib64/libcudart.so')).toMatchObject({
      path: 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127',
      content: 'cudart',
    });
    expect(fs.get('usr/local/cuda-12.4/lib64/libcudart.so')?.type).toBe('symlink');
  });

  test('a symlink whose target a later layer deleted dangles', async () => {
    const fs = await merged(CUDART, { 'usr/local/cuda-12.4/lib64/.wh.libcudart.so.12.4.127': '' });
    expect(fs.resolve('usr/local/cuda-12.4/lib64/libcudart.so')).toBeUndefined();
    expect(fs.get('usr/local/cuda-12.4/lib64/libcudart.so')?.type).toBe('symlink');
  });

  test('a directory symlink /usr/local/cuda -> /usr/local/cuda-12.4 resolves paths through it', async () => {
    const fs = await merged(CUDART, { 'usr/local/cuda': { symlink: '/usr/local/cuda-12.4' } });
    expect(fs.resolve('usr/local/cuda/lib64/libcudart.so')?.path).toBe('usr/local/cuda-12.4/lib64/libcudart.so.12.4.127');
    expect(fs.realpath?.('/usr/local/cuda/lib64/libcudart.so')).toBe('usr/local/cuda-12.4/lib64/libcudart.so.12.4.127');
  });

  test('relative directory symlinks and ".." after a symlink resolve like the kernel does', async () => {
    const fs = await merged({
      ...CUDART,
      'usr/local/cuda': { symlink: 'cuda-12.4' },
      'usr/lib/x86_64-linux-gnu/cuda': { symlink: '../../local/cuda/lib64' },
    });
    expect(fs.resolve('usr/lib/x86_64-linux-gnu/cuda/libcudart.so')?.content).toBe('cudart');
    expect(fs.resolve('usr/local/cuda/lib64/../lib64/libcudart.so.12')?.content).toBe('cudart');
  });

  test('absolute symlinks resolve inside the image, never on the host', async () => {
    const fs = await merged({ 'etc/passwd': 'image', link: { symlink: '/../../etc/passwd' } });
    expect(fs.resolve('link')?.content).toBe('image');
  });

  test('a symlink loop resolves to undefined and is reported once', async () => {
    const fs = await merged({ a: { symlink: 'b' }, b: { symlink: 'a' } });
    expect(fs.resolve('a')).toBeUndefined();
    expect(fs.resolve('a')).toBeUndefined();
    expect(fs.findings.filter((f) => f.code === 'SYMLINK_LOOP')).toHaveLength(1);
  });

  test('a hardlink to a file in a lower layer resolves to that file', async () => {
    const fs = await merged(
      { 'opt/conda/pkgs/cudatoolkit/lib/libcudart.so.11.8.89': 'cudart11' },
      { 'opt/conda/lib/libcudart.so.11.8.89': { hardlink: 'opt/conda/pkgs/cudatoolkit/lib/libcudart.so.11.8.89' } },
    );
    expect(fs.resolve('opt/conda/lib/libcudart.so.11.8.89')).toMatchObject({ content: 'cudart11', layerIndex: 0 });
  });

  test('a hardlink keeps its content after a later layer deletes the target path', async () => {
    const fs = await merged({ 'pkgs/lib.so': 'shared inode', 'lib/lib.so': { hardlink: 'pkgs/lib.so' } }, { '.wh.pkgs': '' });
    expect(fs.resolve('lib/lib.so')?.content).toBe('shared inode');
  });

  test('a hardlink whose target was not kept resolves to the link itself', async () => {
    const results = await Promise.all([
      analyseLayer(Readable.from([await packLayer({ 'pkgs/x': 'boring', 'lib/libcudart.so.12': { hardlink: 'pkgs/x' } })]), { digest: 'sha256:l0' }, (p) =>
        p.startsWith('lib/') ? {} : undefined,
      ),
    ]);
    const fs = mergeLayers(results, []);
    expect(fs.resolve('lib/libcudart.so.12')).toMatchObject({ path: 'lib/libcudart.so.12', type: 'hardlink' });
  });

  test('maps each layer to its instruction, skipping empty_layer history entries', async () => {
    const history: HistoryEntry[] = [
      { created_by: '/bin/sh -c #(nop) COPY dir:6ccc in / ' },
      { created_by: '/bin/sh -c #(nop)  ENV CUDA_VERSION=12.4.127', empty_layer: true },
      { created_by: 'LABEL a=b', empty_layer: true },
      { created_by: '/bin/sh -c apt-get install -y cuda-cudart-12-4' },
    ];
    const fs = mergeLayers(await layers({ 'etc/a': 'a' }, { 'etc/b': 'b' }), history);
    expect(fs.layers.map((l) => l.instruction)).toEqual(['COPY dir:6ccc in /', 'RUN apt-get install -y cuda-cudart-12-4']);
    expect(fs.get('etc/b')?.instruction).toBe('RUN apt-get install -y cuda-cudart-12-4');
  });

  test('lists entries in path order with layer info', async () => {
    const fs = await merged({ 'b/x': '1', 'a/y': '2' }, { 'a/z': '3' });
    expect(fs.entries().map((e) => [e.path, e.layerIndex])).toEqual([
      ['a/y', 0],
      ['a/z', 1],
      ['b/x', 0],
    ]);
    expect(fs.layers.map((l) => [l.index, l.digest, l.entryCount])).toEqual([
      [0, 'sha256:l0', 2],
      [1, 'sha256:l1', 1],
    ]);
  });

  test('carries per-layer findings into the view', async () => {
    const fs = await merged({ '../escape': 'x' });
    expect(fs.findings.map((f) => f.code)).toEqual(['PATH_OUTSIDE_ROOT']);
  });
});
