/**
 * Storage requests (presigned PUTs): XHR in browsers (for upload progress), `fetch` elsewhere. Injected, so tests
 * need no network. A transport resolves with any HTTP answer and rejects only when there is none.
 * @module
 */
import { type Clock, abortReason, systemClock } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';

export interface TransportRequest {
  method: 'PUT';
  url: string;
  /** Sent as given; `Host` and `Content-Length` are left to the runtime (the body sets the length). */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array<ArrayBuffer> | Blob;
  signal?: AbortSignal;
  /**
   * Fails with `TIMEOUT` after this many ms without progress (XHR) or in total (fetch). 0 or absent = no limit.
   */
  timeout?: number;
  /** Bytes of the body sent so far. */
  onProgress?: (loaded: number) => void;
}

export interface TransportResponse {
  status: number;
  /** A response header by case-insensitive name, or `null`. */
  header(name: string): string | null;
  /** The response body (storage error XML), empty for a success. */
  text: string;
}

/** Sends one request. Rejects with a `NETWORK`/`TIMEOUT` {@link UploadError} or the signal's reason. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const SKIPPED_HEADERS = new Set(['host', 'content-length']);

function sendableHeaders(headers: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(headers).filter(([name]) => !SKIPPED_HEADERS.has(name.toLowerCase()));
}

/**
 * A `fetch` transport. Progress is reported once, when the body has been sent (fetch has no upload progress).
 * @param fetchImpl default `globalThis.fetch`
 */
export function createFetchTransport(fetchImpl?: FetchLike, clock: Clock = systemClock): Transport {
  return async function fetchTransport(request) {
    const doFetch = fetchImpl ?? globalThis.fetch;
    const controller = new AbortController();
    const { signal } = request;
    if (signal?.aborted) throw abortReason(signal);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = request.timeout
      ? clock.setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, request.timeout)
      : undefined;
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: sendableHeaders(request.headers),
        body: request.body,
        signal: controller.signal,
      });
      const text = await response.text();
      if (response.ok) request.onProgress?.(request.body instanceof Blob ? request.body.size : request.body.byteLength);
      return { status: response.status, header: (name) => response.headers.get(name), text };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (timedOut) throw new UploadError(ErrorCode.TIMEOUT, 'Storage request timed out.', { cause: error });
      throw new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error.', { cause: error });
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

/**
 * An `XMLHttpRequest` transport with upload progress. The timeout is an idle timeout: it restarts on every
 * progress event, so a slow but moving upload is never cut.
 */
export function createXhrTransport(clock: Clock = systemClock): Transport {
  return function xhrTransport(request) {
    return new Promise<TransportResponse>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) return reject(abortReason(signal));
      const xhr = new XMLHttpRequest();
      let timer: unknown;
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const arm = () => {
        if (!request.timeout) return;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = clock.setTimeout(() => {
          if (!finish()) return;
          xhr.abort();
          reject(new UploadError(ErrorCode.TIMEOUT, `Storage request made no progress for ${request.timeout} ms.`));
        }, request.timeout);
      };
      const onAbort = () => {
        if (!finish()) return;
        xhr.abort();
        reject(abortReason(signal!));
      };
      xhr.open(request.method, request.url);
      for (const [name, value] of sendableHeaders(request.headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        arm();
        request.onProgress?.(event.loaded);
      };
      xhr.onload = () => {
        if (!finish()) return;
        if (xhr.status >= 200 && xhr.status < 300) {
          request.onProgress?.(request.body instanceof Blob ? request.body.size : request.body.byteLength);
        }
        resolve({ status: xhr.status, header: (name) => xhr.getResponseHeader(name), text: xhr.responseText });
      };
      xhr.onerror = () => {
        if (!finish()) return;
        reject(new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error or CORS.'));
      };
      xhr.onabort = () => {
        if (!finish()) return;
        reject(signal?.aborted ? abortReason(signal) : new UploadError(ErrorCode.NETWORK, 'Storage request was aborted.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      xhr.send(request.body);
    });
  };
}

/** XHR where it exists (browsers), else `fetch`. */
export function defaultTransport(clock: Clock = systemClock): Transport {
  return typeof XMLHttpRequest === 'function' ? createXhrTransport(clock) : createFetchTransport(undefined, clock);
}
