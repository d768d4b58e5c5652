/**
 * Fixture images through the real tools: `docker build` (legacy builder; FROM scratch + COPY needs no network),
 * `docker save` / `docker load`, `skopeo copy` between transports. Tags are unique per call so test files sharing
 * one dockerd never collide.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './tmp';

const exec = promisify(execFile);

export async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

let counter = 0;
/** A tag no other test (or earlier run) uses: `cuda-gate-test/<what>-<pid>-<n>:1`. */
export function uniqueTag(what: string): string {
  return `cuda-gate-test/${what}-${process.pid}-${++counter}:1`;
}

export type RootfsEntry = string | { symlink: string };

/** Writes `files` into a fresh context's rootfs/ and builds `FROM scratch` + `COPY rootfs/ /` + `dockerfileExtra`. */
export async function buildImage(tag: string, files: Record<string, RootfsEntry>, dockerfileExtra = ''): Promise<string> {
  const ctx = tempDir('cuda-gate-build-');
  for (const [path, entry] of Object.entries(files)) {
    const full = join(ctx, 'rootfs', path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof entry === 'string') writeFileSync(full, entry);
    else symlinkSync(entry.symlink, full);
  }
  mkdirSync(join(ctx, 'rootfs'), { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nCOPY rootfs/ /\n${dockerfileExtra}\n`);
  await run('docker', ['build', '-q', '-t', tag, ctx], { DOCKER_BUILDKIT: '0' });
  return ctx;
}

export async function saveImage(tag: string, out: string): Promise<void> {
  await run('docker', ['save', '-o', out, tag]);
}

export async function loadArchive(path: string): Promise<void> {
  await run('docker', ['load', '-q', '-i', path]);
}

export async function removeImages(...tags: string[]): Promise<void> {
  if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
}

/** skopeo copy SRC DST (transports spelled out, e.g. `docker-archive:/x.tar`, `oci:/dir:ref`). */
export async function skopeoCopy(src: string, dst: string, extra: string[] = []): Promise<void> {
  await run('skopeo', ['copy', '-q', ...extra, src, dst]);
}
