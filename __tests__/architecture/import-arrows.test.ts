/**
 * The arrows as a test: data flows one way, source → layers → evidence → requirement → verdict → report, and a
 * stage imports only from the stages before it (plus the shared vocabulary and the matrix). Nothing below the
 * shells imports engine/, action/ or cli/. Reads every import of every file under src/ (static `from '…'`,
 * `import('…')` and `require('…')`), so a new file or folder is checked without touching this test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

/** Which top-level folders each folder may import from (besides itself). */
const FOUNDATION = ['model', 'common'];
const ALLOWED: Record<string, readonly string[]> = {
  model: [],
  common: ['model'],
  matrix: [...FOUNDATION],
  tar: [...FOUNDATION],
  sources: [...FOUNDATION, 'tar'],
  layers: [...FOUNDATION, 'tar', 'sources'],
  evidence: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers'],
  requirement: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence'],
  verdict: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence', 'requirement'],
  report: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence', 'requirement', 'verdict'],
  // inputs at the edge: what a target is comes from model/, the GPU catalogue from matrix/
  targets: [...FOUNDATION, 'matrix'],
  // fleet planning (cuda-gate plan, node affinity): what targets can run, from the matrix alone — no image stages
  plan: [...FOUNDATION, 'matrix', 'targets'],
  // the layer cache stores per-layer analyses: it sits beside the layer reader, below evidence
  cache: [...FOUNDATION, 'tar', 'sources', 'layers', 'evidence'],
  engine: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence', 'requirement', 'verdict', 'report', 'targets', 'cache'],
  action: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence', 'requirement', 'verdict', 'report', 'targets', 'plan', 'cache', 'engine'],
  cli: [...FOUNDATION, 'matrix', 'tar', 'sources', 'layers', 'evidence', 'requirement', 'verdict', 'report', 'targets', 'plan', 'cache', 'engine'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]*)['"]/gm;

interface Edge {
  file: string;
  from: string;
  to: string;
  spec: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of tsFiles(SRC)) {
    const rel = relative(SRC, file);
    const from = rel.split('/')[0];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = relative(SRC, normalize(join(dirname(file), m[1])));
      const to = target.split('/')[0];
      if (to !== from) out.push({ file: rel, from, to, spec: m[1] });
    }
  }
  return out;
}

describe('import arrows', () => {
  const all = edges();

  test('every folder under src/ has a place in the arrows', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  test('no import points against source → layers → evidence → requirement → verdict → report, or into the shells', () => {
    const wrong = all.filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to)).map((e) => `${e.file} imports ${e.spec} (${e.from} → ${e.to})`);
    expect(wrong).toEqual([]);
  });

  test('the test sees the imports it judges (a known arrow is found)', () => {
    expect(all.some((e) => e.from === 'verdict' && e.to === 'requirement')).toBe(true);
  });

  test('an import against the arrows would be caught', () => {
    const bad: Edge = { file: 'layers/x.ts', from: 'layers', to: 'verdict', spec: '../verdict/judge' };
    expect(ALLOWED[bad.from].includes(bad.to)).toBe(false);
    for (const stage of ['sources', 'layers', 'evidence', 'requirement', 'verdict', 'report', 'matrix', 'targets', 'plan']) {
      for (const shell of ['engine', 'action', 'cli']) expect(ALLOWED[stage].includes(shell)).toBe(false);
    }
  });
});
