/**
 * One resolver for every source that reaches an image through OCI/Docker indexes and manifests — oci: layouts,
 * oci-archive: tars, the OCI half of a Docker >= 25 save, and registries — over a small store of blobs: descend the
 * indexes (attestations and artifacts skipped), choose the platform, load the manifest and its config. Every
 * document is schema-checked here (src/sources/schemas.ts); where it comes from, and how it is verified, is the
 * store's business (oci-index.ts for files, registry/manifests.ts for registries).
 */
import { GateError } from '../common/errors';
import { parseWithSchema } from '../common/schema-error';
import { configPlatform, parseImageConfig } from './config';
import { INDEX_TYPES, MANIFEST_TYPES, MAX_INDEX_DEPTH } from './media-types';
import { DEFAULT_PLATFORM, descriptorPlatform, isAttestation, platformMatches, platformNotFound } from './platform';
import { DescriptorSchema, IndexSchema, ManifestSchema, type Descriptor } from './schemas';
import type { ImageConfig, LayerDescriptor, Platform } from './types';

/** Config media types of container images; any other marks an artifact (a Helm chart, a signature, an SBOM …). */
const CONFIG_TYPES: ReadonlySet<string> = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

/** An index or manifest as a store holds it. */
export interface StoredManifest {
  digest: string;
  /** the document's own mediaType, else what the store says of it (a registry's Content-Type); may be absent */
  mediaType?: string;
  /** parsed JSON, not yet checked */
  doc: unknown;
}

/** Where the resolver gets an image's documents from: a layout (directory or tar) or a registry repository. */
export interface BlobStore {
  /** names the store in messages: the archive or layout path, the registry source as typed */
  readonly location: string;
  /** joins a document to the store in messages: `manifest D in app.tar`, `manifest D of docker://r/app:1` */
  readonly preposition: 'in' | 'of';
  /** what a document of the wrong shape is: CORRUPT_ARCHIVE in files, REGISTRY_ERROR from a registry */
  readonly damaged: 'CORRUPT_ARCHIVE' | 'REGISTRY_ERROR';
  /** what to do about a document of the wrong shape */
  readonly damagedFix: string;
  /** an index or manifest by digest (verified where the store can); undefined when the store lacks it */
  getManifest(digest: string): Promise<StoredManifest | undefined>;
  /** a small blob (an image config), whole and verified where the store can; undefined when the store lacks it */
  getBlob(digest: string, size: number | undefined, what: string): Promise<Buffer | undefined>;
  /** a digest read from the document `where`, checked before it is used (in a path, in a URL) */
  checkDigest(digest: string, where: string): string;
  /** the error for a blob a document lists and the store lacks */
  missing(what: 'manifest' | 'config', digest: string): GateError;
}

/** Where resolving starts: the entries of an index (index.json, a registry's index), or the manifest a tag names. */
export type ResolveFrom =
  | {
      index: Descriptor[];
      /** names the index in messages */
      where: string;
      /** names where the platforms were looked for, when none matches */
      platformsWhere: string;
      /** the fix when the index holds no image at all */
      emptyHint: string;
    }
  | { manifest: StoredManifest };

export interface ResolvedManifest {
  manifestDigest: string;
  configDigest: string;
  configBytes: Buffer;
  config: ImageConfig;
  platform: Platform;
  /** base first; diffId from the config when it lists one per layer */
  layers: LayerDescriptor[];
  /** the name the index gave the image (org.opencontainers.image.ref.name, io.containerd.image.name) */
  name?: string;
}

/** An image manifest found in an index, with what we learn about it on the way. */
interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
  name?: string;
}

export async function resolveImage(store: BlobStore, from: ResolveFrom, want: Platform | undefined): Promise<ResolvedManifest> {
  if ('manifest' in from) return loadImage(store, from.manifest, want);

  const candidates: Candidate[] = [];
  await collectManifests(store, from.index, from.where, 0, { out: candidates, seen: new Set(), entries: 0 });
  if (candidates.length === 0) throw new GateError('NOT_AN_IMAGE', `${from.where} lists no image manifests`, from.emptyHint);

  const loaded = new Map<string, Promise<ResolvedManifest>>();
  const load = (c: Candidate): Promise<ResolvedManifest> => {
    let m = loaded.get(c.descriptor.digest);
    if (!m) {
      if (loaded.size >= MAX_INDEXES) {
        throw new GateError(
          store.damaged,
          `${store.location}: more than ${MAX_INDEXES} image manifests to read to learn their platforms (${from.where})`,
          `${store.damagedFix}; a real index gives each image's platform`,
        );
      }
      m = store.getManifest(c.descriptor.digest).then((stored) => {
        if (stored === undefined) throw store.missing('manifest', c.descriptor.digest);
        return loadImage(store, stored, undefined);
      });
      loaded.set(c.descriptor.digest, m);
    }
    return m;
  };
  // an entry without a platform is rare; its config says what it is
  const platformOf = async (c: Candidate): Promise<Platform> => c.platform ?? (await load(c)).platform;

  let chosen: Candidate | undefined;
  const target = want ?? DEFAULT_PLATFORM;
  if (!want && candidates.length === 1) chosen = candidates[0];
  else {
    for (const c of candidates) {
      if (platformMatches(target, await platformOf(c))) {
        chosen = c;
        break;
      }
    }
  }
  if (!chosen) throw platformNotFound(from.platformsWhere, target, await Promise.all(candidates.map(platformOf)));
  const image = await load(chosen);
  if (want && !platformMatches(want, image.platform)) throw platformNotFound(store.location, want, [image.platform]);
  return { ...image, ...(chosen.name !== undefined && { name: chosen.name }) };
}

/** The descriptors an index lists: `manifests: null` is none, and entries that are not descriptors are skipped. */
export function indexEntries(store: Pick<BlobStore, 'damaged' | 'damagedFix'>, doc: unknown, where: string): Descriptor[] {
  const index = parseWithSchema(IndexSchema, doc, { what: where, code: store.damaged, fix: store.damagedFix });
  return (index.manifests ?? []).flatMap((entry) => {
    const parsed = DescriptorSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The names an index entry gives its image. */
export function namesOf(d: Descriptor): string[] {
  const names = [d.annotations?.[REF_NAME], d.annotations?.[CONTAINERD_NAME]];
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

/**
 * What a walk of the index graph may cost. Indexes may list each other (a cycle) or one index many times: each index
 * is read once (by digest), and the entries examined over the whole walk are capped, so a 20 KB layout cannot make
 * a billion visits nor a registry answer thousands of requests.
 */
export const MAX_INDEXES = 64;
export const MAX_INDEX_ENTRIES = 10_000;

interface Walk {
  out: Candidate[];
  /** the digests of the indexes read (or being read): one listed again adds nothing */
  seen: Set<string>;
  /** entries examined so far, over every index */
  entries: number;
}

async function collectManifests(store: BlobStore, descriptors: Descriptor[], where: string, depth: number, walk: Walk, name?: string): Promise<void> {
  for (const d of descriptors) {
    if (++walk.entries > MAX_INDEX_ENTRIES) {
      throw new GateError(
        store.damaged,
        `${store.location}: its image indexes list more than ${MAX_INDEX_ENTRIES} entries (at ${where})`,
        `${store.damagedFix}; a real image index lists a few platforms`,
      );
    }
    if (isAttestation(d)) continue;
    const ownName = namesOf(d)[0] ?? name;
    if (d.mediaType !== undefined && INDEX_TYPES.has(d.mediaType)) {
      const digest = store.checkDigest(d.digest, where);
      // read already (listed twice, or an index that lists an index above it): nothing new there
      if (walk.seen.has(digest)) continue;
      if (depth >= MAX_INDEX_DEPTH) throw new GateError(store.damaged, `${store.location}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
      if (walk.seen.size >= MAX_INDEXES) {
        throw new GateError(
          store.damaged,
          `${store.location}: more than ${MAX_INDEXES} image indexes to read (at ${where})`,
          `${store.damagedFix}; a real image nests one or two indexes`,
        );
      }
      walk.seen.add(digest);
      const nested = await store.getManifest(digest);
      // The containerd store exports indexes whose blobs were never pulled (moby#49473): nothing to read there.
      if (nested === undefined) continue;
      const nestedWhere = `index ${d.digest} ${store.preposition} ${store.location}`;
      await collectManifests(store, indexEntries(store, nested.doc, nestedWhere), nestedWhere, depth + 1, walk, ownName);
      continue;
    }
    // Unknown media types (artifacts, signatures) must not be an error (image-index.md); a missing one is a manifest.
    if (d.mediaType !== undefined && !MANIFEST_TYPES.has(d.mediaType)) continue;
    store.checkDigest(d.digest, where);
    const platform = descriptorPlatform(d);
    walk.out.push({ descriptor: d, ...(platform && { platform }), ...(ownName !== undefined && { name: ownName }) });
  }
}

async function loadImage(store: BlobStore, manifest: StoredManifest, want: Platform | undefined): Promise<ResolvedManifest> {
  const what = `manifest ${manifest.digest} ${store.preposition} ${store.location}`;
  if (manifest.mediaType !== undefined && !MANIFEST_TYPES.has(manifest.mediaType)) {
    throw new GateError(
      'NOT_AN_IMAGE',
      `${what} is ${manifest.mediaType ? `a ${manifest.mediaType}` : 'a document without a media type'}, not an image manifest or index`,
      'point cuda-gate at a container image',
    );
  }
  const doc = parseWithSchema(ManifestSchema, manifest.doc, { what, code: store.damaged, fix: store.damagedFix });
  const configType = doc.config.mediaType;
  if (configType !== undefined && !CONFIG_TYPES.has(configType)) {
    throw new GateError('NOT_AN_IMAGE', `${what} is an artifact (config ${configType}), not a container image`, 'point cuda-gate at a container image');
  }
  const configDigest = store.checkDigest(doc.config.digest, what);
  const configWhat = `image config ${configDigest} ${store.preposition} ${store.location}`;
  const configBytes = await store.getBlob(configDigest, doc.config.size, configWhat);
  if (configBytes === undefined) throw store.missing('config', configDigest);
  const config = parseImageConfig(configBytes, configWhat, store.damaged);
  const platform = configPlatform(config);
  if (want && !platformMatches(want, platform)) throw platformNotFound(store.location, want, [platform]);

  const listed = doc.layers ?? [];
  // the config's diff_ids pair with the layers one to one; a config that lists another number names none of them
  const diffIds = config.diffIds.length === listed.length ? config.diffIds : undefined;
  const layers: LayerDescriptor[] = listed.map((l, i) => ({
    digest: store.checkDigest(l.digest, what),
    ...(diffIds && { diffId: diffIds[i] }),
    ...(l.size !== undefined && { size: l.size }),
    ...(l.mediaType !== undefined && { mediaType: l.mediaType }),
  }));
  return { manifestDigest: manifest.digest, configDigest, configBytes, config, platform, layers };
}
