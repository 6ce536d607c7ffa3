/**
 * One upload: a file (or a stream of unknown length) to Tencent Cloud VOD through the signer, in one read pass —
 * each part is read once, fed into the whole-file SHA-1, MD5'd for `Content-MD5` and uploaded, with at most
 * (parts in flight + 1) parts in memory. Start, pause, resume, cancel; a subscribable, serialisable state
 * ({@link UploadState}); a promise of the result.
 * @module
 */
import type { Clock, Connectivity } from './clock.ts';
import { ErrorCode, abortError, failures, toUploadError } from './errors.ts';
import type { Hasher } from './hash/hasher.ts';
import { DEFAULT_RESUME_TTL, DEFAULT_STORAGE_TIMEOUT, Job } from './job.ts';
import type { Pool } from './pool.ts';
import type { ProcessingOptions } from './processing-poll.ts';
import type { ResumeStore } from './resume.ts';
import type { RetryOptions } from './retryer.ts';
import type { MediaOptions, SignerClient, TokenSource, UploadResult } from './signer-client.ts';
import type { UploadSource } from './sources/source.ts';
import type { FetchLike, Transport } from './transport.ts';
import { STOPPED, type UploadState } from './upload-state.ts';
import { runFile } from './upload-file.ts';

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
  let resolve!: (result: UploadResult) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<UploadResult>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {}); // a result nobody awaits must not be an unhandled rejection
  const d = {
    promise,
    settled: false,
    resolve: (result: UploadResult) => (d.settled ||= (resolve(result), true)),
    reject: (error: unknown) => (d.settled ||= (reject(error), true)),
  };
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
  #running: Promise<void> = Promise.resolve();
  #result = deferred();

  constructor(input: UploadInput, platform: UploadPlatform) {
    this.#job = new Job(input, platform);
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
    if (/idle|paused|error/.test(this.state.status)) {
      const job = this.#job;
      if (this.#result.settled) this.#result = deferred();
      const controller = (this.#controller = new AbortController());
      job.set({ status: 'running', error: null, retry: null, speed: 0, eta: null });
      job.speed.reset(job.clock.now(), job.uploadedBytes());
      this.#running = this.#running.then(() => this.#run(controller.signal));
    }
    return this.#result.promise;
  }

  /** Stops sending (requests in flight are aborted) and keeps everything needed to continue. */
  pause(): void {
    if (this.state.status !== 'running') return;
    this.#controller?.abort(abortError('The upload was paused.'));
    this.#job.set({ status: 'paused', ...STOPPED });
  }

  /** Continues after `pause()` or an error. */
  resume(): Promise<UploadResult> {
    return this.start();
  }

  /** Stops for good: aborts requests and the storage session, forgets the resume state, rejects the result with `ABORTED`. */
  cancel(): void {
    const job = this.#job;
    if (/done|cancelled/.test(this.state.status)) return;
    const reason = abortError();
    this.#controller?.abort(reason);
    job.set({ status: 'cancelled', ...STOPPED });
    this.#result.reject(reason);
    this.#running = this.#running
      .then(async () => {
        await Promise.resolve((job.streamRead?.chunker ?? job.stream)?.cancel(abortError())).catch(() => {});
        if (!job.result) await job.abortSession();
        await job.forget();
      })
      .catch(() => {});
  }

  async #run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const job = this.#job;
    const { connectivity, options } = job;
    job.set({ offline: !connectivity.isOnline() });
    const unsubscribe = connectivity.subscribe((online) => job.set({ offline: !online }));
    try {
      if (!job.result) {
        if (job.stream) await (await import('./upload-stream.ts')).runStream(job, job.stream, signal, failures);
        else await runFile(job, job.source!, signal);
      }
      const result = job.result!;
      if (options.processing && !job.instant) {
        job.set({ phase: 'processing', processing: 'processing' });
        const { pollProcessing } = await import('./processing-poll.ts');
        await pollProcessing({
          ...(options.processing === true ? {} : options.processing),
          signer: job.signer,
          fileId: result.fileId,
          clock: job.clock,
          signal,
          onStatus: ({ status }) => job.set({ phase: 'processing', processing: status }),
        }, failures);
      }
      if (signal.aborted) return;
      job.set({ status: 'done', phase: options.processing ? 'ready' : 'uploaded', error: null });
      this.#result.resolve(result);
    } catch (thrown) {
      if (signal.aborted) return; // paused or cancelled: pause() and cancel() said so already
      const error = toUploadError(thrown);
      if (error.code === ErrorCode.HASH && !job.sha1) {
        // The worker (and the SHA-1 state in it) is gone: a retry hashes a file from the start; a stream cannot
        // be read again, so it goes on without a SHA-1.
        job.hashing = false;
        job.hashed = job.hashSent = 0;
        if (job.stream) job.noSha1 = true;
      }
      job.set({ status: 'error', error: error.toJSON(), ...STOPPED });
      this.#result.reject(error);
    } finally {
      unsubscribe();
      if (job.state.offline) job.set({ offline: false });
    }
  }
}
