/**
 * SARIF 2.1.0 for GitHub code scanning: `cuda-gate check|merge --format sarif` validates against the official schema,
 * carries one rule per reason code and one result per failing or caveated image × target (error / warning), each at
 * its target's line in the targets file (or the Dockerfile line a caller anchors), with fingerprints that stay the
 * same across runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TOOL_VERSION } from '../../src/model/tool-version';
import type { Report } from '../../src/report/types';
import { buildSarif, fingerprint, FINGERPRINT_KEY, REASON_RULES, SARIF_SCHEMA, targetEntryLines, type SarifLog } from '../../src/report/sarif';
import type { Result } from '../../src/verdict/types';
import { runCli } from '../cli/run-cli';
import { sarifSchemaErrors } from '../helpers/sarif-schema';
import { tempDir } from '../helpers/tmp';

const ROOT = join(__dirname, '../..');
const EXAMPLE = 'docker-archive:examples/images/cuda12.4-app.tar';
const TARGETS = 'examples/cuda-targets.yml';

/** the example targets file's entries: prod-a100 (caveat), edge-t4 (fail) */
const LINE = { 'prod-a100': 4, 'edge-t4': 9 };

const savedWorkspace = process.env.GITHUB_WORKSPACE;
afterAll(() => {
  if (savedWorkspace === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = savedWorkspace;
});

async function sarifOf(...args: string[]): Promise<{ code: number; log: SarifLog; stderr: string }> {
  const r = await runCli(...args, '--format', 'sarif', '--quiet', '--no-cache');
  return { code: r.code, log: JSON.parse(r.stdout) as SarifLog, stderr: r.stderr };
}

describe('cuda-gate check --format sarif (the example image on examples/cuda-targets.yml)', () => {
  let first: { code: number; log: SarifLog; stderr: string };
  let second: { code: number; log: SarifLog };
  let report: Report;

  beforeAll(async () => {
    process.env.GITHUB_WORKSPACE = ROOT;
    first = await sarifOf('check', EXAMPLE, '--targets', TARGETS);
    second = await sarifOf('check', EXAMPLE, '--targets', TARGETS);
    report = JSON.parse((await runCli('check', EXAMPLE, '--targets', TARGETS, '--format', 'json', '--quiet', '--no-cache')).stdout) as Report;
  });

  test('the log validates against the SARIF 2.1.0 schema; exit status as the other formats', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(sarifSchemaErrors(first.log)).toEqual([]);
    expect(first.log.$schema).toBe(SARIF_SCHEMA);
    expect(first.log.version).toBe('2.1.0');
    expect(first.log.runs).toHaveLength(1);
    const driver = first.log.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'cuda-gate', version: TOOL_VERSION, semanticVersion: TOOL_VERSION });
    expect(driver.informationUri).toMatch(/^https:\/\/github\.com\/[^/]+\/cuda-gate#readme$/);
  });

  test('one rule per reason code, each with its texts and level; every result names a rule by id and index', () => {
    const rules = first.log.runs[0].tool.driver.rules;
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.keys(REASON_RULES).sort());
    for (const rule of rules) {
      expect(rule.shortDescription.text).not.toBe('');
      expect(rule.fullDescription.text).not.toMatch(/`/);
      expect(rule.help.text).toContain('Fix: ');
      expect(rule.help.markdown).toContain(`**${rule.id}**`);
      expect(rule.properties.tags).toContain('cuda');
    }
    expect(rules.find((r) => r.id === 'DRIVER_TOO_OLD')?.defaultConfiguration.level).toBe('error');
    expect(rules.find((r) => r.id === 'DRIVER_TOO_OLD')?.properties.tags).toEqual(['cuda', 'container', 'deployment', 'cuda-initialisation']);
    // the CLI does not know where the tool's README lives: no rule links to it
    expect(rules.filter((r) => r.helpUri !== undefined)).toEqual([]);
    expect(rules.find((r) => r.id === 'MINOR_VERSION_COMPAT')?.defaultConfiguration.level).toBe('warning');
    expect(rules.find((r) => r.id === 'DRIVER_BRANCH_EOL')?.defaultConfiguration.level).toBe('note');
    const results = first.log.runs[0].results;
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(ids).toContain(r.ruleId);
      expect(rules[r.ruleIndex].id).toBe(r.ruleId);
    }
  });

  test('a fail is an error, a caveat a warning, a pass no result; the rule is the decisive reason', () => {
    const results = first.log.runs[0].results;
    expect(results.map((r) => [r.properties.target, r.level, r.ruleId])).toEqual([
      ['prod-a100', 'warning', 'MINOR_VERSION_COMPAT'],
      ['edge-t4', 'error', 'DRIVER_TOO_OLD'],
    ]);
    // the JSON report agrees: each result is a non-pass one, its rule the first reason with the result's verdict
    for (const r of results) {
      const json = report.results.find((x) => x.target === r.properties.target)!;
      expect(json.verdict).toBe(r.properties.verdict);
      expect(r.ruleId).toBe(json.reasons.find((x) => x.verdict === json.verdict)!.code);
    }
  });

  test("the message is the image, target and verdict, the reason's message and its fix", () => {
    const fail = first.log.runs[0].results.find((r) => r.level === 'error')!;
    const reason = report.results.find((r) => r.target === 'edge-t4')!.reasons[0];
    expect(fail.message.text).toBe(`${EXAMPLE} on edge-t4: fail. DRIVER_TOO_OLD: ${reason.message}\nFix: ${reason.remedy}`);
  });

  test("each result points at its target's line in the targets file, relative to the repository root", () => {
    for (const r of first.log.runs[0].results) {
      expect(r.locations).toHaveLength(1);
      expect(r.locations[0].physicalLocation).toEqual({
        artifactLocation: { uri: TARGETS, uriBaseId: '%SRCROOT%' },
        region: { startLine: LINE[r.properties.target as keyof typeof LINE] },
      });
    }
    const lines = readFileSync(join(ROOT, TARGETS), 'utf8').split('\n');
    expect(lines[LINE['prod-a100'] - 1]).toMatch(/^ {2}prod-a100:/);
    expect(lines[LINE['edge-t4'] - 1]).toMatch(/^ {2}edge-t4:/);
  });

  test('fingerprints are the same across two runs, and differ between results', () => {
    const prints = (log: SarifLog) => log.runs[0].results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(prints(first.log)).toEqual(prints(second.log));
    expect(prints(first.log).every((p) => /^[0-9a-f]{32}$/.test(p))).toBe(true);
    expect(new Set(prints(first.log)).size).toBe(prints(first.log).length);
    expect(prints(first.log)[1]).toBe(fingerprint(EXAMPLE, 'edge-t4', 'DRIVER_TOO_OLD'));
  });

  test('--output writes the same log to a file', async () => {
    const file = join(tempDir('cg-sarif-'), 'out.sarif');
    const r = await runCli('check', EXAMPLE, '--targets', TARGETS, '--format', 'sarif', '--output', file, '--quiet', '--no-cache');
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first.log);
  });
});

describe('where results point', () => {
  test('GITHUB_WORKSPACE is the repository root; a targets file outside it is a file: URI', async () => {
    const workspace = tempDir('cg-sarif-ws-');
    // quoted keys, comments and a flow mapping: the key's own line
    const text = ['# fleet', 'targets:', '  "old-t4":   # quoted', '    driver: 470.82.01', '    gpu: T4', '  new-l4: { driver: 550.54.15, gpu: L4 }', ''].join(
      '\n',
    );
    writeFileSync(join(workspace, 'targets.yml'), text);
    process.env.GITHUB_WORKSPACE = workspace;
    const inside = await sarifOf('check', EXAMPLE, '--targets', join(workspace, 'targets.yml'));
    expect(sarifSchemaErrors(inside.log)).toEqual([]);
    expect(inside.log.runs[0].results.map((r) => [r.properties.target, r.locations[0].physicalLocation])).toEqual([
      ['old-t4', { artifactLocation: { uri: 'targets.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } }],
    ]);
    process.env.GITHUB_WORKSPACE = join(workspace, 'elsewhere');
    const outside = await sarifOf('check', EXAMPLE, '--targets', join(workspace, 'targets.yml'));
    expect(sarifSchemaErrors(outside.log)).toEqual([]);
    expect(outside.log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: pathToFileURL(join(workspace, 'targets.yml')).href });
    process.env.GITHUB_WORKSPACE = ROOT;
  });

  test('--driver has no targets file: results carry no location (code scanning shows only located results)', async () => {
    process.env.GITHUB_WORKSPACE = ROOT;
    const { log } = await sarifOf('check', EXAMPLE, '--driver', '470.82.01');
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0].results.map((r) => [r.level, r.ruleId, r.locations])).toEqual([['error', 'DRIVER_TOO_OLD', []]]);
  });

  test("a Dockerfile line wins over the target's line; without one, the target's line; an unknown target, the file", () => {
    const report = exampleReport();
    const withLine = buildSarif(report, {
      targetsFile: { uri: 'cuda-targets.yml', text: 'targets:\n  a: { driver: 1 }\n  b: { driver: 2 }\n' },
      dockerfile: (_image, _reason, result) => (result.target === 'a' ? { uri: 'docker/app.Dockerfile', line: 7 } : { uri: 'docker/app.Dockerfile' }),
    });
    expect(sarifSchemaErrors(withLine)).toEqual([]);
    expect(withLine.runs[0].results.map((r) => r.locations[0].physicalLocation)).toEqual([
      { artifactLocation: { uri: 'docker/app.Dockerfile', uriBaseId: '%SRCROOT%' }, region: { startLine: 7 } },
      { artifactLocation: { uri: 'cuda-targets.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } },
      { artifactLocation: { uri: 'cuda-targets.yml', uriBaseId: '%SRCROOT%' } },
    ]);
    // no targets file: the Dockerfile itself, without a line
    const noTargets = buildSarif(report, { dockerfile: () => ({ uri: 'Dockerfile' }) });
    expect(noTargets.runs[0].results.map((r) => r.locations[0].physicalLocation)).toEqual(
      Array(3).fill({ artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' } }),
    );
  });

  test('targetEntryLines: the line of each entry under targets:, nothing for text that is not YAML', () => {
    expect(targetEntryLines('policy:\n  fail-on: fail\ntargets:\n  # c\n  "x y":\n    driver: 1\n  z: {driver: 2}\n')).toEqual(
      new Map([
        ['x y', 5],
        ['z', 7],
      ]),
    );
    expect(targetEntryLines('targets: [\n')).toEqual(new Map());
  });
});

describe('levels and messages from the result', () => {
  test('a waived result is a note, and says until when and why', () => {
    const report = exampleReport();
    report.results[0].waived = { reason: 'edge fleet retires in May', expires: '2027-05-31', codes: ['DRIVER_TOO_OLD'] };
    const log = buildSarif(report);
    expect(sarifSchemaErrors(log)).toEqual([]);
    const [waived, caveat, fail] = log.runs[0].results;
    expect(waived).toMatchObject({ level: 'note', ruleId: 'DRIVER_TOO_OLD', properties: { waived: true, verdict: 'fail' } });
    expect(waived.message.text).toContain('\nWaived until 2027-05-31: edge fleet retires in May.');
    expect([caveat.level, fail.level]).toEqual(['warning', 'error']);
  });

  test('control characters from the image do not reach the message; other failing codes are listed', () => {
    const report = exampleReport();
    report.results[0].reasons[0].message = 'line one\n::error::two\u001b[31m';
    report.results[0].reasons.push({ code: 'NO_KERNEL_FOR_GPU', verdict: 'fail', message: 'no kernel' });
    const text = buildSarif(report).runs[0].results[0].message.text;
    expect(text.split('\n')[0]).toBe('app.tar on a: fail. DRIVER_TOO_OLD: line one ::error::two [31m');
    expect(text.split('\n').pop()).toBe('Also: NO_KERNEL_FOR_GPU.');
  });
});

test('a waiver in the targets file: its result is a note, the others keep their level', async () => {
  process.env.GITHUB_WORKSPACE = ROOT;
  const file = join(tempDir('cg-sarif-waiver-'), 'targets.yml');
  const waiver = [
    'waivers:',
    '  - image: "*"',
    '    target: edge-t4',
    '    code: DRIVER_TOO_OLD',
    '    reason: edge fleet moves to R550',
    '    expires: 2099-12-31',
    '',
  ];
  writeFileSync(file, `${readFileSync(join(ROOT, TARGETS), 'utf8')}${waiver.join('\n')}`);
  const { code, log } = await sarifOf('check', EXAMPLE, '--targets', file);
  expect(code).toBe(0);
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0].results.map((r) => [r.properties.target, r.level, r.properties.waived])).toEqual([
    ['prod-a100', 'warning', undefined],
    ['edge-t4', 'note', true],
  ]);
  expect(log.runs[0].results[1].message.text).toContain('\nWaived until 2099-12-31: edge fleet moves to R550.');
});

test("every reason code in README's table has a rule, and every rule is in the table", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Verdicts and reason codes'));
  const table = [...section.slice(0, section.indexOf('\n## ', 5)).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
  expect(table.length).toBeGreaterThan(20);
  expect([...table].sort()).toEqual(Object.keys(REASON_RULES).sort());
});

test('merge --format sarif: the merged results, located with --targets, valid', async () => {
  process.env.GITHUB_WORKSPACE = ROOT;
  const dir = tempDir('cg-sarif-merge-');
  const legs = [join(dir, 'a.json'), join(dir, 'b.json')];
  await runCli('check', EXAMPLE, '--targets', TARGETS, '--format', 'json', '--output', legs[0], '--quiet', '--no-cache');
  await runCli(
    'check',
    'docker-archive:./examples/images/cuda12.4-app.tar',
    '--targets',
    TARGETS,
    '--format',
    'json',
    '--output',
    legs[1],
    '--quiet',
    '--no-cache',
  );
  const r = await runCli('merge', ...legs, '--format', 'sarif', '--targets', TARGETS);
  expect(r.code).toBe(1);
  const log = JSON.parse(r.stdout) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0].results.map((x) => [x.level, x.locations[0].physicalLocation.region?.startLine])).toEqual([
    ['warning', LINE['prod-a100']],
    ['error', LINE['edge-t4']],
  ]);
});

/** Three results of one image: fail on a, caveat on b, fail on c (a target the targets file does not list). */
function exampleReport(): Report {
  const result = (target: string, verdict: Result['verdict'], code: Result['reasons'][number]['code']): Result => ({
    image: 'app.tar',
    target,
    verdict,
    reasons: [{ code, verdict, message: `${code} on ${target}`, remedy: 'upgrade the host driver' }],
  });
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: { version: 'test', date: '2026-01-01' },
    policy: { failOn: 'fail', noCuda: 'warn' },
    targets: [],
    images: [],
    results: [result('a', 'fail', 'DRIVER_TOO_OLD'), result('b', 'caveat', 'MINOR_VERSION_COMPAT'), result('c', 'fail', 'DRIVER_TOO_OLD')],
    summary: { pass: 0, caveat: 1, fail: 2, verdict: 'fail', gatePassed: false },
  };
}
