/** Which CUDA a Python framework release was built for, from matrix/frameworks.yaml. */
import { compareVersions, numericPrefix } from '../common/dotted-version';
import type { FrameworkBuild, Matrix } from './types';

/**
 * The row covering this release of a package ("onnxruntime-gpu", "1.20.1"), or undefined. Only the numeric start of
 * the version counts: "1.19.0rc1" and "2.16.1+local" fall in the rows of 1.19.0 and 2.16.1.
 */
export function frameworkBuild(m: Matrix, pkg: string, version: string): FrameworkBuild | undefined {
  const v = numericPrefix(version);
  if (v === undefined) return undefined;
  return (m.frameworks ?? []).find(
    (r) =>
      r.package === pkg &&
      (r.from === undefined || compareVersions(v, r.from) >= 0) &&
      (r.below === undefined || compareVersions(v, r.below) < 0),
  );
}
