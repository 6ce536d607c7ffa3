/**
 * Shared pieces of the engine's Node tests: an instant clock that records waits, a platform with injectable parts,
 * random files, and instrumented hasher/transport wrappers. Not part of the package.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, alwaysOnline, systemClock } from '../clock.ts';
import type { Hasher } from '../hash/hasher.ts';
import { createWasmHasher } from '../hash/wasm-hasher.ts';
import { type Transport, type TransportRequest, createFetchTransport } from '../transport.ts';
import type { UploadPlatform } from '../upload.ts';

/**
 * Timers shorter than a minute fire on the next macrotask; longer ones (deadlines) never fire. Every delay is
 * recorded. `now()` is real time.
 */
export function instantClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout(callback, ms) {
      delays.push(ms);
      return ms < 60_000 ? setTimeout(callback, 0) : undefined;
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

export const MIB = 1024 * 1024;

export function randomFile(size: number, name = 'video.mp4', lastModified = 1_700_000_000_000): { file: File; data: Uint8Array<ArrayBuffer> } {
  const data = new Uint8Array(randomBytes(size));
  return { file: new File([data], name, { type: 'video/mp4', lastModified }), data };
}

export const sha1hex = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

export interface CountingHasher extends Hasher {
  /** Parts read with `keep` (held in memory for upload). */
  kept: number;
  /** Parts hashed (any options). */
  parts: number;
  /** Parts fed into a whole-file SHA-1, by size. */
  sha1Parts: number;
}

/** Wraps a hasher to count what it reads. */
export function countingHasher(inner: Hasher = createWasmHasher()): CountingHasher {
  const counting: CountingHasher = {
    kept: 0,
    parts: 0,
    sha1Parts: 0,
    begin: (key, state) => inner.begin(key, state),
    async part(key, input, options) {
      const result = await inner.part(key, input, options);
      counting.parts++;
      if (options.keep) counting.kept++;
      if (options.sha1) counting.sha1Parts++;
      return result;
    },
    save: (key) => inner.save(key),
    digest: (key) => inner.digest(key),
    sha1: (input) => inner.sha1(input),
    end: (key) => inner.end(key),
    close: () => inner.close(),
  };
  return counting;
}

export interface HookedTransport extends Transport {
  /** 2xx answers to part/media PUTs. */
  succeeded: number;
}

/** A real fetch transport with hooks before sending and after each answer. */
export function hookedTransport(hooks: {
  before?: (request: TransportRequest) => TransportRequest | void;
  after?: (request: TransportRequest, status: number) => void;
} = {}): HookedTransport {
  const inner = createFetchTransport(undefined, systemClock);
  const transport = (async (request: TransportRequest) => {
    const sent = hooks.before?.(request) ?? request;
    const response = await inner(sent);
    if (response.status >= 200 && response.status < 300 && !request.url.includes('/cover/')) transport.succeeded++;
    hooks.after?.(request, response.status);
    return response;
  }) as HookedTransport;
  transport.succeeded = 0;
  return transport;
}

export function testPlatform(overrides: Partial<UploadPlatform> = {}): UploadPlatform {
  return {
    hasher: () => createWasmHasher(),
    transport: () => createFetchTransport(undefined, systemClock),
    resumeStore: () => undefined,
    connectivity: () => alwaysOnline,
    ...overrides,
  };
}

/** Polls `check` every few ms, at most `tries` times. */
export async function eventually(check: () => boolean, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('condition not reached');
}
