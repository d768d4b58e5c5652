/**
 * Registry authentication end to end: the Bearer token flow (anonymous, Basic at the token endpoint, OAuth2
 * refresh for identity tokens, a re-challenge for a new scope) against the stub registry; Basic auth against a real
 * docker-registry with htpasswd, credentials from a Docker config dir and from a credential helper; Authorization
 * never following a redirect to another origin; failures that say how to log in and never echo a secret.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parseSourceRef } from '../../src/sources/ref';
import { openRegistryImage } from '../../src/sources/registry/registry-image';
import type { Tuning } from '../../src/sources/registry/retry';
import type { Image, RegistryOptions } from '../../src/sources/types';
import { CUDA_FIXTURE, contentOf, readBack, type ReadBack } from '../helpers/cuda-fixture';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { describeWithRegistry, push, startRegistry, uniqueRepo, type LocalRegistry } from '../helpers/registry';
import { RegistryStub } from '../helpers/registry-stub';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';

const FAST: Tuning = { tries: 3, baseDelayMs: 10, maxRetryAfterMs: 5000, idleMs: 2000 };
const REPO = 'org/cuda';
const USER = 'gate-user';
const PASSWORD = 'pa55-w0rd-not-to-leak';

let ociDir: string;
let written: WrittenImage;
let reference: ReadBack;

beforeAll(async () => {
  ociDir = join(tempDir(), 'oci');
  written = await writeOciImage(ociDir, { ...CUDA_FIXTURE, gzip: true }, 'v1');
  reference = await readBack(await openImage(parseSourceRef(`oci:${ociDir}:v1`)));
});

async function expectSameAsReference(image: Image): Promise<void> {
  const got = await readBack(image);
  expect(got.results.map(contentOf)).toEqual(reference.results.map(contentOf));
  expect(got.view.entries()).toEqual(reference.view.entries().map((e) => ({ ...e, layerDigest: got.results[e.layerIndex].digest })));
}

/** A Docker config dir holding `config` as config.json. */
function dockerConfig(config: unknown): string {
  const dir = tempDir('cg-docker-config-');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const basic = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

describe('Bearer token flow (stub registry)', () => {
  let stub: RegistryStub;
  let cdn: RegistryStub;

  beforeAll(async () => {
    stub = await RegistryStub.start();
    stub.serveLayout(ociDir);
    cdn = await RegistryStub.start();
    cdn.serveLayout(ociDir);
  });
  afterAll(async () => {
    await stub.close();
    await cdn.close();
  });
  beforeEach(() => {
    stub.reset();
    cdn.reset();
  });

  const open = (registry: RegistryOptions = {}): Promise<Image> => {
    const raw = `docker://${stub.host}/${REPO}:v1`;
    return openRegistryImage({ raw, kind: 'docker', reference: raw.slice('docker://'.length) }, { registry }, FAST);
  };
  const emptyConfig = (): RegistryOptions => ({ dockerConfig: dockerConfig({}) });

  test('an anonymous token is fetched once from the challenge realm (service and scope) and sent on every request', async () => {
    stub.tokenAuth = { token: 'anon-token' };
    await expectSameAsReference(await open(emptyConfig()));
    const tokens = stub.requests('/token');
    expect(tokens).toHaveLength(1);
    const query = new URL(tokens[0].path, stub.origin).searchParams;
    expect(query.get('service')).toBe('stub-registry');
    expect(query.getAll('scope')).toEqual([`repository:${REPO}:pull`]);
    expect(tokens[0].headers.authorization).toBeUndefined();
    const api = stub.requests('/v2/');
    expect(api[0].headers.authorization).toBeUndefined(); // the first GET is what earns the challenge
    expect(api.slice(1).every((r) => r.headers.authorization === 'Bearer anon-token')).toBe(true);
  });

  test('a token answer with access_token only is accepted', async () => {
    stub.tokenAuth = { token: 'oauth-style', accessTokenOnly: true };
    await expectSameAsReference(await open(emptyConfig()));
  });

  test('credentials from config.json auths go to the token endpoint as Basic, with the account', async () => {
    stub.tokenAuth = { token: 'user-token', basic: `${USER}:${PASSWORD}` };
    const config = dockerConfig({ auths: { [`http://${stub.host}`]: { auth: basic(USER, PASSWORD) } } });
    await expectSameAsReference(await open({ dockerConfig: config }));
    const token = stub.requests('/token')[0];
    expect(token.headers.authorization).toBe(`Basic ${basic(USER, PASSWORD)}`);
    expect(new URL(token.path, stub.origin).searchParams.get('account')).toBe(USER);
  });

  test('rejected credentials are AUTH_FAILED naming where they came from, never what they are', async () => {
    stub.tokenAuth = { token: 'user-token', basic: `${USER}:right` };
    const config = dockerConfig({ auths: { [stub.host]: { username: USER, password: PASSWORD } } });
    const err = await gateErrorOf(() => open({ dockerConfig: config }));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('rejected the credentials');
    expect(err.message).toContain(join(config, 'config.json'));
    expect(err.hint).toContain(`docker login ${stub.host}`);
    expect(err.toLine()).not.toContain(PASSWORD);
    expect(err.toLine()).not.toContain(basic(USER, PASSWORD));
  });

  test('a realm that wants credentials when none are configured: AUTH_FAILED saying to docker login', async () => {
    stub.tokenAuth = { token: 'user-token', basic: `${USER}:${PASSWORD}` };
    const err = await gateErrorOf(() => open(emptyConfig()));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('needs credentials');
    expect(err.hint).toContain(`docker login ${stub.host}`);
  });

  test('an identity token is exchanged with an OAuth2 refresh_token POST', async () => {
    stub.tokenAuth = { token: 'refreshed', refreshToken: 'refresh-me' };
    const config = dockerConfig({ auths: { [stub.host]: { auth: basic(USER, 'unused'), identitytoken: 'refresh-me' } } });
    await expectSameAsReference(await open({ dockerConfig: config }));
    const token = stub.requests('/token')[0];
    expect(token.method).toBe('POST');
    const form = new URLSearchParams(token.body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh-me');
    expect(form.get('service')).toBe('stub-registry');
    expect(form.get('scope')).toBe(`repository:${REPO}:pull`);
    expect(form.get('client_id')).toBeTruthy();
  });

  test('a 401 asking for a new scope fetches a new token holding both scopes, the new one first', async () => {
    stub.tokenAuth = { token: 't1', extraTokens: ['t2'] };
    const other = 'repository:org/base:pull';
    stub.fault = (req, res) => {
      if (req.path.startsWith('/token') && req.path.includes(encodeURIComponent(other))) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 't2' }));
        return true;
      }
      if (req.path.includes('/blobs/') && req.headers.authorization === 'Bearer t1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${stub.origin}/token",service="stub-registry",scope="${other}"` }).end();
        return true;
      }
      return false;
    };
    await expectSameAsReference(await open(emptyConfig()));
    const tokens = stub.requests('/token');
    expect(tokens).toHaveLength(2);
    expect(new URL(tokens[1].path, stub.origin).searchParams.getAll('scope')).toEqual([other, `repository:${REPO}:pull`]);
    expect(stub.requests('/blobs/').filter((r) => r.headers.authorization === 'Bearer t2').length).toBe(1 + written.layerDigests.length);
  });

  test('parallel layer downloads meeting an expired token share one new token', async () => {
    stub.tokenAuth = { token: 't1', extraTokens: ['t2'] };
    const layers = new Set(written.layerDigests.map((d) => `/blobs/${d}`));
    stub.fault = (req, res) => {
      if (req.path.startsWith('/token')) {
        // the first token lives 1 s: expired by the time the layers are asked for
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.n === 1 ? { token: 't1', expires_in: 1 } : { token: 't2' }));
        return true;
      }
      if ([...layers].some((l) => req.path.endsWith(l)) && req.headers.authorization === 'Bearer t1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${stub.origin}/token",service="stub-registry",scope="repository:${REPO}:pull"` }).end();
        return true;
      }
      return false;
    };
    await expectSameAsReference(await open(emptyConfig()));
    expect(stub.requests('/token')).toHaveLength(2);
  });

  test.each([
    ['null', 'null', 'is not a JSON object'],
    ['a list', '["t"]', 'is not a JSON object'],
    ['an object without a token', '{"token":5,"expires_in":"soon"}', 'answered without a token'],
  ])('a token answer that is %s is REGISTRY_ERROR naming the token service, never an internal error', async (_what, body, said) => {
    stub.tokenAuth = { token: 'never-sent' };
    stub.fault = (req, res) => {
      if (!req.path.startsWith('/token')) return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return true;
    };
    const err = await gateErrorOf(() => open(emptyConfig()));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(`token service ${stub.host}`);
    expect(err.message).toContain(said);
    expect(err.message).toContain(`docker://${stub.host}/${REPO}:v1`);
  });

  test('a 403 is AUTH_FAILED saying access was denied', async () => {
    stub.fault = (req, res) => {
      if (!req.path.includes('/manifests/')) return false;
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }));
      return true;
    };
    const err = await gateErrorOf(() => open(emptyConfig()));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain(`denied access to ${REPO}`);
    expect(err.message).toContain('DENIED: requested access to the resource is denied');
  });

  test('blob GETs redirected to another origin carry no Authorization there', async () => {
    stub.tokenAuth = { token: 'secret-token' };
    stub.blobRedirect = cdn.origin;
    await expectSameAsReference(await open(emptyConfig()));
    const fetched = cdn.requests('/cdn/');
    expect(fetched).toHaveLength(1 + written.layerDigests.length); // the config and every layer
    expect(fetched.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(stub.requests('/blobs/').every((r) => r.headers.authorization === 'Bearer secret-token')).toBe(true);
  });

  test('a credential helper named by credsStore is asked with the registry on stdin', async () => {
    stub.tokenAuth = { token: 'helper-token', basic: `${USER}:${PASSWORD}` };
    const bin = tempDir('cg-helper-');
    const asked = join(bin, 'asked');
    const helper = join(bin, 'docker-credential-cgtest');
    writeFileSync(helper, `#!/bin/sh\n[ "$1" = get ] || exit 2\ncat > ${asked}\nprintf '%s' '{"ServerURL":"x","Username":"${USER}","Secret":"${PASSWORD}"}'\n`);
    chmodSync(helper, 0o755);
    const config = dockerConfig({ credsStore: 'cgtest', auths: { [stub.host]: {} } });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await expectSameAsReference(await open({ dockerConfig: config }));
    } finally {
      process.env.PATH = path;
    }
    expect(readFileSync(asked, 'utf8')).toBe(stub.host);
    expect(stub.requests('/token')[0].headers.authorization).toBe(`Basic ${basic(USER, PASSWORD)}`);
  });
});

describeWithRegistry(
  'Basic auth (a real docker-registry with htpasswd)',
  () => {
    let registry: LocalRegistry;
    let name: string;

    beforeAll(async () => {
      registry = await startRegistry({ user: USER, password: PASSWORD });
      name = `${registry.host}/${uniqueRepo('basic-auth')}:1`;
      await push(`oci:${ociDir}:v1`, name, { format: 'oci', creds: `${USER}:${PASSWORD}` });
    });
    afterAll(() => registry?.stop());

    test('credentials from DOCKER_CONFIG/config.json auths are sent as Basic and the image reads as from its layout', async () => {
      const dir = dockerConfig({ auths: { [registry.host]: { auth: basic(USER, PASSWORD) } } });
      const before = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = dir;
      try {
        await expectSameAsReference(await openImage(parseSourceRef(`docker://${name}`)));
      } finally {
        if (before === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = before;
      }
    });

    test('an auths key written as a URL (scheme and path) still names the registry', async () => {
      const dir = dockerConfig({ auths: { [`http://${registry.host}/v2/`]: { username: USER, password: PASSWORD } } });
      await expectSameAsReference(await openImage(parseSourceRef(`docker://${name}`), { registry: { dockerConfig: dir } }));
    });

    test('without credentials: AUTH_FAILED naming the image and saying to docker login that host', async () => {
      const err = await gateErrorOf(() => openImage(parseSourceRef(`docker://${name}`), { registry: { dockerConfig: dockerConfig({}) } }));
      expect(err.code).toBe('AUTH_FAILED');
      expect(err.message).toContain(`docker://${name} needs credentials`);
      expect(err.hint).toContain(`docker login ${registry.host}`);
    });

    test('a wrong password: AUTH_FAILED saying the credentials were rejected, without the password', async () => {
      const dir = dockerConfig({ auths: { [registry.host]: { auth: basic(USER, 'wrong-password') } } });
      const err = await gateErrorOf(() => openImage(parseSourceRef(`docker://${name}`), { registry: { dockerConfig: dir } }));
      expect(err.code).toBe('AUTH_FAILED');
      expect(err.message).toContain('rejected the credentials');
      expect(err.toLine()).not.toContain('wrong-password');
    });
  },
  { own: true },
);
