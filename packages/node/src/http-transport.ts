/**
 * A storage transport over `node:http`/`node:https` with keep-alive and upload progress (the body is written in
 * slices, so the progress bar moves within a part), and a count of requests in flight (so a stop can wait until
 * every aborted request is gone).
 * @module
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ErrorCode, type Transport, type TransportResponse, UploadError } from '@vod-uploader/core';

/** Bytes per write: progress is reported after each. */
const SLICE = 512 * 1024;
const SKIPPED_HEADERS = new Set(['host', 'content-length']);

export interface HttpTransport extends Transport {
  /** Requests started and not yet settled. */
  readonly inFlight: number;
  /** Closes idle keep-alive connections. */
  close(): void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export interface HttpTransportOptions {
  /** Called with the body of each request that storage accepted (2xx): the bytes are no longer needed. */
  onAccepted?: (body: Uint8Array) => void;
}

/** Creates the transport; one keep-alive agent per protocol. */
export function createHttpTransport({ onAccepted }: HttpTransportOptions = {}): HttpTransport {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  let inFlight = 0;

  const send: Transport = (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) return reject(abortError(signal));
      const url = new URL(request.url);
      const https = url.protocol === 'https:';
      const body = request.body;
      if (!(body instanceof Uint8Array)) {
        reject(new UploadError(ErrorCode.INVALID_FILE, 'The Node transport sends byte arrays only.', { retryable: false }));
        return;
      }
      const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const headers: Record<string, string | number> = { 'content-length': bytes.byteLength };
      for (const [name, value] of Object.entries(request.headers)) if (!SKIPPED_HEADERS.has(name.toLowerCase())) headers[name] = value;

      inFlight++;
      let settled = false;
      let req: ClientRequest | undefined;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        inFlight--;
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const fail = (error: unknown) => {
        if (finish()) reject(error);
        req?.destroy();
      };
      const onAbort = () => fail(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });

      req = (https ? httpsRequest : httpRequest)(url, { method: request.method, headers, agent: https ? agents.https : agents.http }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => fail(new UploadError(ErrorCode.NETWORK, 'Storage request failed: the answer was cut.')));
        res.on('end', () => {
          if (!finish()) return;
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            request.onProgress?.(bytes.byteLength);
            onAccepted?.(body);
          }
          resolve({
            status,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
            },
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      if (request.timeout) {
        req.setTimeout(request.timeout, () => fail(new UploadError(ErrorCode.TIMEOUT, `Storage request made no progress for ${request.timeout} ms.`)));
      }
      req.on('error', (error) => fail(new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error.', { cause: error })));

      // Write in slices, waiting for 'drain', reporting progress as the socket takes the bytes.
      let offset = 0;
      const pump = () => {
        while (!settled && offset < bytes.byteLength) {
          const end = Math.min(offset + SLICE, bytes.byteLength);
          const slice = bytes.subarray(offset, end);
          offset = end;
          const more = req!.write(slice, () => {
            if (!settled) request.onProgress?.(end);
          });
          if (!more) {
            req!.once('drain', pump);
            return;
          }
        }
        if (!settled) req!.end();
      };
      pump();
    });

  const transport = send as HttpTransport;
  Object.defineProperty(transport, 'inFlight', { get: () => inFlight });
  transport.close = () => {
    agents.http.destroy();
    agents.https.destroy();
  };
  return transport;
}
