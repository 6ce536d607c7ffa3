/**
 * A Node transport over node:http/https with upload progress (fetch has none): the body is written in slices,
 * each acknowledged write reports progress, and an idle socket fails with `TIMEOUT`. Node only.
 * @module
 */
import { Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { abortReason } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import type { Transport, TransportResponse } from './transport.ts';

/** Bytes written per slice (the progress step). */
const SLICE = 256 * 1024;
/** Longest error body kept (storage error XML is small). */
const MAX_TEXT = 64 * 1024;

export interface NodeTransportOptions {
  /** Sockets per host, default 16. */
  maxSockets?: number;
}

/** Creates a node:http(s) {@link Transport} with keep-alive agents and upload progress. */
export function createNodeTransport({ maxSockets = 16 }: NodeTransportOptions = {}): Transport {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  return function nodeTransport(request) {
    return new Promise<TransportResponse>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) return reject(abortReason(signal));
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(new UploadError(ErrorCode.HTTP, `Unsupported URL scheme ${url.protocol}`, { retryable: false }));
      let settled = false;
      const done = (error: unknown, response?: TransportResponse) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (response) resolve(response);
        else reject(error);
      };
      const bodyPromise: Promise<Uint8Array> =
        request.body instanceof Uint8Array ? Promise.resolve(request.body) : request.body.arrayBuffer().then((b) => new Uint8Array(b));
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(request.headers)) {
        const lower = name.toLowerCase();
        if (lower !== 'host' && lower !== 'content-length') headers[name] = value;
      }
      const send = secure ? httpsRequest : httpRequest;
      const req = send(url, { method: request.method, headers, agent: agents[secure ? 'https:' : 'http:'] });
      const onAbort = () => {
        req.destroy();
        done(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (request.timeout) {
        req.setTimeout(request.timeout, () => {
          req.destroy();
          done(new UploadError(ErrorCode.TIMEOUT, `Storage request made no progress for ${request.timeout} ms.`));
        });
      }
      req.on('error', (error) => done(new UploadError(ErrorCode.NETWORK, 'Storage request failed: network error.', { cause: error })));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept >= MAX_TEXT) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('error', (error) => done(new UploadError(ErrorCode.NETWORK, 'Storage answer was cut.', { cause: error })));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          done(undefined, {
            status,
            header: (name) => {
              const value = res.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      bodyPromise.then(
        async (body) => {
          req.setHeader('content-length', body.byteLength);
          let sent = 0;
          // One slice at a time, waiting for each to be flushed: bounded by the body's length.
          for (let at = 0; at < body.byteLength && !settled; at += SLICE) {
            const slice = body.subarray(at, Math.min(body.byteLength, at + SLICE));
            await new Promise<void>((next) => req.write(slice, () => next()));
            sent += slice.byteLength;
            if (!settled) request.onProgress?.(sent);
          }
          if (!settled) req.end();
        },
        (error: unknown) => {
          req.destroy();
          done(new UploadError(ErrorCode.INVALID_FILE, 'The body could not be read.', { cause: error, retryable: false }));
        },
      );
    });
  };
}
