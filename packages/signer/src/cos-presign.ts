/**
 * Synchronous batch presigning of COS requests (`q-sign-algorithm=sha1`), byte-for-byte the signature of
 * `@vod-uploader/tencent`'s `signCos`/`presignCos` (and of the official SDKs' `getAuth`).
 *
 * The SignKey of a key-time window is derived once per batch; each URL then costs one SHA-1 of its
 * HttpString and one HMAC-SHA1, both in plain JS (`sha1.ts`). Web Crypto's async round trips were the
 * bottleneck of `POST /uploads/sign` (≈ 18 k URLs/s with `createCosSigner` before any HTTP work).
 * @module
 */
import { camSafeUrlEncode, cosKeyPath } from '@vod-uploader/tencent';
import { hex, hmacSha1, sha1 } from './sha1.ts';

export type Pairs = ReadonlyArray<readonly [string, string]>;

export interface CosPresignerOptions {
  secretId: string;
  secretKey: string;
  /** `start;end`, Unix seconds: the window every URL of this batch is valid in. */
  keyTime: string;
  /** Base URL of the bucket, e.g. `https://b-125.cos.ap-guangzhou.myqcloud.com` or `http://127.0.0.1:9000/cos/b-125`. */
  baseUrl: string;
  /** The temporary credential's session token, appended as `x-cos-security-token`. */
  securityToken?: string;
}

export interface CosPresignRequest {
  method: string;
  /** The object key, URL-decoded, with or without a leading `/`. */
  key: string;
  /** Query parameters: put in the URL and signed. */
  query?: Pairs;
  /** Headers the client must send: signed (names any case, values exactly as sent). */
  headers?: Pairs;
}

export interface CosPresigner {
  /** The presigned URL of one request. */
  url(request: CosPresignRequest): string;
  /** The `Authorization` value of one request (for requests the signer sends itself). */
  authorization(request: CosPresignRequest): string;
}

type Encode = (text: string) => string;

function format(pairs: Pairs | undefined, enc: Encode): { list: string; text: string } {
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

/** `fn` memoized for one batch (the same hosts, keys, upload ids and lengths recur in every URL). */
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

/** A presigner for one credential and one key-time window. */
export function createCosPresigner(options: CosPresignerOptions): CosPresigner {
  const { secretId, keyTime, securityToken } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const mac = hmacSha1(hex(hmacSha1(options.secretKey).sign(keyTime)));

  // The constant parts of every URL's signature query, encoded once (as `authorizationQuery` encodes them).
  const head = `q-sign-algorithm=sha1&q-ak=${secretId}&q-sign-time=${keyTime}&q-key-time=${keyTime}`;
  const urlHead = `q-sign-algorithm=sha1&q-ak=${encodeURIComponent(secretId)}&q-sign-time=${encodeURIComponent(keyTime)}&q-key-time=${encodeURIComponent(keyTime)}`;
  const urlTail = securityToken ? `&x-cos-security-token=${encodeURIComponent(securityToken)}` : '';
  const camSafe = memo(camSafeUrlEncode);
  const uriComponent = memo(encodeURIComponent);
  const keyPath = memo(cosKeyPath);

  function sign(request: CosPresignRequest): { q: { list: string; text: string }; h: { list: string; text: string }; signature: string } {
    const q = format(request.query, camSafe);
    const h = format(request.headers, camSafe);
    const path = request.key.startsWith('/') ? request.key : `/${request.key}`;
    const httpString = `${request.method.toLowerCase()}\n${path}\n${q.text}\n${h.text}\n`;
    const stringToSign = `sha1\n${keyTime}\n${hex(sha1(httpString))}\n`;
    return { q, h, signature: hex(mac.sign(stringToSign)) };
  }

  return {
    authorization(request) {
      const { q, h, signature } = sign(request);
      return `${head}&q-header-list=${h.list}&q-url-param-list=${q.list}&q-signature=${signature}`;
    },
    url(request) {
      const { q, h, signature } = sign(request);
      let own = '';
      for (const [k, v] of request.query ?? []) {
        own += `${v === '' ? uriComponent(k) : `${uriComponent(k)}=${uriComponent(v)}`}&`;
      }
      return (
        `${base}${keyPath(request.key)}?${own}${urlHead}` +
        `&q-header-list=${uriComponent(h.list)}&q-url-param-list=${uriComponent(q.list)}&q-signature=${signature}${urlTail}`
      );
    },
  };
}

/**
 * The bucket's base URL from a template with `{Bucket}` and `{Region}` (and optionally `{AppId}`,
 * `{BucketName}`, as the COS SDKs' `Domain` option), e.g. `https://{Bucket}.cos.{Region}.myqcloud.com`.
 */
export function cosBaseUrl(template: string, bucket: string, region: string): string {
  const m = /^(.*)-(\d+)$/.exec(bucket);
  return template
    .replaceAll('{Bucket}', bucket)
    .replaceAll('{Region}', region)
    .replaceAll('{AppId}', m?.[2] ?? '')
    .replaceAll('{BucketName}', m?.[1] ?? bucket)
    .replace(/\/+$/, '');
}
