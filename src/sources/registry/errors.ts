/**
 * What went wrong talking to a registry, said as a GateError that names the image and what to do. Registry error
 * bodies (`{"errors":[{"code","message"}]}`) are quoted briefly; credentials never appear in any message.
 */
import { z } from 'zod';
import { GateError, isGateError, messageOf } from '../../common/errors';
import { readCapped, type HttpResponse } from './http';
import { retryAfterMs } from './retry';

const ERROR_BODY_CAP = 64 * 1024;
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;

/** The URL a low-level error happened on, when `send` could tell. */
export interface WithUrl {
  requestUrl?: URL;
}

/** A network-level failure (no HTTP status) -> GateError. `host` is the registry's host[:port]. */
export function networkError(err: unknown, host: string, where: string, doing: string): GateError {
  if (isGateError(err)) return err;
  const e = err as NodeJS.ErrnoException & WithUrl;
  const at = e.requestUrl?.host ?? host;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED') {
    return new GateError(
      'REGISTRY_ERROR',
      `cannot connect to the registry at ${at} (connection refused) while ${doing} for ${where}`,
      'check the host and port in the reference; is the registry running?',
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new GateError(
      'REGISTRY_ERROR',
      `cannot resolve the registry host ${at} while ${doing} for ${where}`,
      "check the host name in the reference and the machine's DNS",
    );
  }
  if (TLS_CODE.test(code)) {
    return new GateError(
      'REGISTRY_ERROR',
      `TLS failed with ${at} while ${doing} for ${where}: ${messageOf(err)}`,
      'a registry serving plain HTTP must be listed as insecure; one with a private CA needs NODE_EXTRA_CA_CERTS',
    );
  }
  if (code === 'CG_DEADLINE') {
    return new GateError(
      'REGISTRY_ERROR',
      `${messageOf(err)} while ${doing} for ${where}`,
      'the registry or the network is too slow; retry later (a layer may take CUDA_GATE_BLOB_DEADLINE_S seconds, default 3600)',
    );
  }
  if (code === 'CG_RETRY_BUDGET') {
    return new GateError(
      'REGISTRY_ERROR',
      `${messageOf(err)}, while ${doing} for ${where}`,
      'retry later, or log in to the registry (docker login): anonymous pulls get the lowest limits',
    );
  }
  if (code === 'CG_IDLE_TIMEOUT') {
    return new GateError('REGISTRY_ERROR', `${messageOf(err)} while ${doing} for ${where}, after retries`, 'the registry or the network stalled; retry later');
  }
  return new GateError(
    'REGISTRY_ERROR',
    `network error with ${at} while ${doing} for ${where}: ${messageOf(err)}${code && !messageOf(err).includes(code) ? ` (${code})` : ''}`,
    'retry later; if it persists check the network path to the registry',
  );
}

/** `CODE: message` of a registry's error body, or undefined. Consumes the body. */
export async function registryErrorText(res: HttpResponse): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readCapped(res, ERROR_BODY_CAP, () => new Error('too big'));
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    // not JSON: say nothing rather than quote an HTML page
    return undefined;
  }
  // an error body is a courtesy: one of another shape is quoted as nothing, never an error of its own
  const parsed = ErrorBodySchema.safeParse(doc);
  const first = parsed.success ? parsed.data.errors[0] : undefined;
  const parts = [first?.code, first?.message].filter((p): p is string => p !== undefined && p !== '');
  return parts.length > 0 ? parts.join(': ').slice(0, 300) : undefined;
}

/** The distribution spec's error body: `{"errors": [{"code", "message", "detail"}]}`. */
const ErrorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string().optional().catch(undefined), message: z.string().optional().catch(undefined) })).min(1),
});

/** A status the registry answered that no retry fixed, other than 401/403/404 (which the caller words). */
export function statusError(res: HttpResponse, said: string | undefined, where: string, doing: string): GateError {
  const detail = said ? `: ${said}` : '';
  if (res.status === 429) {
    const after = retryAfterMs(res);
    return new GateError(
      'REGISTRY_ERROR',
      `${res.url.host} is rate-limiting requests (HTTP 429) while ${doing} for ${where}${after !== undefined ? `; it asks to wait ${Math.ceil(after / 1000)} s` : ''}${detail}`,
      'retry later, or log in to the registry (docker login): anonymous pulls get the lowest limits',
    );
  }
  return new GateError(
    'REGISTRY_ERROR',
    `${res.url.host} answered HTTP ${res.status} while ${doing} for ${where}${detail}`,
    res.status >= 500 ? 'the registry is failing; retry later' : 'check the reference and the registry',
  );
}
