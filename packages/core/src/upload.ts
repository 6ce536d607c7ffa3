/**
 * One upload: a file (or a stream of unknown length) to Tencent Cloud VOD through the signer, in one read pass —
 * each part is read once, fed into the whole-file SHA-1, MD5'd for `Content-MD5` and uploaded, with at most
 * (parts in flight + 1) parts in memory. Start, pause, resume, cancel; a subscribable, serialisable state
 * ({@link UploadState}); a promise of the result.
 * @module
 */
import { type Clock, type Connectivity, noop } from './clock.ts';
import { abortError } from './errors.ts';
import type { Hasher } from './hash/hasher.ts';
import { DEFAULT_RESUME_TTL, DEFAULT_STORAGE_TIMEOUT, type Job, createJob } from './job.ts';
import type { Pool } from './pool.ts';
import type { ProcessingOptions } from './processing-poll.ts';
import type { ResumeStore } from './resume.ts';
import type { RetryOptions } from './retryer.ts';
import type { MediaOptions, SignerClient, TokenSource, UploadResult } from './signer-client.ts';
import type { UploadSource } from './sources/source.ts';
import type { FetchLike, Transport } from './transport.ts';
import type { UploadState } from './upload-state.ts';

export { DEFAULT_RESUME_TTL, DEFAULT_STORAGE_TIMEOUT };

/**
 * When to ask the signer for an instant upload (a verified copy with the same SHA-1 and size):
 * `parallel` — start uploading at once and stop as soon as the hash is known and matches (default);
 * `before` — hash the whole file first (a second read pass), then ask before sending a byte;
 * `off` — never (the SHA-1 is still sent at commit).
 * Files up to `hashFirstBelow` bytes are always hashed first (one pass: the part stays in memory).
 */
export type DedupeMode = 'parallel' | 'before' | 'off';

export interface UploadOptions {
  /** Preferred part size in bytes (rounded up to whole MiB, ≥ 1 MiB, grown to fit 10,000 parts); default 8 MiB. The signer decides. */
  partSize?: number;
  /** Parts in flight, default {@link DEFAULT_CONCURRENCY} (ignored when `pool` is given). */
  concurrency?: number;
  /** Backoff for storage and signer calls. */
  retry?: RetryOptions;
  /** A storage request fails with `TIMEOUT` after this many ms without progress, default {@link DEFAULT_STORAGE_TIMEOUT}. */
  timeout?: number;
  /** Default `parallel`. */
  dedupe?: DedupeMode;
  /** Files up to this size are hashed before the session is created (one pass); default the part size. */
  hashFirstBelow?: number;
  /** Where resume state lives; `false` = nowhere. Default: IndexedDB in browsers, a temp folder in Node. */
  resume?: ResumeStore | false;
  /** Longest a resume record lives, in ms, default {@link DEFAULT_RESUME_TTL}. */
  resumeTtl?: number;
  /** VOD options for the new media. */
  media?: MediaOptions;
  /** After the commit, poll VOD processing until ready (or the timeout). Default off. */
  processing?: boolean | ProcessingOptions;
  /** A pool shared with other uploads (total parts in flight). */
  pool?: Pool;
  hasher?: Hasher;
  transport?: Transport;
  clock?: Clock;
  /** Uniform in `[0, 1)`, for backoff jitter. */
  random?: () => number;
  connectivity?: Connectivity;
  /** The `fetch` of the signer client built from a `signer` URL. */
  fetch?: FetchLike;
}

export interface UploadInput extends UploadOptions {
  /** A File/Blob, or any {@link UploadSource} (e.g. a Node file). */
  file?: Blob | UploadSource;
  /** A stream of unknown length (progressive upload), instead of `file`. */
  stream?: ReadableStream<Uint8Array>;
  /** Name of the media (default: the file's name, or `'stream'`). */
  name?: string;
  /** MIME type (default: the file's). */
  type?: string;
  /** An optional cover image. */
  cover?: Blob | UploadSource;
  /** The signer's base URL, or a client. */
  signer: string | URL | SignerClient;
  /** Bearer token for the signer (when `signer` is a URL). */
  token?: TokenSource;
}

/** What the runtime gives by default (browser or Node); every piece can be overridden in {@link UploadOptions}. */
export interface UploadPlatform {
  hasher(): Hasher;
  transport(clock: Clock): Transport;
  resumeStore(): ResumeStore | undefined;
  connectivity(): Connectivity;
}

type Listener = (state: UploadState) => void;

/** The promise of a run's outcome, settled once. */
function deferred() {
  const d = { settled: false } as {
    promise: Promise<UploadResult>;
    settled: boolean;
    settle(ok: boolean, value: unknown): void;
  };
  d.promise = new Promise((resolve, reject) => (d.settle = (ok, value) => (d.settled ||= ((ok ? resolve : reject)(value as UploadResult), true))));
  d.promise.catch(noop); // a result nobody awaits must not be an unhandled rejection
  return d;
}

/**
 * One upload. Create it with `createUpload` (which fills in the runtime's defaults), then `start()`.
 * @example
 * const upload = createUpload({ file, signer: '/vod' });
 * upload.subscribe((s) => render(s.phase, s.percent, s.speed, s.eta));
 * const { fileId, mediaUrl } = await upload.start();
 */
export class Upload {
  readonly #job: Job;
  #controller?: AbortController;
  /** The current run (a run starts only after the previous one has wound down, so two never touch the same parts). */
  #running: Promise<unknown> = Promise.resolve();
  #result = deferred();

  constructor(input: UploadInput, platform: UploadPlatform) {
    this.#job = createJob(input, platform);
  }

  /** The current state (a new object after every change). */
  get state(): UploadState {
    return this.#job.state;
  }

  /** Settles with the outcome of the current run: the result, or the error (`ABORTED` after `cancel()`). */
  get result(): Promise<UploadResult> {
    return this.#result.promise;
  }

  /** Calls `listener` with every new state; returns the unsubscribe function. A throwing listener cannot break the upload. */
  subscribe(listener: Listener): () => void {
    const { listeners } = this.#job;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Starts (or, after `pause()` or an error, continues) the upload; returns {@link Upload.result}. */
  start(): Promise<UploadResult> {
    const job = this.#job;
    if (/idle|paused|error/.test(job.state.status)) {
      // After an error the old run settles its own promise (perhaps not yet: a listener may call this as it sees
      // the error), so a new run gets a new one; after a pause the run's promise is still the caller's.
      const result = this.#result.settled || job.state.status === 'error' ? (this.#result = deferred()) : this.#result;
      const { signal } = (this.#controller = new AbortController());
      job.mark('running');
      this.#running = this.#running.then(() =>
        job.run(signal).then(
          (value) => value && result.settle(true, value),
          (error) => result.settle(false, error),
        ),
      );
    }
    return this.#result.promise;
  }

  /** Stops sending (requests in flight are aborted) and keeps everything needed to continue. */
  pause(): void {
    if (this.state.status !== 'running') return;
    this.#controller?.abort(abortError('The upload was paused.'));
    this.#job.mark('paused');
  }

  /** Continues after `pause()` or an error. */
  resume(): Promise<UploadResult> {
    return this.start();
  }

  /** Stops for good: aborts requests and the storage session, forgets the resume state, rejects the result with `ABORTED`. */
  cancel(): void {
    const job = this.#job;
    if (/done|cancelled/.test(job.state.status)) return;
    const reason = abortError();
    this.#controller?.abort(reason);
    job.mark('cancelled');
    this.#result.settle(false, reason);
    this.#running = this.#running.then(job.discard).catch(noop);
  }
}
