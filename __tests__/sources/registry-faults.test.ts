/**
 * The registry source against a stub registry on 127.0.0.1 that misbehaves on purpose: transient failures are
 * retried (bounded, honouring Retry-After), a blob broken or stalled mid-stream is resumed where it stopped,
 * what cannot be healed ends in a GateError naming the image and the layer, and a tampered blob never passes.
 */
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parseSourceRef } from '../../src/sources/ref';
import { openRegistryImage } from '../../src/sources/registry/registry-image';
import type { Tuning } from '../../src/sources/registry/retry';
import { registryStats, resetRegistryStats } from '../../src/sources/registry/stats';
import type { Image, OpenOptions } from '../../src/sources/types';
import { CUDA_FIXTURE, contentOf, readBack, type ReadBack } from '../helpers/cuda-fixture';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { breakAfter, RegistryStub } from '../helpers/registry-stub';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';

/** Short delays so retries cost milliseconds here; the defaults are for real networks. */
const FAST: Tuning = { tries: 4, baseDelayMs: 10, maxRetryAfterMs: 5000, idleMs: 300 };
const REPO = 'org/cuda';

let stub: RegistryStub;
let written: WrittenImage;
let plainWritten: WrittenImage;
let reference: ReadBack;

function open(tag = 'v1', opts: OpenOptions = {}, tuning: Tuning = FAST): Promise<Image> {
  const raw = `docker://${stub.host}/${REPO}:${tag}`;
  return openRegistryImage({ raw, kind: 'docker', reference: raw.slice('docker://'.length) }, opts, tuning);
}

const layerPath = (i: number): string => `/blobs/${written.layerDigests[i]}`;

beforeAll(async () => {
  const dir = join(tempDir(), 'oci');
  written = await writeOciImage(dir, { ...CUDA_FIXTURE, gzip: true }, 'v1');
  const plainDir = join(tempDir(), 'plain');
  plainWritten = await writeOciImage(plainDir, CUDA_FIXTURE, 'plain');
  reference = await readBack(await openImage(parseSourceRef(`oci:${dir}:v1`)));
  stub = await RegistryStub.start();
  stub.serveLayout(dir);
  stub.serveLayout(plainDir);
});

afterAll(() => stub.close());

beforeEach(() => {
  stub.reset();
  resetRegistryStats();
});

async function expectSameAsReference(image: Image): Promise<void> {
  const got = await readBack(image);
  expect(got.results.map(contentOf)).toEqual(reference.results.map(contentOf));
  expect(got.view.entries()).toEqual(reference.view.entries());
}

describe('a healthy stub registry', () => {
  test('reads the image as the oci: layout reads it, asking for every current manifest media type', async () => {
    const image = await open();
    expect(image.digest).toBe(written.manifest.digest);
    expect(image.layers.map((l) => l.digest)).toEqual(written.layerDigests);
    expect(image.layers.map((l) => l.diffId)).toEqual(written.diffIds);
    await expectSameAsReference(image);
    const accept = String(stub.requests('/manifests/')[0].headers.accept);
    for (const type of [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ]) {
      expect(accept).toContain(type);
    }
    expect(registryStats()).toMatchObject({ manifestGets: 1, blobGets: 4, layerGets: 3, retries: 0 });
  });
});

describe('transient failures are retried', () => {
  test('a 500 then a 200 on the manifest: one retry, then the image', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/') || req.n > 1) return false;
      res.writeHead(500).end();
      return true;
    };
    await expectSameAsReference(await open());
    expect(stub.requests('/manifests/')).toHaveLength(2);
    expect(registryStats().retries).toBe(1);
  });

  test('a 429 with Retry-After: 1 on a layer is waited out (the default tuning), then the layer is read', async () => {
    stub.fault = (req, res) => {
      if (!req.path.endsWith(layerPath(1)) || req.n > 1) return false;
      res.writeHead(429, { 'retry-after': '1' }).end();
      return true;
    };
    const image = await openImage(parseSourceRef(`docker://${stub.host}/${REPO}:v1`));
    const started = Date.now();
    await expectSameAsReference(image);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(stub.requests(layerPath(1))).toHaveLength(2);
  });

  test('a 429 asking for an hour fails at once, saying it is a rate limit', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      res.writeHead(429, { 'retry-after': '3600' }).end();
      return true;
    };
    const err = await gateErrorOf(() => open());
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('rate-limiting');
    expect(err.message).toContain('3600 s');
    expect(err.hint).toContain('docker login');
    expect(stub.requests('/manifests/')).toHaveLength(1);
  });

  test('a 503 that never heals stops after the bounded number of tries, naming the status and the image', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'maintenance' }] }));
      return true;
    };
    const err = await gateErrorOf(() => open());
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('HTTP 503');
    expect(err.message).toContain('UNAVAILABLE: maintenance');
    expect(err.message).toContain(`docker://${stub.host}/${REPO}:v1`);
    expect(stub.requests('/manifests/')).toHaveLength(FAST.tries);
  });

  test('a connection closed before any answer is retried', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/') || req.n > 1) return false;
      res.socket?.destroy();
      return true;
    };
    await expectSameAsReference(await open());
    expect(stub.requests('/manifests/')).toHaveLength(2);
  });
});

describe('a layer broken mid-stream is resumed where it stopped', () => {
  test('a connection closed mid-blob is resumed with a Range request; the reader sees one unbroken stream', async () => {
    const blob = stub.blob(written.layerDigests[0]);
    const cut = Math.floor(blob.length / 2);
    stub.fault = (req, res) => {
      if (!req.path.endsWith(layerPath(0)) || req.n > 1) return false;
      breakAfter(res, blob, cut);
      return true;
    };
    await expectSameAsReference(await open());
    const gets = stub.requests(layerPath(0));
    expect(gets).toHaveLength(2);
    expect(gets[1].headers.range).toBe(`bytes=${cut}-`);
    expect(registryStats().blobGetsByDigest[written.layerDigests[0]]).toBe(2);
  });

  test('a registry that ignores Range sends the whole blob again; the bytes already passed on are skipped', async () => {
    stub.ignoreRange = true;
    const blob = stub.blob(written.layerDigests[0]);
    stub.fault = (req, res) => {
      if (!req.path.endsWith(layerPath(0)) || req.n > 1) return false;
      breakAfter(res, blob, 100);
      return true;
    };
    await expectSameAsReference(await open());
    expect(stub.requests(layerPath(0))).toHaveLength(2);
  });

  test('a blob that breaks on every try fails naming the layer, the image and how far it got', async () => {
    const blob = stub.blob(written.layerDigests[2]);
    stub.fault = (req, res) => {
      if (!req.path.endsWith(layerPath(2))) return false;
      breakAfter(res, blob, 10); // a 200 each time: a Range the registry ignores
      return true;
    };
    const image = await open();
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`layer ${written.layerDigests[2]} of docker://${stub.host}/${REPO}:v1`);
    expect(err.message).toMatch(/broke after \d+ bytes and 4 attempts/);
  });
});

describe('stalls end in a clear error, not a hang', () => {
  test('a manifest request that stalls once is timed out and retried', async () => {
    stub.fault = (req) => req.path.includes('/manifests/') && req.n === 1; // never answered
    await expectSameAsReference(await open());
    expect(stub.requests('/manifests/')).toHaveLength(2);
  });

  test('a layer that stalls mid-body on every try fails naming the layer and the idle time', async () => {
    const blob = stub.blob(written.layerDigests[1]);
    stub.fault = (req, res) => {
      if (!req.path.endsWith(layerPath(1))) return false;
      const start = Number(/bytes=(\d+)-/.exec(String(req.headers.range ?? ''))?.[1] ?? 0);
      res.writeHead(req.headers.range ? 206 : 200, {
        'content-length': blob.length - start,
        ...(req.headers.range && { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` }),
      });
      res.write(blob.subarray(start, start + 5)); // then nothing
      return true;
    };
    const image = await open();
    const started = Date.now();
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`layer ${written.layerDigests[1]}`);
    expect(err.message).toContain('no data from');
    expect(err.message).toContain('0.3 s');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stub.requests(layerPath(1))).toHaveLength(FAST.tries);
  });
});

describe('digests are verified', () => {
  test('a layer blob whose bytes do not match its digest is DIGEST_MISMATCH naming the layer', async () => {
    const digest = written.layerDigests[1];
    const good = stub.blob(digest);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    stub.replaceBlob(digest, bad);
    try {
      const err = await gateErrorOf(async () => readBack(await open()));
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`layer ${digest} of docker://${stub.host}/${REPO}:v1`);
    } finally {
      stub.replaceBlob(digest, good);
    }
  });

  test('a mismatch in bytes the reader never read (it stopped early) still fails the read', async () => {
    const digest = plainWritten.layerDigests[0];
    const good = stub.blob(digest);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0x01; // the last byte of the tar's zero padding
    stub.replaceBlob(digest, bad);
    let finished = 0;
    try {
      const image = await open('plain');
      const err = await gateErrorOf(() =>
        image.readLayers(async (layer, tar) => {
          // a reader that has what it wants after the first chunk, as a header-only scan might
          await new Promise((resolve) => tar.once('data', resolve));
          tar.destroy();
          if (layer.index === 0) finished++;
          return layer.index;
        }),
      );
      expect(finished).toBe(1);
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(digest);
    } finally {
      stub.replaceBlob(digest, good);
    }
  });

  test('a manifest whose Docker-Content-Digest does not match its bytes is DIGEST_MISMATCH', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      const body = stub.blob(written.manifest.digest);
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'0'.repeat(64)}` });
      res.end(body);
      return true;
    };
    expect(await gateErrorOf(() => open())).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`sha256:${'0'.repeat(64)}`) });
  });

  test('pulled by digest, a manifest must hash to that digest', async () => {
    const other = `sha256:${'a'.repeat(64)}`;
    stub.fault = (req, res) => {
      if (!req.path.endsWith(`/manifests/${other}`)) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(stub.blob(written.manifest.digest));
      return true;
    };
    const raw = `docker://${stub.host}/${REPO}@${other}`;
    const err = await gateErrorOf(() => openRegistryImage({ raw, kind: 'docker', reference: raw.slice(9) }, {}, FAST));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain(written.manifest.digest);
  });
});

describe('what the registry answers that is not an image', () => {
  test('a schema 1 manifest is NOT_AN_IMAGE with the fix', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' });
      res.end(JSON.stringify({ schemaVersion: 1, name: REPO, tag: 'v1', fsLayers: [] }));
      return true;
    };
    const err = await gateErrorOf(() => open());
    expect(err.code).toBe('NOT_AN_IMAGE');
    expect(err.message).toContain('schema 1');
  });

  test('a manifest larger than the metadata cap is refused before it is read', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': 64 * 1024 * 1024 });
      res.write('{');
      return true;
    };
    expect(await gateErrorOf(() => open())).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  test('an unknown tag is IMAGE_NOT_FOUND naming the tag and how to list tags', async () => {
    const err = await gateErrorOf(() => open('nope'));
    expect(err.code).toBe('IMAGE_NOT_FOUND');
    expect(err.message).toContain('has no tag nope');
    expect(err.hint).toContain('skopeo list-tags');
  });

  test('a redirect to a plain-HTTP host that is not loopback is refused before connecting', async () => {
    stub.blobRedirect = 'http://registry-cdn.example';
    const err = await gateErrorOf(async () => readBack(await open()));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('refusing to fetch http://registry-cdn.example');
    expect(err.message).toContain('over plain HTTP');
    expect(stub.requests('/cdn/')).toHaveLength(0);
  });
});
