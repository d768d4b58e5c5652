/**
 * Issue 17: a registry cannot keep a run waiting without end. Against a stub registry on 127.0.0.1: a body that
 * drips one byte at a time (the idle timer never fires) meets a deadline per request and per layer blob, and a
 * registry that answers 429 to everything meets a retry budget per image (count and total wait) — each a
 * REGISTRY_ERROR naming what was being fetched. Every path that retries (requests, token requests, re-read small
 * bodies, resumed blob downloads) draws on that one budget: each test here counts requests against it, so a path
 * that retries on its own account fails the count (or, with `tries` in the thousands, the test's timeout).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { runCli } from '../cli/run-cli';
import { openRegistryImage } from '../../src/sources/registry/registry-image';
import { tuningFromEnv, type Tuning } from '../../src/sources/registry/retry';
import type { Image } from '../../src/sources/types';
import { CUDA_FIXTURE, readBack } from '../helpers/cuda-fixture';
import { sha256, writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { breakAfter, RegistryStub } from '../helpers/registry-stub';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';

const FAST: Tuning = { tries: 4, baseDelayMs: 10, maxRetryAfterMs: 5000, idleMs: 300 };
const REPO = 'org/cuda';

let stub: RegistryStub;
let written: WrittenImage;
const timers = new Set<NodeJS.Timeout>();

const source = (): string => `docker://${stub.host}/${REPO}:v1`;

function open(tuning: Tuning): Promise<Image> {
  const raw = source();
  // an empty Docker config: the stub's anonymous token flow, never this machine's credentials
  return openRegistryImage({ raw, kind: 'docker', reference: raw.slice('docker://'.length) }, { registry: { dockerConfig: emptyDockerConfig } }, tuning);
}

const emptyDockerConfig = mkdtempSync(join(tmpdir(), 'cg-docker-config-'));

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

describe('every path draws on the one retry budget', () => {
  const rateLimited = (res: ServerResponse): true => {
    res.writeHead(429, { 'retry-after': '0' }).end();
    return true;
  };

  test('429 on the token endpoint: token requests stop at the budget, naming the token service, the image and the status', async () => {
    stub.tokenAuth = { token: 'anon-token' };
    stub.fault = (req, res) => req.path.startsWith('/token') && rateLimited(res);
    const started = Date.now();
    const err = await gateErrorOf(() => open({ ...FAST, tries: 1000, retryBudget: 4 }));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('answered HTTP 429 (rate limited), and the retry budget for this image is spent (4 retries');
    expect(err.message).toContain(`getting a token from ${stub.host} for ${source()}`);
    expect(stub.requests('/token')).toHaveLength(5);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);

  test('429 on a layer blob: its requests stop at the budget, naming the layer, the image and the status', async () => {
    const digest = written.layerDigests[1];
    stub.fault = (req, res) => req.path.endsWith(`/blobs/${digest}`) && rateLimited(res);
    const image = await open({ ...FAST, tries: 1000, retryBudget: 4 });
    const err = await gateErrorOf(() => readBack(image));
    expect(err.message).toContain('answered HTTP 429 (rate limited), and the retry budget for this image is spent (4 retries');
    expect(err.message).toContain(`downloading layer ${digest} of ${source()}`);
    expect(stub.requests(`/blobs/${digest}`)).toHaveLength(5);
  }, 20_000);

  test.each([
    ['manifest', '/manifests/v1', () => stub.blob(written.manifest.digest), 'manifest v1'],
    ['config', `/blobs/${'CONFIG'}`, () => stub.blob(written.configDigest), 'image config'],
  ])(
    'a %s body cut off on every try is read again only while the budget lasts',
    async (_which, path, body, named) => {
      const at = path.replace('CONFIG', written.configDigest);
      stub.fault = (req, res) => {
        if (!req.path.endsWith(at)) return false;
        breakAfter(res, body(), 10);
        return true;
      };
      const err = await gateErrorOf(() => open({ ...FAST, tries: 1000, retryBudget: 3 }));
      expect(err.code).toBe('REGISTRY_ERROR');
      expect(err.message).toMatch(new RegExp(`^reading ${named}.* of ${source().replace(/[.]/g, '\\.')} failed after 4 attempts: `));
      expect(err.message).toMatch(/closed the connection before the \d+ bytes its Content-Length announced, and the retry budget/);
      expect(err.message).toContain('and the retry budget for this image is spent (3 retries');
      expect(stub.requests(at)).toHaveLength(4);
    },
    20_000,
  );

  test('a layer blob broken on every try is resumed only while the budget lasts', async () => {
    const digest = written.layerDigests[1];
    stub.fault = (req, res) => {
      if (!req.path.endsWith(`/blobs/${digest}`)) return false;
      breakAfter(res, stub.blob(digest), 100);
      return true;
    };
    const image = await open({ ...FAST, tries: 1000, retryBudget: 3 });
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`the download of layer ${digest} of ${source()} broke after 100 bytes and 4 attempts`);
    expect(err.message).toContain('and the retry budget for this image is spent (3 retries');
    expect(stub.requests(`/blobs/${digest}`)).toHaveLength(4);
  }, 20_000);

  test('token retries and blob resumes share one budget: what the token took, the blob no longer has', async () => {
    const digest = written.layerDigests[1];
    stub.tokenAuth = { token: 'anon-token' };
    stub.fault = (req, res) => {
      if (req.path.startsWith('/token') && req.n <= 2) return rateLimited(res);
      if (!req.path.endsWith(`/blobs/${digest}`)) return false;
      breakAfter(res, stub.blob(digest), 100);
      return true;
    };
    const image = await open({ ...FAST, tries: 1000, retryBudget: 5 });
    const err = await gateErrorOf(() => readBack(image));
    expect(err.message).toContain('the retry budget for this image is spent (5 retries');
    expect(stub.requests('/token')).toHaveLength(3);
    // 5 retries, 2 of them spent on the token: 3 resumes after the first try
    expect(stub.requests(`/blobs/${digest}`)).toHaveLength(4);
  }, 20_000);

  test.each([
    ['the registry', '/v2/', 'fetching manifest v1'],
    ['the token endpoint', '/token', 'getting a token from'],
  ])(
    'the CLI: 429 on every request to %s exits 2 naming the image and the status, in bounded time',
    async (_who, prefix, doing) => {
      // the registry's own answers are 401 challenges until a token comes
      stub.tokenAuth = { token: 'anon-token' };
      stub.fault = (req, res) => req.path.startsWith(prefix) && rateLimited(res);
      const saved = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = emptyDockerConfig;
      const started = Date.now();
      try {
        const r = await runCli('check', source(), '--driver', '550.54.15', '--no-cache');
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`is rate-limiting requests (HTTP 429) while ${doing}`);
        expect(r.stderr).toContain(`for ${source()}`);
      } finally {
        if (saved === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = saved;
      }
      // the default tuning: 3 retries of 0.5, 1 and 2 s for the one request that never heals
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(stub.requests(prefix)).toHaveLength(4);
    },
    30_000,
  );

  test('a 429 whose body never ends is dropped, not drained: its connection closes', async () => {
    let closed: Promise<void> | undefined;
    stub.fault = (_req, res) => {
      res.writeHead(429, { 'retry-after': '0' });
      closed ??= new Promise((resolve) => res.on('close', resolve));
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(Buffer.alloc(16 * 1024))), 5);
      timers.add(timer);
      return true;
    };
    const err = await gateErrorOf(() => open({ ...FAST, tries: 2 }));
    expect(err.message).toContain('HTTP 429');
    // read on with no watchdog, that body would hold the socket (and the process) open for good
    await expect(Promise.race([closed, new Promise((r) => setTimeout(() => r('open'), 5_000))])).resolves.toBeUndefined();
  }, 20_000);
});

describe('a blob that never ends (issue 17)', () => {
  /** The manifest with no layer sizes: the blob's length is the registry's word alone. */
  function serveManifestWithoutSizes(): void {
    const doc = JSON.parse(stub.blob(written.manifest.digest).toString()) as { layers: { size?: number }[] };
    for (const layer of doc.layers) delete layer.size;
    const bytes = Buffer.from(JSON.stringify(doc));
    const previous = stub.fault;
    stub.fault = (req, res) => {
      if (!req.path.endsWith('/manifests/v1')) return previous?.(req, res) ?? false;
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': sha256(bytes),
        'content-length': bytes.length,
      });
      res.end(bytes);
      return true;
    };
  }

  /** Sends `body`, then more bytes, for ever: no Content-Length, so only a deadline ends it. */
  function endless(res: ServerResponse, body: Buffer, everyMs: number, chunk: number): void {
    res.writeHead(200);
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        timers.delete(timer);
        return;
      }
      res.write(at < body.length ? body.subarray(at, (at += chunk)) : Buffer.alloc(chunk));
    }, everyMs);
    timers.add(timer);
  }

  test('a layer listed without a size, sent without a length, for ever: fails at the blob deadline naming the layer and the image', async () => {
    const digest = written.layerDigests[0];
    stub.fault = (req, res) => {
      if (!req.path.endsWith(`/blobs/${digest}`)) return false;
      endless(res, stub.blob(digest), 10, 64 * 1024);
      return true;
    };
    serveManifestWithoutSizes();
    const image = await open({ ...FAST, blobDeadlineMs: 1500 });
    expect(image.layers[0].size).toBeUndefined();
    const started = Date.now();
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`the download of layer ${digest} of ${source()} broke after`);
    expect(err.message).toContain('had not finished sending after 1.5 s');
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 20_000);

  test('a layer without a size dripping a byte every 2 s: CUDA_GATE_BLOB_DEADLINE_S ends it, naming the layer and the image', async () => {
    const digest = written.layerDigests[0];
    stub.fault = (req, res) => {
      if (!req.path.endsWith(`/blobs/${digest}`)) return false;
      endless(res, stub.blob(digest), 2000, 1);
      return true;
    };
    serveManifestWithoutSizes();
    // the knob a user has, over the defaults (idle timeout 30 s: a byte every 2 s never trips it)
    const tuning = tuningFromEnv({ CUDA_GATE_BLOB_DEADLINE_S: '3' });
    expect(tuning.idleMs).toBeGreaterThan(2000);
    const image = await open(tuning);
    const started = Date.now();
    const err = await gateErrorOf(() => readBack(image));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`the download of layer ${digest} of ${source()} broke after`);
    expect(err.message).toContain('had not finished sending after 3 s');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
