/**
 * Skips that say why. A test or block skipped here carries its reason in its title — `name [skipped: why]` — and
 * scripts/jest-skip-reporter.cjs lists every skipped test of a run with that reason and its file, so nothing is skipped
 * silently. Use these instead of `cond ? test : test.skip`; a skipped test without a reason is listed as such.
 */

const MARK = ' [skipped: ';

/** The title of a skipped test or block: the reporter reads `why` back from it. */
export function skippedTitle(name: string, why: string): string {
  return `${name}${MARK}${why}]`;
}

/** `why` inside a `test.each` title, where `%` starts a printf placeholder. */
const eachSafe = (why: string) => why.replace(/%/g, '%%');

export interface MaybeTest {
  (name: string, fn: jest.ProvidesCallback, timeout?: number): void;
  each: jest.Each;
}

/** `test` unless `why` says what is missing; then every test declared through it is skipped with that reason. */
export function testUnless(why: string | undefined): MaybeTest {
  if (why === undefined) return test;
  const skipped = (name: string, fn: jest.ProvidesCallback, timeout?: number) => test.skip(skippedTitle(name, why), fn, timeout);
  // test.each(table)(name, fn) and the tagged-template form: the table goes to test.skip.each, the reason into the name
  const each = ((...table: unknown[]) => {
    const declare = (test.skip.each as (...t: unknown[]) => (name: string, fn: unknown, timeout?: number) => void)(...table);
    return (name: string, fn: unknown, timeout?: number) => declare(skippedTitle(name, eachSafe(why)), fn, timeout);
  }) as unknown as jest.Each;
  return Object.assign(skipped, { each });
}

/** `test` when `run`; otherwise a skipped test whose title ends in `[skipped: why]`. */
export function testIf(run: boolean, why: string): MaybeTest {
  return testUnless(run ? undefined : why);
}

/** `describe` unless `why` says what is missing; then the block (every test in it) is skipped with that reason. */
export function describeUnless(why: string | undefined, name: string, fn: () => void): void {
  if (why === undefined) describe(name, fn);
  else describe.skip(skippedTitle(name, why), fn);
}

/**
 * `describe` when `run`; otherwise the block is skipped with `why`. A block whose tests come from a list that is empty
 * where the tool is missing must still declare one (e.g. `test.each(list.length ? list : ['none'])`): a block without
 * tests reports nothing, skipped or not.
 */
export function describeIf(run: boolean, why: string): (name: string, fn: () => void) => void {
  return (name, fn) => describeUnless(run ? undefined : why, name, fn);
}

/**
 * Where only PART of a test needs a tool (the test runs; one comparison or one file is left out), declares a skipped
 * test naming the part left out, so the run's list of skips shows it. Nothing is declared when `run`.
 */
export function partSkippedUnless(run: boolean, what: string, why: string): void {
  if (!run) test.skip(skippedTitle(what, why), () => undefined);
}
