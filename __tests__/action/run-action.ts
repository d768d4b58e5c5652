/**
 * Runs the bundled action (dist/index.js) the way the runner does: a fresh node process whose only contact with
 * the world is its environment (INPUT_* with action.yml's defaults filled in, GITHUB_* variables, an event file)
 * and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files it writes.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { tempDir } from '../helpers/tmp';

export const ROOT = join(__dirname, '../..');
export const EXAMPLE_ARCHIVE = 'docker-archive:examples/images/cuda12.4-app.tar';
export const REPOSITORY = 'octo-org/gpu-service';
export const PR_NUMBER = 42;
export const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';

export interface ActionEvent {
  name: string;
  payload: unknown;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** step outputs, parsed from GITHUB_OUTPUT */
  outputs: Record<string, string>;
  /** the job summary file's text */
  summary: string;
  /** the run's temp dir (event file, report) */
  dir: string;
}

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

/** A `pull_request` event for PR #number, from the same repository or from a fork. */
export function pullRequestEvent(opts: { number?: number; fork?: boolean; name?: 'pull_request' | 'pull_request_target' } = {}): ActionEvent {
  const payload = fixture('pull_request.synchronize.json') as {
    number: number;
    pull_request: { number: number; head: { label: string; repo: { full_name: string; fork: boolean; owner: { login: string } } } };
  };
  const number = opts.number ?? PR_NUMBER;
  payload.number = number;
  payload.pull_request.number = number;
  if (opts.fork) {
    const head = payload.pull_request.head;
    head.label = 'ada-dev:cuda-12.4';
    head.repo = { ...head.repo, full_name: 'ada-dev/gpu-service', fork: true, owner: { ...head.repo.owner, login: 'ada-dev' } };
  }
  return { name: opts.name ?? 'pull_request', payload };
}

export function pushEvent(): ActionEvent {
  return { name: 'push', payload: fixture('push.json') };
}

/** action.yml's defaults, as the runner passes them for inputs a workflow leaves out. */
function defaultInputs(): Record<string, string> {
  const meta = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
  return Object.fromEntries(
    Object.entries(meta.inputs)
      // expressions like ${{ github.token }} are the runner's to expand: a test passes the value itself
      .filter(([, spec]) => spec.default !== undefined && !String(spec.default).includes('${{'))
      .map(([name, spec]) => [name, String(spec.default)]),
  );
}

/** The runner's heredoc format: `name<<DELIM` … `DELIM`, or a plain `name=value` line. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = lines[i].match(/^([^=<]+)<<(.+)$/);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      outputs[name] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return outputs;
}

export async function runBundledAction(opts: {
  inputs: Record<string, string>;
  event?: ActionEvent;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ActionRun> {
  const dir = tempDir('cuda-gate-action-');
  const event = opts.event ?? pullRequestEvent();
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event.payload, null, 2));
  const outputPath = join(dir, 'github_output');
  const summaryPath = join(dir, 'step_summary.md');
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');

  const inputs = { ...defaultInputs(), 'report-path': join(dir, 'cuda-gate-report.json'), ...opts.inputs };
  // a clean environment: nothing of a surrounding CI job (its GITHUB_*, INPUT_*, proxies) leaks into the run
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_REPOSITORY_OWNER: REPOSITORY.split('/')[0],
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '11922334455',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
    GITHUB_WORKSPACE: ROOT,
    RUNNER_TEMP: dir,
    RUNNER_OS: 'Linux',
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])),
    ...opts.env,
  };

  const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
    dir,
  };
}

/** `::warning::…` and `::error::…` workflow commands the run printed (message part only). */
export function commands(run: ActionRun, kind: 'warning' | 'error'): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith(`::${kind}`))
    .map((l) =>
      l
        .replace(/^::\w+[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%'),
    );
}
