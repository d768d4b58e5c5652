/**
 * The one index/manifest resolver every layout, archive and registry goes through, over an in-memory blob store:
 * what it descends, skips and chooses, and the GateErrors a document of the wrong shape becomes.
 */
import { createHash } from 'node:crypto';
import { GateError } from '../../src/common/errors';
import { indexEntries, resolveImage, type BlobStore, type StoredManifest } from '../../src/sources/resolve-image';
import type { Descriptor } from '../../src/sources/schemas';
import { gateErrorOf } from '../helpers/gate-error';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';

const digestOf = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A store of JSON documents by digest, as a layout holds them. */
class MemoryStore implements BlobStore {
  readonly location = 'mem';
  readonly preposition = 'in';
  readonly damaged = 'CORRUPT_ARCHIVE';
  readonly damagedFix = 'write it again';
  readonly blobs = new Map<string, string>();

  put(doc: unknown): string {
    const text = JSON.stringify(doc);
    const digest = digestOf(text);
    this.blobs.set(digest, text);
    return digest;
  }
  async getManifest(digest: string): Promise<StoredManifest | undefined> {
    const text = this.blobs.get(digest);
    return text === undefined ? undefined : { digest, doc: JSON.parse(text) as unknown };
  }
  async getBlob(digest: string): Promise<Buffer | undefined> {
    const text = this.blobs.get(digest);
    return text === undefined ? undefined : Buffer.from(text);
  }
  checkDigest(digest: string, where: string): string {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new GateError('CORRUPT_ARCHIVE', `${where} refers to a blob by a malformed digest "${digest}"`);
    return digest;
  }
  missing(what: string, digest: string): GateError {
    return new GateError('CORRUPT_ARCHIVE', `mem lacks the ${what} blob ${digest}`);
  }
}

function image(store: MemoryStore, arch: string, opts: { configType?: string; layers?: unknown[] } = {}): Descriptor {
  const layer = { mediaType: LAYER, digest: digestOf(`layer-${arch}`), size: 10 };
  const config = store.put({
    architecture: arch,
    os: 'linux',
    config: { Env: [`ARCH=${arch}`] },
    rootfs: { type: 'layers', diff_ids: [digestOf(`diff-${arch}`)] },
  });
  const manifest = store.put({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: opts.configType ?? OCI_CONFIG, digest: config, size: 1 },
    layers: opts.layers ?? [layer],
  });
  return { mediaType: OCI_MANIFEST, digest: manifest, platform: { os: 'linux', architecture: arch } };
}

const from = (index: Descriptor[]) => ({ index, where: 'index.json in mem', platformsWhere: 'mem', emptyHint: 'no image here' });

describe('resolveImage', () => {
  test('descends a nested index, skips attestations and artifacts, and picks the platform asked for', async () => {
    const store = new MemoryStore();
    const amd = image(store, 'amd64');
    const arm = image(store, 'arm64');
    const attestation = { mediaType: OCI_MANIFEST, digest: digestOf('att'), platform: { os: 'unknown', architecture: 'unknown' } };
    const nested = store.put({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [attestation, arm, { mediaType: 'application/vnd.cncf.helm.config', digest: digestOf('chart') }],
    });
    const got = await resolveImage(store, from([amd, { mediaType: OCI_INDEX, digest: nested, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }]), {
      os: 'linux',
      architecture: 'arm64',
    });
    expect(got.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(got.config.env).toEqual({ ARCH: 'arm64' });
    expect(got.layers).toEqual([{ digest: digestOf('layer-arm64'), diffId: digestOf('diff-arm64'), size: 10, mediaType: LAYER }]);
    expect(got.name).toBe('v1');
  });

  test('an index whose blob the store lacks is skipped (a platform never pulled); a platform absent lists those present', async () => {
    const store = new MemoryStore();
    const err = await gateErrorOf(() =>
      resolveImage(store, from([image(store, 'amd64'), { mediaType: OCI_INDEX, digest: digestOf('never pulled') }]), { os: 'linux', architecture: 's390x' }),
    );
    expect(err).toMatchObject({ code: 'PLATFORM_NOT_FOUND', message: 'mem has no image for linux/s390x; platforms present: linux/amd64' });
  });

  test('entries that are not descriptors are skipped; an index of none is NOT_AN_IMAGE with the hint', async () => {
    const store = new MemoryStore();
    const entries = indexEntries(store, { manifests: [{ mediaType: OCI_MANIFEST }, 'junk', null] }, 'index.json in mem');
    expect(entries).toEqual([]);
    expect(indexEntries(store, { manifests: null }, 'index.json in mem')).toEqual([]);
    await expect(resolveImage(store, from(entries), undefined)).rejects.toMatchObject({
      code: 'NOT_AN_IMAGE',
      message: 'index.json in mem lists no image manifests',
      hint: 'no image here',
    });
  });

  test("documents of the wrong shape are the store's GateError naming the document and the place", async () => {
    const store = new MemoryStore();
    expect(() => indexEntries(store, [], 'index.json in mem')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_ARCHIVE', message: 'index.json in mem is not an OCI image index' }),
    );
    expect(() => indexEntries(store, { manifests: 'x' }, 'index.json in mem')).toThrow(
      expect.objectContaining({ message: 'index.json in mem: manifests should be a list, not "x"', hint: 'write it again' }),
    );
    const noDigest = image(store, 'amd64', { layers: [{ mediaType: LAYER, size: 3 }] });
    expect(await gateErrorOf(() => resolveImage(store, from([noDigest]), undefined))).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: `manifest ${noDigest.digest} in mem: layers[0].digest is missing (it should be a string)`,
    });
    const badDigest = image(store, 'amd64', { layers: [{ mediaType: LAYER, digest: 'sha256:../../etc' }] });
    expect((await gateErrorOf(() => resolveImage(store, from([badDigest]), undefined))).message).toContain('malformed digest "sha256:../../etc"');
  });

  test('a manifest whose config is not an image config is an artifact: NOT_AN_IMAGE', async () => {
    const store = new MemoryStore();
    const chart = image(store, 'amd64', { configType: 'application/vnd.cncf.helm.config.v1+json' });
    expect(await gateErrorOf(() => resolveImage(store, from([chart]), undefined))).toMatchObject({
      code: 'NOT_AN_IMAGE',
      message: expect.stringContaining('is an artifact (config application/vnd.cncf.helm.config.v1+json)'),
    });
  });

  test("a manifest listed but absent is the store's missing-blob error", async () => {
    const store = new MemoryStore();
    const gone = { mediaType: OCI_MANIFEST, digest: digestOf('gone'), platform: { os: 'linux', architecture: 'amd64' } };
    expect(await gateErrorOf(() => resolveImage(store, from([gone]), undefined))).toMatchObject({ message: `mem lacks the manifest blob ${gone.digest}` });
  });
});
