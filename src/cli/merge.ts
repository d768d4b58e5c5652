/**
 * `cuda-gate merge REPORT.json…`: the reports of several runs (matrix legs) as one report, one verdict and one
 * exit status — 0 passed, 1 failed by fail-on, 2 a file missing or not a cuda-gate report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GateError, messageOf } from '../common/errors';
import { renderMarkdown } from '../report/markdown';
import { mergeReports } from '../report/merge';
import { parseReport } from '../report/parse-report';
import { renderText } from '../report/text';
import { FAIL_ON_VALUES as FAIL_ON, type FailOn } from '../model/policy';
import type { Format } from './args';

export interface MergeArgs {
  command: 'merge';
  reports: string[];
  format: Format;
  output?: string;
  failOn?: FailOn;
}

const FORMATS: readonly Format[] = ['text', 'json', 'markdown'];
const USAGE_HINT = 'usage: cuda-gate merge REPORT.json... [--format text|json|markdown] [--output FILE] [--fail-on fail|caveat|never]';

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
      },
    });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], USAGE_HINT);
  }
  const v = parsed.values;
  if (!parsed.positionals.length) throw new GateError('BAD_ARGUMENT', 'merge: no report given', 'e.g. cuda-gate merge reports/*/cuda-gate-report.json');
  const format = v.format as string;
  if (!FORMATS.includes(format as Format)) throw new GateError('BAD_ARGUMENT', `--format "${format}" is not one of ${FORMATS.join(', ')}`, 'e.g. --format json');
  const failOn = v['fail-on'] as string | undefined;
  if (failOn !== undefined && !FAIL_ON.includes(failOn as FailOn)) {
    throw new GateError('BAD_ARGUMENT', `--fail-on "${failOn}" is not one of ${FAIL_ON.join(', ')}`, 'e.g. --fail-on caveat');
  }
  return { command: 'merge', reports: parsed.positionals, format: format as Format, output: v.output as string | undefined, failOn: failOn as FailOn | undefined };
}

/** Reads, checks and merges the reports, writes the result, and returns the exit status. */
export function runMerge(args: MergeArgs, out: NodeJS.WritableStream): number {
  const inputs = args.reports.map((file) => ({ name: file, report: parseReport(readReportFile(file), file) }));
  const report = mergeReports(inputs, { failOn: args.failOn });
  const text =
    args.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : args.format === 'markdown' ? renderMarkdown(report) : renderText(report);
  if (args.output) writeFileSync(args.output, text);
  else out.write(text);
  return report.summary.gatePassed ? 0 : 1;
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
