/**
 * Cache files come from disk, possibly from another version or a damaged write: check their shape before anything
 * downstream trusts them. A file that fails is a miss, never an error.
 */
import type { EntryType, LayerResult } from '../layers/types';
import type { HistoryEntry } from '../sources/types';

const ENTRY_TYPES: ReadonlySet<EntryType> = new Set(['file', 'dir', 'symlink', 'hardlink', 'other']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const optional = (v: unknown, test: (x: unknown) => boolean): boolean => v === undefined || test(v);
const isString = (v: unknown): v is string => typeof v === 'string';

export function isLayerResult(v: unknown): v is LayerResult {
  if (!isObject(v)) return false;
  return (
    isString(v.digest) &&
    optional(v.diffId, isString) &&
    isCount(v.entryCount) &&
    isCount(v.tarBytes) &&
    isStringList(v.whiteouts) &&
    isStringList(v.opaqueDirs) &&
    Array.isArray(v.entries) &&
    v.entries.every(isLayerEntry) &&
    Array.isArray(v.findings) &&
    v.findings.every((f) => isObject(f) && isString(f.code) && isString(f.message) && isString(f.severity))
  );
}

function isLayerEntry(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.path) &&
    ENTRY_TYPES.has(v.type as EntryType) &&
    isCount(v.size) &&
    optional(v.linkTarget, isString) &&
    optional(v.content, isString) &&
    optional(v.gpuCode, isGpuCode)
  );
}

function isGpuCode(v: unknown): boolean {
  return isObject(v) && isStringList(v.sass) && Array.isArray(v.ptx) && v.ptx.every((p) => isObject(p) && isString(p.arch) && optional(p.isa, isString));
}

export function isHistory(v: unknown): v is HistoryEntry[] {
  return (
    Array.isArray(v) &&
    v.every(
      (h) =>
        isObject(h) &&
        optional(h.created_by, isString) &&
        optional(h.empty_layer, (x) => typeof x === 'boolean') &&
        optional(h.comment, isString) &&
        optional(h.created, isString),
    )
  );
}
