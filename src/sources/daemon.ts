/**
 * `docker-daemon:NAME[:TAG]` (or a bare name): an image in the engine at DOCKER_HOST. inspect() answers config,
 * platform and diffIDs without moving layer bytes; readLayers streams the engine's export once, never to disk.
 */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { GateError, messageOf } from '../common/errors';
import { parseEnv, parseLabels } from './config';
import { readImageExport } from './image-export';
import { formatPlatform, normalisePlatform, platformMatches, platformNotFound } from './platform';
import type { Image, ImageConfig, OpenOptions, SourceRef } from './types';

/** Socket-level failures: the engine is not there (or not ours to talk to), whatever the image. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNRESET']);

export async function openDaemonImage(source: SourceRef & { reference: string }, opts: OpenOptions, docker: Docker = new Docker()): Promise<Image> {
  const name = source.reference;
  const info = await docker
    .getImage(name)
    .inspect()
    .catch((err: unknown) => {
      throw daemonError(err, source);
    });

  const platform = normalisePlatform({
    os: info.Os || 'linux',
    architecture: info.Architecture || 'amd64',
    ...(info.Variant && { variant: info.Variant }),
  });
  const where = `image ${name} in the Docker engine at ${dockerHost()}`;
  if (opts.platform && !platformMatches(opts.platform, platform)) throw platformNotFound(where, opts.platform, [platform]);

  const diffIds: string[] = info.RootFS?.Layers ?? [];
  const config: ImageConfig = {
    env: parseEnv(info.Config?.Env),
    labels: parseLabels(info.Config?.Labels),
    // inspect has no history; the export's config (readLayers) carries it
    history: [],
    diffIds,
    os: platform.os,
    architecture: platform.architecture,
    ...(platform.variant && { variant: platform.variant }),
  };
  const repoDigest = info.RepoDigests?.[0]?.split('@')[1];

  return {
    source: source.raw,
    kind: 'docker-daemon',
    ref: name,
    digest: repoDigest ?? info.Id,
    platform,
    config,
    layers: diffIds.map((d) => ({ digest: d, diffId: d })),
    async readLayers(read, opts) {
      // Nothing asked for: inspect gave env, labels and diffIDs, so nothing needs exporting.
      if (opts?.only !== undefined && opts.only.length === 0 && diffIds.length > 0) {
        return { layers: diffIds.map((diffId, index) => ({ digest: diffId, diffId, index })), results: diffIds.map(() => undefined), config };
      }
      // Export by ID: the tag may move between inspect and export, the ID cannot.
      const stream = await docker
        .getImage(info.Id)
        .get()
        .catch((err: unknown) => {
          throw daemonError(err, source);
        });
      return readImageExport(stream as Readable, {
        what: `image ${name} (${formatPlatform(platform)}) in the Docker engine`,
        platform,
        diffIds,
        read,
        ...(opts?.only !== undefined && { only: opts.only }),
        ...(opts?.aliases !== undefined && { aliases: opts.aliases }),
      });
    },
  };
}

function dockerHost(): string {
  return process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'unix:///var/run/docker.sock (DOCKER_HOST unset)';
}

/** A name whose first component is a registry host (has a dot or a port, or is localhost) may be meant for the registry. */
function registryHint(source: SourceRef): string {
  const ref = source.reference ?? '';
  const first = ref.split('/')[0];
  const registry = ref.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  return registry ? `; to read it from its registry instead, use docker://${ref}` : '';
}

export function daemonError(err: unknown, source: SourceRef): GateError {
  const e = err as { statusCode?: number; code?: string };
  if (e.statusCode === 404) {
    return new GateError(
      'IMAGE_NOT_FOUND',
      `image "${source.reference}" is not in the Docker engine at ${dockerHost()}`,
      `build, pull or load it first (\`docker images\` lists what is there), or check the name${registryHint(source)}`,
    );
  }
  if (e.code !== undefined && UNREACHABLE_CODES.has(e.code)) {
    return new GateError(
      'DAEMON_UNREACHABLE',
      `cannot reach the Docker engine at ${dockerHost()} to read ${source.raw}: ${messageOf(err)}`,
      `start the Docker daemon, or set DOCKER_HOST to its socket (e.g. unix:///var/run/docker.sock)${registryHint(source)}`,
    );
  }
  return new GateError(
    'DAEMON_UNREACHABLE',
    `the Docker engine at ${dockerHost()} failed to provide ${source.raw}: ${messageOf(err)}`,
    'check the engine (docker info) and retry',
  );
}
