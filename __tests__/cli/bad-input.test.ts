/**
 * Every input a user can get wrong ends with exit 2 and ONE line on stderr naming the input — never a stack trace,
 * never a silent pass.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { testIf } from '../helpers/skip';
import { runCli } from './run-cli';

const EXAMPLE = join(__dirname, '../../examples/images/cuda12.4-app.tar');
const dir = mkdtempSync(join(tmpdir(), 'cg-bad-'));

function tarOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  return new Promise((resolve) => {
    const pack = tarStream.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    for (const [name, body] of Object.entries(files)) pack.entry({ name }, Buffer.from(body));
    pack.finalize();
  });
}

function expectOneLineError(r: { code: number; stderr: string; stdout: string }, ...mentions: string[]) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cuda-gate: error: /);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

const DRIVER = ['--driver', '550.54.15'];

test('a missing archive file names the path', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${dir}/nope.tar`, ...DRIVER), 'nope.tar');
});

test('a truncated archive names the archive', async () => {
  const whole = readFileSync(EXAMPLE);
  const p = join(dir, 'truncated.tar');
  writeFileSync(p, whole.subarray(0, Math.floor(whole.length / 3)));
  expectOneLineError(await runCli('check', `docker-archive:${p}`, ...DRIVER), 'truncated.tar');
});

test('a gzip error inside a layer names the layer', async () => {
  const layer = gzipSync(await tarOf({ 'usr/lib/libcudart.so.12.4.127': 'x' }));
  const broken = Buffer.from(layer);
  broken.fill(0x41, 20, broken.length - 10); // keep the gzip magic, destroy the deflate stream
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [] },
    rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
    history: [{ created_by: 'COPY . /' }],
  });
  const p = join(dir, 'badgzip.tar');
  writeFileSync(
    p,
    await tarOf({
      'cfg.json': config,
      'aaaa/layer.tar': broken,
      'manifest.json': JSON.stringify([{ Config: 'cfg.json', RepoTags: ['bad:gzip'], Layers: ['aaaa/layer.tar'] }]),
    }),
  );
  const r = await runCli('check', `docker-archive:${p}`, ...DRIVER);
  expectOneLineError(r, 'sha256:aaaa', 'badgzip.tar', 'gzip');
});

test('a tar that is not an image archive says so', async () => {
  const p = join(dir, 'notimage.tar');
  writeFileSync(p, await tarOf({ 'hello.txt': 'hello' }));
  expectOneLineError(await runCli('check', `docker-archive:${p}`, ...DRIVER), 'notimage.tar');
});

test('a file that is not a tar at all says so', async () => {
  const p = join(dir, 'random.bin');
  writeFileSync(p, Buffer.alloc(4096, 7));
  expectOneLineError(await runCli('check', `oci-archive:${p}`, ...DRIVER), 'random.bin');
});

test('malformed targets YAML names the file and line', async () => {
  const p = join(dir, 'targets.yml');
  writeFileSync(p, 'targets:\n  a: [\n');
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, '--targets', p), `${p}:`);
});

test('an unknown GPU is named', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, '--driver', '550.54.15', '--gpu', 'Voodoo5'), 'Voodoo5');
});

test('a bad driver string is named', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, '--driver', '550.54.x'), '550.54.x');
});

test('an unknown platform lists what the image has', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, ...DRIVER, '--platform', 'linux/arm64'), 'linux/arm64', 'linux/amd64');
});

testIf(Boolean(process.env.DOCKER_HOST), 'DOCKER_HOST is unset (npm test starts dockerd)')('a missing image in the daemon is named', async () => {
  expectOneLineError(await runCli('check', 'docker-daemon:cuda-gate/does-not-exist:1', ...DRIVER), 'cuda-gate/does-not-exist:1');
});

test('an unreachable daemon names DOCKER_HOST', async () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${dir}/no-docker.sock`;
  try {
    expectOneLineError(await runCli('check', 'some/image:1', ...DRIVER), 'DOCKER_HOST');
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});

test('unknown flags and formats are named', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, ...DRIVER, '--format', 'yaml'), '--format');
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`, ...DRIVER, '--frobnicate'), 'frobnicate');
  expectOneLineError(await runCli('check', ...DRIVER), 'no image');
});

test('no targets at all is an error that says how to give them', async () => {
  expectOneLineError(await runCli('check', `docker-archive:${EXAMPLE}`), '--driver');
});
