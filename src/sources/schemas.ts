/**
 * The shapes of the JSON documents an image is made of — OCI/Docker indexes, manifests, image configs, a
 * `docker save`'s manifest.json — as zod schemas, checked where the documents come in (src/common/schema-error.ts
 * words a mismatch). Strict where a wrong shape would mislead (digests, layer lists, diff_ids), lenient where real
 * images are untidy (null Env/Labels/history, annotations of any kind) and where the specs say to ignore what is not
 * understood (index entries that are not descriptors, unknown media types).
 */
import { z } from 'zod';

/** OCI content descriptor (image-spec descriptor.md): what an index entry, a manifest's config and its layers are. */
export const DescriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest: z.string(),
  size: z.number().int().nonnegative().optional(),
  /** read by descriptorPlatform, which takes what it understands */
  platform: z.unknown().optional(),
  annotations: z.record(z.string(), z.unknown()).nullish().catch(undefined),
});
export type Descriptor = z.output<typeof DescriptorSchema>;

/**
 * An image index / manifest list. `manifests: null` is what `docker save img@digest` on Docker 25 wrote (moby#47210);
 * entries that are not descriptors are skipped by the reader (indexEntries), as unknown entries must be.
 */
export const IndexSchema = z.object(
  {
    mediaType: z.string().optional(),
    manifests: z.array(z.unknown()).nullish(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'is not an OCI image index' : undefined) },
);

/** An image manifest (OCI or Docker v2 schema 2). */
export const ManifestSchema = z.object(
  {
    mediaType: z.string().optional(),
    config: DescriptorSchema,
    /** an image of no layers may say `null` */
    layers: z.array(DescriptorSchema).nullish(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'is not an image manifest' : undefined) },
);

const stringOrNothing = z.string().optional().catch(undefined);

/** A history entry; fields of the wrong type are dropped, not fatal (old builders wrote odd ones). */
export const HistoryEntrySchema = z.object({
  created_by: stringOrNothing,
  empty_layer: z.boolean().optional().catch(undefined),
  comment: stringOrNothing,
  created: stringOrNothing,
});

/**
 * The image config. `config.Env` and `config.Labels` are read leniently by parseEnv/parseLabels (null is common);
 * `rootfs.diff_ids` must be a list of strings: dropping one would pair every later layer with the wrong diffID.
 */
export const ImageConfigSchema = z.object({
  os: stringOrNothing,
  architecture: stringOrNothing,
  variant: stringOrNothing,
  config: z
    .object({ Env: z.unknown().optional(), Labels: z.unknown().optional(), Entrypoint: z.unknown().optional(), Cmd: z.unknown().optional() })
    .nullish()
    .catch(undefined),
  rootfs: z.object({ diff_ids: z.array(z.string()).nullish() }).nullish(),
  history: z
    .array(z.unknown())
    .nullish()
    .catch(undefined)
    .transform((list) =>
      (list ?? []).flatMap((h) => {
        const parsed = HistoryEntrySchema.safeParse(h);
        return parsed.success ? [parsed.data] : [];
      }),
    ),
});

/** `manifest.json` of a `docker save` / `podman save` archive: one item per image. */
export const DockerArchiveManifestSchema = z
  .array(
    z.object({
      Config: z.string(),
      RepoTags: z
        .array(z.unknown())
        .nullish()
        .catch(undefined)
        .transform((tags) => (tags ?? []).filter((t): t is string => typeof t === 'string')),
      Layers: z.array(z.string()),
    }),
  )
  .min(1, 'lists no images');
export type DockerArchiveItem = z.output<typeof DockerArchiveManifestSchema>[number];
