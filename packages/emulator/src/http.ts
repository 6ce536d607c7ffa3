/**
 * HTTP plumbing shared by the VOD, COS and media routes: the request body as a stream of chunks (the raw Node
 * request when served by `@hono/node-server`, the Web `Request` body under `app.request()`), cutting the
 * connection for `cut` faults, Range parsing and CORS headers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { ConnectionCut } from './errors.ts';

/** The Hono environment of the emulator app. */
export interface EmulatorEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: { op: string };
}

export type Ctx = Context<EmulatorEnv>;

/** The raw Node request, when served by @hono/node-server (undefined under `app.request()`). */
export function nodeIncoming(c: Ctx): IncomingMessage | undefined {
  return (c.env as EmulatorEnv['Bindings'] | undefined)?.incoming;
}

/** Destroys the client connection (Node) — the `cut` fault. */
export function cutConnection(c: Ctx): void {
  const incoming = nodeIncoming(c);
  incoming?.socket?.destroy();
}

export interface BodyOptions {
  /** Destroy the connection once this many bytes were read; the iteration then throws {@link ConnectionCut}. */
  cutAfter?: number;
  /** Called with each chunk's size. */
  onBytes?: (n: number) => void;
}

/**
 * The request body, chunk by chunk, without buffering it. Reads the Node request directly when there is one
 * (the fast path: no Web stream in between), else the Web body.
 */
export async function* requestBody(c: Ctx, options: BodyOptions = {}): AsyncGenerator<Uint8Array> {
  const { cutAfter, onBytes } = options;
  let seen = 0;
  const cut = () => {
    cutConnection(c);
    throw new ConnectionCut();
  };
  if (cutAfter !== undefined && cutAfter <= 0) cut();
  const incoming = nodeIncoming(c);
  const source: AsyncIterable<Uint8Array> = incoming ?? webChunks(c.req.raw.body);
  for await (const chunk of source) {
    let piece = chunk;
    if (cutAfter !== undefined && seen + piece.byteLength >= cutAfter) {
      piece = piece.subarray(0, cutAfter - seen);
      seen += piece.byteLength;
      onBytes?.(piece.byteLength);
      if (piece.byteLength) yield piece;
      cut();
    }
    seen += piece.byteLength;
    onBytes?.(piece.byteLength);
    yield piece;
  }
  if (cutAfter !== undefined) cut();
}

/**
 * Feeds the request body to `push`, chunk by chunk, and resolves at its end. When `push` returns a promise
 * the socket is paused until it settles (backpressure). With a Node request this listens to `data` events
 * directly — no async iterator, no promise per chunk; under `app.request()` it iterates the Web body.
 * Rejects with {@link ConnectionCut} for a `cut` fault, or with the request's error (`aborted`) when the
 * client goes away.
 */
export function pumpBody(c: Ctx, options: BodyOptions, push: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const incoming = nodeIncoming(c);
  if (!incoming) {
    return (async () => {
      for await (const chunk of requestBody(c, options)) {
        const wait = push(chunk);
        if (wait) await wait;
      }
    })();
  }
  const { cutAfter, onBytes } = options;
  return new Promise<void>((resolve, reject) => {
    let seen = 0;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', finish);
      incoming.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const cut = () => {
      cutConnection(c);
      finish(new ConnectionCut());
    };
    const take = (piece: Uint8Array): boolean => {
      seen += piece.byteLength;
      onBytes?.(piece.byteLength);
      let wait;
      try {
        wait = push(piece);
      } catch (error) {
        finish(error);
        return false;
      }
      if (wait) {
        incoming.pause();
        wait.then(
          () => {
            if (!settled) incoming.resume();
          },
          (error: unknown) => finish(error),
        );
      }
      return true;
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      if (cutAfter !== undefined && seen + chunk.byteLength >= cutAfter) {
        const piece = chunk.subarray(0, cutAfter - seen);
        if (piece.byteLength && !take(piece)) return;
        cut();
        return;
      }
      take(chunk);
    };
    const onEnd = () => (cutAfter !== undefined ? cut() : finish());
    const onClose = () => {
      if (!incoming.complete) finish(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    };
    if (cutAfter !== undefined && cutAfter <= 0) return cut();
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', finish);
    incoming.once('close', onClose);
  });
}

async function* webChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads a small body whole (VOD JSON, Complete XML), failing past `maxBytes`. */
export async function readSmallBody(c: Ctx, maxBytes: number, options: BodyOptions = {}): Promise<Uint8Array | 'too-large'> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of requestBody(c, options)) {
    size += chunk.byteLength;
    if (size > maxBytes) return 'too-large';
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A satisfiable byte range (inclusive), or null (serve everything), or `'unsatisfiable'`. */
export type ByteRange = { start: number; end: number } | null | 'unsatisfiable';

/**
 * Parses `Range: bytes=a-b | a- | -n` against a size. Anything else (other units, several ranges, garbage)
 * is ignored, as COS does, and the whole object is served.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (b !== '' && Number(b) < start) return null;
  return { start, end };
}

/** Headers the browser may read on cross-origin responses (COS's recommended ExposeHeaders, plus ranges). */
export const EXPOSE_HEADERS = 'ETag, Content-Length, Content-Range, Accept-Ranges, x-cos-hash-crc64ecma, x-cos-request-id, x-cos-version-id';
export const ALLOW_METHODS = 'GET, PUT, POST, DELETE, HEAD';

/** CORS headers for an actual (non-preflight) response: any origin. */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  return origin
    ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': EXPOSE_HEADERS }
    : { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSE_HEADERS };
}

/** The answer to a preflight: any origin, the COS methods, whatever headers were asked for. */
export function preflight(c: Ctx): Response {
  const origin = c.req.header('origin');
  const headers: Record<string, string> = {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': c.req.header('access-control-request-headers') || '*',
    'Access-Control-Max-Age': '600',
    'Content-Length': '0',
  };
  return new Response(null, { status: 200, headers });
}

/** RFC 7231 date (`Last-Modified`). */
export const httpDate = (iso: string): string => new Date(iso).toUTCString();
