/**
 * A registry whose Content-Length lies — a body shorter than it says (the connection closes early), longer than it
 * says, or cut off mid-body — is a broken transfer: retried like any other within the retry policy, and when it never
 * heals a REGISTRY_ERROR naming the image, the blob and what was wrong. Never an "internal error".
 */
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isGateError } from '../../src/common/errors';
import { openRegistryImage } from '../../src/sources/registry/registry-image';
import type { Tuning } from '../../src/sources/registry/retry';
import type { Image } from '../../src/sources/types';
import { CUDA_FIXTURE, readBack } from '../helpers/cuda-fixture';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { RegistryStub, type StubRequest } from '../helpers/registry-stub';
import { tempDir } from '../helpers/tmp';

const FAST: Tuning = { tries: 3, baseDelayMs: 5, maxRetryAfterMs: 1000, idleMs: 400 };
const REPO = 'org/cuda';

let stub: RegistryStub;
let written: WrittenImage;

function open(): Promise<Image> {
  const raw = `docker://${stub.host}/${REPO}:v1`;
  return openRegistryImage({ raw, kind: 'docker', reference: raw.slice('docker://'.length) }, {}, FAST);
}

async function outcome(): Promise<unknown> {
  try {
    await readBack(await open());
    return 'ok';
  } catch (e) {
    return e;
  }
}

beforeAll(async () => {
  const dir = join(tempDir(), 'oci');
  written = await writeOciImage(dir, { ...CUDA_FIXTURE, gzip: true }, 'v1');
  stub = await RegistryStub.start();
  stub.serveLayout(dir);
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

type Lie = 'short' | 'long' | 'cut';

/** Writes the response by hand on the socket, with a Content-Length that does not match the body. */
function lie(res: ServerResponse, body: Buffer, how: Lie, headers: Record<string, string> = {}): void {
  const socket = res.socket!;
  const declared = how === 'long' ? body.length - 7 : body.length + 100;
  const sent = how === 'cut' ? body.subarray(0, Math.floor(body.length / 2)) : body;
  const head = Object.entries({ ...headers, 'content-length': String(declared), connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`HTTP/1.1 200 OK\r\n${head}\r\n`);
  socket.end(sent);
}

const targets = () => ({
  manifest: {
    path: `/manifests/v1`,
    bytes: stub.blob(written.manifest.digest),
    headers: { 'content-type': written.manifest.mediaType, 'docker-content-digest': written.manifest.digest },
  },
  config: { path: `/blobs/${written.configDigest}`, bytes: stub.blob(written.configDigest), headers: {} },
  layer: { path: `/blobs/${written.layerDigests[1]}`, bytes: stub.blob(written.layerDigests[1]), headers: {} },
});

describe.each(['manifest', 'config', 'layer'] as const)('the %s', (which) => {
  test.each(['short', 'long', 'cut'] as const)('Content-Length %s on every try: REGISTRY_ERROR naming the image, the blob and the mismatch', async (how) => {
    const t = targets()[which];
    stub.fault = (req: StubRequest, res) => (req.path.endsWith(t.path) ? (lie(res, t.bytes, how, t.headers), true) : false);
    const e = await outcome();
    expect(isGateError(e)).toBe(true);
    if (!isGateError(e)) return;
    expect(e.code).toBe('REGISTRY_ERROR');
    expect(e.toLine()).toContain(`${stub.host}/${REPO}`);
    expect(e.toLine()).toMatch(/Content-Length|bytes/);
    expect(e.toLine()).not.toMatch(/internal error/);
    expect(stub.requests(t.path).length).toBe(FAST.tries);
  });

  test.each(['short', 'long', 'cut'] as const)('Content-Length %s once, then honest: retried, then read', async (how) => {
    const t = targets()[which];
    stub.fault = (req: StubRequest, res) => (req.path.endsWith(t.path) && req.n === 1 ? (lie(res, t.bytes, how, t.headers), true) : false);
    expect(await outcome()).toBe('ok');
    expect(stub.requests(t.path).length).toBe(2);
  });
});
