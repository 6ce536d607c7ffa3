/**
 * A typed client for the signer's HTTP routes (see packages/signer/PROTOCOL.md). Used by the engine, usable alone.
 * `fetch` is injected; every failure is an {@link UploadError} (`SIGNER` with the signer's code, or
 * `NETWORK`/`TIMEOUT`).
 * @module
 */
import { type Clock, abortable, systemClock } from './clock.ts';
import { ErrorCode, UploadError, type UploadErrorOptions, parseRetryAfter } from './errors.ts';
import type { FetchLike } from './transport.ts';

/** Facts about the media file, as the signer wants them. `size` is omitted for a stream of unknown length. */
export interface FileFacts {
  name: string;
  size?: number;
  type?: string;
  lastModified?: number;
}

/** VOD options for the new media; the signer applies each only if its policy lets the client set it. */
export interface MediaOptions {
  mediaName?: string;
  procedure?: string;
  classId?: number;
  expireTime?: string;
  sourceContext?: string;
  sessionContext?: string;
  storageRegion?: string;
  subAppId?: number;
}

export interface CreateUploadRequest {
  file: FileFacts;
  cover?: { name: string; size: number; type?: string };
  /** Whole-file SHA-1 (hex), when known: lets the signer answer with an instant upload. */
  sha1?: string;
  /** Preferred part size in bytes; the signer decides. */
  partSize?: number;
  options?: MediaOptions;
  /** A stream of unknown length (progressive upload). */
  stream?: true;
}

/** The result of an upload, instant or not. */
export interface UploadResult {
  fileId: string;
  mediaUrl: string;
  coverUrl?: string;
  requestId?: string;
}

export type UploadStrategy = 'single' | 'multipart';

/** A new upload session. `session` is opaque (sealed by the signer) and goes back in every later call. */
export interface UploadSession {
  session: string;
  strategy: UploadStrategy;
  partSize: number;
  /** `null` for a stream session. */
  partCount: number | null;
  /** Highest part number that can be signed (the cap of a stream). */
  maxPartNumber?: number;
  /** When the session (and its temporary credential) ends: ISO date or epoch (s or ms). */
  expiresAt: string | number;
  mediaType?: string;
  cover?: unknown;
}

export type CreateUploadResponse = UploadSession | { instant: UploadResult };

export interface SignPartRequest {
  partNumber: number;
  /** Base64 MD5 of the part; signed in as `Content-MD5`. */
  md5?: string;
  /** Bytes in the part; required for stream sessions. */
  size?: number;
}

export interface SignRequest {
  session: string;
  /** At most {@link MAX_SIGN_BATCH} parts per call. */
  parts?: SignPartRequest[];
  media?: { md5?: string };
  cover?: { md5?: string };
}

export type SignTarget = 'part' | 'media' | 'cover';

export interface SignedUrl {
  target: SignTarget;
  partNumber?: number;
  method: 'PUT';
  url: string;
  /** Send exactly these headers (e.g. `Content-MD5`). */
  headers: Record<string, string>;
  expiresAt: string | number;
}

export interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
}

export interface CompleteRequest {
  session: string;
  parts?: { partNumber: number; etag: string }[];
  sha1?: string;
}

export type MediaProcessingStatus = 'processing' | 'ready' | 'failed';

export interface MediaStatus {
  fileId: string;
  status: MediaProcessingStatus;
  [key: string]: unknown;
}

/** Most parts one `sign` call may ask for. */
export const MAX_SIGN_BATCH = 100;
export const DEFAULT_SIGNER_TIMEOUT = 30_000;

/** A bearer token, or a function giving the current one (called before every request). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface SignerClientOptions {
  /** Base URL of the signer's routes, e.g. `https://example.com/vod` or `/vod`. */
  url: string | URL;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: TokenSource;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  fetch?: FetchLike;
  /** Per-request deadline in ms, default {@link DEFAULT_SIGNER_TIMEOUT}; 0 = none. */
  timeout?: number;
  clock?: Clock;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface SignerClient {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  /** `POST /uploads`: a session, or an instant upload when a verified copy exists. */
  createUpload(request: CreateUploadRequest, options?: CallOptions): Promise<CreateUploadResponse>;
  /** `POST /uploads/sign`: presigned URLs for parts, the single media PUT or the cover PUT. */
  sign(request: SignRequest, options?: CallOptions): Promise<SignedUrl[]>;
  /** `POST /uploads/parts`: the parts storage already has (the resume truth). */
  listParts(session: string, options?: CallOptions): Promise<ListedPart[]>;
  /** `POST /uploads/complete`: finish and commit (idempotent). */
  complete(request: CompleteRequest, options?: CallOptions): Promise<UploadResult>;
  /** `POST /uploads/abort`. */
  abort(session: string, options?: CallOptions): Promise<void>;
  /** `POST /uploads/instant`: a verified upload with this SHA-1 and size, or `null`. Cheap; no session needed. */
  findInstantUpload(request: { sha1: string; size: number }, options?: CallOptions): Promise<UploadResult | null>;
  /** `GET /media/:fileId/status`: VOD processing state. */
  getMediaStatus(fileId: string, options?: CallOptions): Promise<MediaStatus>;
}

/** True when `response` is an instant upload rather than a session. */
export function isInstant(response: CreateUploadResponse): response is { instant: UploadResult } {
  const instant = (response as { instant?: unknown }).instant;
  return typeof instant === 'object' && instant !== null;
}

/** An `expiresAt` (ISO string, epoch seconds or epoch ms) as epoch ms; `Infinity` when unreadable. */
export function expiryMs(value: string | number | undefined): number {
  // Only a number or a string is read (Number() would make `null`, `true` or `[]` an epoch, expired at once).
  const at = typeof value === 'number' ? value : typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : NaN;
  return at < 1e12 ? at * 1000 : at >= 1e12 ? at : Infinity; // seconds, milliseconds, or unreadable (NaN)
}

type Json = Record<string, unknown> | undefined;

/**
 * Creates a {@link SignerClient}.
 * @example
 * const signer = createSignerClient({ url: '/vod', token: () => auth.token });
 * const session = await signer.createUpload({ file: { name: 'a.mp4', size: 123 } });
 */
export function createSignerClient({
  url,
  token,
  headers: extraHeaders,
  fetch: fetchImpl,
  timeout = DEFAULT_SIGNER_TIMEOUT,
  clock = systemClock,
}: SignerClientOptions): SignerClient {
  const base = String(url).replace(/\/+$/, '');

  /** One call; `valid` checks the answer's shape (an unexpected answer is a `SIGNER` error). */
  async function call<T>(path: string, body: unknown, { signal }: CallOptions = {}, valid: (answer: Json) => unknown = () => 1): Promise<T> {
    const method = body === undefined ? 'GET' : 'POST';
    const what = `Signer ${method} ${path}`;
    const fail = (message: string, extra?: UploadErrorOptions) => new UploadError(ErrorCode.SIGNER, `${what}: ${message}`, extra);
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (method === 'POST') headers['content-type'] = 'application/json';
    const bearer = typeof token === 'function' ? await token() : token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    // Settles on the answer's text, the signal, the deadline or a network failure; the request is cut on any but the first.
    const [response, text] = await abortable<[Response, string]>(signal, (resolve, reject) => {
      const controller = new AbortController();
      (fetchImpl ?? globalThis.fetch)(base + path, { method, headers, body: JSON.stringify(body), signal: controller.signal }).then(
        async (response) => resolve([response, await response.text()]),
      ).catch((cause: unknown) => reject(new UploadError(ErrorCode.NETWORK, `${what} failed: network error.`, { cause })));
      const timer = timeout > 0 ? clock.setTimeout(() => reject(new UploadError(ErrorCode.TIMEOUT, `${what} timed out.`)), timeout) : undefined;
      return () => {
        clock.clearTimeout(timer);
        controller.abort();
      };
    });
    let json: Json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: see below
    }
    const { status } = response;
    if (!response.ok) {
      const err = json?.error as { code?: unknown; message?: unknown; retryable?: unknown; requestId?: unknown } | undefined;
      const string = (value: unknown) => (typeof value === 'string' ? value : undefined);
      throw fail(string(err?.message) ?? `HTTP ${status}`, {
        status,
        cloudCode: string(err?.code),
        requestId: string(err?.requestId),
        retryable: typeof err?.retryable === 'boolean' ? err.retryable : undefined,
        retryAfter: parseRetryAfter(response.headers.get('retry-after'), clock.now()),
      });
    }
    if ((text && !json) || !valid(json)) throw fail('unexpected answer.', { status, retryable: false });
    return json as T;
  }

  const post = <T>(path: string, body: unknown, options: CallOptions | undefined, valid?: (answer: Json) => unknown) =>
    call<T>(`/uploads${path}`, body, options, valid);

  return {
    url: base,
    createUpload: (request, options) =>
      post('', request, options, (a) => a && (isInstant(a as CreateUploadResponse) || typeof a.session === 'string')),
    async sign(request, options) {
      if ((request.parts?.length ?? 0) > MAX_SIGN_BATCH) throw new RangeError(`At most ${MAX_SIGN_BATCH} parts per sign call.`);
      return (await post<{ urls: SignedUrl[] }>('/sign', request, options, (a) => Array.isArray(a?.urls))).urls;
    },
    listParts: async (session, options) => (await post<{ parts: ListedPart[] }>('/parts', { session }, options, (a) => Array.isArray(a?.parts))).parts,
    complete: (request, options) => post('/complete', request, options, (a) => typeof a?.fileId === 'string'),
    abort: async (session, options) => void (await post('/abort', { session }, options)),
    async findInstantUpload(request, options) {
      const instant = (await post<{ instant?: UploadResult | null } | undefined>('/instant', request, options))?.instant;
      return typeof instant?.fileId === 'string' ? instant : null;
    },
    getMediaStatus: (fileId, options) =>
      call(`/media/${encodeURIComponent(fileId)}/status`, undefined, options, (a) => typeof a?.status === 'string'),
  };
}
