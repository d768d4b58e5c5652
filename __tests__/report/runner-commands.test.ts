/**
 * In a `run:` step the GitHub Actions runner reads what the CLI prints and executes workflow commands in it
 * (`::error::…`, `::add-mask::…` at a line's start after its whitespace; `##[error]…` anywhere). Image strings are
 * the pull request's: wherever the text renderer wraps them, and whatever the stderr line quotes, no line the CLI
 * prints may be one — and `merge` renders strings read from report files the same way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inertToRunner } from '../../src/common/control-chars';
import { renderReport } from '../../src/cli/merge';
import { renderMarkdown } from '../../src/report/markdown';
import { renderText } from '../../src/report/text';
import type { Report } from '../../src/report/types';
import { runCli } from '../cli/run-cli';
import { runnerCommandLines } from '../helpers/runner-commands';
import { tempDir } from '../helpers/tmp';
import { image, report, target } from './merge-fixtures';

const COMMANDS = [' ::error::pwned', '::add-mask::secret', '::stop-commands::tok', '##[error]legacy', '\u3000::warning::wide-space', '\t::notice::tab'];

/** A failing report whose image path and reason carry `hostile`, `pad` characters in, so wrapping cuts around it. */
function hostileReport(hostile: string, pad: number): Report {
  const words = 'word '.repeat(Math.ceil(pad / 5)).slice(0, pad);
  const src = `oci:/layouts/${words.replace(/ /g, '_')}${hostile}:tag`;
  const r = report([image(src)], [target(`edge${hostile}`, '470.82.01')], { [`${src} edge${hostile}`]: 'fail' });
  r.results[0].reasons[0].message = `needs driver 550 ${words}${hostile} ${words}${hostile}${hostile} in ${src}`;
  r.results[0].reasons[0].remedy = `${words}${hostile}`;
  r.notes = [`${words}${hostile}`];
  return r;
}

describe('no line of the text report is a workflow command, wherever the wrap falls', () => {
  test.each(COMMANDS)('%j', (hostile) => {
    let atLineStart = 0;
    for (let pad = 0; pad <= 230; pad++) {
      const text = renderText(hostileReport(hostile, pad));
      expect(runnerCommandLines(text)).toEqual([]);
      atLineStart += text.split('\n').filter((l) => /^\s*:\\x3a/.test(l)).length;
    }
    // the wrap did put the attacker's word first on a line (so without the guard the lines above would be commands)
    if (!hostile.startsWith('##')) expect(atLineStart).toBeGreaterThan(0);
  });

  test('the guard is what stops them: the same text unguarded has command lines', () => {
    const text = renderText(hostileReport(' ::error::pwned', 100));
    const unguarded = text.replace(/:\\x3a/g, '::').replace(/#\\x23\[/g, '##[');
    expect(runnerCommandLines(unguarded).length).toBeGreaterThan(0);
  });

  test('every format of the CLI, JSON too (a "##[" inside a JSON string is still read by the runner)', () => {
    const r = hostileReport(COMMANDS.join(' '), 40);
    for (const format of ['text', 'markdown', 'json'] as const) expect(runnerCommandLines(renderReport(r, format))).toEqual([]);
    // JSON keeps its meaning
    expect(JSON.parse(renderReport(r, 'json'))).toEqual(JSON.parse(JSON.stringify(r)));
  });

  test('inertToRunner leaves text without commands as it was', () => {
    const plain = 'cuda-gate 1.0 · matrix x\n  ✗ edge: DRIVER_TOO_OLD\n    std:: and a::b and # [x]\n';
    expect(inertToRunner(plain)).toBe(plain);
  });
});

describe('stderr lines', () => {
  test('an error quoting a hostile source is one line and no command', async () => {
    for (const src of ['oci:/nope/##[error]pwned', 'oci:/nope/x\n::error::pwned', 'docker://bad host/##[add-mask]x', '::error::pwned']) {
      const r = await runCli('check', src, '--driver', '550.54.15', '--no-cache', '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(runnerCommandLines(r.stderr)).toEqual([]);
      expect(r.stderr).toMatch(/pwned|add-mask/);
    }
  });
});

describe('merge renders strings read from a report as inert text', () => {
  const HOSTILE = '\u202eevil\u2066x\u2069\u001b[31m\rcr\n::error::pwned';
  let file: string;
  beforeAll(() => {
    const r = report([image('oci:/a:tag')], [target('edge', '470.82.01')], { 'oci:/a:tag edge': 'fail' });
    r.tool.version = `9.9.9${HOSTILE}`;
    r.matrix = { version: `2099.01.01${HOSTILE}`, date: `2099-01-01${HOSTILE}` };
    // a report file can say anything: the code is not one of ours
    (r.results[0].reasons[0] as { code: string }).code = `DRIVER_TOO_OLD${HOSTILE}`;
    file = join(tempDir('cg-merge-hostile-'), 'r.json');
    writeFileSync(file, JSON.stringify(r));
  });
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  test.each(['text', 'markdown'])('--format %s', async (format) => {
    const r = await runCli('merge', file, '--format', format);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2099.01.01');
    expect(r.stdout).toContain('DRIVER');
    expect(r.stdout).toContain('9.9.9');
    expect(r.stdout).not.toMatch(CONTROL);
    expect(runnerCommandLines(r.stdout)).toEqual([]);
    if (format === 'text') {
      expect(r.stdout).toContain('\\x202eevil\\x2066x\\x2069\\x1b[31m\\x0dcr\\x0a::error::pwned');
      // every hostile string arrived in the text (header, reason code, notes)
      expect(r.stdout).toMatch(/matrix 2099\.01\.01\\x202e/);
      expect(r.stdout).toMatch(/DRIVER_TOO_OLD\\x202e/);
    }
  });

  test('the renderers alone, on the merged report', () => {
    const r = JSON.parse(JSON.stringify(report([image('oci:/a:tag')], [target('edge', '1')]))) as Report;
    r.tool.version = HOSTILE;
    r.matrix.version = HOSTILE;
    r.matrix.date = HOSTILE;
    for (const out of [renderText(r), renderMarkdown(r)]) expect(out).not.toMatch(CONTROL);
  });
});
