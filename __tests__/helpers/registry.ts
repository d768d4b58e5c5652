/**
 * Real registries for the registry source's tests: the shared one at TEST_REGISTRY (scripts/test.sh starts it),
 * and private `docker-registry serve` instances a test starts for itself (own storage root to tamper with, htpasswd
 * basic auth). Images get there with `skopeo copy`. Without the tools a suite is skipped with the reason
 * in its title (helpers/skip.ts), never passed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, skopeoCopy } from './docker-cli';
import { describeUnless, missingEngines, withHint } from './engines';
import { tempDir } from './tmp';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Why the registry suites cannot run here, or undefined. `own` suites start their own docker-registry. */
export function missingRegistry(own = false): string | undefined {
  const missing: string[] = [];
  const engines = missingEngines(['skopeo']);
  if (engines) missing.push(engines);
  if (!process.env.TEST_REGISTRY) missing.push('TEST_REGISTRY is unset');
  if (own && !onPath('docker-registry')) missing.push('no docker-registry on PATH');
  if (own && !onPath('htpasswd')) missing.push('no htpasswd on PATH (apache2-utils)');
  return missing.length > 0 ? missing.join(', ') : undefined;
}

/** `describe` when a registry and skopeo are here; otherwise the block is skipped, its title saying what is missing. */
export function describeWithRegistry(name: string, fn: () => void, opts: { own?: boolean } = {}): void {
  describeUnless(withHint(missingRegistry(opts.own)), name, fn);
}

let counter = 0;
/** A repository name no other test (or earlier run) pushes to. */
export function uniqueRepo(what: string): string {
  return `cuda-gate-test/${what}-${process.pid}-${++counter}`;
}

export interface PushOptions {
  /** the manifest format to write; default: the source's */
  format?: 'v2s2' | 'oci';
  zstd?: boolean;
  /** every image of an index (`skopeo copy --all`) */
  all?: boolean;
  /** USER:PASSWORD for a registry with auth */
  creds?: string;
}

/** skopeo copy SRC docker://DEST over plain HTTP. */
export async function push(src: string, dest: string, opts: PushOptions = {}): Promise<void> {
  const args = ['--dest-tls-verify=false'];
  if (opts.format) args.push('--format', opts.format);
  if (opts.zstd) args.push('--dest-compress', '--dest-compress-format', 'zstd');
  if (opts.all) args.push('--all');
  if (opts.creds) args.push('--dest-creds', opts.creds);
  await skopeoCopy(src, `docker://${dest}`, args);
}

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** storage root: blobs live under docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data */
  root: string;
  stop(): Promise<void>;
}

export function blobDataPath(registry: LocalRegistry, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(registry.root, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET /v2/ -> status, or undefined while nothing listens. */
function ping(host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** A private docker-registry on a free loopback port, with htpasswd basic auth when `auth` is given. */
export async function startRegistry(auth?: { user: string; password: string }): Promise<LocalRegistry> {
  const dir = tempDir('cg-registry-');
  const root = join(dir, 'data');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${root}}, delete: {enabled: true}}`,
    `http: {addr: "${host}", secret: test-only-secret}`,
  ];
  if (auth) {
    const htpasswd = await run('htpasswd', ['-Bbn', auth.user, auth.password]);
    writeFileSync(join(dir, 'htpasswd'), htpasswd);
    lines.push(`auth: {htpasswd: {realm: cuda-gate-test, path: ${join(dir, 'htpasswd')}}}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 200; i++) {
    if ((await ping(host)) !== undefined) break;
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host,
    root,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
