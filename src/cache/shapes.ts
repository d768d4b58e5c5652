/**
 * Cache files come from disk, possibly from another version or a damaged write: their contents are checked with
 * these zod schemas before anything downstream trusts them. A file that fails is a miss, never an error.
 *
 * Fields the schemas do not name are kept as they are (loose objects): an entry is what a layer read produced, and a
 * field added to LayerResult later must not be dropped on the way through the cache. The `satisfies` clauses make
 * the compiler say when LayerResult gains a required field the schema does not check.
 */
import { z } from 'zod';
import type { Finding } from '../common/findings';
import type { EntryType, LayerEntry, LayerResult } from '../layers/types';
import type { HistoryEntry } from '../sources/types';

const count = z.number().nonnegative().finite();

const GpuCodeSchema = z.looseObject({
  sass: z.array(z.string()),
  ptx: z.array(z.looseObject({ arch: z.string(), isa: z.string().optional() })),
  size: z.looseObject({ entries: count, bytes: count, compressed: count }).optional(),
});

const LayerEntrySchema = z.looseObject({
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'hardlink', 'other'] satisfies readonly EntryType[]),
  size: count,
  linkTarget: z.string().optional(),
  content: z.string().optional(),
  contentTruncated: z.boolean().optional(),
  gpuCode: GpuCodeSchema.optional(),
  relocatableGpuCode: GpuCodeSchema.optional(),
  dynamic: z
    .looseObject({
      soname: z.string().optional(),
      needed: z.array(z.string()),
      rpath: z.array(z.string()),
      runpath: z.array(z.string()),
    })
    .optional(),
}) satisfies z.ZodType<LayerEntry>;

const FindingSchema = z.looseObject({
  code: z.string(),
  severity: z.enum(['info', 'warning', 'error']),
  message: z.string(),
  layer: z.string().optional(),
  path: z.string().optional(),
}) satisfies z.ZodType<Finding>;

export const LayerResultSchema = z.looseObject({
  digest: z.string(),
  diffId: z.string().optional(),
  entryCount: count,
  tarBytes: count,
  entries: z.array(LayerEntrySchema),
  whiteouts: z.array(z.string()),
  opaqueDirs: z.array(z.string()),
  dirs: z.array(z.string()).optional(),
  findings: z.array(FindingSchema),
}) satisfies z.ZodType<LayerResult>;

export const HistorySchema = z.array(
  z.looseObject({
    created_by: z.string().optional(),
    empty_layer: z.boolean().optional(),
    comment: z.string().optional(),
    created: z.string().optional(),
  }),
) satisfies z.ZodType<HistoryEntry[]>;

/** An export name's diffID: a plain digest, nothing that could be a path. */
export const AliasSchema = z.string().regex(/^[a-z0-9]+:[a-f0-9]{32,128}$/);
