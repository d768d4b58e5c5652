/**
 * The bundled action's step log, end to end, for images whose own strings carry workflow commands: the source path
 * (a directory name, echoed by the "reading …" line), an ENV value and a file name inside the image (quoted by the
 * failure annotations and the step's failure message), a label. The runner reads stdout and stderr line by line
 * (a lone CR ends a line too), trims leading whitespace and runs any line that starts with `::`, or holds `##[`
 * outside one: every such line here must be a command of the action's own, and the injected text only shown.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';
import { GitHubStandIn } from './github-stand-in';
import { PR_NUMBER, REPOSITORY, TOKEN, runBundledAction, type ActionRun } from './run-action';

/** Every injected command carries "owned" in its name's line; none may reach the runner as a command. */
const INJECT = '\r::error::owned-cr\r::set-output name=verdict::pass-owned\r  ::add-mask::owned-mask\r##[error]owned-legacy\r%0A::error::owned-pct';
const CUDART = 'not really an ELF: cudart 12.4.127';

let github: GitHubStandIn;
let run: ActionRun;
let sources: string[];

/** Lines as the runner splits them, with the leading whitespace it trims before looking for `::`. */
function runnerLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.replace(/^[\s\u0085]+/, ''));
}

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
  // the images' directory name is the source path the action logs
  const dir = join(tempDir('cg-inject-'), `images${INJECT}`);
  mkdirSync(dir, { recursive: true });
  await writeOciImage(
    join(dir, 'env'),
    {
      env: { CUDA_VERSION: `12.4.127\n::error::owned-env${INJECT}` },
      labels: { 'org.opencontainers.image.title': `x\n::error::owned-label${INJECT}` },
      history: [{ created_by: `RUN install\n::error::owned-history${INJECT}` }],
      layers: [{ 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': CUDART }],
    },
    'v1',
  );
  await writeOciImage(
    join(dir, 'file'),
    {
      layers: [{ [`usr/local/cuda-12.4/lib64\n::error::owned-file${INJECT}/libcudart.so.12.4.127`]: CUDART }],
    },
    'v1',
  );
  sources = [`oci:${join(dir, 'env')}:v1`, `oci:${join(dir, 'file')}:v1`];
  // a driver too old for CUDA 12.4: both images fail, so the action writes its own error annotations
  run = await runBundledAction({
    inputs: { 'github-token': TOKEN, images: sources.join('\n'), driver: '470.82.01' },
    env: { GITHUB_API_URL: github.url },
  });
}, 60_000);
afterAll(() => github.close());

describe('hostile strings in the step log of the bundled action', () => {
  test('the run itself reads both images and fails the gate', () => {
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
  });

  test('no line of stdout or stderr starts with a command the images injected, nor holds a legacy one', () => {
    for (const line of runnerLines(`${run.stdout}\n${run.stderr}`)) {
      expect(line).not.toMatch(/^::[\w-]+::owned/);
      expect(line).not.toMatch(/^::(set-output|stop-commands)/);
      expect(line).not.toMatch(/^::add-mask::(?!ghs_)/);
      // the runner looks for `##[` anywhere in a line that is not a `::` command
      if (!line.startsWith('::')) expect(line).not.toContain('##[');
    }
  });

  test("every line the runner would run is one of the action's own commands", () => {
    const issued = runnerLines(`${run.stdout}\n${run.stderr}`).filter((l) => l.startsWith('::'));
    expect(issued.length).toBeGreaterThan(0);
    for (const line of issued) {
      // name and properties hold no raw ':' (the toolkit escapes them): the first '::' after them starts the data
      const m = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
      expect(m).not.toBeNull();
      const [, name, props, data] = m!;
      expect(['add-mask', 'group', 'endgroup', 'error', 'warning', 'notice']).toContain(name);
      if (name === 'add-mask') expect(data).toBe(TOKEN);
      // an annotation's title (which quotes the source) or, without one, its message says it is the action's
      if (name === 'error' || name === 'warning') expect(props ?? data).toMatch(/^(title=cuda-gate%3A|cuda-gate:) /);
    }
  });

  test("the action's own annotations and failure message are still there, one per failing image, the injected text inert in them", () => {
    const lines = runnerLines(run.stdout);
    const annotations = lines.filter((l) => l.startsWith('::error title=cuda-gate%3A oci%3A'));
    expect(annotations).toHaveLength(2);
    expect(annotations[1]).toContain('DRIVER_TOO_OLD');
    expect(annotations[1]).toContain('from /usr/local/cuda-12.4/lib64 ::error::owned-file');
    expect(lines.filter((l) => l.startsWith('::error::cuda-gate: 2 failing'))).toHaveLength(1);
    // what the images said is shown, escaped: a CR or LF in a command's data is %0D / %0A, a literal %0A is %250A
    expect(run.stdout).toContain('%0D::error::owned-cr');
    expect(run.stdout).toContain('%250A::error::owned-pct');
  });

  test('the "reading" line shows the source path with its commands made inert', () => {
    const reading = run.stdout.split('\n').filter((l) => l.startsWith('reading oci:'));
    expect(reading).toHaveLength(2);
    expect(reading[0]).toContain(
      '\r:\\x3aerror::owned-cr\r:\\x3aset-output name=verdict::pass-owned\r  :\\x3aadd-mask::owned-mask\r#\\x23[error]owned-legacy\r',
    );
  });
});
