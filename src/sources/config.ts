/**
 * JSON documents of an image (config, manifests, indexes) and the image config -> ImageConfig. Every document is
 * size-capped before parsing: they are small by nature, and a huge one means a wrong file or a hostile archive.
 */
import { createHash } from 'node:crypto';
import { GateError, messageOf, type ErrorCode } from '../common/errors';
import { parseWithSchema } from '../common/schema-error';
import { ImageConfigSchema } from './schemas';
import type { ImageConfig, Platform } from './types';

export const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** Parses a JSON document; `where` names it in errors ("manifest.json in app.tar"). */
export function parseJsonDocument(bytes: Buffer, where: string): unknown {
  if (bytes.length > MAX_JSON_BYTES) {
    throw new GateError(
      'LIMIT_EXCEEDED',
      `${where} is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES}-byte limit for image metadata`,
      'this is not a normal image config or manifest; check the archive',
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new GateError('CORRUPT_ARCHIVE', `${where} is not valid JSON (${notJson(bytes, messageOf(err))})`, 'the archive is damaged; re-create it');
  }
}

/**
 * What is wrong, without quoting the bytes (JSON.parse's message quotes them): the document may be any file a
 * hostile layout points at, so the message says its size, where parsing stopped and what kind of data it is.
 */
function notJson(bytes: Buffer, parseError: string): string {
  if (bytes.length === 0) return 'empty';
  const at = /at position (\d+)/.exec(parseError)?.[1];
  const head = bytes.subarray(0, 512);
  const kind =
    head[0] === 0x1f && head[1] === 0x8b ? 'gzip data' : head.every((b) => b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) ? 'text' : 'binary data';
  return `${bytes.length} bytes of ${kind}${at !== undefined ? `, unreadable at byte ${at}` : ''}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** KEY=VALUE strings -> record; a later duplicate wins, as it does for the container's environment. */
export function parseEnv(list: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (!Array.isArray(list)) return env;
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

/** Labels (or any string map) from JSON, dropping non-string values; null (no labels) gives {}. */
export function parseLabels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

/** Entrypoint + Cmd as the runtime joins them; non-string parts (images are untidy) are dropped, nothing is run. */
function entrypointOf(entrypoint: unknown, cmd: unknown): { entrypoint?: string[] } {
  const words = (v: unknown) => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : []);
  const all = [...words(entrypoint), ...words(cmd)];
  return all.length ? { entrypoint: all } : {};
}

/**
 * The OCI/Docker image config (`{architecture, os, config: {Env, Labels}, rootfs: {diff_ids}, history}`). `code`:
 * what a malformed one is (CORRUPT_ARCHIVE from a file, REGISTRY_ERROR from a registry).
 */
export function parseImageConfig(bytes: Buffer, where: string, code: ErrorCode = 'CORRUPT_ARCHIVE'): ImageConfig {
  const doc = parseWithSchema(ImageConfigSchema, parseJsonDocument(bytes, where), {
    what: where,
    code,
    fix: 'this is not a usable image config; rebuild or re-export the image',
  });
  return {
    env: parseEnv(doc.config?.Env),
    labels: parseLabels(doc.config?.Labels),
    history: doc.history.map((h) => ({
      ...(h.created_by !== undefined && { created_by: h.created_by }),
      ...(h.empty_layer === true && { empty_layer: true }),
      ...(h.comment !== undefined && { comment: h.comment }),
      ...(h.created !== undefined && { created: h.created }),
    })),
    diffIds: doc.rootfs?.diff_ids ?? [],
    ...(doc.os !== undefined && { os: doc.os }),
    ...(doc.architecture !== undefined && { architecture: doc.architecture }),
    ...(doc.variant !== undefined && { variant: doc.variant }),
    ...entrypointOf(doc.config?.Entrypoint, doc.config?.Cmd),
  };
}

/** The config's platform; images without one (rare, very old) are taken as linux/amd64 like Docker does. */
export function configPlatform(config: ImageConfig): Platform {
  return {
    os: config.os || 'linux',
    architecture: config.architecture || 'amd64',
    ...(config.variant && { variant: config.variant }),
  };
}
