/**
 * The first minutes with the CLI: --help for the tool and each command (stdout, exit 0), --version, and a mistyped
 * flag or command answered with the closest one (one line, exit 2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closest, commandFlags, commandHelp, editDistance, mainHelp, type CommandName } from '../../src/cli/help';
import { TOOL_VERSION } from '../../src/model/tool-version';
import { runCli } from './run-cli';

const COMMANDS: CommandName[] = ['check', 'probe', 'merge', 'plan'];

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, line: RegExp | string) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

describe('help', () => {
  test.each([[[]], [['--help']], [['-h']], [['help']]])('cuda-gate %j prints the commands, the flags and an example on stdout, exit 0', async (...argv) => {
    const r = await runCli(...(argv[0] as string[]));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^cuda-gate \S+: /);
    expect(r.stdout).toMatch(/^usage: cuda-gate check SOURCE\.\.\. /m);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^ +cuda-gate ${c} `, 'm'));
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.stdout).toContain('--version');
    expect(r.stdout).toMatch(/^examples:\n {2}cuda-gate check /m);
  });

  test.each(
    COMMANDS.flatMap((c) => [
      [c, '--help'],
      [c, '-h'],
      ['help', c],
    ]),
  )('cuda-gate %s %s: the synopsis, every flag on a line, an example; exit 0', async (a, b) => {
    const command = (a === 'help' ? b : a) as CommandName;
    const r = await runCli(a, b);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^usage: cuda-gate ${command}\\b`));
    for (const f of commandFlags(command)) expect(r.stdout).toMatch(new RegExp(`^ {2}(-${f.short}, | {4})--${f.name}\\b`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^examples:\\n  .*cuda-gate ${command} `, 'm'));
  });

  test('--help wins over everything else on the line, up to --', async () => {
    const r = await runCli('check', 'docker-archive:nope.tar', '--driver', '12.4', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cuda-gate check/);
    // after -- it is a SOURCE
    expect((await runCli('check', '--driver', '550.54.15', '--', '--help')).stdout).toBe('');
  });

  test('--version prints the version', async () => {
    const r = await runCli('--version');
    expect(r).toEqual({ code: 0, stdout: `cuda-gate ${TOOL_VERSION}\n`, stderr: '' });
  });

  test("README's CLI section shows the help as it is", () => {
    // the version line aside: a release bumps it without a README change
    const anyVersion = (text: string) => text.replace(/^cuda-gate \S+: /gm, 'cuda-gate VERSION: ');
    const readme = anyVersion(readFileSync(join(__dirname, '../../README.md'), 'utf8'));
    expect(readme).toContain(`\n\`\`\`\n${anyVersion(mainHelp())}\`\`\`\n`);
    expect(readme).toContain(`\n\`\`\`\n${commandHelp('check')}\`\`\`\n`);
  });

  // the parsers stay the authority on what is accepted: every flag the help lists, each parser accepts, and every
  // option a parser declares, the help lists
  test.each(COMMANDS)('the help of %s lists exactly the flags its parser declares', (command) => {
    const file = { check: 'args.ts', probe: 'args.ts', merge: 'merge.ts', plan: 'plan.ts' }[command];
    const text = readFileSync(join(__dirname, '../../src/cli', file), 'utf8');
    const blocks = [...text.matchAll(/options: \{([\s\S]*?)\n?\s*\},?\n?\s*\}\)/g)].map((m) => m[1]);
    // args.ts: check's parseArgs first, probe's second
    const block = command === 'probe' ? blocks[1] : blocks[0];
    const declared = [...block.matchAll(/'?([a-z][a-z-]*)'?: \{ type: '(string|boolean)'(?:, short: '(\w)')?/g)].map((m) => ({
      name: m[1],
      value: m[2] === 'string',
      short: m[3],
    }));
    expect(declared.length).toBeGreaterThan(0);
    const documented = commandFlags(command).map((f) => ({ name: f.name, value: f.value !== undefined, short: f.short }));
    expect(documented.sort((a, b) => a.name.localeCompare(b.name))).toEqual(declared.sort((a, b) => a.name.localeCompare(b.name)));
  });
});

describe('mistyped flags', () => {
  const SRC = 'docker-archive:app.tar';
  test.each([
    [['check', SRC, '--drivers', '550.54.15'], 'unknown flag --drivers: did you mean --driver?'],
    [['check', SRC, '--target', 'targets.yml'], 'unknown flag --target: did you mean --targets?'],
    [['check', SRC, '-driver', '550.54.15'], 'unknown flag -driver: did you mean --driver?'],
    [['check', SRC, '--outptu', 'r.json'], 'unknown flag --outptu: did you mean --output?'],
    [['check', SRC, '--drivers=550.54.15'], 'unknown flag --drivers: did you mean --driver?'],
    [['check', SRC, '--fail-onn', 'caveat'], 'unknown flag --fail-onn: did you mean --fail-on?'],
    [['check', SRC, '--cache', 'x'], 'unknown flag --cache: did you mean --cache-dir?'],
    [['probe', '--fromat', 'json'], 'unknown flag --fromat: did you mean --format?'],
    [['merge', 'a.json', '--otuput', 'm.json'], 'unknown flag --otuput: did you mean --output?'],
    [['plan', '--tagrets', 'k8s:nodes.json'], 'unknown flag --tagrets: did you mean --targets?'],
  ])('%j: %s', async (argv, line) => {
    expectOneLineError(await runCli(...argv), `cuda-gate: error: ${line}`);
  });

  test('an unknown flag with nothing close lists the flags', async () => {
    const r = await runCli('check', SRC, '--verbose');
    expectOneLineError(
      r,
      /^cuda-gate: error: unknown flag --verbose for cuda-gate check \(its flags: --targets, --driver, .*--matrix-overrides.*; cuda-gate check --help says/,
    );
  });

  test('several flags equally close are all named', async () => {
    expectOneLineError(await runCli('check', SRC, '--fo', 'x'), 'cuda-gate: error: unknown flag --fo: did you mean --forward-compat or --format?');
  });

  test.each([
    [['check', SRC, '--driver'], 'cuda-gate: error: --driver needs a value (e.g. --driver 550.54.15)'],
    [['check', SRC, '-o'], 'cuda-gate: error: --output needs a value (e.g. --output report.json)'],
    [['check', SRC, '--driver', '--gpu', 'A100'], 'cuda-gate: error: --driver needs a value, not the flag --gpu (e.g. --driver 550.54.15)'],
    [['merge', 'a.json', '--format'], 'cuda-gate: error: --format needs a value (e.g. --format markdown)'],
    [['check', SRC, '--quiet=yes'], 'cuda-gate: error: --quiet takes no value (write --quiet alone)'],
  ])('a flag without its value names the flag: %j', async (argv, line) => {
    expectOneLineError(await runCli(...argv), line);
  });

  test('a mistyped command gets the closest; a flag first says the command is missing', async () => {
    expectOneLineError(
      await runCli('chekc', SRC),
      /^cuda-gate: error: unknown command "chekc": did you mean check\? \(the commands: check, probe, merge, plan/,
    );
    expectOneLineError(await runCli('--driver', '550.54.15', SRC), /^cuda-gate: error: no command before --driver \(the command comes first/);
  });

  test('edit distance counts a swap of neighbours as one edit', () => {
    expect(editDistance('outptu', 'output')).toBe(1);
    expect(editDistance('drivers', 'driver')).toBe(1);
    expect(editDistance('gup', 'gpu')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closest('xyz', ['driver', 'gpu'])).toEqual([]);
    // a 1-letter word is within 2 edits of every short name: only what it begins counts
    expect(closest('g', ['gpu', 'jobs'])).toEqual([]);
    expect(closest('jo', ['gpu', 'jobs'])).toEqual(['jobs']);
  });
});
