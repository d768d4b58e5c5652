/** Invariants of the matrix data itself: they catch a mistyped row that the schema cannot. */
import { compareDriver } from '../../src/common/driver-version';
import { majorMinor } from '../../src/common/dotted-version';
import { loadMatrix } from '../../src/matrix/load';
import { findGpu, releasesInFamily } from '../../src/matrix/queries';

const m = loadMatrix();

test('a newer release never needs an older driver than the release before it', () => {
  for (let i = 1; i < m.releases.length; i++) {
    const [prev, cur] = [m.releases[i - 1], m.releases[i]];
    expect({ release: cur.version, notOlder: compareDriver(cur.linuxDriver, prev.linuxDriver) >= 0 }).toEqual({
      release: cur.version,
      notOlder: true,
    });
  }
});

test('every confirmed release before CUDA 13 names its Windows driver; from 13 on there is none', () => {
  for (const r of m.releases) {
    const before13 = Number(r.version.split('.')[0]) < 13;
    // a release without a Table 3 row read (12.8.2, 12.9.2) has no Windows driver either
    if (before13 && !r.confirmed) continue;
    expect({ release: r.version, windows: r.windowsDriver !== undefined }).toEqual({ release: r.version, windows: before13 });
  }
});

test('a branch-only release names the branch of its stand-in driver, and that branch is in drivers.yaml', () => {
  const branchOnly = m.releases.filter((r) => r.linuxDriverBranch !== undefined);
  expect(branchOnly.map((r) => r.version)).toEqual(['13.4.1', '13.4.2', '13.4.3', '13.5.0']);
  for (const r of branchOnly) {
    expect(Number(r.linuxDriver.split('.')[0])).toBe(r.linuxDriverBranch);
    expect(m.driverBranches.some((b) => b.branch === r.linuxDriverBranch)).toBe(true);
  }
});

test('a cudart version belongs to one release only', () => {
  const all = m.releases.flatMap((r) => r.cudart);
  expect(new Set(all).size).toBe(all.length);
});

test('the releases of one family accept the same forward-compat branches', () => {
  const families = new Set(m.releases.map((r) => majorMinor(r.version)!));
  for (const family of families) {
    const lists = releasesInFamily(m, family)
      .map((r) => r.forwardCompatBranches)
      .filter((b): b is number[] => b !== undefined);
    for (const list of lists) expect({ family, list }).toEqual({ family, list: lists[0] });
  }
});

test('every driver branch a release needs is listed in drivers.yaml', () => {
  const branches = new Set(m.driverBranches.map((b) => b.branch));
  for (const r of m.releases) expect({ release: r.version, listed: branches.has(Number(r.linuxDriver.split('.')[0])) }).toEqual({
    release: r.version,
    listed: true,
  });
});

test.each([
  'K80', 'K40', 'M40', 'M60', 'P100', 'P4', 'P40', 'V100', 'T4', 'Quadro RTX 6000', 'Quadro RTX 8000', 'RTX 2080 Ti',
  'A100', 'A30', 'A10', 'A40', 'A16', 'A2', 'RTX A6000', 'RTX 3090', 'L4', 'L40', 'L40S', 'RTX 6000 Ada', 'RTX 4090',
  'H100', 'H200', 'GH200', 'B200', 'GB200', 'B300', 'GB300', 'RTX PRO 6000 Blackwell', 'RTX 5090', 'GB10',
  'Jetson Orin', 'Jetson Xavier', 'Jetson TX2', 'Jetson Nano', 'Jetson Thor', 'Rubin',
])('the catalogue knows %s', (name) => {
  expect(findGpu(m, name)?.catalogued).toBe(true);
});

test('only data-center parts are forward-compat eligible', () => {
  for (const g of m.gpus) if (g.datacenter) expect({ gpu: g.name, segment: g.segment }).toEqual({ gpu: g.name, segment: 'datacenter' });
});

test('brand values count as known only where a public nvidia-smi output is cited (brandSource); the rest stay hedged', () => {
  for (const g of m.gpus.filter((x) => x.brands.length)) {
    const confirmed = !g.unconfirmedFields?.includes('brands') && g.confirmed;
    expect({ gpu: g.name, confirmed, cited: confirmed ? !!g.brandSource : false }).toEqual({ gpu: g.name, confirmed, cited: confirmed });
  }
  // the facts the issue names: V100/P40 report Tesla, T4/H100/GH200 report NVIDIA (libnvidia-container < 1.9: Unknown)
  const brands = (name: string) => m.gpus.find((g) => g.name.endsWith(name))!.brands;
  expect(brands('V100')).toEqual(['tesla']);
  expect(brands('P40')).toEqual(['tesla']);
  expect(brands('H100')).toEqual(['nvidia', 'unknown']);
  expect(brands('GH200')).toEqual(['nvidia', 'unknown']);
  expect(brands('T4')).toContain('nvidia');
});
