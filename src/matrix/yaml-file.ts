/**
 * One matrix YAML file, parsed, with the line of any node, so that a problem can be reported as `file:line`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  const known = snapshotOf(src);
  if (known !== undefined) {
    // the YAML is parsed only if a problem needs its line
    let parsed: { doc: Document; lineCounter: LineCounter } | undefined;
    const lineOf = (path: readonly (string | number)[]): number => {
      parsed ??= parseYaml(src);
      return lineOfPath(parsed.doc, parsed.lineCounter, path);
    };
    return { ok: true, file: { display, data: structuredClone(known), lineOf } };
  }
  const { doc, lineCounter } = parseYaml(src);
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

/** The parse the matrix is read with; scripts/package.mjs snapshots files with the same options. */
export function parseYaml(src: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  return { doc: parseDocument(src, { lineCounter, uniqueKeys: true, prettyErrors: false }), lineCounter };
}

/**
 * The bundle carries the shipped matrix files already parsed (dist/matrix-snapshot.json, keyed by the SHA-256 of each
 * file's text): parsing 70 KB of YAML costs ~200 ms of a run's start-up, JSON ~1 ms. A file whose text differs from
 * the snapshot's (an edited or --matrix directory) is parsed as YAML. Absent under ts-jest: always parsed there.
 */
export const MATRIX_SNAPSHOT_FILE = 'matrix-snapshot.json';
let snapshot: Map<string, unknown> | null | undefined;

function snapshotOf(src: string): unknown {
  if (snapshot === undefined) snapshot = loadSnapshot();
  return snapshot?.get(createHash('sha256').update(src).digest('hex'));
}

function loadSnapshot(): Map<string, unknown> | null {
  try {
    const entries = JSON.parse(readFileSync(join(__dirname, MATRIX_SNAPSHOT_FILE), 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(entries));
  } catch {
    return null;
  }
}

function lineOfPath(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}
