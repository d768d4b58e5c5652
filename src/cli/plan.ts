/**
 * `cuda-gate plan --targets FILE|k8s:FILE|probe [--format text|json|markdown] [--output FILE]`: what the fleet can
 * run (plan/plan.ts), without an image.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { GateError } from '../common/errors';
import { parseWithSchema, say } from '../common/schema-error';
import { loadMatrix } from '../matrix/load';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import type { Matrix } from '../matrix/types';
import { planFleet, type PlanTarget } from '../plan/plan';
import { planJson, planMarkdown, planText } from '../plan/render';
import { isK8sTargetsFile } from '../targets/k8s';
import { loadTargetsFile } from '../targets/load';
import { probeHost, probeTargets } from '../targets/probe';
import { flagChoice } from './args';
import { DEFAULT_TARGETS } from './merge';

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;

export interface PlanArgs {
  command: 'plan';
  targets?: string;
  format: (typeof PLAN_FORMATS)[number];
  output?: string;
  matrixDir?: string;
  matrixOverrides: string[];
}

export const PLAN_USAGE =
  'usage: cuda-gate plan [--targets FILE | --targets k8s:FILE[?forward-compat=true&runtime=cdi] | --targets probe] [--format text|json|markdown] [--output FILE] [--matrix-overrides FILE]...';

const PLAN_FLAGS = z
  .object({
    positionals: z.array(z.string()).max(0, { error: (iss) => say(`plan takes no SOURCE (got "${String((iss.input as string[])[0])}")`, PLAN_USAGE) }),
    targets: z
      .string()
      .min(1, { error: () => say('--targets is empty', 'e.g. --targets k8s:nodes.json') })
      .optional(),
    format: flagChoice('--format', PLAN_FORMATS, 'e.g. cuda-gate plan --format json'),
    output: z.string().optional(),
    matrix: z.string().optional(),
    'matrix-overrides': z
      .array(z.string().refine((f) => f.trim() !== '', { error: () => say('--matrix-overrides is empty', 'e.g. --matrix-overrides overrides.yml') }))
      .default([]),
  })
  .transform((v): PlanArgs => ({
    command: 'plan',
    ...(v.targets !== undefined && { targets: v.targets }),
    format: v.format,
    ...(v.output !== undefined && { output: v.output }),
    ...(v.matrix !== undefined && { matrixDir: v.matrix }),
    matrixOverrides: v['matrix-overrides'],
  }));

export function parsePlanArgs(rest: string[]): PlanArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        targets: { type: 'string', short: 't' },
        format: { type: 'string', short: 'f', default: 'text' },
        output: { type: 'string', short: 'o' },
        matrix: { type: 'string' },
        'matrix-overrides': { type: 'string', multiple: true },
      },
    });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], PLAN_USAGE);
  }
  return parseWithSchema(PLAN_FLAGS, { positionals: parsed.positionals, ...parsed.values }, { what: '', code: 'BAD_ARGUMENT' });
}

export interface PlanIO {
  out: NodeJS.WritableStream;
  /** one line per warning or note (the CLI's stderr) */
  warn: (line: string) => void;
}

export async function runPlan(args: PlanArgs, io: PlanIO): Promise<number> {
  const matrixFor = (fromFile: string[]): Matrix => {
    const files = [...fromFile, ...args.matrixOverrides];
    return files.length ? loadMatrixWithOverrides(files, args.matrixDir) : loadMatrix(args.matrixDir);
  };
  let matrix: Matrix;
  let targets: PlanTarget[];
  if (args.targets === 'probe') {
    matrix = matrixFor([]);
    targets = probeTargets(await probeHost(), matrix);
  } else {
    const file = args.targets ?? (existsSync(DEFAULT_TARGETS) ? DEFAULT_TARGETS : undefined);
    if (!file) {
      throw new GateError(
        'BAD_ARGUMENT',
        `no targets: ${DEFAULT_TARGETS} does not exist and --targets was not given`,
        'pass --targets FILE, --targets k8s:nodes.json (kubectl get nodes -o json) or --targets probe',
      );
    }
    const loaded = loadTargetsFile(file, matrixFor);
    if (isK8sTargetsFile(loaded)) {
      for (const w of loaded.warnings) io.warn(`warning: ${w}`);
      for (const n of loaded.notes) io.warn(`note: ${n}`);
    }
    matrix = loaded.matrix;
    targets = loaded.targets;
  }
  const plan = planFleet(matrix, targets);
  const text = args.format === 'json' ? planJson(plan) : args.format === 'markdown' ? planMarkdown(plan) : planText(plan);
  if (args.output) writeFileSync(args.output, text);
  else io.out.write(text);
  return 0;
}
