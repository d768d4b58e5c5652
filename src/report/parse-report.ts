/**
 * Reads a JSON report back (cuda-gate merge, the action's aggregate mode) and checks it follows the contract
 * before anything renders it: a wrong file fails with its name and the field at fault, never with a stack trace or a
 * half-rendered table. REPORT_SCHEMA holds what the merge and the renderers rely on; fields it does not name (added
 * later) are not checked, and the report comes back as it was read, with them.
 */
import { z } from 'zod';
import { GateError, messageOf } from '../common/errors';
import { formatPath, parseWithSchema, say } from '../common/schema-error';
import { FAIL_ON_VALUES, NO_CUDA_VALUES } from '../model/policy';
import { VERDICTS } from '../model/verdict';
import type { Report } from './types';

const HINT = "give the JSON report a cuda-gate check wrote (--format json, or the action's report-path) with schemaVersion 1";

type Kind = 'a string' | 'a boolean' | 'an object' | 'an array';
type Path = readonly PropertyKey[] | undefined;
const at = (path: Path): string => formatPath(path ?? []);

/** `targets[0].driver is missing (expected a string)`, `images has the wrong type (expected an array)` */
const typed = (kind: Kind) => (iss: { path?: PropertyKey[]; input?: unknown }) =>
  say(`${at(iss.path)} ${iss.input === undefined ? 'is missing' : 'has the wrong type'} (expected ${kind})`);

const text = z.string({ error: typed('a string') });
const flag = z.boolean({ error: typed('a boolean') });
const object = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: typed('an object') });
/** an object whatever its fields */
const anyObject = z.looseObject({}, { error: typed('an object') });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: typed('an array') });
/** an element of a list: `results[2] is not an object` */
const item = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: (iss) => say(`${at(iss.path)} is not an object`) });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => say(`${at(iss.path)} is ${JSON.stringify(iss.input)}, not one of ${values.join(', ')}`) });

export const REPORT_SCHEMA = z
  .object(
    {
      schemaVersion: z.literal(1, {
        error: (iss) =>
          say(
            typeof iss.input === 'number'
              ? `schemaVersion ${iss.input}, and this cuda-gate reads schemaVersion 1 (use the cuda-gate that wrote it)`
              : 'schemaVersion is missing',
          ),
      }),
      tool: object({
        name: z.literal('cuda-gate', { error: (iss) => say(`tool.name is ${JSON.stringify(iss.input)}, not "cuda-gate"`) }),
        version: text,
      }),
      matrix: object({
        version: text,
        date: text,
        overrides: list(item({ file: text, table: text, id: text, source: text, action: oneOf(['added', 'replaced']) })).optional(),
      }),
      policy: object({ failOn: oneOf(FAIL_ON_VALUES), noCuda: oneOf(NO_CUDA_VALUES) }),
      targets: list(item({ name: text, driver: text, cuda: text, forwardCompat: flag, os: text, gpu: anyObject.optional() })),
      images: list(
        item({
          source: text,
          ref: text,
          platform: text,
          digest: text.optional(),
          cuda: anyObject.nullable(),
          requirement: object({ majors: list(z.unknown()), needs: list(z.unknown()), require: list(z.unknown()), minDriver: text.optional() }),
          evidence: list(z.unknown()),
          findings: list(z.unknown()),
          layers: list(z.unknown()),
        }),
      ),
      results: list(
        item({
          image: text,
          target: text,
          verdict: oneOf(VERDICTS),
          reasons: list(item({ code: text, message: text, verdict: oneOf(VERDICTS) })),
        }),
      ),
      summary: object({ verdict: oneOf(VERDICTS) }),
      changes: list(z.unknown()).optional(),
      notes: list(z.unknown()).optional(),
    },
    { error: () => say('expected a JSON object') },
  )
  .superRefine((report, ctx) => {
    // every result names an image and a target of the same report
    const sources = new Set(report.images.map((i) => i.source));
    const targets = new Set(report.targets.map((t) => t.name));
    report.results.forEach((r, i) => {
      if (!sources.has(r.image))
        ctx.addIssue({ code: 'custom', path: ['results', i, 'image'], message: say(`results[${i}].image "${r.image}" is not one of the report's images`) });
      if (!targets.has(r.target))
        ctx.addIssue({ code: 'custom', path: ['results', i, 'target'], message: say(`results[${i}].target "${r.target}" is not one of the report's targets`) });
    });
  });

/** What the schema checks is part of what the engine writes: a Report is always a valid input of the schema. */
type SchemaCovers<T extends z.input<typeof REPORT_SCHEMA>> = T;
export type CheckedReport = SchemaCovers<Report>;

/** Parses and checks one report; `name` (a path, or artifact/path) is what every error message names. */
export function parseReport(text: string, name: string): Report {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new GateError('BAD_REPORT', `${name} is not JSON: ${messageOf(e)}`, HINT);
  }
  parseWithSchema(REPORT_SCHEMA, doc, { what: `${name} is not a cuda-gate report`, code: 'BAD_REPORT', fix: HINT });
  // checked: the report as it was written, with the fields the schema does not name (zod's copy drops them)
  return doc as Report;
}
