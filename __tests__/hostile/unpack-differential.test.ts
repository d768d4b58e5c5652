/**
 * Differential test: cuda-gate's final filesystem view against what a real unpacker lays down.
 *
 * Each case is an OCI image layout built from generated layer tars. `umoci unpack --rootless` unpacks it into a
 * bundle; the bundle's rootfs is walked with lstat (type, symlink target, file size). cuda-gate's view of the same
 * layers is analyseLayer over each layer (an interest function that keeps every path) + mergeLayers.
 *
 * Comparison rule: cuda-gate keeps no directory entries, only files and links (layer-collector.ts); a directory
 * is in its view only as the parent of a kept entry. So umoci's rootfs is reduced to its non-directories plus the
 * directories above them (empty directories are dropped), and the two sets of `path -> type[:target|:size]` must be equal, where cuda-gate's set is every kept
 * entry plus every ancestor directory of a kept entry (the view keeps implied parents as tree nodes, not entries);
 * a hardlink counts as a regular file with the size of what view.resolve() gives (umoci writes the link as a
 * second name of a regular file). Directory modes, owners and times are not compared.
 *
 * Found and fixed: a lower file or symlink replaced by an EMPTY directory in an upper layer stayed in cuda-gate's view
 * (umoci leaves the directory); layers now record the directories they lay down (merge.ts drops what they replace).
 *
 * Excluded, with the reason:
 *  - a whiteout AFTER the file it deletes in the same layer: cuda-gate follows moby/containerd (the whiteout
 *    RemoveAll-s what its own layer wrote before it); umoci 0.4 applies whiteouts to the lower layers only. The
 *    case is still run, but asserts umoci's documented difference instead of equality.
 *  - the generated sequences never put a whiteout after an entry of its own layer at the same path, for that reason.
 *  - the generated layers list every parent directory of their entries, as every layer diff a builder writes does:
 *    an entry below a lower layer's FILE with no directory entry for its parent makes umoci (and moby, whose
 *    MkdirAll sees the file exists) fail the unpack with ENOTDIR, while cuda-gate's merge turns the file into a
 *    directory (merge.ts `ensure`). That tar is not one a runtime can unpack, so there is nothing to compare.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { mergeLayers } from '../../src/layers/merge';
import type { InterestFn } from '../../src/layers/types';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';
import { OCI_CONFIG, OCI_MANIFEST, OciLayoutWriter, sha256 } from '../helpers/oci-layout';
import { END, gnuLong, paxHeader, rawEntry } from '../helpers/raw-tar';
import { testIf } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const UMOCI = '/usr/bin/umoci';
const haveUmoci = existsSync(UMOCI);
const maybe = testIf(haveUmoci, `${UMOCI} not found (apt-get install umoci)`);

const keepAll: InterestFn = () => ({});

type Layer = LayerSpec | Buffer;

const tarOf = async (l: Layer): Promise<Buffer> => (Buffer.isBuffer(l) ? l : packLayer(l));

async function writeImage(dir: string, tars: Buffer[]): Promise<void> {
  const w = new OciLayoutWriter(dir);
  const layers = tars.map((t) => w.blob(t, 'application/vnd.oci.image.layer.v1.tar'));
  const config = w.json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map(sha256) }, history: [] }, OCI_CONFIG);
  const manifest = w.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }, OCI_MANIFEST);
  w.writeIndex([{ descriptor: manifest, refName: 'latest' }]);
}

function walk(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const go = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) {
        out.set(path, 'dir');
        go(path);
      } else if (st.isSymbolicLink()) out.set(path, `symlink:${readlinkSync(join(root, path))}`);
      else if (st.isFile()) out.set(path, `file:${st.size}`);
      else out.set(path, 'other');
    }
  };
  go('');
  // cuda-gate keeps no directory entries (layer-collector.ts): a directory exists in its view only as the parent
  // of a kept entry, so an empty directory is compared as absent
  const implied = new Set<string>();
  for (const [path, kind] of out) {
    if (kind === 'dir') continue;
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) implied.add(parts.slice(0, i).join('/'));
  }
  for (const [path, kind] of out) if (kind === 'dir' && !implied.has(path)) out.delete(path);
  return out;
}

async function gateView(tars: Buffer[]): Promise<Map<string, string>> {
  const results = await Promise.all(tars.map((t, i) => analyseLayer(Readable.from([t]), { digest: `sha256:l${i}` }, keepAll)));
  const view = mergeLayers(results, []);
  const out = new Map<string, string>();
  for (const e of view.entries()) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) out.set(parts.slice(0, i).join('/'), 'dir');
    if (e.type === 'dir') out.set(e.path, 'dir');
    else if (e.type === 'symlink') out.set(e.path, `symlink:${e.linkTarget}`);
    else if (e.type === 'file') out.set(e.path, `file:${e.size}`);
    else if (e.type === 'hardlink') out.set(e.path, `file:${view.resolve(e.path)?.size ?? e.size}`);
    else out.set(e.path, 'other');
  }
  return out;
}

async function both(layers: Layer[]): Promise<{ umoci: Record<string, string>; gate: Record<string, string> }> {
  const tars = await Promise.all(layers.map(tarOf));
  const dir = tempDir('unpack-diff-');
  await writeImage(join(dir, 'image'), tars);
  execFileSync(UMOCI, ['unpack', '--rootless', '--image', `${join(dir, 'image')}:latest`, join(dir, 'bundle')], { stdio: 'pipe' });
  const sorted = (m: Map<string, string>): Record<string, string> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { umoci: sorted(walk(join(dir, 'bundle', 'rootfs'))), gate: sorted(await gateView(tars)) };
}

async function expectSame(...layers: Layer[]): Promise<void> {
  const { umoci, gate } = await both(layers);
  expect(gate).toEqual(umoci);
}

const LIB = 'usr/lib';
const raw = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, END]);

describe('final view: cuda-gate vs umoci unpack', () => {
  jest.setTimeout(60_000);

  maybe('plain files, dirs, symlinks, hardlinks', async () => {
    await expectSame(
      {
        'usr/': { dir: true },
        'usr/lib/': { dir: true },
        [`${LIB}/libcudart.so.12.4`]: 'cudart',
        [`${LIB}/libcudart.so.12`]: { symlink: 'libcudart.so.12.4' },
      },
      { [`${LIB}/libfoo.so.1`]: 'foo-one', [`${LIB}/libfoo-hard.so.1`]: { hardlink: `${LIB}/libfoo.so.1` }, 'opt/abs': { symlink: '/usr/lib/libfoo.so.1' } },
    );
  });

  maybe('whiteouts of files and directories in upper layers', async () => {
    await expectSame(
      { [`${LIB}/libfoo.so.1`]: 'foo', [`${LIB}/libbar.so.1`]: 'bar', 'opt/d/sub/libx.so.1': 'x', 'opt/d/liby.so.1': 'y' },
      { [`${LIB}/.wh.libfoo.so.1`]: '', 'opt/.wh.d': '' },
      { 'opt/d/libz.so.1': 'zz' },
    );
  });

  maybe('opaque directories', async () => {
    await expectSame(
      { 'opt/app/old.so.1': 'old', 'opt/app/sub/deep.so.1': 'deep', 'opt/other.so.1': 'o' },
      { 'opt/app/': { dir: true }, 'opt/app/.wh..wh..opq': '', 'opt/app/new.so.1': 'new' },
    );
  });

  maybe('a directory replaced by a file, and a file replaced by a directory', async () => {
    await expectSame(
      { 'opt/d/a.so.1': 'a', 'opt/d/sub/b.so.1': 'b', 'opt/f': 'file' },
      { 'opt/d': 'now a file', 'opt/f/': { dir: true }, 'opt/f/c.so.1': 'c' },
    );
  });

  maybe('a whiteout after the file it deletes, in the same layer (umoci differs from moby: documented)', async () => {
    const { umoci, gate } = await both([
      { 'opt/a.so.1': 'old', 'opt/keep': 'k' },
      { 'opt/a.so.1': 'new', 'opt/.wh.a.so.1': '' },
    ]);
    // cuda-gate (moby/containerd): the whiteout removes what its own layer wrote before it
    expect(gate['opt/a.so.1']).toBeUndefined();
    // umoci applies the whiteout to the lower layers only: the new file stays
    expect(umoci['opt/a.so.1']).toBe('file:3');
    const { ['opt/a.so.1']: _dropped, ...rest } = umoci;
    expect(gate).toEqual(rest);
  });

  maybe('GNU long names and link names over 100 bytes', async () => {
    const long = `usr/lib/${'d'.repeat(60)}/${'e'.repeat(50)}/libcudart.so.12`;
    const linkName = `usr/lib/${'l'.repeat(110)}.so.1`;
    await expectSame(
      raw(
        gnuLong(long),
        rawEntry({ name: long.slice(0, 100), magic: 'gnu' }, 'body'),
        gnuLong(linkName),
        gnuLong(long, 'K'),
        rawEntry({ name: 'x', type: '2', magic: 'gnu', linkname: 'y' }),
      ),
    );
  });

  maybe('PAX path and linkpath records', async () => {
    const long = `usr/lib/${'p'.repeat(150)}/libfoo.so.1`;
    await expectSame(
      raw(
        paxHeader({ path: long }),
        rawEntry({ name: 'ignored-name' }, 'pax body'),
        paxHeader({ path: 'usr/lib/libbar.so.1', linkpath: `/${long}` }),
        rawEntry({ name: 'ignored-too', type: '2', linkname: 'nope' }),
      ),
      { [`${LIB}/.wh.libbar.so.1`]: '', [`${LIB}/libbar.so.2`]: 'two' },
    );
  });

  maybe('generated layer sequences (fast-check, fixed seed)', async () => {
    const PATHS = ['a', 'a/x.so.1', 'a/y.so.1', 'a/b', 'a/b/z.so.1', 'c.so.1', 'c'] as const;
    type Op =
      | { op: 'file'; path: string; size: number }
      | { op: 'dir'; path: string }
      | { op: 'symlink'; path: string; target: string }
      | { op: 'whiteout'; path: string }
      | { op: 'opaque'; path: string };
    const path = fc.constantFrom(...PATHS);
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('file' as const), path, size: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ op: fc.constant('dir' as const), path }),
      fc.record({ op: fc.constant('symlink' as const), path, target: fc.constantFrom('x.so.1', '/a/b', '../c.so.1') }),
      fc.record({ op: fc.constant('whiteout' as const), path }),
      fc.record({ op: fc.constant('opaque' as const), path: fc.constantFrom('a', 'a/b', 'c') }),
    );
    /**
     * One layer from ops: an entry whose parent path is a non-directory in the same layer is dropped (no tar writer
     * emits it); a whiteout goes before every entry of its layer (see the header); an opaque marker comes with its
     * directory entry; a path written twice keeps its last spec.
     */
    const toLayer = (ops: Op[]): LayerSpec => {
      const whiteouts: LayerSpec = {};
      const entries = new Map<string, LayerSpec[string]>();
      const parentOk = (p: string): boolean => {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) {
          const e = entries.get(parts.slice(0, i).join('/'));
          if (e !== undefined && !(typeof e === 'object' && 'dir' in e)) return false;
        }
        return true;
      };
      const setEntry = (p: string, spec: LayerSpec[string]): void => {
        if (!parentOk(p)) return;
        // replacing a dir of this layer with a non-dir would orphan its children in this layer: skip
        const isDir = typeof spec === 'object' && !Buffer.isBuffer(spec) && 'dir' in spec;
        if (!isDir && [...entries.keys()].some((k) => k.startsWith(`${p}/`))) return;
        // every parent directory is an entry of the layer, as in any layer diff a builder writes
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) {
          const parent = parts.slice(0, i).join('/');
          if (!entries.has(parent)) entries.set(parent, { dir: true });
        }
        entries.delete(p);
        entries.set(p, spec);
      };
      for (const o of ops) {
        const slash = o.path.lastIndexOf('/');
        const dir = slash < 0 ? '' : o.path.slice(0, slash + 1);
        const base = o.path.slice(slash + 1);
        if (o.op === 'file') setEntry(o.path, 'x'.repeat(o.size));
        else if (o.op === 'dir') setEntry(o.path, { dir: true });
        else if (o.op === 'symlink') setEntry(o.path, { symlink: o.target });
        else if (o.op === 'whiteout') {
          if (!entries.has(o.path) && parentOk(o.path)) whiteouts[`${dir}.wh.${base}`] = '';
        } else if (!entries.has(`${o.path}/.wh..wh..opq`)) {
          setEntry(o.path, { dir: true });
          if (entries.get(o.path) !== undefined && typeof entries.get(o.path) === 'object' && 'dir' in (entries.get(o.path) as object))
            setEntry(`${o.path}/.wh..wh..opq`, '');
        }
      }
      // whiteouts first, then the entries; a whiteout of a path this layer also writes is dropped above
      const out: LayerSpec = {};
      for (const [k, v] of Object.entries(whiteouts)) if (![...entries.keys()].includes(k.replace('.wh.', ''))) out[k] = v;
      for (const [k, v] of entries) out[k] = v;
      return out;
    };
    const sequences = fc.sample(fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), { seed: 20261202, numRuns: 30 });
    const disagreements: unknown[] = [];
    for (const seq of sequences) {
      const layers = seq.map(toLayer);
      const { umoci, gate } = await both(layers);
      if (JSON.stringify(umoci) !== JSON.stringify(gate)) {
        const keys = [...new Set([...Object.keys(umoci), ...Object.keys(gate)])].filter((k) => umoci[k] !== gate[k]);
        disagreements.push({ layers: JSON.stringify(layers), diff: keys.map((k) => `${k}: umoci=${umoci[k]} gate=${gate[k]}`) });
      }
    }
    expect(disagreements).toEqual([]);
  });

  // found by this test: mergeLayers used to drop a lower non-directory only when a CHILD path arrived, so a lower
  // usr/lib/libcudart.so.12 replaced by an empty directory of that name was still seen as the library
  maybe('a file or symlink replaced by an empty directory', async () => {
    await expectSame(
      { [`${LIB}/libcudart.so.12`]: 'cudart', [`${LIB}/libfoo.so.1`]: { symlink: 'libfoo.so.1.0' } },
      { 'usr/': { dir: true }, 'usr/lib/': { dir: true }, [`${LIB}/libcudart.so.12/`]: { dir: true }, [`${LIB}/libfoo.so.1/`]: { dir: true } },
    );
  });
});
