/**
 * Source references, following the containers-transports convention (skopeo, podman) users already know:
 * `docker-daemon:NAME[:TAG]` or bare `NAME[:TAG]`, `docker-archive:PATH[:REF]`, `oci-archive:PATH[:REF]`,
 * `oci:DIR[:REF]`, `docker://HOST/REPO:TAG|@DIGEST`.
 */
import { existsSync } from 'node:fs';
import { GateError } from '../common/errors';
import { sniffPath } from './sniff';
import type { SourceKind, SourceRef } from './types';

// Docker reference grammar (distribution/reference): [domain/]path[:tag][@digest]
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const DOCKER_REFERENCE = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
/** `docker-archive:PATH:@N` picks the N-th image of a multi-image archive (skopeo's form). */
const ARCHIVE_INDEX = /^@\d+$/;
/** org.opencontainers.image.ref.name grammar (image-spec annotations.md), loosely. */
const OCI_REF_NAME = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

const PREFIXED: Record<string, SourceKind> = {
  'docker-daemon:': 'docker-daemon',
  'docker-archive:': 'docker-archive',
  'oci-archive:': 'oci-archive',
  'oci:': 'oci',
  'docker://': 'docker',
};
/** containers-transports we recognise but do not read: say so instead of treating "dir:/x" as an image name. */
const UNSUPPORTED_TRANSPORTS = ['dir', 'containers-storage', 'ostree', 'sif', 'tarball'];

const FORMS =
  'use docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH[:REF], oci-archive:PATH[:REF], ' + 'oci:DIR[:REF] or docker://HOST/REPO:TAG';

export function isDockerReference(s: string): boolean {
  return s.length <= 255 + 128 + 80 && DOCKER_REFERENCE.test(s);
}

/**
 * Parses what the user typed. `exists` decides between the two readings of a path containing ':' (skopeo splits at
 * the first ':'; we first try the whole string as a path, then each split whose remainder is a valid reference).
 */
export function parseSourceRef(raw: string, exists: (path: string) => boolean = existsSync): SourceRef {
  const text = raw.trim();
  if (text === '') throw badRef(raw, 'the image source is empty');

  for (const [prefix, kind] of Object.entries(PREFIXED)) {
    if (!text.startsWith(prefix)) continue;
    const rest = text.slice(prefix.length);
    switch (kind) {
      case 'docker-daemon':
      case 'docker':
        if (!isDockerReference(rest)) throw badRef(raw, `"${rest}" is not a valid image reference`);
        return { raw, kind, reference: rest };
      default:
        return { raw, kind, ...splitPathAndReference(raw, kind, rest, exists) };
    }
  }

  // an existing path is read by what it holds, whatever it is called (a bare archive, a layout directory)
  if (exists(text)) {
    const sniffed = sniffPath(text);
    if (sniffed && 'form' in sniffed) return { raw, kind: sniffed.form, path: text, sniffed: true };
    if (sniffed) throw badRef(raw, `the path "${text}" is ${sniffed.not}`);
  }
  const transport = /^([a-z][a-z0-9-]*):/.exec(text)?.[1];
  if (transport && UNSUPPORTED_TRANSPORTS.includes(transport)) {
    throw badRef(raw, `the "${transport}:" transport is not supported`);
  }
  if (!isDockerReference(text)) throw badRef(raw, `"${text}" is neither a known source form nor an image name`);
  return { raw, kind: 'docker-daemon', reference: text };
}

function splitPathAndReference(raw: string, kind: SourceKind, rest: string, exists: (path: string) => boolean): { path: string; reference?: string } {
  if (rest === '') throw badRef(raw, `${kind}: needs a path`);
  if (exists(rest)) return { path: rest };

  const validReference = kind === 'docker-archive' ? isArchiveReference : isOciRefName;
  const splits: { path: string; reference: string }[] = [];
  for (let i = rest.indexOf(':'); i > 0; i = rest.indexOf(':', i + 1)) {
    const reference = rest.slice(i + 1);
    if (validReference(reference)) splits.push({ path: rest.slice(0, i), reference });
  }
  const existing = splits.find((s) => exists(s.path));
  if (existing) return existing;
  // Nothing exists yet: read it the way skopeo does (first ':'), so the "file not found" names the right path.
  if (splits.length > 0) return splits[0];
  return { path: rest };
}

function isArchiveReference(s: string): boolean {
  return ARCHIVE_INDEX.test(s) || isDockerReference(s);
}

function isOciRefName(s: string): boolean {
  return s.length <= 512 && OCI_REF_NAME.test(s);
}

function badRef(raw: string, why: string): GateError {
  return new GateError('BAD_SOURCE_REF', `bad image source "${raw}": ${why}`, FORMS);
}
