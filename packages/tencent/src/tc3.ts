/**
 * TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0, exactly as `tencentcloud-sdk-nodejs-common`
 * computes it (`Sign.sign3`), and its verification as the cloud does it: the scope is read from
 * `Credential=`, the signed `host` is the hostname without port, and the timestamp must lie within
 * five minutes of the server's clock.
 * @module
 */
import { hmac, sha256Hex, timingSafeEqual, toHex } from './crypto.ts';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** How far a request's `X-TC-Timestamp` may be from the server's clock, in seconds. */
export const TC3_MAX_SKEW_SECONDS = 300;

export interface Tc3SignInput {
  secretId: string;
  secretKey: string;
  /** The service of the credential scope: the first label of the endpoint (`vod` for vod.tencentcloudapi.com). */
  service: string;
  /** Host as in the URL; a port is dropped before signing. */
  host: string;
  /** Unix seconds. */
  timestamp: number;
  /** The exact body bytes sent (the JSON string for POST). */
  body: string | Uint8Array;
  /** Defaults to `POST`. */
  method?: string;
  /** The Content-Type header as sent. Defaults to `application/json`. */
  contentType?: string;
  /** Path, default `/`. */
  path?: string;
  /** Query string without `?` (GET requests). */
  query?: string;
}

export interface Tc3Signature {
  authorization: string;
  signature: string;
  /** `yyyy-mm-dd` of the timestamp, UTC. */
  date: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** UTC `yyyy-mm-dd` of a Unix timestamp in seconds. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** Host without a port (`[::1]:80` → `[::1]`). */
export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function canonicalHeaders(headers: ReadonlyArray<readonly [string, string]>): { text: string; names: string } {
  const rows = headers
    .map(([k, v]) => [k.toLowerCase().trim(), v.trim().toLowerCase()] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { text: rows.map(([k, v]) => `${k}:${v}\n`).join(''), names: rows.map(([k]) => k).join(';') };
}

async function signingKey(secretKey: string, date: string, service: string): Promise<Uint8Array> {
  const kDate = await hmac('SHA-256', `TC3${secretKey}`, date);
  const kService = await hmac('SHA-256', kDate, service);
  return hmac('SHA-256', kService, 'tc3_request');
}

async function compute(
  input: Omit<Tc3SignInput, 'host' | 'contentType'>,
  headers: ReadonlyArray<readonly [string, string]>,
  date: string,
): Promise<Omit<Tc3Signature, 'authorization'> & { signedHeaders: string }> {
  const method = (input.method ?? 'POST').toUpperCase();
  const { text, names } = canonicalHeaders(headers);
  const canonicalRequest = [
    method,
    input.path ?? '/',
    input.query ?? '',
    text,
    names,
    await sha256Hex(input.body),
  ].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = `${TC3_ALGORITHM}\n${input.timestamp}\n${scope}\n${await sha256Hex(canonicalRequest)}`;
  const key = await signingKey(input.secretKey, date, input.service);
  const signature = toHex(await hmac('SHA-256', key, stringToSign));
  return { signature, date, canonicalRequest, stringToSign, signedHeaders: names };
}

/** Signs a request; returns the `Authorization` header value and the intermediate strings. */
export async function signTc3(input: Tc3SignInput): Promise<Tc3Signature> {
  const date = tc3Date(input.timestamp);
  const headers: Array<[string, string]> = [
    ['content-type', input.contentType ?? 'application/json'],
    ['host', hostWithoutPort(input.host)],
  ];
  const r = await compute(input, headers, date);
  const authorization =
    `${TC3_ALGORITHM} Credential=${input.secretId}/${date}/${input.service}/tc3_request, ` +
    `SignedHeaders=${r.signedHeaders}, Signature=${r.signature}`;
  return { authorization, signature: r.signature, date, canonicalRequest: r.canonicalRequest, stringToSign: r.stringToSign };
}

export interface Tc3Authorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `TC3-HMAC-SHA256 Credential=…/date/service/tc3_request, SignedHeaders=…, Signature=…`, or null. */
export function parseTc3Authorization(value: string | null | undefined): Tc3Authorization | null {
  if (!value || !value.startsWith(`${TC3_ALGORITHM} `)) return null;
  const fields = new Map<string, string>();
  for (const part of value.slice(TC3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 4 || credential[3] !== 'tc3_request' || !signedHeaders || !signature) return null;
  const [secretId, date, service] = credential as [string, string, string, string];
  if (!secretId || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !service || !/^[0-9a-f]{64}$/.test(signature)) return null;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** The error codes of API 3.0 authentication, as the cloud sends them. */
export type Tc3FailureCode =
  | 'AuthFailure.SignatureFailure'
  | 'AuthFailure.SignatureExpire'
  | 'AuthFailure.SecretIdNotFound'
  | 'AuthFailure.InvalidAuthorization'
  | 'AuthFailure.TokenFailure'
  | 'MissingParameter';

export type Tc3VerifyResult =
  | { ok: true; secretId: string; service: string; timestamp: number }
  | { ok: false; code: Tc3FailureCode; message: string };

export interface Tc3VerifyInput {
  method: string;
  /** Path of the request URL (`/`). */
  path?: string;
  /** Query string without `?`. */
  query?: string;
  /** Request headers (any case). */
  headers: Headers;
  body: string | Uint8Array;
  /** Returns the SecretKey of a SecretId, or undefined when unknown. */
  lookupSecret: (secretId: string) => string | undefined | Promise<string | undefined>;
  /** Server clock, Unix seconds. Defaults to now. */
  now?: number;
}

/** Verifies a TC3-signed request the way the cloud does. Never throws for bad input. */
export async function verifyTc3(input: Tc3VerifyInput): Promise<Tc3VerifyResult> {
  const raw = input.headers.get('authorization');
  const auth = parseTc3Authorization(raw);
  if (!auth) {
    return raw
      ? { ok: false, code: 'AuthFailure.InvalidAuthorization', message: 'Authorization header format is invalid.' }
      : { ok: false, code: 'AuthFailure.SignatureFailure', message: 'The request has no Authorization header.' };
  }
  const tsText = input.headers.get('x-tc-timestamp');
  if (!tsText || !/^\d{1,12}$/.test(tsText)) {
    return { ok: false, code: 'MissingParameter', message: 'The request is missing a valid X-TC-Timestamp header.' };
  }
  const timestamp = Number(tsText);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > TC3_MAX_SKEW_SECONDS) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureExpire',
      message: `Signature expired. Timestamp ${timestamp} is more than ${TC3_MAX_SKEW_SECONDS}s from server time ${now}.`,
    };
  }
  const secretKey = await input.lookupSecret(auth.secretId);
  if (secretKey === undefined) {
    return { ok: false, code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found, please ensure that your SecretId is correct.' };
  }
  if (auth.date !== tc3Date(timestamp)) {
    return { ok: false, code: 'AuthFailure.SignatureFailure', message: 'The credential date does not match X-TC-Timestamp.' };
  }
  if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('content-type')) {
    return { ok: false, code: 'AuthFailure.SignatureFailure', message: 'SignedHeaders must include content-type and host.' };
  }
  const headers: Array<[string, string]> = [];
  for (const name of auth.signedHeaders) {
    const value = input.headers.get(name) ?? '';
    headers.push([name, name === 'host' ? hostWithoutPort(value) : value]);
  }
  const r = await compute(
    { secretId: auth.secretId, secretKey, service: auth.service, timestamp, body: input.body, method: input.method, path: input.path, query: input.query },
    headers,
    auth.date,
  );
  if (!timingSafeEqual(r.signature, auth.signature)) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'The provided credentials could not be validated. Please check your signature is correct.',
    };
  }
  return { ok: true, secretId: auth.secretId, service: auth.service, timestamp };
}
