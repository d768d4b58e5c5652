/**
 * `cuda-gate merge REPORT.json…`: the reports of several runs (matrix legs) as one report, one verdict and one
 * exit status — 0 passed, 1 failed by fail-on, 2 a file missing or not a cuda-gate report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { inertToRunner } from '../common/control-chars';
import { GateError, messageOf } from '../common/errors';
import { parseWithSchema, say } from '../common/schema-error';
import { renderMarkdown } from '../report/markdown';
import { mergeReports } from '../report/merge';
import { parseReport } from '../report/parse-report';
import { buildSarif, sarifUri, type SarifOptions } from '../report/sarif';
import { renderText } from '../report/text';
import type { Report } from '../report/types';
import type { FailOn } from '../model/policy';
import { FAIL_ON_FLAG, FORMAT_FLAG, type Format } from './args';

export interface MergeArgs {
  command: 'merge';
  reports: string[];
  format: Format;
  output?: string;
  failOn?: FailOn;
  /** --targets: the targets file SARIF results point into (default .github/cuda-targets.yml when it exists) */
  targets?: string;
}

const USAGE_HINT = 'usage: cuda-gate merge REPORT.json... [--format text|json|markdown|sarif] [--output FILE] [--fail-on fail|caveat|never] [--targets FILE]';
/** The targets file `check` reads when none is given, and SARIF output points into. */
export const DEFAULT_TARGETS = '.github/cuda-targets.yml';

export function parseMergeArgs(argv: string[]): MergeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f', default: 'text' },
        output: { type: 'string', short: 'o' },
        'fail-on': { type: 'string' },
        targets: { type: 'string', short: 't' },
      },
    });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], USAGE_HINT);
  }
  return parseWithSchema(MERGE_FLAGS, { reports: parsed.positionals, ...parsed.values }, { what: '', code: 'BAD_ARGUMENT' });
}

/** `merge`'s flags after parseArgs, checked (each sentence names its flag) into MergeArgs. */
const MERGE_FLAGS = z
  .object({
    reports: z.array(z.string()).min(1, { error: () => say('merge: no report given', 'e.g. cuda-gate merge reports/*/cuda-gate-report.json') }),
    format: FORMAT_FLAG,
    output: z.string().optional(),
    'fail-on': FAIL_ON_FLAG.optional(),
    targets: z.string().optional(),
  })
  .transform((v): MergeArgs => ({ command: 'merge', reports: v.reports, format: v.format, output: v.output, failOn: v['fail-on'], targets: v.targets }));

/** Reads, checks and merges the reports, writes the result, and returns the exit status. */
export function runMerge(args: MergeArgs, out: NodeJS.WritableStream): number {
  const inputs = args.reports.map((file) => ({ name: file, report: parseReport(readReportFile(file), file) }));
  const report = mergeReports(inputs, { failOn: args.failOn });
  const targets = args.targets ?? (existsSync(DEFAULT_TARGETS) ? DEFAULT_TARGETS : undefined);
  const text = renderReport(report, args.format, args.format === 'sarif' ? sarifOptions(targets) : {});
  if (args.output) writeFileSync(args.output, text);
  else out.write(text);
  return report.summary.gatePassed ? 0 : 1;
}

/**
 * A report as `check` and `merge` print it. In a `run:` step the runner reads stdout: text and markdown escape what
 * could start a workflow command, and JSON writes `#` of a `##[` as `\u0023` (the same string to a JSON reader).
 */
export function renderReport(report: Report, format: Format, sarif: SarifOptions = {}): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2).replace(/##\[/g, '#\\u0023[')}\n`;
  if (format === 'sarif') return `${JSON.stringify(buildSarif(report, sarif), null, 2).replace(/##\[/g, '#\\u0023[')}\n`;
  return inertToRunner(format === 'markdown' ? renderMarkdown(report) : renderText(report));
}

/**
 * Where SARIF results point: the targets file, as a URI relative to the repository root ($GITHUB_WORKSPACE in a
 * workflow, else the current directory), and its text to find each target's line (unreadable: the file alone).
 */
export function sarifOptions(targetsFile: string | undefined): SarifOptions {
  if (!targetsFile) return {};
  const root = process.env.GITHUB_WORKSPACE || process.cwd();
  let text: string | undefined;
  try {
    text = readFileSync(targetsFile, 'utf8');
  } catch {
    text = undefined;
  }
  return { targetsFile: { uri: sarifUri(resolve(targetsFile), root), text } };
}

function readReportFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GateError('FILE_NOT_FOUND', `report ${file} does not exist`, 'give the path of a JSON report a cuda-gate check wrote');
    throw new GateError('BAD_REPORT', `cannot read report ${file}: ${messageOf(e)}`, 'give the path of a JSON report file');
  }
}
