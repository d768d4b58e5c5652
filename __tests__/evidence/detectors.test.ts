import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { detectorFingerprint, detectorProblems, interestFnOf, type Detector, type PathInterest } from '../../src/evidence/detector';
import { DETECTORS, evidenceInterest } from '../../src/evidence/detectors';
import { INTEREST_FINGERPRINT } from '../../src/evidence/interests';
import { pipFrameworkDetector } from '../../src/evidence/pip-frameworks';
import { loadMatrix } from '../../src/matrix/load';
import { fakeConfig, fakeView } from './fake-view';

const matrix = loadMatrix();

/** DETECTORS with detector `id` replaced by `change(it)`. */
function withChanged(id: string, change: (d: Detector) => Detector): Detector[] {
  expect(DETECTORS.some((d) => d.id === id)).toBe(true);
  return DETECTORS.map((d) => (d.id === id ? change(d) : d));
}

function withInterest(d: Detector, n: number, change: (i: PathInterest) => PathInterest): Detector {
  return { ...d, interests: d.interests.map((i, k) => (k === n ? change(i) : i)) };
}

describe('the layer-cache version is derived from the detector declarations', () => {
  const base = layerCacheVersion();

  test('the shipped declarations give the shipped key, and the interests module exports their fingerprint', () => {
    expect(layerCacheVersion(undefined, DETECTORS)).toBe(base);
    expect(INTEREST_FINGERPRINT).toBe(detectorFingerprint(DETECTORS));
  });

  test.each<[string, () => Detector[]]>([
    ['a detector version', () => withChanged('dpkg-status', (d) => ({ ...d, version: d.version + 1 }))],
    ['a content cap', () => withChanged('dpkg-status', (d) => withInterest(d, 0, (i) => ({ ...i, keep: { content: (i.keep.content ?? 0) + 1 } })))],
    [
      'a path pattern',
      () => withChanged('cuda-version-files', (d) => withInterest(d, 0, (i) => ({ ...i, where: { pathRe: /^usr\/local\/cuda[^/]*\/version\.json$/ } }))),
    ],
    ['a name list', () => withChanged('pixi', (d) => withInterest(d, 0, (i) => ({ ...i, select: { name: ['pixi.toml', 'pixi.lock'] } })))],
    ['the fatbin threshold', () => withChanged('gpu-code', (d) => withInterest(d, 0, (i) => ({ ...i, keep: { fatbinFrom: 512 } })))],
    ['whether an interest claims its names', () => withChanged('pixi', (d) => withInterest(d, 0, (i) => ({ ...i, claims: !i.claims })))],
    [
      'a new interest',
      () => withChanged('config', (d) => ({ ...d, interests: [{ what: 'os-release', select: { name: ['os-release'] }, keep: { content: 4096 } }] })),
    ],
    ['a new detector', () => [...DETECTORS, { id: 'extra', version: 1, interests: [], detect: () => ({ evidence: [], findings: [] }) }]],
    ['a removed detector', () => DETECTORS.filter((d) => d.id !== 'pixi')],
  ])('changing %s changes it', (_what, changed) => {
    const detectors = changed();
    expect(detectorProblems(detectors)).toEqual([]);
    expect(layerCacheVersion(undefined, detectors)).not.toBe(base);
  });

  test.each<[string, () => Detector[]]>([
    ['the order of the list', () => [...DETECTORS].reverse()],
    ['what an interest says it is for', () => withChanged('dpkg-status', (d) => withInterest(d, 0, (i) => ({ ...i, what: 'dpkg, reworded' })))],
    ['how a detector turns files into evidence', () => withChanged('dpkg-status', (d) => ({ ...d, detect: () => ({ evidence: [], findings: [] }) }))],
    ['a copy of the same declarations', () => DETECTORS.map((d) => ({ ...d, interests: d.interests.map((i) => ({ ...i })) }))],
  ])('changing %s does not', (_what, changed) => {
    expect(layerCacheVersion(undefined, changed())).toBe(base);
  });
});

describe('every detector declares itself', () => {
  test('id, version, interests and detect; ids unique; the declarations are well formed', () => {
    for (const d of DETECTORS) {
      expect(d.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(Number.isSafeInteger(d.version) && d.version >= 1).toBe(true);
      expect(Array.isArray(d.interests)).toBe(true);
      expect(typeof d.detect).toBe('function');
      for (const i of d.interests) {
        expect(i.what).toBeTruthy();
        expect(i.select).toBeDefined();
      }
    }
    expect(new Set(DETECTORS.map((d) => d.id)).size).toBe(DETECTORS.length);
    expect(detectorProblems(DETECTORS)).toEqual([]);
  });

  test('only the config detector reads no file', () => {
    expect(DETECTORS.filter((d) => d.interests.length === 0).map((d) => d.id)).toEqual(['config']);
  });

  test('bad declarations are named', () => {
    const ok = DETECTORS[1];
    expect(detectorProblems([ok, { ...ok }])).toEqual([`detector id "${ok.id}" is declared twice`]);
    expect(detectorProblems([{ ...ok, version: 0 }])).toEqual([`${ok.id}: version 0 is not a positive integer`]);
    expect(detectorProblems([{ ...ok, id: 'Not Kebab' }])).toEqual(['detector id "Not Kebab" is not kebab-case']);
    const interest = (i: Partial<PathInterest>): Detector => ({ ...ok, interests: [{ what: 'x', select: { name: ['x'] }, keep: {}, ...i }] });
    expect(detectorProblems([interest({ select: {} })])).toEqual([`${ok.id} interest 0 (x): selects every entry`]);
    expect(detectorProblems([interest({ select: { pathRe: /x/g } })])).toEqual([`${ok.id} interest 0 (x): /x/g keeps state between calls (g or y flag)`]);
    expect(detectorProblems([interest({ keep: { content: 0 } })])).toEqual([`${ok.id} interest 0 (x): content cap 0 is not a positive integer`]);
    expect(detectorProblems([interest({ keep: { whole: true } })])).toEqual([`${ok.id} interest 0 (x): whole without a content cap`]);
    expect(() => interestFnOf([ok, ok])).toThrow('declared twice');
  });
});

describe('the interest function is derived from the declarations', () => {
  const paths = [
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12.4.127',
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/stubs/libcuda.so',
    'usr/local/cuda-12.4/version.json',
    'var/lib/dpkg/status',
    'var/lib/dpkg/status.d/libc6.md5sums',
    'opt/conda/conda-meta/cuda-version-12.9-h4f385c5_3.json',
    'usr/local/lib/python3.11/site-packages/torch/version.py',
    'usr/local/lib/python3.11/site-packages/torch-2.4.0+cu121.dist-info',
    'usr/local/lib/python3.11/site-packages/torch-2.4.0+cu121.dist-info/METADATA',
    'usr/bin/pixi',
    'app/.pixi/envs/default/conda-meta/pixi',
    'usr/local/bin/llama-server',
    'etc/passwd',
  ];

  test('the order of detectors and interests does not matter', () => {
    const reversed = interestFnOf([...DETECTORS].reverse().map((d) => ({ ...d, interests: [...d.interests].reverse() })));
    for (const p of paths) for (const size of [100, 1 << 20, 100 << 20]) expect(reversed(p, size)).toEqual(evidenceInterest(p, size));
  });

  test('a detector added to the list gets its files kept, with no other change', () => {
    const osRelease: Detector = {
      id: 'os-release',
      version: 1,
      interests: [{ what: 'the distribution', select: { name: ['os-release'] }, claims: true, where: { dir: ['etc'] }, keep: { content: 4096 } }],
      detect: () => ({ evidence: [], findings: [] }),
    };
    const fn = interestFnOf([...DETECTORS, osRelease]);
    expect(evidenceInterest('etc/os-release', 300)).toBeUndefined();
    expect(fn('etc/os-release', 300)).toEqual({ content: 4096 });
    expect(fn('usr/lib/os-release', 300)).toBeUndefined();
  });

  test('two interests in one entry merge: the larger read, and the scan if either asks', () => {
    const d = (id: string, i: PathInterest): Detector => ({ id, version: 1, interests: [i], detect: () => ({ evidence: [], findings: [] }) });
    const fn = interestFnOf([
      d('a', { what: 'a', select: { nameSuffix: '.bin' }, keep: { content: 100 } }),
      d('b', { what: 'b', select: { nameSuffix: '.bin' }, keep: { content: 50, fatbinFrom: 10 } }),
    ]);
    expect(fn('x/y.bin', 5)).toEqual({ content: 100 });
    expect(fn('x/y.bin', 500)).toEqual({ content: 100, scan: 'fatbin' });
    expect(fn('x/y.txt', 500)).toBeUndefined();
  });
});

describe('detectors get the matrix from their context', () => {
  const SP = 'usr/local/lib/python3.11/site-packages';
  const view = fakeView([
    { path: `${SP}/onnxruntime_gpu-1.20.1.dist-info/METADATA`, content: 'Metadata-Version: 2.1\nName: onnxruntime-gpu\nVersion: 1.20.1\n' },
  ]);
  const ort = (m: typeof matrix) =>
    pipFrameworkDetector.detect({ config: fakeConfig(), view, matrix: m }).evidence.find((e) => e.package === 'onnxruntime-gpu');

  test("what only the matrix knows comes from the context's matrix", () => {
    expect(ort(matrix)?.cuda).toBeDefined();
    expect(ort({ ...matrix, frameworks: [] })?.cuda).toBeUndefined();
  });

  test('no detector loads a matrix itself', () => {
    const dir = join(__dirname, '..', '..', 'src', 'evidence');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect([file, /matrix\/(load|overrides|locate|yaml-file)['"]/.test(text)]).toEqual([file, false]);
    }
  });
});
