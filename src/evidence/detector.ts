/**
 * What a detector is: an id, a version, the tar entries it needs a layer's analysis to keep (its interests, as
 * data), and how it turns the final filesystem and config into evidence. Everything else is derived from the
 * declarations in detectors.ts: the InterestFn the layer walker asks for every tar entry, and the fingerprint the
 * per-layer cache's version key is made of. Nothing here is bumped by hand but a detector's own `version`.
 */
import { createHash } from 'node:crypto';
import type { FileSystemView, Interest, InterestFn } from '../layers/types';
import type { Matrix } from '../matrix/types';
import type { ImageConfig } from '../sources/types';
import type { DetectorOutput } from './origin';
import { stableJson } from '../common/stable-json';

/** What every detector is handed: the matrix comes from here, never loaded by a detector itself. */
export interface DetectorContext {
  readonly config: ImageConfig;
  readonly view: FileSystemView;
  readonly matrix: Matrix;
}

export interface Detector {
  /** unique, kebab-case: "dpkg-status" */
  readonly id: string;
  /**
   * A positive integer: bump when what `detect` makes of the same files changes. It is hashed into the layer-cache
   * version together with the interests (which are hashed exactly, so changing them needs no bump).
   */
  readonly version: number;
  /** the tar entries this detector reads; [] for one that reads only the config */
  readonly interests: readonly PathInterest[];
  detect(ctx: DetectorContext): DetectorOutput;
}

/**
 * String tests on a tar entry (path normalised, no leading "/"; `name` is its last component): every test given must
 * hold. Asked for every entry of every layer, so plain string tests come first and a RegExp only for what gets
 * that far. Data, not code, so the cache version covers them exactly; what each field means is part of the layer
 * analysis (changing it is a LAYER_ANALYSIS_VERSION change).
 */
export interface EntryTest {
  /** the name is one of these */
  readonly name?: readonly string[];
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  /** the name contains this */
  readonly nameHas?: string;
  /** the name does not contain this */
  readonly nameLacks?: string;
  /** the name matches (no g or y flag) */
  readonly nameRe?: RegExp;
  /** the path starts with one of these */
  readonly pathPrefix?: readonly string[];
  /** the path contains this */
  readonly pathHas?: string;
  /** the path contains none of these */
  readonly pathLacks?: readonly string[];
  /** the entry's directory is named one of these ("bin" for usr/local/bin/x) */
  readonly dir?: readonly string[];
  /** the path matches */
  readonly pathRe?: RegExp;
  /** the path does not match */
  readonly pathNotRe?: RegExp;
}

/**
 * What is kept of a matching entry. Always its name (type, size, links); `content`: up to that many bytes of the body
 * as text (larger bodies cut, with a finding) — with `whole`, only bodies that fit are read, larger ones keep the
 * name only; `fatbinFrom`: bodies of at least that many bytes go through the fatbin scanner.
 */
export interface Keep {
  readonly content?: number;
  readonly whole?: boolean;
  readonly fatbinFrom?: number;
}

export interface PathInterest {
  /** what and why, for people (not hashed: rewording it keeps the cache) */
  readonly what: string;
  /** the entries this interest is about: those passing the test, or any one of a list of them */
  readonly select: EntryTest | readonly EntryTest[];
  /** of those, the ones kept; absent: all */
  readonly where?: EntryTest;
  /**
   * An entry a claiming interest selects belongs to the claiming interests alone: kept when one's `where` holds,
   * else dropped, never offered to the catch-all interests (usr/bin/pixi is pixi's env-record name in the wrong
   * place, not a binary to scan).
   */
  readonly claims?: boolean;
  readonly keep: Keep;
}

type Test = (path: string, name: string, slash: number) => boolean;

const TEST_FIELDS: readonly (keyof EntryTest)[] = [
  'name',
  'namePrefix',
  'nameSuffix',
  'nameHas',
  'nameLacks',
  'nameRe',
  'pathPrefix',
  'pathHas',
  'pathLacks',
  'dir',
  'pathRe',
  'pathNotRe',
];

/** The tests of `t` as one function, cheapest first. */
function compileTest(t: EntryTest | undefined): Test {
  if (!t) return () => true;
  const tests: Test[] = [];
  if (t.name) {
    const names = new Set(t.name);
    tests.push((_p, n) => names.has(n));
  }
  const { namePrefix, nameSuffix, nameHas, nameLacks, nameRe, pathPrefix, pathHas, pathLacks, dir, pathRe, pathNotRe } = t;
  if (namePrefix !== undefined) tests.push((_p, n) => n.startsWith(namePrefix));
  if (nameSuffix !== undefined) tests.push((_p, n) => n.endsWith(nameSuffix));
  if (nameHas !== undefined) tests.push((_p, n) => n.includes(nameHas));
  if (nameLacks !== undefined) tests.push((_p, n) => !n.includes(nameLacks));
  if (pathPrefix) {
    tests.push((p) => {
      for (const x of pathPrefix) if (p.startsWith(x)) return true;
      return false;
    });
  }
  if (dir) {
    // no allocation: "<d>/" ends at the last slash and starts the path or follows a "/"
    tests.push((p, _n, slash) => {
      for (const d of dir) {
        const at = slash - d.length;
        if (at >= 0 && p.startsWith(d, at) && (at === 0 || p.charCodeAt(at - 1) === 47)) return true;
      }
      return false;
    });
  }
  if (pathHas !== undefined) tests.push((p) => p.includes(pathHas));
  if (pathLacks) {
    tests.push((p) => {
      for (const x of pathLacks) if (p.includes(x)) return false;
      return true;
    });
  }
  if (nameRe) tests.push((_p, n) => nameRe.test(n));
  if (pathRe) tests.push((p) => pathRe.test(p));
  if (pathNotRe) tests.push((p) => !pathNotRe.test(p));
  return all(tests);
}

/** The conjunction of `tests`, as nested closures (cheaper than a loop over an array, per entry). */
function all(tests: readonly Test[]): Test {
  if (tests.length === 0) return () => true;
  return tests.reduce((a, b) => (p, n, slash) => a(p, n, slash) && b(p, n, slash));
}

function isList(select: EntryTest | readonly EntryTest[]): select is readonly EntryTest[] {
  return Array.isArray(select);
}

/** A select: one test, or the first of a list that passes. */
function compileSelect(select: EntryTest | readonly EntryTest[]): Test {
  if (!isList(select)) return compileTest(select);
  const tests = select.map(compileTest);
  return tests.reduce((a, b) => (p, n, slash) => a(p, n, slash) || b(p, n, slash));
}

/** `t` as a predicate on a path (for a detector picking its entries out of the view with its own interests' tests). */
export function pathTest(t: EntryTest | readonly EntryTest[]): (path: string) => boolean {
  const test = compileSelect(t);
  return (path) => {
    const slash = path.lastIndexOf('/');
    return test(path, path.slice(slash + 1), slash);
  };
}

/** `keep` as a function of the body's size, returning shared frozen objects. */
function compileKeep(keep: Keep): (size: number) => Interest {
  const name: Interest = Object.freeze({});
  const scan: Interest = Object.freeze({ scan: 'fatbin' });
  const { content, whole, fatbinFrom } = keep;
  if (content === undefined) return fatbinFrom === undefined ? () => name : (size) => (size >= fatbinFrom ? scan : name);
  const read: Interest = Object.freeze({ content });
  const readScan: Interest = Object.freeze({ content, scan: 'fatbin' });
  return (size) => {
    const reads = !whole || size <= content;
    const scans = fatbinFrom !== undefined && size >= fatbinFrom;
    return reads ? (scans ? readScan : read) : scans ? scan : name;
  };
}

/** Two interests in one entry: the larger read, and the scan if either asks. */
function merge(a: Interest | undefined, b: Interest): Interest {
  if (!a || a === b) return b;
  const content = a.content === undefined ? b.content : b.content === undefined ? a.content : Math.max(a.content, b.content);
  const out: Interest = {};
  if (content !== undefined) out.content = content;
  if (a.scan || b.scan) out.scan = 'fatbin';
  return out;
}

interface Compiled {
  select: Test;
  where: Test;
  /** select and where */
  both: Test;
  keep: (size: number) => Interest;
}

function isNameOnly(t: EntryTest): boolean {
  return TEST_FIELDS.every((f) => f === 'name' || t[f] === undefined);
}

/**
 * The InterestFn of a set of detectors. An entry one or more claiming interests select gets what those whose `where`
 * holds want; any other entry, what the catch-all interests that select it (and whose `where` holds) want. Several
 * wants merge (largest read, scan if any asks), so the order of detectors and interests does not matter.
 */
export function interestFnOf(detectors: readonly Detector[]): InterestFn {
  checkDetectors(detectors);
  const byName = new Map<string, Compiled[]>();
  const claims: Compiled[] = [];
  const shared: Compiled[] = [];
  const seen = new Set<PathInterest>();
  for (const d of detectors) {
    for (const i of d.interests) {
      if (seen.has(i)) continue; // one interest object declared by two detectors (a shared file) counts once
      seen.add(i);
      const select = compileSelect(i.select);
      const where = compileTest(i.where);
      const c: Compiled = { select, where, both: i.where ? all([select, where]) : select, keep: compileKeep(i.keep) };
      if (!i.claims) shared.push(c);
      else if (!isList(i.select) && i.select.name && isNameOnly(i.select)) {
        for (const n of i.select.name) byName.set(n, [...(byName.get(n) ?? []), c]);
      } else claims.push(c);
    }
  }
  // most names start with a letter no claimed name starts with: skip hashing them
  const firstChars = new Set([...byName.keys()].map((n) => n.charCodeAt(0)));
  return (path: string, size: number): Interest | undefined => {
    const slash = path.lastIndexOf('/');
    const name = slash < 0 ? path : path.slice(slash + 1);
    let claimed = false;
    let out: Interest | undefined;
    const named = firstChars.has(name.charCodeAt(0)) ? byName.get(name) : undefined;
    if (named) {
      claimed = true;
      for (const c of named) if (c.where(path, name, slash)) out = merge(out, c.keep(size));
    }
    for (const c of claims) {
      if (!c.select(path, name, slash)) continue;
      claimed = true;
      if (c.where(path, name, slash)) out = merge(out, c.keep(size));
    }
    if (claimed) return out;
    for (const c of shared) if (c.both(path, name, slash)) out = merge(out, c.keep(size));
    return out;
  };
}

const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function isCount(n: unknown, min: number): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
}

function testProblems(t: EntryTest | undefined, where: string): string[] {
  if (t === undefined) return [];
  const out: string[] = [];
  for (const key of Object.keys(t)) if (!TEST_FIELDS.includes(key as keyof EntryTest)) out.push(`${where}: unknown test "${key}"`);
  for (const re of [t.nameRe, t.pathRe, t.pathNotRe]) {
    if (re && /[gy]/.test(re.flags)) out.push(`${where}: /${re.source}/${re.flags} keeps state between calls (g or y flag)`);
  }
  return out;
}

/** Declaration errors: ids unique and kebab-case, versions positive integers, interests well formed. */
export function detectorProblems(detectors: readonly Detector[]): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  for (const d of detectors) {
    if (typeof d.id !== 'string' || !ID.test(d.id)) out.push(`detector id ${JSON.stringify(d.id)} is not kebab-case`);
    if (ids.has(d.id)) out.push(`detector id "${d.id}" is declared twice`);
    ids.add(d.id);
    if (!isCount(d.version, 1)) out.push(`${d.id}: version ${JSON.stringify(d.version)} is not a positive integer`);
    if (!Array.isArray(d.interests)) out.push(`${d.id}: interests is not a list`);
    if (typeof d.detect !== 'function') out.push(`${d.id}: detect is not a function`);
    const interests: readonly PathInterest[] = Array.isArray(d.interests) ? d.interests : [];
    for (const [n, i] of interests.entries()) {
      const at = `${d.id} interest ${n} (${i.what})`;
      if (!i.what) out.push(`${at}: says not what it is for`);
      const selects: readonly EntryTest[] = i.select === undefined ? [] : isList(i.select) ? i.select : [i.select];
      if (!selects.length || selects.some((t) => TEST_FIELDS.every((f) => t[f] === undefined))) out.push(`${at}: selects every entry`);
      for (const t of selects) out.push(...testProblems(t, at));
      out.push(...testProblems(i.where, at));
      const k = i.keep ?? {};
      if (k.content !== undefined && !isCount(k.content, 1)) out.push(`${at}: content cap ${k.content} is not a positive integer`);
      if (k.fatbinFrom !== undefined && !isCount(k.fatbinFrom, 0)) out.push(`${at}: fatbinFrom ${k.fatbinFrom} is not a byte count`);
      if (k.whole && k.content === undefined) out.push(`${at}: whole without a content cap`);
    }
  }
  return out;
}

export function checkDetectors(detectors: readonly Detector[]): void {
  const problems = detectorProblems(detectors);
  if (problems.length) throw new Error(`bad detector declarations:\n${problems.join('\n')}`);
}

function regexText(re: RegExp | undefined): string | undefined {
  return re && `/${re.source}/${re.flags}`;
}

function testData(t: EntryTest | undefined): Record<string, unknown> | undefined {
  if (!t) return undefined;
  return { ...t, nameRe: regexText(t.nameRe), pathRe: regexText(t.pathRe), pathNotRe: regexText(t.pathNotRe) };
}

/**
 * Everything in the declarations that decides what a layer's analysis keeps — each detector's id, version and
 * interests (tests, claims, caps) — hashed. Not the descriptions, not `detect`, not the order of the list (the
 * interests merge regardless of order). The per-layer cache's version key is made of it and the walker's version.
 */
export function detectorFingerprint(detectors: readonly Detector[]): string {
  const data = [...detectors]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((d) => ({
      id: d.id,
      version: d.version,
      interests: d.interests.map((i) => ({
        select: isList(i.select) ? i.select.map(testData) : testData(i.select),
        where: testData(i.where),
        claims: i.claims === true,
        keep: { ...i.keep, whole: i.keep.whole === true },
      })),
    }));
  return createHash('sha256').update(stableJson(data)).digest('hex');
}
