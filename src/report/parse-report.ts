/**
 * Reads a JSON report back (cuda-gate merge, the action's aggregate mode) and checks it follows the contract
 * before anything renders it: a wrong file fails with its name and the field at fault, never with a stack trace or a
 * half-rendered table. Checks what the merge and the renderers rely on; fields added later pass through untouched.
 */
import { GateError, messageOf } from '../common/errors';
import type { Report } from './types';

const VERDICTS = ['pass', 'caveat', 'fail'];
const FAIL_ON = ['fail', 'caveat', 'never'];
const NO_CUDA = ['pass', 'warn', 'fail'];

const HINT = 'give the JSON report a cuda-gate check wrote (--format json, or the action\'s report-path) with schemaVersion 1';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and checks one report; `name` (a path, or artifact/path) is what every error message names. */
export function parseReport(text: string, name: string): Report {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new GateError('BAD_REPORT', `${name} is not JSON: ${messageOf(e)}`, HINT);
  }
  const bad = (what: string): never => {
    throw new GateError('BAD_REPORT', `${name} is not a cuda-gate report: ${what}`, HINT);
  };
  if (!isObject(doc)) return bad('expected a JSON object');
  if (doc.schemaVersion !== 1) {
    return typeof doc.schemaVersion === 'number'
      ? bad(`schemaVersion ${doc.schemaVersion}, and this cuda-gate reads schemaVersion 1 (use the cuda-gate that wrote it)`)
      : bad('schemaVersion is missing');
  }

  const field = (obj: Json, key: string, path: string, type: 'string' | 'boolean' | 'object' | 'array', optional = false): unknown => {
    const v = obj[key];
    if (v === undefined && optional) return v;
    const ok = type === 'array' ? Array.isArray(v) : type === 'object' ? isObject(v) : typeof v === type;
    if (!ok) bad(`${path}${key} ${v === undefined ? 'is missing' : 'has the wrong type'} (expected ${type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`})`);
    return v;
  };
  const oneOf = (obj: Json, key: string, path: string, allowed: string[]): void => {
    if (!allowed.includes(obj[key] as string)) bad(`${path}${key} is ${JSON.stringify(obj[key])}, not one of ${allowed.join(', ')}`);
  };
  const each = (list: unknown[], path: string, check: (item: Json, at: string) => void): void => {
    list.forEach((item, i) => {
      const at = `${path}[${i}].`;
      if (!isObject(item)) bad(`${path}[${i}] is not an object`);
      check(item as Json, at);
    });
  };

  const tool = field(doc, 'tool', '', 'object') as Json;
  if (tool.name !== 'cuda-gate') bad(`tool.name is ${JSON.stringify(tool.name)}, not "cuda-gate"`);
  field(tool, 'version', 'tool.', 'string');
  const matrix = field(doc, 'matrix', '', 'object') as Json;
  field(matrix, 'version', 'matrix.', 'string');
  field(matrix, 'date', 'matrix.', 'string');
  const overrides = field(matrix, 'overrides', 'matrix.', 'array', true) as unknown[] | undefined;
  each(overrides ?? [], 'matrix.overrides', (o, at) => {
    for (const key of ['file', 'table', 'id', 'source']) field(o, key, at, 'string');
    oneOf(o, 'action', at, ['added', 'replaced']);
  });
  const policy = field(doc, 'policy', '', 'object') as Json;
  oneOf(policy, 'failOn', 'policy.', FAIL_ON);
  oneOf(policy, 'noCuda', 'policy.', NO_CUDA);

  const targetNames = new Set<string>();
  each(field(doc, 'targets', '', 'array') as unknown[], 'targets', (t, at) => {
    targetNames.add(field(t, 'name', at, 'string') as string);
    field(t, 'driver', at, 'string');
    field(t, 'cuda', at, 'string');
    field(t, 'forwardCompat', at, 'boolean');
    field(t, 'os', at, 'string');
    field(t, 'gpu', at, 'object', true);
  });

  const sources = new Set<string>();
  each(field(doc, 'images', '', 'array') as unknown[], 'images', (img, at) => {
    sources.add(field(img, 'source', at, 'string') as string);
    field(img, 'ref', at, 'string');
    field(img, 'platform', at, 'string');
    field(img, 'digest', at, 'string', true);
    if (img.cuda !== null) field(img, 'cuda', at, 'object');
    const req = field(img, 'requirement', at, 'object') as Json;
    field(req, 'majors', `${at}requirement.`, 'array');
    field(req, 'needs', `${at}requirement.`, 'array');
    field(req, 'require', `${at}requirement.`, 'array');
    field(req, 'minDriver', `${at}requirement.`, 'string', true);
    field(img, 'evidence', at, 'array');
    field(img, 'findings', at, 'array');
    field(img, 'layers', at, 'array');
  });

  each(field(doc, 'results', '', 'array') as unknown[], 'results', (r, at) => {
    const image = field(r, 'image', at, 'string') as string;
    const target = field(r, 'target', at, 'string') as string;
    if (!sources.has(image)) bad(`${at}image "${image}" is not one of the report's images`);
    if (!targetNames.has(target)) bad(`${at}target "${target}" is not one of the report's targets`);
    oneOf(r, 'verdict', at, VERDICTS);
    each(field(r, 'reasons', at, 'array') as unknown[], `${at}reasons`, (reason, rat) => {
      field(reason, 'code', rat, 'string');
      field(reason, 'message', rat, 'string');
      oneOf(reason, 'verdict', rat, VERDICTS);
    });
  });

  const summary = field(doc, 'summary', '', 'object') as Json;
  oneOf(summary, 'verdict', 'summary.', VERDICTS);
  field(doc, 'changes', '', 'array', true);
  field(doc, 'notes', '', 'array', true);
  return doc as unknown as Report;
}
