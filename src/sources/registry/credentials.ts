/**
 * Credentials for a registry, found where `docker login`, `docker/login-action`, podman and skopeo leave them:
 * config.json `credHelpers` / `credsStore` (a `docker-credential-<name>` program) and `auths` entries. Secrets are
 * handed to the auth step only; messages name where a credential came from, never what it is.
 */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GateError, messageOf } from '../../common/errors';
import { isRecord, parseJsonDocument } from '../config';
import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY, registryOfKey } from './reference';

export type Credential =
  | { kind: 'basic'; username: string; password: string; from: string }
  /** an OAuth2 refresh token (config.json `identitytoken`, or a helper's `<token>` user) */
  | { kind: 'identity-token'; token: string; from: string }
  /** a bearer token to send as is (config.json `registrytoken`) */
  | { kind: 'registry-token'; token: string; from: string };

export interface CredentialSources {
  /** a Docker config directory or config.json file; replaces DOCKER_CONFIG and ~/.docker when given */
  dockerConfig?: string;
  /** for ghcr.io when nothing else is configured (the action's GITHUB_TOKEN) */
  githubToken?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

const GHCR = 'ghcr.io';
/** GHCR takes any user name with a GITHUB_TOKEN; this is the one GitHub's own tooling sends. */
const GITHUB_TOKEN_USER = 'x-access-token';
/** A helper's Username meaning "the Secret is an identity token". */
const IDENTITY_TOKEN_USER = '<token>';
const HELPER_TIMEOUT_MS = 30_000;

/** The first credential configured for `registry`/`repository`, or undefined (anonymous access). */
export async function findCredential(registry: string, repository: string, sources: CredentialSources = {}): Promise<Credential | undefined> {
  for (const file of await configFiles(sources)) {
    const found = await fromConfigFile(file, registry, repository, sources.env ?? process.env);
    if (found) return found;
  }
  if (registry === GHCR && sources.githubToken) {
    return { kind: 'basic', username: GITHUB_TOKEN_USER, password: sources.githubToken, from: 'the GitHub token' };
  }
  return undefined;
}

/** Config files to consult, in order: the one asked for, REGISTRY_AUTH_FILE, then DOCKER_CONFIG or ~/.docker. */
async function configFiles(sources: CredentialSources): Promise<string[]> {
  const env = sources.env ?? process.env;
  const files: string[] = [];
  if (sources.dockerConfig) files.push(await configJsonIn(sources.dockerConfig));
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (!sources.dockerConfig) files.push(join(env.DOCKER_CONFIG || join(sources.home ?? homedir(), '.docker'), 'config.json'));
  return files;
}

async function configJsonIn(path: string): Promise<string> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return isDir ? join(path, 'config.json') : path;
}

async function fromConfigFile(file: string, registry: string, repository: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw badConfig(file, messageOf(err));
  }
  let doc: unknown;
  try {
    doc = parseJsonDocument(bytes, file);
  } catch (err) {
    throw badConfig(file, messageOf(err));
  }
  if (!isRecord(doc)) throw badConfig(file, 'it is not a JSON object');

  const helper = helperFor(doc, registry);
  if (helper !== undefined) {
    const found = await fromHelper(helper, registry, env);
    if (found) return found;
  }
  const entry = authsEntry(doc.auths, registry, repository);
  return entry ? fromAuthsEntry(entry.value, `${entry.key} in ${file}`, file) : undefined;
}

function helperFor(doc: Record<string, unknown>, registry: string): string | undefined {
  if (isRecord(doc.credHelpers)) {
    for (const [key, name] of Object.entries(doc.credHelpers)) {
      if (typeof name === 'string' && name !== '' && registryOfKey(key) === registry) return name;
    }
  }
  return typeof doc.credsStore === 'string' && doc.credsStore !== '' ? doc.credsStore : undefined;
}

/**
 * The `auths` entry for the image: `https://ghcr.io`, `ghcr.io` and the like name the whole registry; podman's
 * `quay.io/org` names a namespace and wins over the registry when it holds the repository.
 */
function authsEntry(auths: unknown, registry: string, repository: string): { key: string; value: Record<string, unknown> } | undefined {
  if (!isRecord(auths)) return undefined;
  const image = `${registry}/${repository}`;
  let best: { key: string; value: Record<string, unknown>; specificity: number } | undefined;
  for (const [key, value] of Object.entries(auths)) {
    if (!isRecord(value)) continue;
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(key);
    const bare = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
    const path = bare.includes('/') ? bare.slice(bare.indexOf('/') + 1) : '';
    let specificity: number;
    if (hasScheme || path === '') {
      // URL-style keys are Docker's: their path (`/v1/`) is an API version, not a namespace
      if (registryOfKey(key) !== registry) continue;
      specificity = 0;
    } else {
      const namespace = `${registryOfKey(bare)}/${path}`;
      if (image !== namespace && !image.startsWith(`${namespace}/`)) continue;
      specificity = namespace.length;
    }
    if (!best || specificity > best.specificity) best = { key, value, specificity };
  }
  return best;
}

function fromAuthsEntry(entry: Record<string, unknown>, from: string, file: string): Credential | undefined {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const identity = str(entry.identitytoken);
  if (identity) return { kind: 'identity-token', token: identity, from };
  const registryToken = str(entry.registrytoken);
  if (registryToken) return { kind: 'registry-token', token: registryToken, from };
  const auth = str(entry.auth);
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw badConfig(file, `the "auth" of ${from.split(' in ')[0]} is not base64 of USER:PASSWORD`);
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from };
  }
  const username = str(entry.username);
  const password = str(entry.password);
  if (username && password) return { kind: 'basic', username, password, from };
  return undefined;
}

/** `docker-credential-<name> get`, the server URL on stdin, `{ServerURL, Username, Secret}` on stdout. */
async function fromHelper(name: string, registry: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  const serverUrl = registry === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : registry;
  const out = await runHelper(program, serverUrl, env);
  if (out === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(out);
  } catch {
    throw new GateError(
      'AUTH_FAILED',
      `the credential helper ${program} printed something other than JSON for ${registry}`,
      'check the helper (run `docker login` again)',
    );
  }
  if (!isRecord(doc) || typeof doc.Secret !== 'string' || doc.Secret === '') return undefined;
  const from = `the credential helper ${program}`;
  if (doc.Username === IDENTITY_TOKEN_USER) return { kind: 'identity-token', token: doc.Secret, from };
  return { kind: 'basic', username: typeof doc.Username === 'string' ? doc.Username : '', password: doc.Secret, from };
}

/** stdout of the helper, or undefined when it is not installed or has nothing for this registry. */
function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    // spawn's own `timeout` outlives a helper that was never found (no 'exit' follows ENOENT): keep our own
    const timer = setTimeout(() => child.kill(), HELPER_TIMEOUT_MS);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1000) stderr += d.toString();
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // a helper named in config.json but not installed (a config copied from a desktop): same as no credential
      if (err.code === 'ENOENT') resolve(undefined);
      else reject(new GateError('AUTH_FAILED', `cannot run the credential helper ${program}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const said = `${stdout} ${stderr}`.trim();
      // the helpers' protocol: "credentials not found in native keychain" on stdout, exit 1
      if (/credentials not found/i.test(said)) return resolve(undefined);
      reject(
        new GateError(
          'AUTH_FAILED',
          `the credential helper ${program} failed for ${serverUrl} (${signal ?? `exit ${code}`}): ${said.split('\n')[0].slice(0, 200)}`,
          'run `docker login` for that registry again, or fix the helper named in config.json',
        ),
      );
    });
    child.stdin.end(serverUrl);
  });
}

function badConfig(file: string, why: string): GateError {
  return new GateError('AUTH_FAILED', `cannot read registry credentials from ${file}: ${why}`, 'fix or remove that file (docker login rewrites it)');
}
