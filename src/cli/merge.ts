/**
 * `cuda-gate merge REPORT.json…`: the reports of several runs (matrix legs) as one report, one verdict and one
 * exit status — 0 passed, 1 failed by fail-on, 2 a file missing or not a cuda-gate report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { inertToRunner } from '../common/control-chars';
import { GateError, messageOf } from '../common/errors';
import { parseWithSchema, say } from '../common/schema-error';
import { renderMarkdown } from '../report/markdown';
import { mergeReports } from '../report/merge';
import { parseReport } from '../report/parse-report';
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
}

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
  return parseWithSchema(MERGE_FLAGS, { reports: parsed.positionals, ...parsed.values }, { what: '', code: 'BAD_ARGUMENT' });
}

/** `merge`'s flags after parseArgs, checked (each sentence names its flag) into MergeArgs. */
const MERGE_FLAGS = z
  .object({
    reports: z.array(z.string()).min(1, { error: () => say('merge: no report given', 'e.g. cuda-gate merge reports/*/cuda-gate-report.json') }),
    format: FORMAT_FLAG,
    output: z.string().optional(),
    'fail-on': FAIL_ON_FLAG.optional(),
  })
  .transform((v): MergeArgs => ({ command: 'merge', reports: v.reports, format: v.format, output: v.output, failOn: v['fail-on'] }));

/** Reads, checks and merges the reports, writes the result, and returns the exit status. */
export function runMerge(args: MergeArgs, out: NodeJS.WritableStream): number {
  const inputs = args.reports.map((file) => ({ name: file, report: parseReport(readReportFile(file), file) }));
  const report = mergeReports(inputs, { failOn: args.failOn });
  const text = renderReport(report, args.format);
  if (args.output) writeFileSync(args.output, text);
  else out.write(text);
  return report.summary.gatePassed ? 0 : 1;
}

/**
 * A report as `check` and `merge` print it. In a `run:` step the runner reads stdout: text and markdown escape what
 * could start a workflow command, and JSON writes `#` of a `##[` as `\u0023` (the same string to a JSON reader).
 */
export function renderReport(report: Report, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2).replace(/##\[/g, '#\\u0023[')}\n`;
  return inertToRunner(format === 'markdown' ? renderMarkdown(report) : renderText(report));
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
