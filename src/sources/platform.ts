/**
 * Platforms ("linux/amd64", "linux/arm64/v8") and how an index entry is matched against the one asked for:
 * os and architecture exactly, variant when asked (arm64 without a variant is v8), like containerd's matcher.
 */
import { GateError } from '../common/errors';
import type { Platform } from './types';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** uname/Debian spellings people type, mapped to the Go GOARCH names images use. */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
};

const ATTESTATION_TYPE = 'attestation-manifest';

export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new GateError('BAD_ARGUMENT', `bad platform "${text}"`, 'write it as OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64 or linux/arm64/v8');
  }
  const [os, architecture, variant] = parts;
  return normalisePlatform({ os, architecture, ...(variant !== undefined && { variant }) });
}

export function normalisePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const architecture = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  const variant = p.variant ? p.variant.toLowerCase() : undefined;
  return { os, architecture, ...(variant && { variant }) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Does an image built for `have` satisfy a request for `want`? */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalisePlatform(want);
  const h = normalisePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (!w.variant) return true;
  return variantOf(w) === variantOf(h);
}

function variantOf(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  return p.architecture === 'arm64' ? 'v8' : undefined;
}

/** The platform object of an index descriptor (OCI spelling), if it has one. */
export function descriptorPlatform(d: { platform?: unknown }): Platform | undefined {
  const p = d.platform as { os?: unknown; architecture?: unknown; variant?: unknown } | undefined;
  if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string') return undefined;
  return normalisePlatform({
    os: p.os,
    architecture: p.architecture,
    ...(typeof p.variant === 'string' && { variant: p.variant }),
  });
}

/** BuildKit provenance/SBOM entries in an index: `unknown/unknown`, marked by an annotation. Never an image. */
export function isAttestation(d: { platform?: unknown; annotations?: Record<string, unknown> | null }): boolean {
  if (d.annotations?.['vnd.docker.reference.type'] === ATTESTATION_TYPE) return true;
  const p = descriptorPlatform(d);
  return p?.os === 'unknown' && p.architecture === 'unknown';
}

export function platformNotFound(where: string, want: Platform, present: Platform[]): GateError {
  const list = present.length > 0 ? present.map(formatPlatform).join(', ') : 'none';
  return new GateError(
    'PLATFORM_NOT_FOUND',
    `${where} has no image for ${formatPlatform(want)}; platforms present: ${list}`,
    'pick one of them with --platform (action input: platform)',
  );
}
