/** The CLI's cache flags: --cache-dir, the XDG default, --no-cache, and a cache directory that cannot be made. */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/types';
import { probeReads, type ReadProbe } from '../cache/probes';
import { runCli } from '../cli/run-cli';
import { tarDirectory } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

let source: string;
let probe: ReadProbe;
const xdg = tempDir('cg-xdg-');
let savedXdg: string | undefined;

beforeAll(async () => {
  const dir = tempDir('cg-cache-cli-');
  await writeOciImage(join(dir, 'layout'), { ...CUDA_FIXTURE, gzip: true }, 'app');
  await tarDirectory(join(dir, 'layout'), join(dir, 'oci.tar'));
  source = `oci-archive:${join(dir, 'oci.tar')}`;
  savedXdg = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = xdg;
});
afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedXdg;
});
beforeEach(() => {
  probe = probeReads();
});
afterEach(() => probe.restore());

const scanOf = async (...flags: string[]) => {
  const out = await runCli('check', source, '--driver', '550.54.15', '--format', 'json', ...flags);
  expect(out.code).toBe(0);
  return { scan: (JSON.parse(out.stdout) as Report).images[0].scan, stderr: out.stderr };
};

test('--cache-dir: the second run reads every layer from the cache', async () => {
  const dir = join(tempDir(), 'layers-cache');
  expect((await scanOf('--cache-dir', dir)).scan).toMatchObject({ layersRead: 3, layersFromCache: 0 });
  probe.reset();
  expect((await scanOf('--cache-dir', dir)).scan).toMatchObject({ layersRead: 0, layersFromCache: 3, bytesRead: 0 });
  expect(probe.opened).toBe(0);
});

test('without flags the cache lives in $XDG_CACHE_HOME/cuda-gate', async () => {
  await scanOf();
  expect(readdirSync(join(xdg, 'cuda-gate'))).toContain('layers');
  probe.reset();
  expect((await scanOf()).scan.layersFromCache).toBe(3);
});

test('--no-cache reads every layer and writes nothing', async () => {
  const dir = join(tempDir(), 'unused');
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = dir;
  try {
    expect((await scanOf('--no-cache')).scan).toMatchObject({ layersRead: 3, layersFromCache: 0 });
    expect(existsSync(dir)).toBe(false);
  } finally {
    process.env.XDG_CACHE_HOME = saved;
  }
});

test('a cache directory that cannot be created: a warning on stderr, a full scan, the usual exit code', async () => {
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  const { scan, stderr } = await scanOf('--cache-dir', join(file, 'cache'));
  expect(scan).toMatchObject({ layersRead: 3, layersFromCache: 0 });
  expect(stderr).toMatch(/^cuda-gate: warning: cache: cannot create or write the cache directory .*scanning without a cache\n$/);
});

test('--cache-dir and --no-cache together are bad input (exit 2)', async () => {
  const out = await runCli('check', source, '--driver', '550.54.15', '--cache-dir', tempDir(), '--no-cache');
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/--cache-dir and --no-cache are exclusive/);
});
