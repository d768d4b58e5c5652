import { join, resolve } from 'node:path';
import { compareVersions } from '../../src/common/dotted-version';
import { isDriverVersion } from '../../src/common/driver-version';
import { loadMatrix } from '../../src/matrix/load';
import { MATRIX_DIR_ENV } from '../../src/matrix/locate';
import type { SourcedRow } from '../../src/matrix/types';

const REPO_MATRIX = resolve(__dirname, '../../matrix');

function allRows(): [string, SourcedRow][] {
  const m = loadMatrix();
  return [
    ...m.releases.map((r): [string, SourcedRow] => [`release ${r.version}`, r]),
    ...m.majors.map((r): [string, SourcedRow] => [`major ${r.major}`, r]),
    ...m.driverBranches.map((r): [string, SourcedRow] => [`branch ${r.branch}`, r]),
    ...m.gpus.map((r): [string, SourcedRow] => [`gpu ${r.name}`, r]),
    ...m.libraries.map((r): [string, SourcedRow] => [`library ${r.library} ${r.sonameMajor}`, r]),
    ...(m.toolkitArchs ?? []).map((r): [string, SourcedRow] => [`archs ${r.toolkit}`, r]),
    ...(m.archFamilies ?? []).map((r): [string, SourcedRow] => [`family ${r.family}`, r]),
    ...(m.archAliases ?? []).map((r): [string, SourcedRow] => [`alias ${r.from}`, r]),
  ];
}

describe('loading the real matrix', () => {
  test('the matrix next to the source tree loads without being told where it is', () => {
    const m = loadMatrix();
    expect(m.meta.version).toMatch(/^\d{4}\.\d{2}\.\d{2}$/);
    expect(m.meta.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(m.releases.length).toBeGreaterThan(50);
    expect(m.gpus.length).toBeGreaterThan(40);
  });

  test('every row names its source, with source keys expanded to the full text', () => {
    for (const [what, row] of allRows()) {
      expect({ what, source: row.source.length > 20 }).toEqual({ what, source: true });
      expect(typeof row.confirmed).toBe('boolean');
    }
  });

  test('releases come sorted ascending, branches ascending', () => {
    const m = loadMatrix();
    const versions = m.releases.map((r) => r.version);
    expect([...versions].sort(compareVersions)).toEqual(versions);
    const branches = m.driverBranches.map((b) => b.branch);
    expect([...branches].sort((a, b) => a - b)).toEqual(branches);
  });

  test('the release table runs from CUDA 9.0 to 13.5 with every driver a valid version', () => {
    const m = loadMatrix();
    expect(m.releases[0].version).toBe('9.0.76');
    expect(m.releases[m.releases.length - 1].version).toBe('13.5.0');
    for (const r of m.releases) expect(isDriverVersion(r.linuxDriver)).toBe(true);
  });

  test('key facts from Table 3 are in the matrix', () => {
    const m = loadMatrix();
    const driverOf = (v: string) => m.releases.find((r) => r.version === v)?.linuxDriver;
    expect(driverOf('12.4.1')).toBe('550.54.15');
    expect(driverOf('12.0.0')).toBe('525.60.13');
    expect(driverOf('11.8.0')).toBe('520.61.05');
    expect(driverOf('13.0.0')).toBe('580.65.06');
    expect(m.releases.find((r) => r.version === '12.4.1')?.compatDriver).toBe('550.54.15');
  });

  test('the same directory is read once and shared', () => {
    expect(loadMatrix(REPO_MATRIX)).toBe(loadMatrix(REPO_MATRIX));
  });

  test('the loaded matrix cannot be changed by a caller', () => {
    const m = loadMatrix();
    expect(Object.isFrozen(m.releases)).toBe(true);
    expect(() => (m.releases as unknown[]).push({})).toThrow();
  });

  test(`${MATRIX_DIR_ENV} points the loader at another matrix directory`, () => {
    const saved = process.env[MATRIX_DIR_ENV];
    process.env[MATRIX_DIR_ENV] = join(REPO_MATRIX, '.');
    try {
      expect(loadMatrix().releases.length).toBe(loadMatrix(REPO_MATRIX).releases.length);
      process.env[MATRIX_DIR_ENV] = join(REPO_MATRIX, 'no-such-dir');
      expect(() => loadMatrix()).toThrow(/matrix directory not found/);
    } finally {
      if (saved === undefined) delete process.env[MATRIX_DIR_ENV];
      else process.env[MATRIX_DIR_ENV] = saved;
    }
  });
});
