/** The per-layer cache on its own: what it files where, and that no file on disk can make it fail. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { defaultCacheDir } from '../../src/cache/location';
import { layerKey, versionKey } from '../../src/cache/keys';
import { LayerCache, openLayerCache, type CacheLog } from '../../src/cache/layer-cache';
import type { LayerResult } from '../../src/layers/types';
import { tempDir } from '../helpers/tmp';

const DIFF_ID = `sha256:${'a'.repeat(64)}`;
const BLOB = `sha256:${'b'.repeat(64)}`;

function result(over: Partial<LayerResult> = {}): LayerResult {
  return {
    digest: BLOB,
    diffId: DIFF_ID,
    entryCount: 3,
    tarBytes: 4096,
    entries: [
      {
        path: 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127',
        type: 'file',
        size: 10,
        gpuCode: { sass: ['sm_80'], ptx: [{ arch: 'compute_90', isa: '8.4' }] },
      },
      { path: 'usr/local/cuda', type: 'symlink', size: 0, linkTarget: 'cuda-12.4' },
      { path: 'usr/local/cuda-12.4/version.json', type: 'file', size: 40, content: '{"cuda":{"version":"12.4.1"}}' },
    ],
    whiteouts: ['etc/old.conf'],
    opaqueDirs: ['opt/app'],
    findings: [{ code: 'CONTENT_TRUNCATED', severity: 'warning', message: 'x', layer: BLOB }],
    ...over,
  };
}

function recordingLog(): CacheLog & { debugs: string[]; warnings: string[] } {
  const debugs: string[] = [];
  const warnings: string[] = [];
  return { debugs, warnings, debug: (m) => debugs.push(m), warn: (m) => warnings.push(m) };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

describe('LayerCache', () => {
  test('a stored layer result comes back equal, filed under its diffID in a directory of its version', () => {
    const dir = tempDir();
    const cache = new LayerCache({ dir, version: 'v-test' });
    cache.put(DIFF_ID, result());
    expect(cache.get(DIFF_ID)).toEqual(result());
    expect(existsSync(join(dir, 'layers', 'v-test', `sha256-${'a'.repeat(64)}.json`))).toBe(true);
    expect(cache.stats).toMatchObject({ hits: 1, writes: 1 });
  });

  test('the key is the diffID when the source knows it (shared by every transport), else the blob digest', () => {
    expect(layerKey({ digest: BLOB, diffId: DIFF_ID })).toBe(DIFF_ID);
    expect(layerKey({ digest: BLOB })).toBe(BLOB);
  });

  test('lookup, asked once per image, gives the cached analyses and the keys it lacks, in order, without repeats', () => {
    const cache = new LayerCache({ dir: tempDir(), version: 'v-test' });
    const other = `sha256:${'c'.repeat(64)}`;
    cache.put(DIFF_ID, result());
    const { found, missing } = cache.lookup([other, DIFF_ID, BLOB, other]);
    expect([...found.keys()]).toEqual([DIFF_ID]);
    expect(found.get(DIFF_ID)).toEqual(result());
    expect(missing).toEqual([other, BLOB]);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  test('a cached result keeps fields the schema does not name (a field added later is not lost through the cache)', () => {
    const cache = new LayerCache({ dir: tempDir(), version: 'v-test' });
    const later = { ...result(), addedLater: { x: 1 } } as LayerResult;
    cache.put(DIFF_ID, later);
    expect(cache.get(DIFF_ID)).toEqual(later);
  });

  test('an unknown key is a miss', () => {
    const cache = new LayerCache({ dir: tempDir(), version: 'v-test' });
    expect(cache.get(DIFF_ID)).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 0, misses: 1 });
  });

  test('an entry of another version is never returned: bumping the version invalidates everything', () => {
    const dir = tempDir();
    new LayerCache({ dir, version: versionKey({ tool: '0.1.0', analysis: 1 }) }).put(DIFF_ID, result());
    expect(new LayerCache({ dir, version: versionKey({ tool: '0.1.0', analysis: 1 }) }).get(DIFF_ID)).toEqual(result());
    expect(new LayerCache({ dir, version: versionKey({ tool: '0.1.0', analysis: 2 }) }).get(DIFF_ID)).toBeUndefined();
    expect(new LayerCache({ dir, version: versionKey({ tool: '0.2.0', analysis: 1 }) }).get(DIFF_ID)).toBeUndefined();
  });

  test('versionKey is the same for the same parts in any key order, different for any change', () => {
    expect(versionKey({ a: 1, b: { c: 2, d: 3 } })).toBe(versionKey({ b: { d: 3, c: 2 }, a: 1 }));
    expect(versionKey({ a: 1, b: { c: 2, d: 3 } })).not.toBe(versionKey({ a: 1, b: { c: 2, d: 4 } }));
  });

  test.each([
    ['not JSON at all', 'garbage{{{'],
    ['truncated JSON', '{"format":1,"kind":"layer","key":"sha'],
    ['JSON of another shape', JSON.stringify({ hello: 'world' })],
    ['an entry whose result is malformed', JSON.stringify({ format: 1, kind: 'layer', key: DIFF_ID, version: 'v-test', value: { digest: 1, entries: 'no' } })],
    [
      'an entry whose finding has an unknown severity',
      JSON.stringify({
        format: 1,
        kind: 'layer',
        key: DIFF_ID,
        version: 'v-test',
        value: result({ findings: [{ code: 'X', severity: 'fatal' as 'error', message: 'm' }] }),
      }),
    ],
    ['null', 'null'],
    ['an entry filed under another key', JSON.stringify({ format: 1, kind: 'layer', key: BLOB, version: 'v-test', value: result() })],
    ['an empty file', ''],
  ])('a corrupt entry (%s) is a miss with a debug note, never an error', (_what, text) => {
    const dir = tempDir();
    const cache = new LayerCache({ dir, version: 'v-test', log: recordingLog() });
    cache.put(DIFF_ID, result());
    writeFileSync(join(dir, 'layers', 'v-test', `sha256-${'a'.repeat(64)}.json`), text);
    const log = recordingLog();
    const reader = new LayerCache({ dir, version: 'v-test', log });
    expect(reader.get(DIFF_ID)).toBeUndefined();
    expect(reader.stats).toMatchObject({ hits: 0, misses: 1, unreadable: 1 });
    expect(log.debugs.join('\n')).toMatch(/ignoring .*sha256-a+\.json .*treated as a miss/);
    expect(log.warnings).toEqual([]);
    // the next put repairs it
    reader.put(DIFF_ID, result());
    expect(reader.get(DIFF_ID)).toEqual(result());
  });

  test('a large result is stored gzipped and read back; a damaged gzip is a miss', () => {
    const dir = tempDir();
    const cache = new LayerCache({ dir, version: 'v-test' });
    const entries = Array.from({ length: 2000 }, (_, i) => ({
      path: `usr/lib/x86_64-linux-gnu/libfoo.so.${i}`,
      type: 'symlink' as const,
      size: 0,
      linkTarget: `libfoo.so.${i}.0`,
    }));
    cache.put(DIFF_ID, result({ entries }));
    const file = join(dir, 'layers', 'v-test', `sha256-${'a'.repeat(64)}.json.gz`);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBeLessThan(JSON.stringify(entries).length / 4);
    expect(JSON.parse(gunzipSync(readFileSync(file)).toString()).value.entries).toHaveLength(2000);
    expect(cache.get(DIFF_ID)?.entries).toHaveLength(2000);

    writeFileSync(file, readFileSync(file).subarray(0, 100));
    expect(cache.get(DIFF_ID)).toBeUndefined();
  });

  test('writes are atomic: no temp file is left behind, and a half-written temp file is not an entry', () => {
    const dir = tempDir();
    const cache = new LayerCache({ dir, version: 'v-test' });
    cache.put(DIFF_ID, result());
    expect(filesUnder(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const other = `sha256:${'c'.repeat(64)}`;
    writeFileSync(join(dir, 'layers', 'v-test', `sha256-${'c'.repeat(64)}.json.tmp-123-abcd`), '{"format":1');
    expect(cache.get(other)).toBeUndefined();
  });

  test('a key that is not a digest is neither stored nor looked up (nothing outside the cache directory)', () => {
    const dir = tempDir();
    const cache = new LayerCache({ dir, version: 'v-test' });
    cache.put('../../etc/passwd', result());
    cache.put('sha256:../../x', result());
    expect(cache.get('../../etc/passwd')).toBeUndefined();
    expect(existsSync(join(dir, 'layers'))).toBe(false);
  });

  test('config histories are filed by image digest, export names by name; both read back', () => {
    const cache = new LayerCache({ dir: tempDir(), version: 'v-test' });
    const history = [
      { created_by: 'COPY . /', created: '2024-01-01T00:00:00Z' },
      { created_by: 'ENV A=1', empty_layer: true },
    ];
    cache.putHistory(BLOB, history);
    expect(cache.getHistory(BLOB)).toEqual(history);
    expect(cache.getHistory(DIFF_ID)).toBeUndefined();
    cache.putAlias('0123abcd/layer.tar', DIFF_ID);
    expect(cache.getAlias('0123abcd/layer.tar')).toBe(DIFF_ID);
    expect(cache.getAlias('other/layer.tar')).toBeUndefined();
  });

  test('pruning drops least recently used entries beyond the bound; a hit makes an entry recent', () => {
    const dir = tempDir();
    const big = 'x'.repeat(20_000);
    const cache = new LayerCache({ dir, version: 'v-test', maxBytes: 50_000 });
    const keys = ['1', '2', '3', '4'].map((c) => `sha256:${c.repeat(64)}`);
    keys.forEach((k, i) => {
      cache.put(k, result({ diffId: k, entries: [{ path: `f${i}`, type: 'file', size: 1, content: big }] }));
      // written in order, a minute apart
      const file = join(dir, 'layers', 'v-test', `${k.replace(':', '-')}.json`);
      const t = new Date(Date.now() - (10 - i) * 60_000);
      utimesSync(file, t, t);
    });
    expect(cache.get(keys[0])).toBeDefined(); // the oldest, now used
    const outcome = cache.prune();
    expect(outcome.totalBytes).toBeLessThanOrEqual(50_000);
    expect(cache.get(keys[0])).toBeDefined();
    expect(cache.get(keys[1])).toBeUndefined();
    expect(cache.get(keys[3])).toBeDefined();
  });

  test('pruning removes the temp files of writers that died', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'layers', 'v-old'), { recursive: true });
    const stale = join(dir, 'layers', 'v-old', 'sha256-x.json.tmp-1-aaaa');
    writeFileSync(stale, 'partial');
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, old, old);
    new LayerCache({ dir, version: 'v-test' }).prune();
    expect(existsSync(stale)).toBe(false);
    // and the emptied directory of an old version with it
    expect(existsSync(join(dir, 'layers', 'v-old'))).toBe(false);
  });
});

describe('openLayerCache', () => {
  test('default directory: $XDG_CACHE_HOME/cuda-gate, else ~/.cache/cuda-gate (a relative XDG_CACHE_HOME is ignored)', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/cuda-gate');
    expect(defaultCacheDir({}, '/home/u')).toBe('/home/u/.cache/cuda-gate');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.cache/cuda-gate');
  });

  test('creates the directory it is given', () => {
    const dir = join(tempDir(), 'a', 'b');
    const cache = openLayerCache({ dir, version: 'v-test' });
    expect(cache?.dir).toBe(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  test('uses XDG_CACHE_HOME when no directory is given', () => {
    const xdg = tempDir();
    expect(openLayerCache({ version: 'v-test', env: { XDG_CACHE_HOME: xdg } })?.dir).toBe(join(xdg, 'cuda-gate'));
  });

  test('a directory that cannot be created gives a warning and no cache, never an error', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const log = recordingLog();
    expect(openLayerCache({ dir: join(file, 'cache'), version: 'v-test', log })).toBeUndefined();
    expect(log.warnings).toEqual([expect.stringMatching(/cannot create or write the cache directory .*a-file\/cache .*scanning without a cache/)]);
  });

  // Not a chmod 0555 directory: root writes to that all the same. These are unwritable for root too, so the tests run
  // whoever runs them.
  test('a read-only cache directory gives a warning and no cache', () => {
    // the sysctl root: a directory that exists, which no one, root included, may create files in
    const log = recordingLog();
    expect(openLayerCache({ dir: '/proc/sys', version: 'v-test', log })).toBeUndefined();
    expect(log.warnings).toEqual([expect.stringMatching(/cannot create or write the cache directory \/proc\/sys .*scanning without a cache/)]);
  });

  test('a cache that stops being writable warns once and goes on', () => {
    const dir = tempDir();
    const log = recordingLog();
    const cache = openLayerCache({ dir, version: 'v-test', log })!;
    // where the entries go, a file instead of a directory
    mkdirSync(join(dir, 'layers'), { recursive: true });
    writeFileSync(join(dir, 'layers', 'v-test'), '');
    cache.put(DIFF_ID, result());
    cache.put(`sha256:${'c'.repeat(64)}`, result());
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/could not write .* going on without storing it/);
    expect(cache.get(DIFF_ID)).toBeUndefined();
  });
});
