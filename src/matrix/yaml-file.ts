/**
 * One matrix YAML file, parsed, with the line of any node, so that a problem can be reported as `file:line`.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { messageOf } from '../common/errors';

export interface YamlFile {
  /** the path as shown in messages */
  display: string;
  data: unknown;
  /** 1-based line of the node at `path` (or of its nearest existing parent) */
  lineOf(path: readonly (string | number)[]): number;
}

export type YamlResult = { ok: true; file: YamlFile } | { ok: false; problem: string };

export function readYamlFile(absPath: string, display: string): YamlResult {
  let src: string;
  try {
    src = readFileSync(absPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === 'ENOENT' ? `${display}: file not found` : `${display}: ${messageOf(e)}` };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(src, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = lineCounter.linePos(err.pos[0]).line;
    return { ok: false, problem: `${display}:${line}: YAML syntax error: ${err.message.split('\n')[0]}` };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    return { ok: false, problem: `${display}: ${messageOf(e)}` };
  }
  return { ok: true, file: { display, data, lineOf: (path) => lineOfPath(doc, lineCounter, path) } };
}

function lineOfPath(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}
