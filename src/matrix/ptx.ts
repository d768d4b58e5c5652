/**
 * Which driver can JIT-compile a piece of PTX: one at least as new as the toolkit that wrote it. The toolkit comes
 * from the PTX ISA version (ptx.yaml) or is known directly (a framework's build info); its driver from toolkits.yaml.
 */
import { compareDriver } from '../common/driver-version';
import { compareVersions, versionParts } from '../common/dotted-version';
import { releasesInFamily } from './queries';
import type { Matrix, PtxIsaRelease } from './types';

export interface PtxJitDriver {
  /** PTX ISA version, when the PTX said */
  isa?: string;
  /** CUDA toolkit minor that wrote the PTX ("13.0"), when known */
  cuda?: string;
  /** lowest driver that JITs it; undefined when any driver of the matrix can (very old PTX) or nothing is known */
  minDriver?: string;
  /** the ISA is newer than every row of ptx.yaml: the driver must be newer than `minDriver`, maybe much newer */
  beyondKnown: boolean;
  /** a matrix row this rests on is not confirmed (or the ISA falls between rows) */
  unconfirmed: boolean;
}

/** "9.0" -> CUDA 13.0 -> 580.65.06. */
export function ptxJitDriverForIsa(m: Matrix, isa: string): PtxJitDriver {
  const rows = m.ptxIsa ?? [];
  const canonical = versionParts(isa).join('.');
  const exact = rows.find((r) => r.isa === canonical);
  if (exact) return { isa: canonical, ...fromRow(m, exact) };
  if (!rows.length) return { isa: canonical, beyondKnown: false, unconfirmed: true };
  if (compareVersions(canonical, rows[0].isa) < 0) return { isa: canonical, beyondKnown: false, unconfirmed: false };
  // between two rows (an ISA the history does not list): the next newer row's driver, cautiously
  const next = rows.find((r) => compareVersions(r.isa, canonical) > 0);
  if (next) return { isa: canonical, ...fromRow(m, next), cuda: undefined, unconfirmed: true };
  const newest = rows[rows.length - 1];
  return { isa: canonical, minDriver: fromRow(m, newest).minDriver, beyondKnown: true, unconfirmed: true };
}

/** PTX written by a known toolkit ("12.3", from a framework's build info). */
export function ptxJitDriverForToolkit(m: Matrix, cuda: string): PtxJitDriver {
  const family = versionParts(cuda).slice(0, 2).join('.');
  const releases = releasesInFamily(m, family);
  if (!releases.length) return { cuda: family, beyondKnown: false, unconfirmed: true };
  const first = lowestDriverRelease(releases);
  return { cuda: family, minDriver: first.linuxDriver, beyondKnown: false, unconfirmed: !first.confirmed };
}

function fromRow(m: Matrix, row: PtxIsaRelease): Omit<PtxJitDriver, 'isa'> {
  const releases = releasesInFamily(m, row.cuda);
  if (releases.length) {
    // the ISA appears with the family's first release: its driver already understands it
    const first = lowestDriverRelease(releases);
    return { cuda: row.cuda, minDriver: first.linuxDriver, beyondKnown: false, unconfirmed: !row.confirmed || !first.confirmed };
  }
  return {
    cuda: row.cuda,
    minDriver: row.driverBranch !== undefined ? String(row.driverBranch) : undefined,
    beyondKnown: false,
    unconfirmed: !row.confirmed,
  };
}

function lowestDriverRelease<T extends { linuxDriver: string }>(releases: T[]): T {
  return releases.reduce((a, b) => (compareDriver(b.linuxDriver, a.linuxDriver) < 0 ? b : a));
}
