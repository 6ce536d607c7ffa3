/**
 * COS request signatures (`q-sign-algorithm=sha1`), exactly as `cos-js-sdk-v5`/`cos-nodejs-sdk-v5` compute them
 * (`util.getAuth`): sign (the `Authorization` header value), presign (a URL carrying the `q-*` pairs and
 * `x-cos-security-token`), and verify as COS does — only over the headers and query parameters the signature
 * lists, with the URL-decoded object path and the key-time window.
 * @module
 */
import { hmac, hmacKey, sha1Hex, timingSafeEqual, toHex } from './crypto.ts';

/** `encodeURIComponent` plus `! ' ( ) *`, the encoding COS signs with (`camSafeUrlEncode`). */
export function camSafeUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/** The URL path of an object key: each segment encoded, `/` kept (`/a b/c.mp4` → `/a%20b/c.mp4`). */
export function cosKeyPath(key: string): string {
  const k = key.startsWith('/') ? key.slice(1) : key;
  return `/${camSafeUrlEncode(k).replace(/%2F/g, '/')}`;
}

type Pairs = Iterable<readonly [string, string]>;

function formatPairs(pairs: Pairs): { list: string; text: string } {
  const rows: Array<[string, string]> = [];
  for (const [k, v] of pairs) rows.push([camSafeUrlEncode(k).toLowerCase(), camSafeUrlEncode(v ?? '')]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { list: rows.map(([k]) => k).join(';'), text: rows.map(([k, v]) => `${k}=${v}`).join('&') };
}

export interface CosSignInput {
  secretId: string;
  secretKey: string;
  method: string;
  /** The object key, URL-decoded (a leading `/` is optional). Bucket-level requests use `''`. */
  key: string;
  /** Query parameters to sign (valueless ones as `''`). */
  query?: Record<string, string | number | undefined> | Pairs;
  /** Headers to sign (names any case, values as sent). */
  headers?: Record<string, string | number | undefined> | Pairs;
  /** `start;end`, Unix seconds. Default: now − 1 s … +900 s, as the SDKs do. */
  keyTime?: string;
}

export interface CosSignature {
  authorization: string;
  signature: string;
  keyTime: string;
  headerList: string;
  urlParamList: string;
  httpString: string;
  stringToSign: string;
  signKey: string;
}

function toPairs(v: CosSignInput['query']): Array<[string, string]> {
  if (!v) return [];
  const entries = Symbol.iterator in v ? Array.from(v as Pairs) : Object.entries(v as Record<string, unknown>);
  return entries.filter(([, val]) => val !== undefined).map(([k, val]) => [k, String(val)]);
}

/** `start;end` for a window of `seconds` from `now` (Unix seconds; the SDKs start one second early). */
export function cosKeyTime(seconds = 900, now = Math.floor(Date.now() / 1000)): string {
  const start = now - 1;
  return `${start};${start + seconds}`;
}

async function signParts(
  secretKey: string | CryptoKey,
  keyTime: string,
  signTime: string,
  method: string,
  key: string,
  query: Array<[string, string]>,
  headers: Array<[string, string]>,
): Promise<Omit<CosSignature, 'authorization'>> {
  const q = formatPairs(query);
  const h = formatPairs(headers);
  const path = key.startsWith('/') ? key : `/${key}`;
  const httpString = `${method.toLowerCase()}\n${path}\n${q.text}\n${h.text}\n`;
  const stringToSign = `sha1\n${signTime}\n${await sha1Hex(httpString)}\n`;
  let signKey = '';
  let signer: CryptoKey;
  if (typeof secretKey === 'string') {
    signKey = toHex(await hmac('SHA-1', secretKey, keyTime));
    signer = await hmacKey('SHA-1', signKey);
  } else signer = secretKey;
  const signature = toHex(await hmac('SHA-1', signer, stringToSign));
  return { signature, keyTime, headerList: h.list, urlParamList: q.list, httpString, stringToSign, signKey };
}

function authorizationOf(secretId: string, s: Omit<CosSignature, 'authorization'>): string {
  return (
    `q-sign-algorithm=sha1&q-ak=${secretId}&q-sign-time=${s.keyTime}&q-key-time=${s.keyTime}` +
    `&q-header-list=${s.headerList}&q-url-param-list=${s.urlParamList}&q-signature=${s.signature}`
  );
}

/** Signs one COS request; `authorization` is the `Authorization` header value. */
export async function signCos(input: CosSignInput): Promise<CosSignature> {
  const keyTime = input.keyTime ?? cosKeyTime();
  const s = await signParts(input.secretKey, keyTime, keyTime, input.method, input.key, toPairs(input.query), toPairs(input.headers));
  return { ...s, authorization: authorizationOf(input.secretId, s) };
}

/**
 * A signer for many requests under one credential: the SignKey of a key-time window is derived once and
 * reused, which is what makes presigning batches of part URLs cheap.
 */
export function createCosSigner(credential: { secretId: string; secretKey: string }) {
  let cached: { keyTime: string; key: Promise<CryptoKey> } | undefined;
  const keyFor = (keyTime: string) => {
    if (cached?.keyTime !== keyTime) {
      const key = hmac('SHA-1', credential.secretKey, keyTime).then((k) => hmacKey('SHA-1', toHex(k)));
      cached = { keyTime, key };
    }
    return cached.key;
  };
  return {
    async sign(input: Omit<CosSignInput, 'secretId' | 'secretKey'> & { keyTime: string }): Promise<string> {
      const s = await signParts(await keyFor(input.keyTime), input.keyTime, input.keyTime, input.method, input.key, toPairs(input.query), toPairs(input.headers));
      return authorizationOf(credential.secretId, s);
    },
  };
}

export interface CosPresignInput extends CosSignInput {
  /** Base URL of the bucket (`https://b-125.cos.ap-guangzhou.myqcloud.com`, or an emulator's prefix). */
  baseUrl: string;
  /** The temporary credential's session token, appended as `x-cos-security-token`. */
  securityToken?: string;
}

/** The query string (without `?`) carrying an `Authorization` value and a token, as presigned URLs do. */
export function authorizationQuery(authorization: string, securityToken?: string): string {
  const parts = authorization.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return `${pair.slice(0, eq)}=${encodeURIComponent(pair.slice(eq + 1))}`;
  });
  if (securityToken) parts.push(`x-cos-security-token=${encodeURIComponent(securityToken)}`);
  return parts.join('&');
}

/** Builds a presigned URL: the object URL, its own query parameters, then the signature pairs and token. */
export async function presignCos(input: CosPresignInput): Promise<{ url: string; signature: CosSignature }> {
  const signature = await signCos(input);
  const own = toPairs(input.query)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');
  const base = input.baseUrl.replace(/\/+$/, '');
  const url = `${base}${cosKeyPath(input.key)}?${own ? `${own}&` : ''}${authorizationQuery(signature.authorization, input.securityToken)}`;
  return { url, signature };
}

export interface CosAuthorization {
  secretId: string;
  signTime: [number, number];
  keyTime: [number, number];
  keyTimeText: string;
  signTimeText: string;
  headerList: string[];
  urlParamList: string[];
  signature: string;
}

const Q_PARAMS = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'] as const;

function parseWindow(text: string | null | undefined): [number, number] | null {
  const m = text?.match(/^(\d{1,12});(\d{1,12})$/);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Reads a COS signature from the `Authorization` header, or from the query (`q-*` parameters) of a presigned
 * URL. Returns null when there is none, and `'malformed'` when there is one that cannot be read.
 */
export function parseCosAuthorization(headers: Headers, query: URLSearchParams): CosAuthorization | null | 'malformed' {
  let fields: URLSearchParams;
  const header = headers.get('authorization');
  if (header) fields = new URLSearchParams(header);
  else if (query.has('q-signature') || query.has('q-sign-algorithm')) fields = query;
  else return null;
  if (fields.get('q-sign-algorithm') !== 'sha1') return 'malformed';
  for (const name of Q_PARAMS) if (!fields.has(name)) return 'malformed';
  const signTime = parseWindow(fields.get('q-sign-time'));
  const keyTime = parseWindow(fields.get('q-key-time'));
  const signature = fields.get('q-signature') ?? '';
  const secretId = fields.get('q-ak') ?? '';
  if (!signTime || !keyTime || !secretId || !/^[0-9a-f]{40}$/.test(signature)) return 'malformed';
  const list = (name: string) => (fields.get(name) ?? '').split(';').filter(Boolean).map((s) => s.toLowerCase());
  return {
    secretId,
    signTime,
    keyTime,
    keyTimeText: fields.get('q-key-time')!,
    signTimeText: fields.get('q-sign-time')!,
    headerList: list('q-header-list'),
    urlParamList: list('q-url-param-list'),
    signature,
  };
}

/** COS error codes of authentication, with their HTTP status. */
export type CosAuthFailureCode = 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed';

export type CosVerifyResult =
  | { ok: true; secretId: string; securityToken?: string }
  | { ok: false; status: number; code: CosAuthFailureCode; message: string; stringToSign?: string; formatString?: string };

export interface CosVerifyInput {
  method: string;
  /** The object key, URL-decoded (`''` for bucket-level requests). */
  key: string;
  query: URLSearchParams;
  headers: Headers;
  /** The SecretKey of a SecretId, or undefined when unknown (or its credential has expired). */
  lookupSecret: (secretId: string) => string | undefined | Promise<string | undefined>;
  /** Server clock, Unix seconds. */
  now?: number;
}

/** How far in the future a signature's start may be before COS calls the clock skewed, in seconds. */
export const COS_MAX_SKEW_SECONDS = 900;

/** Verifies a COS request the way COS does. Never throws for bad input. */
export async function verifyCos(input: CosVerifyInput): Promise<CosVerifyResult> {
  const auth = parseCosAuthorization(input.headers, input.query);
  if (auth === null) return { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied.' };
  if (auth === 'malformed') return { ok: false, status: 403, code: 'AccessDenied', message: 'Authorization is malformed.' };
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (auth.signTime[1] < now || auth.keyTime[1] < now) {
    return { ok: false, status: 403, code: 'AccessDenied', message: 'Request has expired' };
  }
  if (auth.signTime[0] > now + COS_MAX_SKEW_SECONDS || auth.keyTime[0] > now + COS_MAX_SKEW_SECONDS) {
    return { ok: false, status: 403, code: 'RequestTimeTooSkewed', message: "The difference between the request time and the server's time is too large." };
  }
  const secretKey = await input.lookupSecret(auth.secretId);
  if (secretKey === undefined) {
    return { ok: false, status: 403, code: 'InvalidAccessKeyId', message: 'The access key Id format you provided is invalid.' };
  }
  // Only what the signature lists is verified, with the values the request actually carries.
  const headers = auth.headerList.map((name) => [name, input.headers.get(name) ?? ''] as [string, string]);
  const lowerQuery = new Map<string, string>();
  for (const [k, v] of input.query) if (!lowerQuery.has(k.toLowerCase())) lowerQuery.set(k.toLowerCase(), v);
  const query = auth.urlParamList.map((name) => [name, lowerQuery.get(name) ?? ''] as [string, string]);
  const s = await signParts(secretKey, auth.keyTimeText, auth.signTimeText, input.method, input.key, query, headers);
  if (!timingSafeEqual(s.signature, auth.signature)) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The Signature you specified does not match.',
      stringToSign: s.stringToSign,
      formatString: s.httpString,
    };
  }
  const securityToken = input.headers.get('x-cos-security-token') ?? input.query.get('x-cos-security-token') ?? undefined;
  return { ok: true, secretId: auth.secretId, securityToken };
}
