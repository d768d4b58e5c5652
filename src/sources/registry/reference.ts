/**
 * `docker://` references -> where to ask: the registry host, the repository, the tag or digest. Names without a
 * registry are Docker Hub's (`ubuntu` = `docker.io/library/ubuntu:latest`), as every Docker tool reads them.
 */
import { GateError } from '../../common/errors';

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's API host; `docker.io` itself does not serve the distribution API. */
const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key `docker login` writes Hub credentials under in config.json, and what credential helpers expect. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API]);

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export interface RegistryReference {
  /** the registry as named (`docker.io`, `ghcr.io`, `127.0.0.1:5000`): the credentials key */
  registry: string;
  /** host[:port] the API is served from */
  apiHost: string;
  /** `library/ubuntu`, `org/app` */
  repository: string;
  tag?: string;
  digest?: string;
  /** what the manifest is asked for by: the digest when given, else the tag */
  manifestRef: string;
}

/** Parses a reference already checked against the Docker grammar by parseSourceRef. */
export function parseRegistryReference(reference: string): RegistryReference {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new GateError(
        'BAD_SOURCE_REF',
        `"${reference}" names digest ${digest}, which cuda-gate cannot verify`,
        'use a sha256 (or sha512) digest in lower-case hex, as `docker buildx imagetools inspect` prints it',
      );
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }

  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  // distribution/reference: the first component is a registry when it looks like a host (dot, port or localhost)
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first.startsWith('[') || first === 'localhost');
  let registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (tag === undefined && digest === undefined) tag = 'latest';

  return {
    registry,
    apiHost: registry === DOCKER_HUB ? DOCKER_HUB_API : registry,
    repository,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
    manifestRef: digest ?? (tag as string),
  };
}

/** `docker.io/library/ubuntu:latest`: the reference spelled out in full, for messages. */
export function formatReference(ref: RegistryReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** A digest is safe to put in a URL path and to verify only if it has this shape. */
export function isVerifiableDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/**
 * config.json keys and credential-helper server URLs -> the registry they name: scheme and path dropped, Hub
 * aliases folded (`https://index.docker.io/v1/` -> `docker.io`).
 */
export function registryOfKey(key: string): string {
  let host = key
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** host[:port] -> hostname, brackets of an IPv6 literal removed. */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon >= 0 && !hostPort.slice(0, colon).includes(':') ? hostPort.slice(0, colon) : hostPort;
}
