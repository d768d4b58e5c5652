/** The report names the version package.json gives: src/model/tool-version.ts is generated from it, never edited. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMatrix } from '../../src/matrix/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { TOOL_VERSION } from '../../src/model/tool-version';
import { buildReport } from '../../src/report/build';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

test("the report's tool.version is package.json's version (run `node scripts/gen-version.mjs` after a bump)", () => {
  const report = buildReport([], [], [], DEFAULT_POLICY, loadMatrix());
  expect(report.tool).toEqual({ name: 'cuda-gate', version: pkg.version });
  expect(TOOL_VERSION).toBe(pkg.version);
});
