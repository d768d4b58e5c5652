/**
 * `docker://HOST/REPO:TAG|@DIGEST`: an image read straight from its registry over the distribution API, no daemon.
 * Opening fetches the manifest (through the index to the requested platform) and the config; readLayers streams
 * the layer blobs a few at a time, each hashed on the way and checked against its digest.
 */
import { GateError } from '../../common/errors';
import { decompressedTar } from '../decompress';
import { mapInOrder } from '../in-order';
import { layerKey, type Image, type LayerContext, type OpenOptions, type SourceRef } from '../types';
import { downloadBlob } from './blob-download';
import { RegistryClient } from './client';
import { findCredential, type Credential } from './credentials';
import { SchemePolicy } from './http';
import { resolveRegistryImage } from './manifests';
import { parseRegistryReference } from './reference';
import { tuningFromEnv, type Tuning } from './retry';

/** Three blobs in flight: two to keep both cores of a standard runner decompressing, one on the wire. */
export const REGISTRY_LAYER_CONCURRENCY = 3;

export async function openRegistryImage(source: SourceRef & { reference: string }, opts: OpenOptions = {}, tuning: Tuning = tuningFromEnv()): Promise<Image> {
  const ref = parseRegistryReference(source.reference);
  const registryOpts = opts.registry ?? {};
  const concurrency = registryOpts.concurrency ?? REGISTRY_LAYER_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new GateError('BAD_ARGUMENT', `registry concurrency must be a whole number of at least 1, not ${concurrency}`);
  }
  let credential: Promise<Credential | undefined> | undefined;
  const client = new RegistryClient(ref, source.raw, {
    policy: new SchemePolicy(registryOpts.insecure),
    tuning,
    // looked up once, and only when the registry asks: anonymous pulls never run a credential helper
    credential: () =>
      (credential ??= findCredential(ref.registry, ref.repository, {
        ...(registryOpts.dockerConfig !== undefined && { dockerConfig: registryOpts.dockerConfig }),
        ...(registryOpts.token !== undefined && { githubToken: registryOpts.token }),
      })),
  });

  const resolved = await resolveRegistryImage(client, opts.platform);
  const { config, platform } = resolved;
  return {
    source: source.raw,
    kind: 'docker',
    ref: source.reference,
    digest: resolved.manifestDigest,
    platform,
    config,
    layers: resolved.layers.map((l) => ({ ...l })),
    async readLayers(read, readOpts) {
      const only = readOpts?.only !== undefined ? new Set(readOpts.only) : undefined;
      const results = await mapInOrder(resolved.layers, concurrency, async (descriptor, index) => {
        // a layer the caller does not ask for is never fetched
        if (only !== undefined && !only.has(layerKey(descriptor))) return undefined;
        const layer: LayerContext = { index, descriptor: { ...descriptor } };
        const what = `layer ${descriptor.digest} of ${source.raw}`;
        const download = downloadBlob(client, descriptor, what);
        let result;
        try {
          const tar = await decompressedTar(download.stream, what);
          result = await read(layer, tar);
        } catch (err) {
          // the transfer's own failure (digest mismatch, broken connection) explains a reader's error best
          throw (await download.settle()) ?? err;
        }
        const failure = await download.settle();
        if (failure) throw failure;
        return result;
      });
      // the manifest named every layer by the digest its blob was verified against: these descriptors are final
      return { layers: resolved.layers.map((l, i) => ({ ...l, index: i })), results, config };
    },
  };
}
