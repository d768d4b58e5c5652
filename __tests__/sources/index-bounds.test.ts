/**
 * Issue 17: the walk of an image's index graph is bounded. Indexes that list each other many times (a 20 KB layout
 * made 85 s and 2 GB of visits; a registry, thousands of requests) are read once each by digest, and the indexes
 * read, the entries examined and the manifests loaded to learn a platform are capped with an error naming the store.
 */
import { createHash } from 'node:crypto';
import { GateError } from '../../src/common/errors';
import { MAX_INDEX_ENTRIES, MAX_INDEXES, resolveImage, type BlobStore, type StoredManifest } from '../../src/sources/resolve-image';
import type { Descriptor } from '../../src/sources/schemas';
import { gateErrorOf } from '../helpers/gate-error';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

const digestOf = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Documents by digest, counting the reads a registry would answer. */
class CountingStore implements BlobStore {
  readonly location = 'layout';
  readonly preposition = 'in';
  readonly damaged = 'CORRUPT_ARCHIVE';
  readonly damagedFix = 'write it again';
  readonly blobs = new Map<string, string>();
  reads = 0;

  put(doc: unknown, digest = digestOf(JSON.stringify(doc))): string {
    this.blobs.set(digest, JSON.stringify(doc));
    return digest;
  }
  async getManifest(digest: string): Promise<StoredManifest | undefined> {
    this.reads++;
    const text = this.blobs.get(digest);
    return text === undefined ? undefined : { digest, doc: JSON.parse(text) as unknown };
  }
  async getBlob(digest: string): Promise<Buffer | undefined> {
    const text = this.blobs.get(digest);
    return text === undefined ? undefined : Buffer.from(text);
  }
  checkDigest(digest: string): string {
    return digest;
  }
  missing(what: string, digest: string): GateError {
    return new GateError('CORRUPT_ARCHIVE', `layout lacks the ${what} blob ${digest}`);
  }
}

function image(store: CountingStore, arch: string, platform = true): Descriptor {
  const config = store.put({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const manifest = store.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: config, size: 1 }, layers: [] });
  return { mediaType: OCI_MANIFEST, digest: manifest, ...(platform && { platform: { os: 'linux', architecture: arch } }) };
}

const from = (index: Descriptor[]) => ({ index, where: 'index.json in layout', platformsWhere: 'layout', emptyHint: 'no image here' });
const indexRef = (digest: string): Descriptor => ({ mediaType: OCI_INDEX, digest });

describe('index graph bounds (issue 17)', () => {
  test('indexes that list each other (and themselves) many times are each read once, and the image is found', async () => {
    const store = new CountingStore();
    const arm = image(store, 'arm64');
    const ids = Array.from({ length: 3 }, (_, i) => digestOf(`index-${i}`));
    // each index lists all three, 100 times over (300^4 visits without memoising), the last one the image too
    ids.forEach((id, i) =>
      store.put(
        { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...Array.from({ length: 100 }, () => ids.map(indexRef)).flat(), ...(i === 2 ? [arm] : [])] },
        id,
      ),
    );
    const got = await resolveImage(store, from([indexRef(ids[0])]), { os: 'linux', architecture: 'arm64' });
    expect(got.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    // three indexes and the one manifest chosen
    expect(store.reads).toBe(4);
  }, 10_000);

  test(`more than ${MAX_INDEX_ENTRIES} entries over all the indexes is an error naming the layout`, async () => {
    const store = new CountingStore();
    const amd = image(store, 'amd64');
    const ids = Array.from({ length: 60 }, (_, i) =>
      store.put({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: Array.from({ length: 200 }, () => amd), n: i }),
    );
    const err = await gateErrorOf(() => resolveImage(store, from(ids.map(indexRef)), undefined));
    expect(err).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringMatching(new RegExp(`^layout: its image indexes list more than ${MAX_INDEX_ENTRIES} entries \\(at index sha256:`)),
    });
    expect(store.reads).toBeLessThanOrEqual(51);
  });

  test(`more than ${MAX_INDEXES} distinct indexes is an error before the ${MAX_INDEXES + 1}th is read`, async () => {
    const store = new CountingStore();
    const ids = Array.from({ length: 100 }, (_, i) => store.put({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], n: i }));
    const err = await gateErrorOf(() => resolveImage(store, from(ids.map(indexRef)), undefined));
    expect(err).toMatchObject({ code: 'CORRUPT_ARCHIVE', message: `layout: more than ${MAX_INDEXES} image indexes to read (at index.json in layout)` });
    expect(store.reads).toBe(MAX_INDEXES);
  });

  test(`manifests without a platform are loaded to learn theirs, at most ${MAX_INDEXES}`, async () => {
    const store = new CountingStore();
    const many = Array.from({ length: 200 }, (_, i) => image(store, `arch${i}`, false));
    const err = await gateErrorOf(() => resolveImage(store, from(many), { os: 'linux', architecture: 's390x' }));
    expect(err).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringContaining(`more than ${MAX_INDEXES} image manifests to read to learn their platforms`),
    });
    expect(store.reads).toBe(MAX_INDEXES);
  });
});
