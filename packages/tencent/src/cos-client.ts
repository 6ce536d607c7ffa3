/**
 * A small COS XML API client for one bucket under a (temporary) credential: single PUT, the multipart calls,
 * HEAD/GET, bucket-level ListMultipartUploads, and presigned URLs. Every request carries a q-sign
 * `Authorization` over `host` (with port), the query parameters, and `content-length`/`content-md5`/`range`
 * when sent, plus `x-cos-security-token`. Web-standard `fetch` only.
 * @module
 */
import { camSafeUrlEncode, cosKeyPath, cosKeyTime, presignCos, signCos } from './cos-sign.ts';
import {
  parseCompleteMultipartUploadResult,
  parseCosErrorBody,
  parseInitiateMultipartUploadResult,
  parseListMultipartUploadsResult,
  parseListPartsResult,
  type CosMultipartUpload,
  type CosPart,
} from './cos-results.ts';
import { utf8 } from './crypto.ts';
import { LocalErrorCode, TencentCloudError } from './errors.ts';
import { createDeadline, transportFailure, type FetchLike } from './transport.ts';
import { buildXml } from './xml.ts';

/** The public endpoint template. */
export const COS_DEFAULT_ENDPOINT = 'https://{Bucket}.cos.{Region}.myqcloud.com';
/**
 * The bucket's base URL from an endpoint template with `{Bucket}` and `{Region}` (and optionally `{AppId}` and
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

/** How long each request's signature is valid, in seconds (the SDKs' default). */
export const COS_SIGN_SECONDS = 900;
/** The most pages a listing follows before giving up (10,000 parts at one per page). */
const MAX_PAGES = 10_001;

export interface CosCredential {
  secretId: string;
  secretKey: string;
  /** Session token of a temporary credential; sent as `x-cos-security-token`. */
  token?: string;
}

export interface CosClientOptions {
  credential: CosCredential;
  /** Full bucket name, `name-APPID`. */
  bucket: string;
  region: string;
  /**
   * URL template with `{Bucket}` and `{Region}`, default {@link COS_DEFAULT_ENDPOINT}. An emulator passes
   * `http://127.0.0.1:PORT/cos/{Bucket}`: a path prefix is part of the URL but not of the signed path.
   */
  endpoint?: string;
  fetch?: FetchLike;
  /** Clock in milliseconds (like `Date.now`), for the signature's key time. */
  now?: () => number;
}

/** A request body. Streams are sent with `duplex: 'half'`. */
export type CosBody = Uint8Array | Blob | ReadableStream<Uint8Array>;

export interface CosCallOptions {
  /** Aborting rejects the call with the signal's reason (as `fetch` does). */
  signal?: AbortSignal;
}

export interface CosUploadBody extends CosCallOptions {
  key: string;
  body: CosBody;
  /** Base64 MD5 of the body; COS rejects the upload when it does not match. Signed. */
  contentMd5?: string;
  /**
   * Length of a `ReadableStream` body, sent and signed as `Content-Length` (Node; browsers do not let a page
   * set it). Ignored for `Uint8Array`/`Blob`, whose length is known.
   */
  contentLength?: number;
}

export interface CosPutObjectInput extends CosUploadBody {
  contentType?: string;
}

export interface CosUploadResult {
  /** As COS sends it: the quoted MD5 hex. */
  etag: string;
  /** `x-cos-hash-crc64ecma`, unsigned decimal. */
  crc64?: string;
  requestId?: string;
}

export interface CosUploadPartInput extends CosUploadBody {
  uploadId: string;
  partNumber: number;
}

export interface CosCompleteInput extends CosCallOptions {
  key: string;
  uploadId: string;
  parts: ReadonlyArray<{ partNumber: number; etag: string }>;
}

export interface CosCompleteResult {
  etag: string;
  location: string;
  crc64?: string;
  requestId?: string;
}

export interface CosHeadResult {
  size: number;
  etag: string;
  contentType: string;
  crc64?: string;
  /** The `Last-Modified` header, an HTTP date. */
  lastModified: string;
  requestId?: string;
}

export interface CosPresignUrlInput {
  method: string;
  key: string;
  /** Query parameters of the request, signed (`{ partNumber: 1, uploadId }`). */
  query?: Record<string, string | number | undefined>;
  /** Headers the request will send, signed. `host` is always signed. */
  headers?: Record<string, string | number | undefined>;
  expiresSeconds: number;
}

export interface CosClient {
  /** The bucket's base URL (the endpoint template filled in, no trailing `/`). */
  readonly baseUrl: string;
  putObject(input: CosPutObjectInput): Promise<CosUploadResult>;
  initiateMultipartUpload(input: { key: string; contentType?: string } & CosCallOptions): Promise<{ uploadId: string; requestId?: string }>;
  uploadPart(input: CosUploadPartInput): Promise<CosUploadResult>;
  /** Every uploaded part, following `IsTruncated`/`NextPartNumberMarker`. `maxParts` is the page size. */
  listParts(input: { key: string; uploadId: string; maxParts?: number } & CosCallOptions): Promise<CosPart[]>;
  /** Completes with the parts in ascending part order, as COS requires. */
  completeMultipartUpload(input: CosCompleteInput): Promise<CosCompleteResult>;
  abortMultipartUpload(input: { key: string; uploadId: string } & CosCallOptions): Promise<void>;
  /** Object facts; a missing object throws a `NoSuchKey` error. */
  headObject(input: { key: string } & CosCallOptions): Promise<CosHeadResult>;
  /** The response (its body a stream) after checking for 200/206; `range` is e.g. `bytes=0-99`. */
  getObject(input: { key: string; range?: string } & CosCallOptions): Promise<Response>;
  /** Unfinished multipart uploads of the bucket (`GET /?uploads`), following pagination. */
  listMultipartUploads(input?: { prefix?: string; maxUploads?: number } & CosCallOptions): Promise<CosMultipartUpload[]>;
  /** A presigned URL carrying the signature and the token in its query. */
  presignUrl(input: CosPresignUrlInput): Promise<string>;
}

interface Call extends CosCallOptions {
  method: string;
  /** Decoded object key; null for a bucket-level request. */
  key: string | null;
  query?: Array<[string, string]>;
  headers?: Record<string, string | undefined>;
  body?: CosBody | string;
  contentLength?: number;
  what: string;
  /** Code for a 404 without an error body (HEAD has none). */
  notFoundCode?: string;
}

function bodyLength(body: CosBody | string | undefined, streamLength: number | undefined): number | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return utf8(body).byteLength;
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof Blob) return body.size;
  return streamLength;
}

function queryString(query: ReadonlyArray<readonly [string, string]>): string {
  if (!query.length) return '';
  return `?${query.map(([k, v]) => (v === '' ? camSafeUrlEncode(k) : `${camSafeUrlEncode(k)}=${camSafeUrlEncode(v)}`)).join('&')}`;
}

function quoteEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function invalidResponse(what: string, detail: string, res: Response, cause?: unknown): TencentCloudError {
  return new TencentCloudError({
    service: 'cos',
    code: LocalErrorCode.INVALID_RESPONSE,
    message: `${what}: ${detail}`,
    status: res.status,
    requestId: res.headers.get('x-cos-request-id') ?? undefined,
    cause,
  });
}

/** Creates a COS client for one bucket. */
export function createCosClient(options: CosClientOptions): CosClient {
  const { credential, bucket, region } = options;
  if (!credential || typeof credential.secretId !== 'string' || !credential.secretId || typeof credential.secretKey !== 'string' || !credential.secretKey) {
    throw new TypeError('createCosClient: credential.secretId and credential.secretKey are required.');
  }
  if (!bucket || !region) throw new TypeError('createCosClient: bucket and region are required.');
  const template = options.endpoint ?? COS_DEFAULT_ENDPOINT;
  const baseUrl = cosBaseUrl(template, bucket, region);
  let host: string;
  try {
    const parsed = new URL(baseUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('not http');
    host = parsed.host;
  } catch {
    throw new TypeError('createCosClient: endpoint does not give an http(s) URL.');
  }
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => Date.now());
  const nowSeconds = () => Math.floor(now() / 1000);

  async function cosError(res: Response, call: Call): Promise<TencentCloudError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // The status alone will do.
    }
    const body = parseCosErrorBody(text);
    const requestId = body?.requestId ?? res.headers.get('x-cos-request-id') ?? undefined;
    if (body) return new TencentCloudError({ service: 'cos', code: body.code, message: body.message || body.code, requestId, status: res.status });
    const code = res.status === 404 && call.notFoundCode ? call.notFoundCode : LocalErrorCode.HTTP;
    return new TencentCloudError({
      service: 'cos',
      code,
      message: `${call.what} failed with HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
      requestId,
      status: res.status,
    });
  }

  async function send(call: Call): Promise<Response> {
    if (call.signal?.aborted) throw call.signal.reason;
    const query = call.query ?? [];
    const url = `${baseUrl}${call.key === null ? '/' : cosKeyPath(call.key)}${queryString(query)}`;
    const headers = new Headers();
    const signed: Array<[string, string]> = [['host', host]];
    for (const [name, value] of Object.entries(call.headers ?? {})) {
      if (value === undefined) continue;
      headers.set(name, value);
      const lower = name.toLowerCase();
      if (lower === 'content-md5' || lower === 'range') signed.push([lower, value]);
    }
    const length = bodyLength(call.body, call.contentLength);
    if (length !== undefined) {
      headers.set('Content-Length', String(length));
      signed.push(['content-length', String(length)]);
    }
    const { authorization } = await signCos({
      secretId: credential.secretId,
      secretKey: credential.secretKey,
      method: call.method,
      key: call.key ?? '',
      query,
      headers: signed,
      keyTime: cosKeyTime(COS_SIGN_SECONDS, nowSeconds()),
    });
    headers.set('Authorization', authorization);
    if (credential.token) headers.set('x-cos-security-token', credential.token);

    const init: RequestInit & { duplex?: 'half' } = { method: call.method, headers, signal: call.signal };
    if (call.body !== undefined) {
      init.body = call.body as BodyInit;
      if (call.body instanceof ReadableStream) init.duplex = 'half';
    }
    const deadline = createDeadline(call.signal, undefined);
    let res: Response;
    try {
      res = await fetchFn(url, init);
    } catch (error) {
      throw transportFailure('cos', call.what, error, call.signal, deadline);
    }
    if (!res.ok) throw await cosError(res, call);
    return res;
  }

  async function readText(res: Response, call: Call): Promise<string> {
    try {
      return await res.text();
    } catch (error) {
      throw transportFailure('cos', call.what, error, call.signal, createDeadline(call.signal, undefined));
    }
  }

  /** Sends, reads the XML body and parses it; a body that does not parse is an `invalid-response` error. */
  async function sendXml<T>(call: Call, parse: (xml: string) => T): Promise<{ value: T; res: Response }> {
    const res = await send(call);
    const text = await readText(res, call);
    const error = parseCosErrorBody(text);
    if (error) {
      const requestId = error.requestId ?? res.headers.get('x-cos-request-id') ?? undefined;
      throw new TencentCloudError({ service: 'cos', code: error.code, message: error.message || error.code, requestId, status: res.status });
    }
    try {
      return { value: parse(text), res };
    } catch (cause) {
      throw invalidResponse(call.what, 'the XML body could not be read.', res, cause);
    }
  }

  function uploadResult(res: Response, what: string): CosUploadResult {
    const etag = res.headers.get('etag');
    if (!etag) {
      throw invalidResponse(what, 'the response has no readable ETag (in browsers, add "ETag" to the bucket CORS ExposeHeaders).', res);
    }
    const result: CosUploadResult = { etag };
    const crc64 = res.headers.get('x-cos-hash-crc64ecma');
    if (crc64) result.crc64 = crc64;
    const requestId = res.headers.get('x-cos-request-id');
    if (requestId) result.requestId = requestId;
    return result;
  }

  async function discard(res: Response): Promise<void> {
    try {
      await res.body?.cancel();
    } catch {
      // Nothing to free.
    }
  }

  return {
    baseUrl,

    async putObject(input) {
      const what = 'COS PutObject';
      const res = await send({
        method: 'PUT',
        key: input.key,
        headers: { 'Content-Type': input.contentType, 'Content-MD5': input.contentMd5 },
        body: input.body,
        contentLength: input.contentLength,
        signal: input.signal,
        what,
      });
      await discard(res);
      return uploadResult(res, what);
    },

    async initiateMultipartUpload(input) {
      const { value, res } = await sendXml(
        {
          method: 'POST',
          key: input.key,
          query: [['uploads', '']],
          headers: { 'Content-Type': input.contentType },
          signal: input.signal,
          what: 'COS InitiateMultipartUpload',
        },
        parseInitiateMultipartUploadResult,
      );
      const requestId = res.headers.get('x-cos-request-id') ?? undefined;
      return requestId ? { uploadId: value.uploadId, requestId } : { uploadId: value.uploadId };
    },

    async uploadPart(input) {
      if (!Number.isInteger(input.partNumber) || input.partNumber < 1 || input.partNumber > 10000) {
        throw new RangeError('uploadPart: partNumber must be an integer from 1 to 10000.');
      }
      const what = 'COS UploadPart';
      const res = await send({
        method: 'PUT',
        key: input.key,
        query: [['partNumber', String(input.partNumber)], ['uploadId', input.uploadId]],
        headers: { 'Content-MD5': input.contentMd5 },
        body: input.body,
        contentLength: input.contentLength,
        signal: input.signal,
        what,
      });
      await discard(res);
      return uploadResult(res, what);
    },

    async listParts(input) {
      const parts: CosPart[] = [];
      let marker: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query: Array<[string, string]> = [['uploadId', input.uploadId]];
        if (input.maxParts !== undefined) query.push(['max-parts', String(input.maxParts)]);
        if (marker !== undefined) query.push(['part-number-marker', marker]);
        const { value, res } = await sendXml(
          { method: 'GET', key: input.key, query, signal: input.signal, what: 'COS ListParts' },
          parseListPartsResult,
        );
        parts.push(...value.parts);
        if (!value.isTruncated) return parts;
        const next = value.nextPartNumberMarker;
        if (next === undefined || !/^\d+$/.test(next) || (marker !== undefined && Number(next) <= Number(marker))) {
          throw invalidResponse('COS ListParts', 'a truncated page has no usable NextPartNumberMarker.', res);
        }
        marker = next;
      }
      throw new TencentCloudError({ service: 'cos', code: LocalErrorCode.INVALID_RESPONSE, message: 'COS ListParts: too many pages.' });
    },

    async completeMultipartUpload(input) {
      const sorted = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
      const body = buildXml({
        CompleteMultipartUpload: { Part: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: quoteEtag(p.etag) })) },
      });
      const { value, res } = await sendXml(
        {
          method: 'POST',
          key: input.key,
          query: [['uploadId', input.uploadId]],
          headers: { 'Content-Type': 'application/xml' },
          body,
          signal: input.signal,
          what: 'COS CompleteMultipartUpload',
        },
        parseCompleteMultipartUploadResult,
      );
      const result: CosCompleteResult = { etag: value.etag, location: value.location };
      const crc64 = res.headers.get('x-cos-hash-crc64ecma');
      if (crc64) result.crc64 = crc64;
      const requestId = res.headers.get('x-cos-request-id');
      if (requestId) result.requestId = requestId;
      return result;
    },

    async abortMultipartUpload(input) {
      const res = await send({
        method: 'DELETE',
        key: input.key,
        query: [['uploadId', input.uploadId]],
        signal: input.signal,
        what: 'COS AbortMultipartUpload',
      });
      await discard(res);
    },

    async headObject(input) {
      const what = 'COS HeadObject';
      const res = await send({ method: 'HEAD', key: input.key, signal: input.signal, what, notFoundCode: 'NoSuchKey' });
      await discard(res);
      const size = Number(res.headers.get('content-length'));
      const etag = res.headers.get('etag');
      if (!Number.isSafeInteger(size) || size < 0 || res.headers.get('content-length') === null) {
        throw invalidResponse(what, 'the response has no Content-Length.', res);
      }
      if (!etag) throw invalidResponse(what, 'the response has no readable ETag.', res);
      const result: CosHeadResult = {
        size,
        etag,
        contentType: res.headers.get('content-type') ?? '',
        lastModified: res.headers.get('last-modified') ?? '',
      };
      const crc64 = res.headers.get('x-cos-hash-crc64ecma');
      if (crc64) result.crc64 = crc64;
      const requestId = res.headers.get('x-cos-request-id');
      if (requestId) result.requestId = requestId;
      return result;
    },

    async getObject(input) {
      const what = 'COS GetObject';
      const res = await send({ method: 'GET', key: input.key, headers: { Range: input.range }, signal: input.signal, what, notFoundCode: 'NoSuchKey' });
      if (res.status !== 200 && res.status !== 206) {
        await discard(res);
        throw invalidResponse(what, `unexpected HTTP ${res.status}.`, res);
      }
      return res;
    },

    async listMultipartUploads(input = {}) {
      const uploads: CosMultipartUpload[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query: Array<[string, string]> = [['uploads', '']];
        if (input.prefix !== undefined) query.push(['prefix', input.prefix]);
        if (input.maxUploads !== undefined) query.push(['max-uploads', String(input.maxUploads)]);
        if (keyMarker !== undefined) query.push(['key-marker', keyMarker]);
        if (uploadIdMarker !== undefined) query.push(['upload-id-marker', uploadIdMarker]);
        const { value, res } = await sendXml(
          { method: 'GET', key: null, query, signal: input.signal, what: 'COS ListMultipartUploads' },
          parseListMultipartUploadsResult,
        );
        uploads.push(...value.uploads);
        if (!value.isTruncated) return uploads;
        const nextKey = value.nextKeyMarker;
        const nextId = value.nextUploadIdMarker;
        if (nextKey === undefined || (nextKey === keyMarker && nextId === uploadIdMarker)) {
          throw invalidResponse('COS ListMultipartUploads', 'a truncated page has no usable NextKeyMarker.', res);
        }
        keyMarker = nextKey;
        uploadIdMarker = nextId;
      }
      throw new TencentCloudError({ service: 'cos', code: LocalErrorCode.INVALID_RESPONSE, message: 'COS ListMultipartUploads: too many pages.' });
    },

    async presignUrl(input) {
      if (!(input.expiresSeconds > 0) || !Number.isFinite(input.expiresSeconds)) {
        throw new RangeError('presignUrl: expiresSeconds must be a positive number.');
      }
      const headers: Array<[string, string]> = [['host', host]];
      for (const [name, value] of Object.entries(input.headers ?? {})) {
        if (value !== undefined && name.toLowerCase() !== 'host') headers.push([name, String(value)]);
      }
      const { url } = await presignCos({
        secretId: credential.secretId,
        secretKey: credential.secretKey,
        method: input.method,
        key: input.key,
        query: input.query,
        headers,
        keyTime: cosKeyTime(Math.ceil(input.expiresSeconds), nowSeconds()),
        baseUrl,
        securityToken: credential.token,
      });
      return url;
    },
  };
}
