/**
 * Jest reporter (jest.config.js `reporters`): at the end of a run, one line per skipped test — its file, its name and
 * why it was skipped — and a count per reason, so nothing is skipped silently. The reason is what
 * __tests__/helpers/skip.ts puts in the title of a skipped test or block: `name [skipped: why]`. A skipped test
 * without one is listed as having no reason (use testIf / describeIf / testUnless / describeUnless from that helper);
 * tests left out by -t / --testNamePattern are only counted.
 */
const { relative } = require('node:path');

const MARK = ' [skipped: ';
const SKIPPED = new Set(['pending', 'skipped', 'disabled', 'todo']);
const NO_REASON = 'no reason given (skip with testIf/describeIf from __tests__/helpers/skip.ts)';

/** The reason in `title` and the title without it, or undefined when it carries none. */
function reasonIn(title) {
  const at = title.lastIndexOf(MARK);
  if (at < 0 || !title.endsWith(']')) return undefined;
  return { why: title.slice(at + MARK.length, -1), bare: title.slice(0, at) };
}

/** Why the test was skipped (the innermost reason: its own title's, else its blocks'), and its full name without reasons. */
function explain(test) {
  let why;
  const names = [...test.ancestorTitles, test.title].map((title) => {
    const r = reasonIn(title);
    if (!r) return title;
    why = r.why;
    return r.bare;
  });
  return { why, name: names.join(' › ') };
}

const short = (text) => (text.length > 120 ? `${text.slice(0, 119)}…` : text);

class SkipReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(_contexts, results) {
    const filtered = Boolean(this.globalConfig.testNamePattern);
    const lines = [];
    const byReason = new Map();
    let notSelected = 0;
    // files in name order, tests in the order jest ran them
    const files = [...results.testResults].sort((a, b) => (a.testFilePath < b.testFilePath ? -1 : a.testFilePath > b.testFilePath ? 1 : 0));
    for (const file of files) {
      const path = relative(this.globalConfig.rootDir, file.testFilePath);
      for (const test of file.testResults) {
        if (!SKIPPED.has(test.status)) continue;
        const { why, name } = explain(test);
        if (why === undefined && filtered && test.status !== 'todo') {
          notSelected++;
          continue;
        }
        const reason = test.status === 'todo' ? 'todo' : (why ?? NO_REASON);
        lines.push(`  ${path}: ${name} — ${reason}`);
        byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      }
    }
    const out = [''];
    if (lines.length === 0) out.push('Skipped tests: none.');
    else {
      out.push(`Skipped tests: ${lines.length}, each with why (scripts/jest-skip-reporter.cjs):`, ...lines);
      // the same, counted per reason (the first 120 characters of each)
      out.push(`Skipped tests by reason:`);
      for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(4)} × ${short(reason)}`);
    }
    if (notSelected > 0) out.push(`(and ${notSelected} not selected by --testNamePattern)`);
    process.stderr.write(`${out.join('\n')}\n`);
  }
}

module.exports = SkipReporter;
