/**
 * Instant upload (the legacy InitUpload "file already exists", code 2): a file whose SHA-1 and size match an
 * earlier *verified* upload in the same scope gets that upload's FileId without sending a byte.
 *
 * The index is poison-proof: an entry enters it only after the signer itself has read the stored bytes back
 * and found the SHA-1 and size the client claimed. A client's claim alone never makes another upload point at
 * different content. Verification runs in the background through a bounded queue (jobs beyond it, or files
 * above `maxBytes`, are simply not indexed).
 * @module
 */
import { Sha1, toHex, type Hasher } from '@vod-uploader/tencent';
import type { Store } from './store.ts';

/** What an instant upload returns. */
export interface InstantEntry {
  fileId: string;
  mediaUrl: string;
  coverUrl: string;
}

/** The index key of a file: scope, size and SHA-1. */
export function instantKey(scope: string, sha1: string, size: number): string {
  return `instant:v1:${encodeURIComponent(scope)}:${size}:${sha1}`;
}

/** Reads an index entry; undefined on a miss or an unreadable entry. */
export async function lookupInstant(store: Store, scope: string, sha1: string, size: number): Promise<InstantEntry | undefined> {
  const raw = await store.get(instantKey(scope, sha1, size));
  if (!raw) return undefined;
  try {
    const e = JSON.parse(raw) as InstantEntry;
    return typeof e.fileId === 'string' ? { fileId: e.fileId, mediaUrl: e.mediaUrl ?? '', coverUrl: e.coverUrl ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

export interface VerifyJob {
  scope: string;
  /** The SHA-1 the client claimed (40 lower-case hex). */
  sha1: string;
  /** The planned size of the file, bytes. */
  size: number;
  entry: InstantEntry;
  /**
   * Candidate readers of the stored bytes, tried in order until one answers 200 (e.g. a presigned COS GET with
   * the session's credential, then the media URL).
   */
  sources: ReadonlyArray<(signal: AbortSignal) => Promise<Response>>;
}

export type VerifyOutcome = 'admitted' | 'mismatch' | 'too_large' | 'queue_full' | 'unreadable' | 'error';

export interface VerifierOptions {
  store: Store;
  /** Largest file verified, bytes. Default 2 GiB. */
  maxBytes?: number;
  /** Jobs run at once. Default 1. */
  concurrency?: number;
  /** Jobs waiting at most; more are dropped (not indexed). Default 32. */
  maxQueue?: number;
  /** Deadline of one job, ms. Default 10 min. */
  timeoutMs?: number;
  /** Lifetime of an index entry, seconds. Default 30 days. */
  ttlSeconds?: number;
  /** The SHA-1 hasher; default the pure-JS `Sha1` of @vod-uploader/tencent. The Node glue injects `node:crypto`. */
  createHasher?: () => Hasher;
  /** Called once per job with its outcome (tests, metrics). Errors thrown here are ignored. */
  onResult?: (job: VerifyJob, outcome: VerifyOutcome) => void;
}

export interface Verifier {
  /** Queues a job; the promise settles (never rejects) when it has run or been dropped. */
  enqueue(job: VerifyJob): Promise<VerifyOutcome>;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
  readonly pending: number;
}

/** Hashes a body with `hasher`, stopping once it exceeds `limit` bytes. */
async function hashBody(body: ReadableStream<Uint8Array>, hasher: Hasher, limit: number): Promise<{ bytes: number; digest: string } | 'too_large'> {
  const reader = body.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (bytes > limit) return 'too_large';
      hasher.update(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return { bytes, digest: toHex(hasher.digest()) };
}

export function createVerifier(options: VerifierOptions): Verifier {
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const maxQueue = Math.max(0, options.maxQueue ?? 32);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const ttl = options.ttlSeconds ?? 30 * 86_400;
  const createHasher = options.createHasher ?? (() => new Sha1());
  const queue: Array<{ job: VerifyJob; done: (o: VerifyOutcome) => void }> = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const report = (job: VerifyJob, outcome: VerifyOutcome) => {
    try {
      options.onResult?.(job, outcome);
    } catch {
      // A hook must not break verification.
    }
    return outcome;
  };

  async function run(job: VerifyJob): Promise<VerifyOutcome> {
    const signal = AbortSignal.timeout(timeoutMs);
    for (const source of job.sources) {
      let res: Response;
      try {
        res = await source(signal);
      } catch {
        continue;
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel().catch(() => {});
        continue;
      }
      const result = await hashBody(res.body, createHasher(), job.size);
      if (result === 'too_large' || result.bytes !== job.size || result.digest !== job.sha1) return 'mismatch';
      await options.store.set(instantKey(job.scope, job.sha1, job.size), JSON.stringify(job.entry), ttl);
      return 'admitted';
    }
    return 'unreadable';
  }

  function pump(): void {
    while (running < concurrency && queue.length > 0) {
      const { job, done } = queue.shift()!;
      running++;
      run(job)
        .catch((): VerifyOutcome => 'error')
        .then((outcome) => {
          running--;
          done(report(job, outcome));
          pump();
        });
    }
    if (running === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  return {
    enqueue(job) {
      if (job.size > maxBytes) return Promise.resolve(report(job, 'too_large'));
      if (running >= concurrency && queue.length >= maxQueue) return Promise.resolve(report(job, 'queue_full'));
      return new Promise<VerifyOutcome>((done) => {
        queue.push({ job, done });
        pump();
      });
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get pending() {
      return running + queue.length;
    },
  };
}
