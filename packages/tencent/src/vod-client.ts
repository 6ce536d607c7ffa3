/**
 * A small, typed client of the VOD API 3.0 (version 2018-07-17), speaking the wire protocol of
 * `tencentcloud-sdk-nodejs-common`: `POST /` with a JSON body, `X-TC-*` headers and a TC3-HMAC-SHA256
 * `Authorization`. Web-standard `fetch` only.
 * @module
 */
import { LocalErrorCode, TencentCloudError } from './errors.ts';
import { signTc3 } from './tc3.ts';
import { createDeadline, transportFailure, type FetchLike } from './transport.ts';
import {
  VOD_API_VERSION,
  type ApplyUploadRequest,
  type ApplyUploadResponse,
  type CommitUploadRequest,
  type CommitUploadResponse,
  type ConfirmEventsRequest,
  type ConfirmEventsResponse,
  type DeleteMediaRequest,
  type DeleteMediaResponse,
  type DescribeMediaInfosRequest,
  type DescribeMediaInfosResponse,
  type ModifyMediaInfoRequest,
  type ModifyMediaInfoResponse,
  type PullEventsRequest,
  type PullEventsResponse,
  type SearchMediaRequest,
  type SearchMediaResponse,
  type VodAction,
  type VodRequest,
  type VodResponse,
  type VodResponseBase,
} from './vod-types.ts';

/** The public endpoint of VOD API 3.0. */
export const VOD_DEFAULT_ENDPOINT = 'https://vod.tencentcloudapi.com';

export type VodLanguage = 'zh-CN' | 'en-US';

export interface VodClientOptions {
  secretId: string;
  secretKey: string;
  /** Session token of a temporary credential; sent as `X-TC-Token`. */
  token?: string;
  /** Sent as `X-TC-Region` when given (VOD itself is region-less). */
  region?: string;
  /**
   * Base URL, default {@link VOD_DEFAULT_ENDPOINT}; an emulator passes `http://127.0.0.1:PORT`. The credential
   * scope's service is the first label of its hostname, as the official SDK does (`vod`, or `127` for 127.0.0.1).
   */
  endpoint?: string;
  fetch?: FetchLike;
  /** Clock in milliseconds (like `Date.now`), for `X-TC-Timestamp`. */
  now?: () => number;
  /** Sent as `X-TC-Language`: the language of error messages. */
  language?: VodLanguage;
  /** Per-call deadline in milliseconds; none by default. A timeout throws a retryable `timeout` error. */
  timeoutMs?: number;
}

export interface VodCallOptions {
  /** Aborting rejects the call with the signal's reason (as `fetch` does). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

export interface VodClient {
  /** Calls a typed action; resolves to its `Response` (including `RequestId`). */
  request<A extends VodAction>(action: A, params: VodRequest<A>, options?: VodCallOptions): Promise<VodResponse<A>>;
  /** Calls any other action, untyped. */
  request(action: string, params?: object, options?: VodCallOptions): Promise<VodResponseBase & Record<string, unknown>>;
  applyUpload(params: ApplyUploadRequest, options?: VodCallOptions): Promise<ApplyUploadResponse>;
  commitUpload(params: CommitUploadRequest, options?: VodCallOptions): Promise<CommitUploadResponse>;
  describeMediaInfos(params: DescribeMediaInfosRequest, options?: VodCallOptions): Promise<DescribeMediaInfosResponse>;
  searchMedia(params?: SearchMediaRequest, options?: VodCallOptions): Promise<SearchMediaResponse>;
  modifyMediaInfo(params: ModifyMediaInfoRequest, options?: VodCallOptions): Promise<ModifyMediaInfoResponse>;
  deleteMedia(params: DeleteMediaRequest, options?: VodCallOptions): Promise<DeleteMediaResponse>;
  pullEvents(params?: PullEventsRequest, options?: VodCallOptions): Promise<PullEventsResponse>;
  confirmEvents(params: ConfirmEventsRequest, options?: VodCallOptions): Promise<ConfirmEventsResponse>;
}

/** A copy without `null`/`undefined` object members, recursively, as the SDK's `deepRemoveNull` (arrays keep their length). */
export function removeNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(removeNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = removeNulls(v);
    return out;
  }
  return value;
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  } catch {
    throw new TypeError('createVodClient: endpoint is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('createVodClient: endpoint must be http(s).');
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `Response.Error` of a parsed body as an error, or undefined when the body has none. */
function cloudError(body: unknown, status: number): TencentCloudError | undefined {
  const response = isObject(body) ? body['Response'] : undefined;
  const error = isObject(response) ? response['Error'] : undefined;
  if (!isObject(response) || !isObject(error) || typeof error['Code'] !== 'string') return undefined;
  return new TencentCloudError({
    service: 'vod',
    code: error['Code'],
    message: typeof error['Message'] === 'string' ? error['Message'] : error['Code'],
    requestId: typeof response['RequestId'] === 'string' ? response['RequestId'] : undefined,
    status,
  });
}

/** Creates a VOD API 3.0 client. */
export function createVodClient(options: VodClientOptions): VodClient {
  const { secretId, secretKey, token, region, language, timeoutMs } = options;
  if (typeof secretId !== 'string' || !secretId || typeof secretKey !== 'string' || !secretKey) {
    throw new TypeError('createVodClient: secretId and secretKey are required.');
  }
  if (language !== undefined && language !== 'zh-CN' && language !== 'en-US') {
    throw new TypeError('createVodClient: language must be zh-CN or en-US.');
  }
  const url = parseEndpoint(options.endpoint ?? VOD_DEFAULT_ENDPOINT);
  const service = url.hostname.split('.')[0]!;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => Date.now());

  async function request(action: string, params: object = {}, call: VodCallOptions = {}): Promise<VodResponseBase & Record<string, unknown>> {
    if (call.signal?.aborted) throw call.signal.reason;
    const body = JSON.stringify(removeNulls(params));
    const timestamp = Math.floor(now() / 1000);
    const contentType = 'application/json';
    const { authorization } = await signTc3({
      secretId,
      secretKey,
      service,
      host: url.host,
      timestamp,
      body,
      method: 'POST',
      contentType,
      path: url.pathname,
    });
    const headers = new Headers({
      'Content-Type': contentType,
      'X-TC-Action': action,
      'X-TC-Version': VOD_API_VERSION,
      'X-TC-Timestamp': String(timestamp),
    });
    if (region) headers.set('X-TC-Region', region);
    if (token) headers.set('X-TC-Token', token);
    if (language) headers.set('X-TC-Language', language);
    headers.set('Authorization', authorization);

    const what = `VOD ${action}`;
    const deadline = createDeadline(call.signal, call.timeoutMs ?? timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetchFn(url.href, { method: 'POST', headers, body, signal: deadline.signal });
      text = await res.text();
    } catch (error) {
      throw transportFailure('vod', what, error, call.signal, deadline);
    } finally {
      deadline.dispose();
    }

    const parsed = parseJson(text);
    if (res.status !== 200) {
      throw (
        cloudError(parsed, res.status) ??
        new TencentCloudError({
          service: 'vod',
          code: LocalErrorCode.HTTP,
          message: `${what} failed with HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
          status: res.status,
        })
      );
    }
    const failed = cloudError(parsed, res.status);
    if (failed) throw failed;
    const response = isObject(parsed) ? parsed['Response'] : undefined;
    if (!isObject(response)) {
      throw new TencentCloudError({
        service: 'vod',
        code: LocalErrorCode.INVALID_RESPONSE,
        message: `${what} returned a body that is not {"Response": {...}}.`,
        status: res.status,
      });
    }
    return response as VodResponseBase & Record<string, unknown>;
  }

  const typed = <A extends VodAction>(action: A) =>
    (params: VodRequest<A>, call?: VodCallOptions) => request(action, params, call) as Promise<VodResponse<A>>;

  return {
    request: request as VodClient['request'],
    applyUpload: typed('ApplyUpload'),
    commitUpload: typed('CommitUpload'),
    describeMediaInfos: typed('DescribeMediaInfos'),
    searchMedia: (params = {}, call) => typed('SearchMedia')(params, call),
    modifyMediaInfo: typed('ModifyMediaInfo'),
    deleteMedia: typed('DeleteMedia'),
    pullEvents: (params = {}, call) => typed('PullEvents')(params, call),
    confirmEvents: typed('ConfirmEvents'),
  };
}
