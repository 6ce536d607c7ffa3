/**
 * COS request signatures (`q-sign-algorithm=sha1`), exactly as `cos-js-sdk-v5`/`cos-nodejs-sdk-v5` compute them
 * (`util.getAuth`): sign (the `Authorization` header value), presign (a URL carrying the `q-*` pairs and
 * `x-cos-security-token`), and verify as COS does — only over the headers and query parameters the signature
 * lists, with the URL-decoded object path and the key-time window.
 * @module
 */
import { timingSafeEqual, toHex } from './crypto.ts';
import { hmacSha1, sha1 } from './sha1.ts';

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

/** Name/value pairs, in request order. */
export type CosPairs = ReadonlyArray<readonly [string, string]>;

type Encode = (text: string) => string;
const identity: Encode = (text) => text;

/**
 * One side of the HttpString: names lower-cased, names and values encoded, sorted by name. `list` is the
 * `q-header-list`/`q-url-param-list` value, `text` the HttpString line.
 */
function formatPairs(pairs: CosPairs | undefined, enc: Encode): { list: string; text: string } {
  if (!pairs || pairs.length === 0) return { list: '', text: '' };
  const rows = pairs.map(([k, v]) => [enc(k).toLowerCase(), enc(v)] as const);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let list = '';
  let text = '';
  for (let i = 0; i < rows.length; i++) {
    const [k, v] = rows[i]!;
    list += i ? `;${k}` : k;
    text += i ? `&${k}=${v}` : `${k}=${v}`;
  }
  return { list, text };
}

/** `fn` memoized for one presigner (the same hosts, keys, upload ids and lengths recur in every URL). */
function memo(fn: Encode, max = 4096): Encode {
  const cache = new Map<string, string>();
  return (text) => {
    let out = cache.get(text);
    if (out === undefined) {
      out = fn(text);
      if (cache.size < max) cache.set(text, out);
    }
    return out;
  };
}

export interface CosSignInput {
  secretId: string;
  secretKey: string;
  method: string;
  /** The object key, URL-decoded (a leading `/` is optional). Bucket-level requests use `''`. */
  key: string;
  /** Query parameters to sign (valueless ones as `''`). */
  query?: Record<string, string | number | undefined> | Iterable<readonly [string, string]>;
  /** Headers to sign (names any case, values as sent). */
  headers?: Record<string, string | number | undefined> | Iterable<readonly [string, string]>;
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
  const entries = Symbol.iterator in v ? Array.from(v as Iterable<readonly [string, unknown]>) : Object.entries(v as Record<string, unknown>);
  return entries.filter(([, val]) => val !== undefined).map(([k, val]) => [k, String(val)]);
}

/** `start;end` for a window of `seconds` from `now` (Unix seconds; the SDKs start one second early). */
export function cosKeyTime(seconds = 900, now = Math.floor(Date.now() / 1000)): string {
  const start = now - 1;
  return `${start};${start + seconds}`;
}

export interface CosPresignerOptions {
  secretId: string;
  secretKey: string;
  /** `start;end`, Unix seconds: the window every request of this presigner is valid in (`q-key-time`). */
  keyTime: string;
  /** `q-sign-time`; default `keyTime`, as the SDKs sign. */
  signTime?: string;
  /**
   * Base URL of the bucket, for `url()`: `https://b-125.cos.ap-guangzhou.myqcloud.com`, or an emulator's
   * `http://127.0.0.1:9000/cos/b-125` (see {@link cosBaseUrl}).
   */
  baseUrl?: string;
  /** The temporary credential's session token, appended to URLs as `x-cos-security-token`. */
  securityToken?: string;
}

export interface CosPresignRequest {
  method: string;
  /** The object key, URL-decoded, with or without a leading `/` (`''` for bucket-level requests). */
  key: string;
  /** Query parameters: put in the URL and signed. */
  query?: CosPairs;
  /** Headers the client must send: signed (names any case, values exactly as sent). */
  headers?: CosPairs;
}

/** Synchronous COS signing under one credential and one key-time window. */
export interface CosPresigner {
  /** The presigned URL of one request (needs `baseUrl`): its own query, the `q-*` pairs, then the token. */
  url(request: CosPresignRequest): string;
  /** The `Authorization` header value of one request. */
  authorization(request: CosPresignRequest): string;
  /** Every piece of one request's signature (HttpString, StringToSign, SignKey…), for diagnostics and tests. */
  sign(request: CosPresignRequest): CosSignature;
}

/**
 * Creates a synchronous COS signer for one credential and key-time window: the one place this package
 * builds the HttpString, the StringToSign and the `q-*` pairs. The SignKey (`HMAC-SHA1(SecretKey, KeyTime)`)
 * is derived once; each request then costs one SHA-1 of its HttpString and one HMAC-SHA1, in plain JS
 * (`sha1.ts`), with no async round trip — tens of thousands of part URLs per second on one core.
 * `signCos`, `presignCos`, `createCosSigner` and `verifyCos` all sign through it.
 *
 * @example
 * ```ts
 * const presigner = createCosPresigner({ secretId, secretKey, keyTime: cosKeyTime(600), baseUrl, securityToken });
 * const url = presigner.url({ method: 'PUT', key: 'dir/f0.mp4', query: [['partNumber', '1'], ['uploadId', id]], headers: [['host', host]] });
 * ```
 */
export function createCosPresigner(options: CosPresignerOptions): CosPresigner {
  const { secretId, keyTime, securityToken } = options;
  const signTime = options.signTime ?? keyTime;
  const base = options.baseUrl?.replace(/\/+$/, '');
  const signKey = toHex(hmacSha1(options.secretKey).sign(keyTime));
  const mac = hmacSha1(signKey);
  const camSafe = memo(camSafeUrlEncode);
  const uriComponent = memo(encodeURIComponent);
  const keyPath = memo(cosKeyPath);
  const tokenQuery = securityToken ? `&x-cos-security-token=${encodeURIComponent(securityToken)}` : '';

  function signed(request: CosPresignRequest) {
    const q = formatPairs(request.query, camSafe);
    const h = formatPairs(request.headers, camSafe);
    const path = request.key.startsWith('/') ? request.key : `/${request.key}`;
    const httpString = `${request.method.toLowerCase()}\n${path}\n${q.text}\n${h.text}\n`;
    const stringToSign = `sha1\n${signTime}\n${toHex(sha1(httpString))}\n`;
    return { q, h, httpString, stringToSign, signature: toHex(mac.sign(stringToSign)) };
  }

  /** The `q-*` pairs: raw for the `Authorization` header, each value URL-encoded for a presigned URL. */
  const qSign = (enc: Encode, s: ReturnType<typeof signed>) =>
    `q-sign-algorithm=sha1&q-ak=${enc(secretId)}&q-sign-time=${enc(signTime)}&q-key-time=${enc(keyTime)}` +
    `&q-header-list=${enc(s.h.list)}&q-url-param-list=${enc(s.q.list)}&q-signature=${s.signature}`;

  return {
    authorization: (request) => qSign(identity, signed(request)),
    url(request) {
      if (base === undefined) throw new TypeError('createCosPresigner: url() needs options.baseUrl.');
      const s = signed(request);
      let own = '';
      for (const [k, v] of request.query ?? []) own += `${v === '' ? uriComponent(k) : `${uriComponent(k)}=${uriComponent(v)}`}&`;
      return `${base}${keyPath(request.key)}?${own}${qSign(uriComponent, s)}${tokenQuery}`;
    },
    sign(request) {
      const s = signed(request);
      return {
        authorization: qSign(identity, s),
        signature: s.signature,
        keyTime,
        headerList: s.h.list,
        urlParamList: s.q.list,
        httpString: s.httpString,
        stringToSign: s.stringToSign,
        signKey,
      };
    },
  };
}

const requestOf = (input: Omit<CosSignInput, 'secretId' | 'secretKey' | 'keyTime'>): CosPresignRequest => ({
  method: input.method,
  key: input.key,
  query: toPairs(input.query),
  headers: toPairs(input.headers),
});

/** Signs one COS request; `authorization` is the `Authorization` header value. */
export async function signCos(input: CosSignInput): Promise<CosSignature> {
  const keyTime = input.keyTime ?? cosKeyTime();
  return createCosPresigner({ secretId: input.secretId, secretKey: input.secretKey, keyTime }).sign(requestOf(input));
}

/**
 * A signer for many requests under one credential, keeping the presigner of the last key-time window (its
 * SignKey is derived once). The async face of {@link createCosPresigner}.
 */
export function createCosSigner(credential: { secretId: string; secretKey: string }) {
  let cached: { keyTime: string; presigner: CosPresigner } | undefined;
  return {
    async sign(input: Omit<CosSignInput, 'secretId' | 'secretKey'> & { keyTime: string }): Promise<string> {
      if (cached?.keyTime !== input.keyTime) cached = { keyTime: input.keyTime, presigner: createCosPresigner({ ...credential, keyTime: input.keyTime }) };
      return cached.presigner.authorization(requestOf(input));
    },
  };
}

export interface CosPresignInput extends CosSignInput {
  /** Base URL of the bucket (`https://b-125.cos.ap-guangzhou.myqcloud.com`, or an emulator's prefix). */
  baseUrl: string;
  /** The temporary credential's session token, appended as `x-cos-security-token`. */
  securityToken?: string;
}

/** Builds a presigned URL: the object URL, its own query parameters, then the signature pairs and token. */
export async function presignCos(input: CosPresignInput): Promise<{ url: string; signature: CosSignature }> {
  const presigner = createCosPresigner({
    secretId: input.secretId,
    secretKey: input.secretKey,
    keyTime: input.keyTime ?? cosKeyTime(),
    baseUrl: input.baseUrl,
    securityToken: input.securityToken,
  });
  const request = requestOf(input);
  return { url: presigner.url(request), signature: presigner.sign(request) };
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
  const s = createCosPresigner({ secretId: auth.secretId, secretKey, keyTime: auth.keyTimeText, signTime: auth.signTimeText }).sign({
    method: input.method,
    key: input.key,
    query,
    headers,
  });
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
