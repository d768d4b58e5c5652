/**
 * The registry source's pieces on their own: reference normalisation (Docker Hub names), WWW-Authenticate parsing,
 * which hosts may be reached over plain HTTP, Retry-After, TLS failures said as such, and the credential lookup
 * (config.json auths in every spelling, REGISTRY_AUTH_FILE, DOCKER_CONFIG, credential helpers, the ghcr.io token).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GateError } from '../../src/common/errors';
import { parseChallenges } from '../../src/sources/registry/auth';
import { findCredential, type CredentialSources } from '../../src/sources/registry/credentials';
import { networkError } from '../../src/sources/registry/errors';
import { SchemePolicy, send, type HttpResponse } from '../../src/sources/registry/http';
import { parseRegistryReference, registryOfKey } from '../../src/sources/registry/reference';
import { retryAfterMs } from '../../src/sources/registry/retry';
import { tempDir } from '../helpers/tmp';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseRegistryReference', () => {
  test.each([
    ['ubuntu', { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/ubuntu', tag: 'latest', manifestRef: 'latest' }],
    ['nvidia/cuda:12.4.1-base-ubuntu22.04', { registry: 'docker.io', repository: 'nvidia/cuda', tag: '12.4.1-base-ubuntu22.04' }],
    ['docker.io/library/ubuntu:24.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '24.04' }],
    ['index.docker.io/ubuntu', { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/ubuntu' }],
    ['ghcr.io/org/app:pr-42', { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'org/app', tag: 'pr-42' }],
    ['nvcr.io/nvidia/pytorch:24.01-py3', { registry: 'nvcr.io', repository: 'nvidia/pytorch', tag: '24.01-py3' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/a/b/c:1', { registry: 'localhost:5000', apiHost: 'localhost:5000', repository: 'a/b/c', tag: '1' }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    [`ghcr.io/org/app@${DIGEST}`, { repository: 'org/app', digest: DIGEST, manifestRef: DIGEST }],
    [`ghcr.io/org/app:1@${DIGEST}`, { tag: '1', digest: DIGEST, manifestRef: DIGEST }],
  ])('%s', (reference, expected) => {
    expect(parseRegistryReference(reference)).toMatchObject(expected);
  });

  test('a pull by digest alone has no tag', () => {
    expect(parseRegistryReference(`ghcr.io/org/app@${DIGEST}`).tag).toBeUndefined();
  });

  test('a digest cuda-gate cannot verify is refused up front', () => {
    expect(() => parseRegistryReference(`ghcr.io/org/app@sha256:${'AB'.repeat(32)}`)).toThrow(GateError);
    expect(() => parseRegistryReference(`ghcr.io/org/app@md5:${'ab'.repeat(16)}`)).toThrow('cannot verify');
  });
});

describe('registryOfKey (config.json keys, helper server URLs)', () => {
  test.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['GHCR.IO', 'ghcr.io'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
    ['nvcr.io', 'nvcr.io'],
  ])('%s -> %s', (key, registry) => {
    expect(registryOfKey(key)).toBe(registry);
  });
});

describe('parseChallenges', () => {
  test('Docker Hub style Bearer', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"')).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
      },
    ]);
  });

  test('several challenges, spaces, quoted commas and escapes, bare tokens', () => {
    expect(parseChallenges('Basic realm="a, b \\"c\\"" , Bearer realm=https://x/token, service = svc')).toEqual([
      { scheme: 'basic', params: { realm: 'a, b "c"' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', service: 'svc' } },
    ]);
  });

  test('garbage does not throw', () => {
    for (const junk of ['', '=', '"', 'Bearer realm="unterminated', ',,,', 'Negotiate abc==']) {
      expect(() => parseChallenges(junk)).not.toThrow();
    }
  });
});

describe('SchemePolicy', () => {
  const policy = new SchemePolicy(['registry.lan:5000', 'mirror.lan']);

  test('loopback hosts and listed ones are plain HTTP; everything else HTTPS', () => {
    expect(policy.schemeFor('127.0.0.1:5000')).toBe('http:');
    expect(policy.schemeFor('127.8.9.10')).toBe('http:');
    expect(policy.schemeFor('localhost:5000')).toBe('http:');
    expect(policy.schemeFor('[::1]:5000')).toBe('http:');
    expect(policy.schemeFor('registry.lan:5000')).toBe('http:');
    expect(policy.schemeFor('mirror.lan:443')).toBe('http:');
    expect(policy.schemeFor('registry.lan:6000')).toBe('https:');
    expect(policy.schemeFor('ghcr.io')).toBe('https:');
    expect(policy.schemeFor('128.0.0.1')).toBe('https:');
  });

  test('https is always allowed; http only where the scheme would be http', () => {
    expect(policy.allows(new URL('https://cdn.example/x'))).toBe(true);
    expect(policy.allows(new URL('http://cdn.example/x'))).toBe(false);
    expect(policy.allows(new URL('http://127.0.0.1:1/x'))).toBe(true);
    expect(policy.allows(new URL('ftp://127.0.0.1/x'))).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const res = (value?: string): HttpResponse => ({ headers: value === undefined ? {} : { 'retry-after': value } }) as unknown as HttpResponse;
  test('seconds, an HTTP date, nothing, nonsense', () => {
    expect(retryAfterMs(res('1'))).toBe(1000);
    expect(retryAfterMs(res('Wed, 21 Oct 2015 07:28:10 GMT'), Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs(res())).toBeUndefined();
    expect(retryAfterMs(res('soon'))).toBeUndefined();
  });
});

describe('network failures said as such', () => {
  test.each([
    ['ECONNREFUSED', 'connection refused', 'is the registry running'],
    ['ENOTFOUND', 'cannot resolve the registry host', 'DNS'],
    ['CERT_HAS_EXPIRED', 'TLS failed', 'NODE_EXTRA_CA_CERTS'],
    ['ECONNRESET', 'network error', 'retry later'],
  ])('%s', (code, said, hint) => {
    const err = networkError(Object.assign(new Error(`boom ${code}`), { code }), 'r.example:5000', 'docker://r.example:5000/a:1', 'fetching manifest 1');
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringContaining(said), hint: expect.stringContaining(hint) });
    expect(err.message).toContain('r.example:5000');
    expect(err.message).toContain('docker://r.example:5000/a:1');
  });

  test('TLS spoken to a plain-HTTP server is a REGISTRY_ERROR that says TLS and how to fix it', async () => {
    const server = createServer((_req, res) => res.end('plain'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const err = await send({ method: 'GET', url: new URL(`https://${host}/v2/`), idleMs: 2000 }, new SchemePolicy()).then(
        () => undefined,
        (e: unknown) => e,
      );
      const gate = networkError(err, host, `docker://${host}/app:1`, 'fetching manifest 1');
      expect(gate.code).toBe('REGISTRY_ERROR');
      expect(gate.message).toContain(`TLS failed with ${host}`);
      expect(gate.hint).toContain('insecure');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('findCredential', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  /** A Docker config dir with `config` as config.json. */
  const configDir = (config: unknown): string => {
    const dir = tempDir('cg-cred-');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };
  const only = (config: unknown, extra: Partial<CredentialSources> = {}): CredentialSources => ({
    dockerConfig: configDir(config),
    env: { PATH: process.env.PATH },
    ...extra,
  });

  test('auths "auth" (base64 user:password) under every key spelling', async () => {
    for (const key of ['ghcr.io', 'https://ghcr.io', 'https://ghcr.io/v2/', 'GHCR.IO']) {
      const found = await findCredential('ghcr.io', 'org/app', only({ auths: { [key]: { auth: b64('me:p:w') } } }));
      expect(found).toMatchObject({ kind: 'basic', username: 'me', password: 'p:w' });
    }
  });

  test('Docker Hub credentials live under https://index.docker.io/v1/', async () => {
    const found = await findCredential('docker.io', 'library/ubuntu', only({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }));
    expect(found).toMatchObject({ kind: 'basic', username: 'hub' });
    expect(await findCredential('ghcr.io', 'org/app', only({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }))).toBeUndefined();
  });

  test('username/password, identitytoken and registrytoken entries', async () => {
    expect(await findCredential('r.io', 'a', only({ auths: { 'r.io': { username: 'u', password: 'p' } } }))).toMatchObject({
      kind: 'basic',
      username: 'u',
      password: 'p',
    });
    expect(await findCredential('r.io', 'a', only({ auths: { 'r.io': { auth: b64('u:x'), identitytoken: 'refresh' } } }))).toMatchObject({
      kind: 'identity-token',
      token: 'refresh',
    });
    expect(await findCredential('r.io', 'a', only({ auths: { 'r.io': { registrytoken: 'bearer' } } }))).toMatchObject({
      kind: 'registry-token',
      token: 'bearer',
    });
  });

  test('a namespace key (podman style) wins for images under it, and only for them', async () => {
    const auths = { 'quay.io': { auth: b64('all:1') }, 'quay.io/org': { auth: b64('org:2') } };
    expect(await findCredential('quay.io', 'org/app', only({ auths }))).toMatchObject({ username: 'org' });
    expect(await findCredential('quay.io', 'organisation/app', only({ auths }))).toMatchObject({ username: 'all' });
  });

  test('where the file is: the dockerConfig option, else REGISTRY_AUTH_FILE, then DOCKER_CONFIG, else ~/.docker', async () => {
    const entry = (user: string): unknown => ({ auths: { 'r.io': { auth: b64(`${user}:pw`) } } });
    const authFile = join(configDir(entry('auth-file')), 'config.json');
    const dockerConfig = configDir(entry('docker-config'));
    const home = tempDir('cg-home-');
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(entry('home')));

    const user = async (sources: CredentialSources): Promise<string | undefined> => {
      const found = await findCredential('r.io', 'a', { home, ...sources });
      return found?.kind === 'basic' ? found.username : undefined;
    };
    expect(await user({ env: {} })).toBe('home');
    expect(await user({ env: { DOCKER_CONFIG: dockerConfig } })).toBe('docker-config');
    expect(await user({ env: { DOCKER_CONFIG: dockerConfig, REGISTRY_AUTH_FILE: authFile } })).toBe('auth-file');
    expect(await user({ env: { REGISTRY_AUTH_FILE: authFile }, dockerConfig: configDir(entry('option')) })).toBe('option');
    // the option as a file path, and as a dir without an entry: then neither DOCKER_CONFIG nor home is read
    expect(await user({ env: {}, dockerConfig: join(configDir(entry('file')), 'config.json') })).toBe('file');
    expect(await user({ env: { DOCKER_CONFIG: dockerConfig }, dockerConfig: configDir({}) })).toBeUndefined();
  });

  describe('credential helpers', () => {
    const bin = tempDir('cg-helpers-');
    const helper = (name: string, script: string): void => {
      writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, `docker-credential-${name}`), 0o755);
    };
    helper('good', `read host; printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$host"`);
    helper('hub', `read host; [ "$host" = "https://index.docker.io/v1/" ] && printf '{"Username":"hub","Secret":"s"}'`);
    helper('token', `printf '{"Username":"<token>","Secret":"refresh-from-helper"}'`);
    helper('none', `echo "credentials not found in native keychain"; exit 1`);
    helper('broken', `echo "secret-free failure" >&2; exit 3`);
    const withHelpers = (config: unknown): CredentialSources => ({ dockerConfig: configDir(config), env: { PATH: `${bin}:${process.env.PATH}` } });

    test('credHelpers[host] is asked first, then credsStore', async () => {
      expect(await findCredential('r.io', 'a', withHelpers({ credHelpers: { 'r.io': 'good' }, credsStore: 'none' }))).toMatchObject({
        kind: 'basic',
        username: 'helper-user',
        password: 'helper-secret',
        from: 'the credential helper docker-credential-good',
      });
      expect(await findCredential('r.io', 'a', withHelpers({ credsStore: 'good' }))).toMatchObject({ username: 'helper-user' });
    });

    test('Docker Hub is asked for by its config key', async () => {
      expect(await findCredential('docker.io', 'library/x', withHelpers({ credsStore: 'hub' }))).toMatchObject({ username: 'hub' });
    });

    test('a <token> user means an identity token', async () => {
      expect(await findCredential('r.io', 'a', withHelpers({ credsStore: 'token' }))).toEqual({
        kind: 'identity-token',
        token: 'refresh-from-helper',
        from: 'the credential helper docker-credential-token',
      });
    });

    test('a helper with nothing for the host, or not installed, falls through to auths', async () => {
      const auths = { 'r.io': { auth: b64('from-auths:pw') } };
      expect(await findCredential('r.io', 'a', withHelpers({ credsStore: 'none', auths }))).toMatchObject({ username: 'from-auths' });
      expect(await findCredential('r.io', 'a', withHelpers({ credsStore: 'not-installed', auths }))).toMatchObject({ username: 'from-auths' });
    });

    test('a failing helper is AUTH_FAILED naming it and what it said', async () => {
      const err = await findCredential('r.io', 'a', withHelpers({ credsStore: 'broken' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GateError);
      expect(err).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('docker-credential-broken') });
      expect((err as GateError).message).toContain('secret-free failure');
    });
  });

  test('ghcr.io takes the given token as x-access-token, only when nothing is configured for it', async () => {
    expect(await findCredential('ghcr.io', 'org/app', only({}, { githubToken: 'ghs_x' }))).toEqual({
      kind: 'basic',
      username: 'x-access-token',
      password: 'ghs_x',
      from: 'the GitHub token',
    });
    expect(await findCredential('ghcr.io', 'org/app', only({ auths: { 'ghcr.io': { auth: b64('me:pat') } } }, { githubToken: 'ghs_x' }))).toMatchObject({
      username: 'me',
    });
    expect(await findCredential('quay.io', 'org/app', only({}, { githubToken: 'ghs_x' }))).toBeUndefined();
  });

  test('a malformed config.json is AUTH_FAILED naming the file, and quotes no secret', async () => {
    const dir = tempDir('cg-bad-');
    writeFileSync(join(dir, 'config.json'), '{"auths": {"r.io": {"auth": "c2VjcmV0LXB3"');
    const err = (await findCredential('r.io', 'a', { dockerConfig: dir, env: {} }).catch((e: unknown) => e)) as GateError;
    expect(err).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining(join(dir, 'config.json')) });
    expect(err.toLine()).not.toContain('c2VjcmV0LXB3');
    const notPair = configDir({ auths: { 'r.io': { auth: b64('no-colon') } } });
    await expect(findCredential('r.io', 'a', { dockerConfig: notPair, env: {} })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
