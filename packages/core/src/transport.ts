/**
 * Storage requests (presigned PUTs): XHR in browsers (for upload progress), `fetch` elsewhere (its own module,
 * loaded on demand where there is no XHR). Injected, so tests need no network. A transport resolves with any HTTP
 * answer and rejects only when there is none.
 * @module
 */
import { type Clock, abortable, systemClock } from './clock.ts';
import { ErrorCode, UploadError, failures } from './errors.ts';

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

/** The headers to set: all but `Host` and `Content-Length` (the runtime sets those). */
const SKIPPED_HEADER = /^(host|content-length)$/i;

/**
 * An `XMLHttpRequest` transport with upload progress. The timeout is an idle timeout: it restarts on every
 * progress event, so a slow but moving upload is never cut.
 */
export function createXhrTransport(clock: Clock = systemClock): Transport {
  return ({ method, url, headers, body, signal, timeout, onProgress }) =>
    abortable<TransportResponse>(signal, (resolve, reject) => {
      const xhr = new XMLHttpRequest();
      let timer: unknown;
      const arm = () => {
        clock.clearTimeout(timer);
        if (timeout) timer = clock.setTimeout(() => reject(new UploadError(ErrorCode.TIMEOUT, `Storage request made no progress for ${timeout} ms.`)), timeout);
      };
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers)) if (!SKIPPED_HEADER.test(name)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        arm();
        onProgress?.(event.loaded);
      };
      xhr.onload = () => {
        const { status } = xhr;
        if (status > 199 && status < 300) onProgress?.((body as Blob).size ?? (body as Uint8Array).byteLength);
        resolve({ status, header: (name) => xhr.getResponseHeader(name), text: xhr.responseText });
      };
      xhr.onerror = () => reject(new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error or CORS.'));
      xhr.onabort = () => reject(new UploadError(ErrorCode.NETWORK, 'Storage request was aborted.'));
      arm();
      xhr.send(body);
      // Settled (answer, failure, timeout or abort): stop the timer and the request.
      return () => {
        clock.clearTimeout(timer);
        xhr.onabort = null;
        if (xhr.readyState < 4) xhr.abort(); // not once DONE: that would drop the answer's headers
      };
    });
}

/**
 * A `fetch` transport. Progress is reported once, when the body has been sent (fetch has no upload progress).
 * The timeout covers the whole request. Its module is loaded on first use (browsers use XHR).
 * @param fetchImpl default `globalThis.fetch`
 */
export function createFetchTransport(fetchImpl?: FetchLike, clock: Clock = systemClock): Transport {
  const transport = import('./transport-fetch.ts').then((m) => m.fetchTransport(fetchImpl, clock, failures));
  return async (request) => (await transport)(request);
}

/** XHR where it exists (browsers), else `fetch`. */
export function defaultTransport(clock: Clock = systemClock): Transport {
  return typeof XMLHttpRequest === 'function' ? createXhrTransport(clock) : createFetchTransport(undefined, clock);
}
