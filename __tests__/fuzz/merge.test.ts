/**
 * Layer stacks come from the image: any mix of files, directories, symlinks (loops, absolute targets, "..") and
 * hardlinks, whiteouts and opaque markers, in any order. mergeLayers must never throw, must agree with a plain model
 * of the OCI changeset rules, and path resolution must stop on any link graph.
 */
import fc from 'fast-check';
import { MAX_SYMLINK_HOPS, mergeLayers } from '../../src/layers/merge';
import type { EntryType, FileSystemView, LayerEntry, LayerResult } from '../../src/layers/types';
import { FUZZ, timed } from './bounded';

// A few names at a few depths, so that paths collide, nest and replace each other often.
const name = fc.constantFrom('a', 'b', 'c', 'lib');
const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const linkTarget = fc.oneof(
  path,
  path.map((p) => `/${p}`),
  fc.array(fc.constantFrom('a', 'b', '..', '.', ''), { minLength: 1, maxLength: 5 }).map((p) => p.join('/')),
  fc.constantFrom('/', '..', '../../..', '.', '', '//a//b/', '/..'),
);

type Kind = Exclude<EntryType, 'other'>;
const entry: fc.Arbitrary<LayerEntry> = fc.oneof(
  path.map((p) => ({ path: p, type: 'file' as const, size: 1 })),
  path.map((p) => ({ path: p, type: 'dir' as const, size: 0 })),
  fc.tuple(path, linkTarget).map(([p, t]) => ({ path: p, type: 'symlink' as const, size: 0, linkTarget: t })),
  fc.tuple(path, path).map(([p, t]) => ({ path: p, type: 'hardlink' as const, size: 1, linkTarget: t })),
);
const layer = fc
  .record({
    entries: fc.array(entry, { maxLength: 6 }),
    whiteouts: fc.array(path, { maxLength: 2 }),
    // "" is the root: a `.wh..wh..opq` at the top of the tar
    opaqueDirs: fc.array(fc.oneof(path, fc.constant('')), { maxLength: 1 }),
  })
  .map((l) => l);
const stack = fc
  .array(layer, { minLength: 1, maxLength: 5 })
  .map((layers) => layers.map((l, i): LayerResult => ({ digest: `sha256:l${i}`, entryCount: l.entries.length, tarBytes: 0, findings: [], ...l })));

const under = (p: string, dir: string) => dir === '' || p === dir || p.startsWith(`${dir}/`);
const ancestors = (p: string) =>
  p
    .split('/')
    .slice(0, -1)
    .map((_, i, parts) => parts.slice(0, i + 1).join('/'));

/**
 * The reference: a flat map path -> (type, layer), applied layer by layer. Per the OCI image spec, a layer's
 * whiteouts and opaque markers delete from the layers below it (they are applied before its own entries); a
 * non-directory replaces whatever subtree was at its path; a directory merges with the one below; a path laid
 * down through a lower non-directory turns that ancestor into a directory.
 */
function model(layers: LayerResult[]): Map<string, { type: Kind; layer: number }> {
  const fs = new Map<string, { type: Kind; layer: number }>();
  const drop = (dir: string) => {
    for (const p of [...fs.keys()]) if (under(p, dir)) fs.delete(p);
  };
  layers.forEach((l, i) => {
    for (const d of l.opaqueDirs) drop(d);
    for (const w of l.whiteouts) drop(w);
    for (const e of l.entries) {
      for (const a of ancestors(e.path)) {
        const held = fs.get(a);
        if (held && held.layer < i && held.type !== 'dir') fs.delete(a);
      }
      if (e.type !== 'dir') for (const p of [...fs.keys()]) if (p !== e.path && under(p, e.path)) fs.delete(p);
      fs.set(e.path, { type: e.type as Kind, layer: i });
    }
  });
  return fs;
}

const summary = (view: FileSystemView) =>
  view
    .entries()
    .map((e) => `${e.path} ${e.type} ${e.layerIndex}`)
    .sort();

describe('mergeLayers on random layer stacks', () => {
  test('never throws, and the final paths are those of the OCI reference model', () => {
    fc.assert(
      fc.property(stack, (layers) => {
        const view = timed(() => mergeLayers(layers, []));
        const want = [...model(layers)].map(([p, v]) => `${p} ${v.type} ${v.layer}`).sort();
        expect(summary(view)).toEqual(want);
      }),
      FUZZ,
    );
  });

  test('a path whited out (or under an opaque directory) keeps nothing from the layers below the marker', () => {
    fc.assert(
      fc.property(stack, (layers) => {
        const final = mergeLayers(layers, []).entries();
        layers.forEach((l, i) => {
          for (const gone of [...l.whiteouts, ...l.opaqueDirs]) {
            for (const e of final) if (under(e.path, gone)) expect(e.layerIndex).toBeGreaterThanOrEqual(i);
          }
        });
      }),
      FUZZ,
    );
  });

  test('resolve and realpath stop on any link graph; a resolved path holds no symlink and resolves to itself', () => {
    fc.assert(
      fc.property(stack, fc.array(linkTarget, { maxLength: 6 }), (layers, extra) => {
        const view = mergeLayers(layers, []);
        const kept = new Map(view.entries().map((e) => [e.path, e]));
        const probes = [...kept.keys(), ...extra, ...[...kept.keys()].map((p) => `${p}/a/../b`)];
        for (const p of probes) {
          timed(() => view.resolve(p));
          const real = timed(() => view.realpath!(p));
          if (real === undefined) {
            expect(view.findings.some((f) => f.code === 'SYMLINK_LOOP')).toBe(true);
            continue;
          }
          for (const prefix of [...ancestors(real), real]) if (prefix) expect(kept.get(prefix)?.type).not.toBe('symlink');
          expect(view.realpath!(real)).toBe(real);
        }
      }),
      FUZZ,
    );
  });

  test(`a chain of ${MAX_SYMLINK_HOPS} symlinks resolves; one more is a loop, as on Linux`, () => {
    const chain = (n: number): LayerResult => ({
      digest: 'sha256:chain',
      entryCount: n + 1,
      tarBytes: 0,
      findings: [],
      whiteouts: [],
      opaqueDirs: [],
      entries: [
        { path: 'end', type: 'file', size: 1 },
        ...Array.from({ length: n }, (_, i): LayerEntry => ({ path: `l${i}`, type: 'symlink', size: 0, linkTarget: i === n - 1 ? '/end' : `l${i + 1}` })),
      ],
    });
    expect(mergeLayers([chain(MAX_SYMLINK_HOPS)], []).resolve('l0')?.path).toBe('end');
    expect(mergeLayers([chain(MAX_SYMLINK_HOPS + 1)], []).resolve('l0')).toBeUndefined();
  });

  test.each([
    ['a loop through a long run of ".."', `${'../'.repeat(5000)}a/b/c`],
    // a pax linkpath can hold megabytes: this used to cost seconds (quadratic) and then overflow the call stack
    ['a megabyte of ".." with no loop', `${'../'.repeat(350_000)}x`],
    ['a megabyte of nested names', `${'d/'.repeat(350_000)}x`],
  ])('a symlink whose target is %s resolves in linear time, without throwing', (_what, target) => {
    const view = mergeLayers(
      [
        {
          digest: 'sha256:x',
          entryCount: 1,
          tarBytes: 0,
          findings: [],
          whiteouts: [],
          opaqueDirs: [],
          entries: [{ path: 'a/b', type: 'symlink', size: 0, linkTarget: target }],
        },
      ],
      [],
    );
    timed(() => view.resolve('a/b/c'), 1000);
  });

  test('a loop through a long run of ".." is reported as a loop', () => {
    const view = mergeLayers(
      [
        {
          digest: 'sha256:x',
          entryCount: 1,
          tarBytes: 0,
          findings: [],
          whiteouts: [],
          opaqueDirs: [],
          entries: [{ path: 'a/b', type: 'symlink', size: 0, linkTarget: `${'../'.repeat(5000)}a/b/c` }],
        },
      ],
      [],
    );
    expect(view.resolve('a/b/c')).toBeUndefined();
    expect(view.findings.map((f) => f.code)).toContain('SYMLINK_LOOP');
  });
});
