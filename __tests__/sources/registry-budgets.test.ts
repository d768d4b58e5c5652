/**
 * Issue 17: a registry cannot keep a run waiting without end. Against a stub registry on 127.0.0.1: a body that
 * drips one byte at a time (the idle timer never fires) meets a deadline per request and per layer blob, and a
 * registry that answers 429 to everything meets a retry budget per image (count and total wait) — each a
 * REGISTRY_ERROR naming what was being fetched.
 */
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { openRegistryImage } from '../../src/sources/registry/registry-image';
import { tuningFromEnv, type Tuning } from '../../src/sources/registry/retry';
import type { Image } from '../../src/sources/types';
import { CUDA_FIXTURE, readBack } from '../helpers/cuda-fixture';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { RegistryStub } from '../helpers/registry-stub';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';

const FAST: Tuning = { tries: 4, baseDelayMs: 10, maxRetryAfterMs: 5000, idleMs: 300 };
const REPO = 'org/cuda';

let stub: RegistryStub;
let written: WrittenImage;
const timers = new Set<NodeJS.Timeout>();

function open(tuning: Tuning): Promise<Image> {
  const raw = `docker://${stub.host}/${REPO}:v1`;
  return openRegistryImage({ raw, kind: 'docker', reference: raw.slice('docker://'.length) }, {}, tuning);
}

/** Sends `body` a byte every `everyMs` (well inside the idle timeout), for as long as the client listens. */
function drip(res: ServerResponse, body: Buffer, everyMs: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(200, { 'content-length': body.length, ...headers });
  let at = 0;
  const timer = setInterval(() => {
    if (at >= body.length || res.destroyed) {
      clearInterval(timer);
      timers.delete(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(body.subarray(at, ++at));
  }, everyMs);
  timers.add(timer);
}

beforeAll(async () => {
  const dir = join(tempDir(), 'oci');
  written = await writeOciImage(dir, { ...CUDA_FIXTURE, gzip: true }, 'v1');
  stub = await RegistryStub.start();
  stub.serveLayout(dir);
});

afterEach(() => {
  for (const t of timers) clearInterval(t);
  timers.clear();
  stub.reset();
});

afterAll(() => stub.close());

describe('deadlines (issue 17)', () => {
  test('a layer blob dripping a byte every 100 ms fails at the blob deadline, naming the layer', async () => {
    const digest = written.layerDigests[1];
    const blob = stub.blob(digest);
    // without the deadline this drip would outlast the test's timeout
    expect(blob.length * 100).toBeGreaterThan(20_000);
    stub.fault = (req, res) => {
      if (!req.path.endsWith(`/blobs/${digest}`)) return false;
      drip(res, blob, 100);
      return true;
    };
    const image = await open({ ...FAST, blobDeadlineMs: 1000 });
    const started = Date.now();
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`layer ${digest} of docker://${stub.host}/${REPO}:v1`);
    expect(err.message).toContain('had not finished sending after 1 s');
    expect(Date.now() - started).toBeLessThan(6_000);
  }, 20_000);

  test('a manifest dripping a byte every 50 ms fails at the request deadline, naming the manifest', async () => {
    expect(stub.blob(written.manifest.digest).length * 50).toBeGreaterThan(20_000);
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      drip(res, stub.blob(written.manifest.digest), 50, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      return true;
    };
    const started = Date.now();
    const err = await gateErrorOf(() => open({ ...FAST, tries: 1, requestDeadlineMs: 500 }));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`manifest v1 of docker://${stub.host}/${REPO}:v1`);
    expect(err.message).toContain('had not finished sending after 0.5 s');
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);

  test('CUDA_GATE_BLOB_DEADLINE_S sets the blob deadline; a value that is not whole seconds is BAD_ARGUMENT', () => {
    expect(tuningFromEnv({}).blobDeadlineMs).toBeUndefined();
    expect(tuningFromEnv({ CUDA_GATE_BLOB_DEADLINE_S: '90' }).blobDeadlineMs).toBe(90_000);
    expect(() => tuningFromEnv({ CUDA_GATE_BLOB_DEADLINE_S: '1.5h' })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});

describe('the retry budget (issue 17)', () => {
  const always429 = (after: string) => (_req: unknown, res: ServerResponse) => {
    res.writeHead(429, { 'retry-after': after }).end();
    return true;
  };

  test('429 with Retry-After: 0 on every request stops at the budgeted number of retries, not after tries × requests', async () => {
    stub.fault = always429('0');
    const err = await gateErrorOf(() => open({ ...FAST, tries: 1000, retryBudget: 5 }));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('answered HTTP 429 (rate limited), and the retry budget for this image is spent (5 retries');
    expect(err.message).toContain(`fetching manifest v1 for docker://${stub.host}/${REPO}:v1`);
    expect(err.hint).toContain('docker login');
    expect(stub.requests('/manifests/')).toHaveLength(6);
  }, 20_000);

  test('429 with Retry-After: 1 is honoured until the budget of waiting is spent', async () => {
    stub.fault = always429('1');
    const started = Date.now();
    const err = await gateErrorOf(() => open({ ...FAST, tries: 1000, retryWaitBudgetMs: 2500 }));
    expect(err.message).toContain('the retry budget for this image is spent (2 retries, 2 s of waiting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(stub.requests('/manifests/')).toHaveLength(3);
  }, 20_000);
});
