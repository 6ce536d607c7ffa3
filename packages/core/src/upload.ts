/**
 * One upload: a file (or a stream of unknown length) to Tencent Cloud VOD through the signer, in one read pass —
 * each part is read once, fed into the whole-file SHA-1, MD5'd for `Content-MD5` and uploaded, with at most
 * (parts in flight + 1) parts in memory. Start, pause, resume, cancel; a subscribable, serialisable state
 * ({@link UploadState}); a promise of the result.
 * @module
 */
import { type Clock, type Connectivity, raceSignal, systemClock } from './clock.ts';
import { ErrorCode, UploadError, abortError, storageError, toUploadError } from './errors.ts';
import { type Hasher, hexToBase64 } from './hash/hasher.ts';
import { MAX_PARTS, type PartRange, choosePartSize, planParts } from './plan.ts';
import { type Pool, DEFAULT_CONCURRENCY, createPool } from './pool.ts';
import type { ProcessingOptions } from './processing.ts';
import { createSpeedMeter, estimateEta } from './progress.ts';
import { FINGERPRINT_BYTES, RESUME_RECORD_VERSION, type ResumeRecord, type ResumeStore, fingerprint } from './resume.ts';
import { type RetryInfo, type RetryOptions, type RetryRunOptions, type Retryer, createRetryer } from './retryer.ts';
import { type SignItem, type SignQueue, createSignQueue } from './sign-queue.ts';
import {
  type CreateUploadRequest,
  type MediaOptions,
  type SignerClient,
  type TokenSource,
  type UploadResult,
  type UploadSession,
  type UploadStrategy,
  createSignerClient,
  expiryMs,
  isInstant,
} from './signer-client.ts';
import { blobSource } from './sources/blob-source.ts';
import { type UploadSource, isUploadSource } from './sources/source.ts';
import { type StreamChunker, createStreamChunker } from './sources/stream-source.ts';
import type { FetchLike, Transport, TransportResponse } from './transport.ts';
import { type UploadAction, type UploadState, initialUploadState, uploadReducer } from './upload-state.ts';

/**
 * When to ask the signer for an instant upload (a verified copy with the same SHA-1 and size):
 * `parallel` — start uploading at once and stop as soon as the hash is known and matches (default);
 * `before` — hash the whole file first (a second read pass), then ask before sending a byte;
 * `off` — never (the SHA-1 is still sent at commit).
 * Files up to `hashFirstBelow` bytes are always hashed first (one pass: the part stays in memory).
 */
export type DedupeMode = 'parallel' | 'before' | 'off';

export const DEFAULT_STORAGE_TIMEOUT = 60_000;
/** Longest a resume record is kept, whatever the session says (7 days). */
export const DEFAULT_RESUME_TTL = 7 * 24 * 3600_000;

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

/** A part ready to send: its body (bytes read by the hasher, or a disk-backed Blob slice) and its MD5. */
interface Held {
  body: Uint8Array<ArrayBuffer> | Blob;
  size: number;
  /** MD5 hex. */
  md5: string;
}

/** What reading a part gave: the part to send (unless storage has it) and whether it went into the SHA-1. */
interface PartRead {
  held: Held;
  hashed: boolean;
}

/** Parts read ahead of the one waiting for a pool slot, when their bodies cost no memory (Blob slices). */
const READ_AHEAD_EXTRA = 4;

interface Session {
  id: string;
  strategy: UploadStrategy;
  partSize: number;
  partCount: number | null;
  expiresAt: number;
  stream: boolean;
  /** Highest part number the signer signs. */
  maxPartNumber: number;
}

interface Deferred {
  promise: Promise<UploadResult>;
  resolve: (result: UploadResult) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

function deferred(): Deferred {
  let resolve!: (result: UploadResult) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<UploadResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a result nobody awaits must not be an unhandled rejection
  const d: Deferred = {
    promise,
    settled: false,
    resolve: (result) => {
      if (d.settled) return;
      d.settled = true;
      resolve(result);
    },
    reject: (error) => {
      if (d.settled) return;
      d.settled = true;
      reject(error);
    },
  };
  return d;
}

const noop = () => {};

function reportListenerError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  report?.(error);
}

/** `"<md5 hex>"` → `<md5 hex>` (lowercase), for comparing a storage ETag with a part's MD5. */
function etagMd5(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

/** Marks a stop of the transfer because an instant upload was found. */
const INSTANT_FOUND = new UploadError(ErrorCode.ABORTED, 'An instant upload was found.', { retryable: false });

/**
 * One upload. Create it with `createUpload` (which fills in the runtime's defaults), then `start()`.
 * @example
 * const upload = createUpload({ file, signer: '/vod' });
 * upload.subscribe((s) => render(s.phase, s.percent, s.speed, s.eta));
 * const { fileId, mediaUrl } = await upload.start();
 */
export class Upload {
  #state: UploadState;
  readonly #listeners = new Set<Listener>();
  readonly #options: UploadOptions;
  readonly #platform: UploadPlatform;
  readonly #signer: SignerClient;
  readonly #source?: UploadSource;
  readonly #stream?: ReadableStream<Uint8Array>;
  readonly #name: string;
  readonly #type: string;
  readonly #cover?: UploadSource;
  readonly #clock: Clock;
  readonly #connectivity: Connectivity;
  readonly #retryer: Retryer;
  readonly #pool: Pool;
  readonly #store?: ResumeStore;
  readonly #key = `u${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  #transport?: Transport;
  #hasher?: Hasher;
  #storeKey?: string;
  #session?: Session;
  #signQueue?: SignQueue;
  #ranges: PartRange[] = [];
  readonly #done = new Map<number, { etag: string; size: number }>();
  #doneBytes = 0;
  readonly #held = new Map<number, Held>();
  readonly #loaded = new Map<number, number>();
  #hashBegun = false;
  /** Parts `1..n` are in the SHA-1 as far as the engine has taken the hasher's answers (progress, digest). */
  #hashedThrough = 0;
  /** Parts `1..n` were sent to the hasher for the SHA-1 (ahead of the answers): what a saved state covers. */
  #hashSent = 0;
  #bytesHashed = 0;
  #canSaveHash = true;
  /** A stream whose SHA-1 state was lost: it completes without one. */
  #noSha1 = false;
  #sha1?: string;
  #coverDone = false;
  #result?: UploadResult;
  #instant = false;
  #chunker?: StreamChunker;
  #nextChunk?: Promise<Uint8Array<ArrayBuffer> | undefined>;
  #streamProduced = 0;
  #streamBytes = 0;
  #streamEnded = false;
  readonly #speed = createSpeedMeter();
  #controller?: AbortController;
  #running: Promise<void> = Promise.resolve();
  #deferred: Deferred = deferred();
  #persisting?: Promise<void>;
  #persistAgain = false;

  constructor(input: UploadInput, platform: UploadPlatform) {
    const { file, stream, cover, signer, token, name, type, ...options } = input;
    if ((file === undefined) === (stream === undefined)) {
      throw new UploadError(ErrorCode.INVALID_FILE, 'Give exactly one of `file` and `stream`.');
    }
    this.#options = options;
    this.#platform = platform;
    this.#clock = options.clock ?? systemClock;
    if (file !== undefined) {
      if (isUploadSource(file)) this.#source = file;
      else if (typeof Blob === 'function' && file instanceof Blob) this.#source = blobSource(file, { name, type });
      else throw new UploadError(ErrorCode.INVALID_FILE, '`file` must be a Blob, a File or an UploadSource.');
    } else {
      this.#stream = stream;
    }
    this.#name = name ?? this.#source?.name ?? 'stream';
    this.#type = type ?? this.#source?.type ?? '';
    if (cover !== undefined) this.#cover = isUploadSource(cover) ? cover : blobSource(cover);
    this.#signer =
      typeof signer === 'string' || signer instanceof URL
        ? createSignerClient({ url: signer, token, fetch: options.fetch, clock: this.#clock })
        : signer;
    this.#connectivity = options.connectivity ?? platform.connectivity();
    this.#retryer = createRetryer({ ...options.retry, clock: this.#clock, random: options.random, connectivity: this.#connectivity });
    this.#pool = options.pool ?? createPool({ concurrency: options.concurrency ?? DEFAULT_CONCURRENCY });
    this.#store = options.resume === false ? undefined : (options.resume ?? platform.resumeStore());
    this.#state = initialUploadState(this.#name, this.#source ? this.#source.size : null);
  }

  /** The current state (a new object after every change). */
  get state(): UploadState {
    return this.#state;
  }

  /** Settles with the outcome of the current run: the result, or the error (`ABORTED` after `cancel()`). */
  get result(): Promise<UploadResult> {
    return this.#deferred.promise;
  }

  /** Calls `listener` with every new state; returns the unsubscribe function. A throwing listener cannot break the upload. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts (or, after `pause()` or an error, continues) the upload; returns {@link Upload.result}. */
  start(): Promise<UploadResult> {
    const { status } = this.#state;
    if (status === 'idle' || status === 'paused' || status === 'error') this.#launch();
    return this.#deferred.promise;
  }

  /** Stops sending (requests in flight are aborted) and keeps everything needed to continue. */
  pause(): void {
    if (this.#state.status !== 'running') return;
    this.#controller?.abort(abortError('The upload was paused.'));
    this.#dispatch({ type: 'pause' });
  }

  /** Continues after `pause()` or an error. */
  resume(): Promise<UploadResult> {
    return this.start();
  }

  /** Stops for good: aborts requests and the storage session, forgets the resume state, rejects the result with `ABORTED`. */
  cancel(): void {
    const { status } = this.#state;
    if (status === 'done' || status === 'cancelled') return;
    const reason = abortError();
    this.#controller?.abort(reason);
    this.#dispatch({ type: 'cancel' });
    this.#deferred.reject(reason);
    this.#running = this.#running.then(() => this.#discard()).catch(noop);
  }

  // ── runs ─────────────────────────────────────────────────────────────────────────────────────────────────────

  #launch(): void {
    if (this.#deferred.settled) this.#deferred = deferred();
    const controller = new AbortController();
    this.#controller = controller;
    this.#dispatch({ type: 'run' });
    this.#speed.reset(this.#clock.now(), this.#uploadedBytes());
    // A run starts only after the previous one has wound down, so two never touch the same parts.
    this.#running = this.#running.then(() => this.#run(controller.signal));
  }

  async #run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.#dispatch({ type: 'offline', offline: !this.#connectivity.isOnline() });
    const unsubscribe = this.#connectivity.subscribe((online) => this.#dispatch({ type: 'offline', offline: !online }));
    try {
      if (!this.#result) {
        if (this.#stream) await this.#runStream(this.#stream, signal);
        else await this.#runFile(this.#source!, signal);
      }
      const result = this.#result!;
      if (this.#options.processing && !this.#instant) await this.#waitProcessing(result, signal);
      if (signal.aborted) return;
      this.#dispatch({ type: 'finish', phase: this.#options.processing ? 'ready' : 'uploaded' });
      this.#deferred.resolve(result);
    } catch (thrown) {
      if (signal.aborted) return; // paused or cancelled: pause() and cancel() said so already
      const error = toUploadError(thrown);
      if (error.code === ErrorCode.HASH && !this.#sha1) {
        // The worker (and the SHA-1 state in it) is gone: a retry hashes a file from the start; a stream cannot
        // be read again, so it goes on without a SHA-1.
        this.#hashBegun = false;
        this.#hashedThrough = 0;
        this.#hashSent = 0;
        if (this.#stream) this.#noSha1 = true;
      }
      this.#dispatch({ type: 'fail', error: error.toJSON() });
      this.#deferred.reject(error);
    } finally {
      unsubscribe();
      if (this.#state.offline) this.#dispatch({ type: 'offline', offline: false });
    }
  }

  async #runFile(source: UploadSource, signal: AbortSignal): Promise<void> {
    if (!this.#session) {
      const instant = await this.#open(source, signal);
      if (instant) return this.#commit(instant, true);
    }
    const instant = await this.#transfer(source, signal);
    if (instant) {
      await this.#abortSession();
      return this.#commit(instant, true);
    }
    await this.#complete(signal);
  }

  /** Fingerprint, resume, hash-first, session. Returns an instant result, or `undefined` with a session open. */
  async #open(source: UploadSource, signal: AbortSignal): Promise<UploadResult | undefined> {
    const { size } = source;
    let preferred: number;
    try {
      preferred = choosePartSize(size, this.#options.partSize);
    } catch (error) {
      throw new UploadError(ErrorCode.INVALID_FILE, (error as Error).message, { cause: error });
    }
    const dedupe = this.#options.dedupe ?? 'parallel';
    this.#dispatch({ type: 'phase', phase: 'pending' });
    if (size <= (this.#options.hashFirstBelow ?? preferred)) {
      // Small: one read; the bytes stay in memory for the upload and the SHA-1 is known before the session.
      if (!this.#sha1 || !this.#held.has(1)) {
        this.#dispatch({ type: 'phase', phase: 'hashing' });
        await this.#beginHash(true);
        const input = await source.input(0, size);
        this.#hashSent = 1;
        const part = await this.#hasherNow().part(this.#key, input, { sha1: true, md5: true, keep: !source.body });
        this.#held.set(1, { body: source.body ? source.body(0, size) : part.bytes!, size, md5: part.md5! });
        this.#hashedThrough = 1;
        this.#setHashed(size);
        this.#setSha1(await this.#hasherNow().digest(this.#key));
      }
    } else {
      if (this.#store && (await this.#tryResume(source, signal))) return undefined;
      if (dedupe === 'before' && !this.#sha1) await this.#hashAll(source, preferred, signal);
    }
    if (signal.aborted) throw signal.reason;
    const request: CreateUploadRequest = {
      file: { name: this.#name, size, type: this.#type || undefined, lastModified: source.lastModified },
      partSize: preferred,
    };
    if (this.#cover) request.cover = { name: this.#cover.name, size: this.#cover.size, type: this.#cover.type || undefined };
    if (dedupe !== 'off' && this.#sha1) request.sha1 = this.#sha1;
    if (this.#options.media) request.options = this.#options.media;
    const answer = await this.#retry(() => this.#signer.createUpload(request, { signal }), signal);
    if (isInstant(answer)) return answer.instant;
    this.#adopt(answer, size, false);
    void this.#persist();
    return undefined;
  }

  /** A saved session for this file that the signer still knows: adopt it with ListParts as the truth. */
  async #tryResume(source: UploadSource, signal: AbortSignal): Promise<boolean> {
    const store = this.#store!;
    if (!this.#storeKey) {
      const head = await this.#hasherNow().sha1(await source.input(0, Math.min(source.size, FINGERPRINT_BYTES)));
      const print = fingerprint({ name: source.name, size: source.size, lastModified: source.lastModified, headSha1: head });
      this.#storeKey = `${this.#signer.url}#${print}`;
    }
    const key = this.#storeKey;
    const record = await store.get(key).catch(() => undefined);
    if (!record || record.size !== source.size || record.strategy !== 'multipart') return false;
    let listed;
    try {
      listed = await this.#retry(() => this.#signer.listParts(record.session, { signal }), signal);
    } catch (thrown) {
      if (signal.aborted) throw thrown;
      const error = toUploadError(thrown);
      if (error.retryable) throw error;
      await store.delete(key).catch(noop); // the signer no longer knows it (expired, aborted, another key)
      return false;
    }
    this.#adopt(
      { session: record.session, strategy: 'multipart', partSize: record.partSize, partCount: record.partCount, expiresAt: record.expiresAt },
      source.size,
      false,
    );
    for (const part of listed) {
      const range = this.#ranges[part.partNumber - 1];
      if (range && part.size === range.end - range.start) this.#markDone(part.partNumber, part.etag, part.size);
    }
    if (record.sha1) this.#setSha1(record.sha1);
    else if (record.hash && record.hash.through > 0 && record.hash.through <= this.#ranges.length) {
      try {
        await this.#hasherNow().begin(this.#key, record.hash.state);
        this.#hashBegun = true;
        this.#hashedThrough = record.hash.through;
        this.#hashSent = record.hash.through;
        this.#setHashed(this.#ranges[record.hash.through - 1]!.end);
      } catch {
        await this.#beginHash(true); // an incompatible state: hash from the start
      }
    }
    this.#dispatch({ type: 'resumed' });
    this.#speed.reset(this.#clock.now(), this.#uploadedBytes());
    this.#progress();
    return true;
  }

  /** `dedupe: 'before'`: a hashing pass over the whole file before the session. */
  async #hashAll(source: UploadSource, partSize: number, signal: AbortSignal): Promise<void> {
    this.#dispatch({ type: 'phase', phase: 'hashing' });
    await this.#beginHash(false);
    for (const range of planParts(source.size, partSize)) {
      if (range.partNumber <= this.#hashedThrough) continue;
      if (signal.aborted) throw signal.reason;
      const input = await source.input(range.start, range.end);
      this.#hashSent = range.partNumber;
      await this.#hasherNow().part(this.#key, input, { sha1: true, md5: false, keep: false });
      this.#hashedThrough = range.partNumber;
      this.#setHashed(range.end);
    }
    this.#setSha1(await this.#hasherNow().digest(this.#key));
  }

  #adopt(answer: UploadSession, size: number | null, stream: boolean): void {
    const partSize = answer.partSize;
    if (!(partSize > 0)) throw new UploadError(ErrorCode.SIGNER, 'The signer gave no part size.', { retryable: false });
    if (stream && answer.strategy !== 'multipart') {
      throw new UploadError(ErrorCode.SIGNER, 'A stream needs a multipart session.', { retryable: false });
    }
    if (size !== null) {
      this.#ranges = answer.strategy === 'single' ? [{ partNumber: 1, start: 0, end: size }] : planParts(size, partSize);
      if (answer.strategy === 'multipart' && answer.partCount != null && answer.partCount !== this.#ranges.length) {
        throw new UploadError(ErrorCode.SIGNER, `The signer planned ${answer.partCount} parts, the file has ${this.#ranges.length}.`, {
          retryable: false,
        });
      }
    }
    const now = this.#clock.now();
    this.#session = {
      id: answer.session,
      strategy: answer.strategy,
      partSize,
      partCount: size === null ? null : this.#ranges.length,
      expiresAt: Math.min(expiryMs(answer.expiresAt), now + (this.#options.resumeTtl ?? DEFAULT_RESUME_TTL)),
      stream,
      maxPartNumber: Math.min(MAX_PARTS, answer.maxPartNumber ?? MAX_PARTS),
    };
    this.#signQueue = createSignQueue({ signer: this.#signer, session: answer.session, clock: this.#clock });
    this.#dispatch({ type: 'plan', bytesTotal: size, partsTotal: size === null ? null : this.#ranges.length });
  }

  /**
   * The read-hash-upload pipeline over the parts of a file. Returns an instant result when the SHA-1 turned out
   * to match a verified upload (`dedupe: 'parallel'`).
   *
   * Parts are read and hashed in order, ahead of the part that waits for a pool slot: one part when the bytes
   * read are what gets sent (memory ≤ (parts in flight + 1) × part size), a few more when the source sends
   * disk-backed Blob slices (the hasher keeps at most two parts in memory however many are queued). Parts
   * already hashed are presigned together with the one waiting, in one signer call.
   */
  async #transfer(source: UploadSource, signal: AbortSignal): Promise<UploadResult | undefined> {
    this.#dispatch({ type: 'phase', phase: 'uploading' });
    const wantSha1 = this.#sha1 === undefined;
    if (wantSha1) await this.#beginHash(false);
    const dedupe = this.#options.dedupe ?? 'parallel';
    const pipeline = this.#pipeline(signal);
    const ranges = this.#ranges;
    const depth = source.body ? Math.max(2, this.#pool.concurrency + READ_AHEAD_EXTRA) : 1;
    // In part order: the part waiting for a slot first, then the parts read ahead.
    const ahead: { range: PartRange; read: Promise<PartRead | undefined>; ready?: PartRead; taken?: boolean }[] = [];
    let next = 0;
    let issuing: Promise<unknown> = Promise.resolve();
    let lookup: Promise<void> | undefined;
    let instant: UploadResult | undefined;
    let finishing: Promise<void> | undefined;
    /** The SHA-1 once every part is in it; then (dedupe `parallel`) the instant lookup, while parts still go up. */
    const finishHash = () =>
      (finishing ??= (async () => {
        this.#setSha1(await this.#hasherNow().digest(this.#key));
        void this.#persist();
        if (dedupe === 'parallel') {
          lookup = this.#findInstant(source.size, pipeline.signal).then((found) => {
            if (!found || pipeline.signal.aborted) return;
            instant = found;
            pipeline.stop(INSTANT_FOUND);
          });
        }
      })());
    const fill = () => {
      while (next < ranges.length && ahead.length < depth && !pipeline.signal.aborted) {
        const range = ranges[next++]!;
        // Reads are issued one after the other (an async `input()` must not reorder the SHA-1).
        const started = issuing.then(() => this.#startRead(source, range, wantSha1, pipeline.signal));
        issuing = started.catch(noop);
        const entry: (typeof ahead)[number] = { range, read: started.then((s) => s.read) };
        entry.read.then((read) => {
          entry.ready = read;
          // The hasher has the last part: ask for the SHA-1 now, not when the part's turn to be sent comes.
          if (read?.hashed && range.partNumber === ranges.length) finishHash().catch(noop);
        }, noop);
        ahead.push(entry);
      }
    };
    /** Takes a read part into the upload's state; returns what to send, if anything. */
    const take = (range: PartRange, read: PartRead | undefined): Held | undefined => {
      const n = range.partNumber;
      if (!read) return undefined;
      if (read.hashed) {
        this.#hashedThrough = n;
        this.#setHashed(range.end);
      }
      let done = this.#done.get(n);
      if (done && etagMd5(done.etag) !== read.held.md5) {
        this.#unmarkDone(n); // storage holds other bytes under this number: send it again
        done = undefined;
      }
      const held = done ? undefined : read.held;
      if (held) this.#held.set(n, held);
      else this.#held.delete(n);
      return held;
    };
    try {
      while (next < ranges.length || ahead.length) {
        if (pipeline.signal.aborted) break;
        fill();
        const entry = ahead[0]!;
        const { range } = entry;
        // Not raced with the signal: once the hasher has taken a part, its result must be kept.
        const read = await entry.read;
        entry.taken = true;
        const held = take(range, read);
        if (wantSha1 && !this.#sha1 && this.#hashedThrough === ranges.length) await finishHash();
        if (!held) {
          ahead.shift();
          continue;
        }
        // The answer is one round trip away: the last part waits for it rather than being sent for nothing.
        if (lookup && next >= ranges.length && ahead.length === 1) await lookup;
        if (this.#pool.active >= this.#pool.concurrency) {
          this.#presign(range, held, pipeline.signal);
          for (const later of ahead) {
            const ready = later.ready;
            if (later !== entry && ready && !this.#done.has(later.range.partNumber)) this.#presign(later.range, ready.held, pipeline.signal);
          }
        }
        const slot = await pipeline.acquire();
        if (!slot) break;
        ahead.shift();
        pipeline.launch(() => this.#uploadPart(range, held, pipeline.signal).finally(slot));
      }
    } catch (error) {
      pipeline.fail(error);
    }
    // Parts read ahead and not taken (a stop or a failure): wait for the hasher and keep what it did, so the
    // SHA-1 state and the progress agree on the next run.
    for (const entry of ahead.splice(0)) {
      if (entry.taken) continue;
      try {
        take(entry.range, await entry.read);
      } catch (error) {
        pipeline.fail(error);
      }
    }
    await pipeline.settle();
    await lookup;
    if (instant) return instant;
    pipeline.throwIfFailed();
    this.#checkAllDone();
    return undefined;
  }

  /**
   * Starts reading (and hashing) one part; resolves once the hasher has it, with the promise of its result
   * (`undefined`: nothing to do, storage has it and the SHA-1 is past it).
   */
  async #startRead(
    source: UploadSource,
    range: PartRange,
    wantSha1: boolean,
    signal: AbortSignal,
  ): Promise<{ read: Promise<PartRead | undefined> }> {
    const n = range.partNumber;
    const size = range.end - range.start;
    const hash = wantSha1 && n > this.#hashSent;
    if (this.#done.has(n) && !hash) return { read: Promise.resolve(undefined) };
    let held = this.#held.get(n);
    if (held && held.size !== size) {
      this.#held.delete(n);
      held = undefined;
    }
    if (held && !hash) return { read: Promise.resolve({ held, hashed: false }) };
    if (signal.aborted) return { read: Promise.reject(signal.reason) };
    // A part held from an earlier run but not hashed since (the SHA-1 restarted) is hashed again: from memory
    // when its bytes are held, else from the source.
    const fromMemory = held && held.body instanceof Uint8Array ? held.body : undefined;
    const input = fromMemory ? { bytes: fromMemory } : await source.input(range.start, range.end);
    const keep = fromMemory !== undefined || (!held && !source.body);
    if (hash) this.#hashSent = n;
    const before = held;
    const read = this.#hasherNow()
      .part(this.#key, input, { sha1: hash, md5: !before, keep })
      .then(
        (part): PartRead => {
          if (before) return { held: fromMemory ? { ...before, body: part.bytes! } : before, hashed: hash };
          const body = source.body ? source.body(range.start, range.end) : part.bytes!;
          return { held: { body, size, md5: part.md5! }, hashed: hash };
        },
        (error: unknown) => {
          throw toUploadError(error, ErrorCode.HASH); // whatever the hasher failed with, its SHA-1 state is suspect
        },
      );
    return { read };
  }

  /** Progressive upload: parts are cut from the stream as it fills; the end of the stream is the last part. */
  async #runStream(stream: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    if (!this.#session) {
      this.#dispatch({ type: 'phase', phase: 'pending' });
      const request: CreateUploadRequest = {
        file: { name: this.#name, type: this.#type || undefined },
        partSize: choosePartSize(0, this.#options.partSize),
        stream: true,
      };
      if (this.#cover) request.cover = { name: this.#cover.name, size: this.#cover.size, type: this.#cover.type || undefined };
      if (this.#options.media) request.options = this.#options.media;
      const answer = await this.#retry(() => this.#signer.createUpload(request, { signal }), signal);
      if (isInstant(answer)) {
        await stream.cancel().catch(noop);
        return this.#commit(answer.instant, true);
      }
      this.#adopt(answer, null, true);
      this.#chunker = createStreamChunker(stream, answer.partSize);
    }
    if (!this.#noSha1) await this.#beginHash(false);
    this.#dispatch({ type: 'phase', phase: 'uploading' });
    const session = this.#session!;
    const pipeline = this.#pipeline(signal);
    try {
      for (let n = 1; n <= session.maxPartNumber + 1; n++) {
        if (pipeline.signal.aborted) break;
        if (this.#done.has(n)) continue;
        let held = this.#held.get(n);
        if (!held) {
          if (this.#streamEnded || n <= this.#streamProduced) break;
          this.#nextChunk ??= this.#chunker!.next();
          let bytes = await raceSignal(this.#nextChunk, pipeline.signal);
          this.#nextChunk = undefined;
          if (bytes === undefined) {
            this.#streamEnded = true;
            if (n > 1) break;
            throw new UploadError(ErrorCode.INVALID_FILE, 'The stream ended without any bytes.');
          }
          if (n > session.maxPartNumber) {
            throw new UploadError(ErrorCode.INVALID_FILE, `The stream is longer than ${session.maxPartNumber} parts allow.`);
          }
          if (!this.#noSha1) this.#hashSent = n;
          const part = await this.#hasherNow().part(this.#key, { bytes }, { sha1: !this.#noSha1, md5: true, keep: true });
          held = { body: part.bytes!, size: part.size, md5: part.md5! };
          this.#held.set(n, held);
          this.#streamProduced = n;
          this.#streamBytes += part.size;
          this.#hashedThrough = n;
          this.#setHashed(this.#streamBytes);
          if (this.#streamEnded) this.#dispatch({ type: 'plan', bytesTotal: this.#streamBytes, partsTotal: n });
        }
        const start = (n - 1) * session.partSize;
        const range: PartRange = { partNumber: n, start, end: start + held.size };
        this.#ranges[n - 1] = range;
        if (this.#pool.active >= this.#pool.concurrency) this.#presign(range, held, pipeline.signal);
        const slot = await pipeline.acquire();
        if (!slot) break;
        const part = held;
        pipeline.launch(() => this.#uploadPart(range, part, pipeline.signal).finally(slot));
      }
      if (this.#streamEnded && !this.#state.partsTotal) {
        this.#dispatch({ type: 'plan', bytesTotal: this.#streamBytes, partsTotal: this.#streamProduced });
      }
    } catch (error) {
      pipeline.fail(error);
    }
    await pipeline.settle();
    try {
      pipeline.throwIfFailed();
    } catch (error) {
      // A stream cannot be read again: a stream that is empty or too long ends its session.
      if (!signal.aborted && error instanceof UploadError && error.code === ErrorCode.INVALID_FILE) await this.#abortSession();
      throw error;
    }
    this.#ranges.length = this.#streamProduced;
    this.#checkAllDone();
    if (!this.#noSha1) this.#setSha1(await this.#hasherNow().digest(this.#key));
    await this.#complete(signal);
  }

  /**
   * The shared mechanics of a transfer: a signal that stops every part on the first failure, pool slots, tasks
   * launched and awaited, and the first failure kept. The cover (if any) goes up alongside the parts.
   */
  #pipeline(signal: AbortSignal) {
    const inner = new AbortController();
    const stop = (reason: unknown) => {
      if (!inner.signal.aborted) inner.abort(reason);
    };
    const onAbort = () => stop(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const tasks: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      failure ??= { error };
      stop(error);
    };
    const launch = (task: () => Promise<void>) => tasks.push(task().catch(fail));
    if (this.#cover && !this.#coverDone) launch(() => this.#uploadCover(this.#cover!, inner.signal));
    return {
      signal: inner.signal,
      stop,
      fail,
      launch,
      /** A pool slot's release function, or `undefined` when the pipeline stopped while waiting. */
      acquire: async (): Promise<(() => void) | undefined> => {
        try {
          return await this.#pool.acquire(inner.signal);
        } catch {
          return undefined;
        }
      },
      settle: async () => {
        await Promise.all(tasks);
        signal.removeEventListener('abort', onAbort);
      },
      throwIfFailed: () => {
        if (signal.aborted) throw signal.reason;
        if (failure) throw failure.error;
        if (inner.signal.aborted) throw inner.signal.reason;
      },
    };
  }

  /** What to sign for a part: `Content-MD5` always, the size for a stream. */
  #signItem(range: PartRange, held: Held): SignItem {
    const session = this.#session!;
    const md5 = hexToBase64(held.md5);
    if (session.strategy === 'single') return { target: 'media', md5 };
    return { target: 'part', partNumber: range.partNumber, md5, size: session.stream ? range.end - range.start : undefined };
  }

  /** Signs a part while it waits for a slot, so the URL is ready when the slot frees (errors surface on use). */
  #presign(range: PartRange, held: Held, signal: AbortSignal): void {
    this.#signQueue!.get(this.#signItem(range, held), signal).catch(noop);
  }

  async #uploadPart(range: PartRange, held: Held, signal: AbortSignal): Promise<void> {
    const n = range.partNumber;
    const size = range.end - range.start;
    const item = this.#signItem(range, held);
    const target = item.target;
    this.#loaded.set(n, 0);
    this.#progress();
    try {
      const etag = await this.#retry(
        async () => {
          const url = await this.#signQueue!.get(item, signal);
          const response = await this.#transportNow()({
            method: 'PUT',
            url: url.url,
            headers: url.headers,
            body: held.body,
            signal,
            timeout: this.#options.timeout ?? DEFAULT_STORAGE_TIMEOUT,
            onProgress: (loaded) => {
              this.#loaded.set(n, Math.min(loaded, size));
              this.#progress();
            },
          });
          return this.#storageAnswer(response, target, n);
        },
        signal,
        n,
      );
      this.#markDone(n, etag, size);
      this.#held.delete(n);
      this.#signQueue?.invalidate(target, n);
    } finally {
      this.#loaded.delete(n);
      this.#progress();
    }
    void this.#persist();
  }

  async #uploadCover(cover: UploadSource, signal: AbortSignal): Promise<void> {
    const read = await this.#hasherNow().part(this.#key, await cover.input(0, cover.size), { sha1: false, md5: true, keep: !cover.body });
    const body = cover.body ? cover.body(0, cover.size) : read.bytes!;
    const md5 = hexToBase64(read.md5!);
    await this.#retry(async () => {
      const url = await this.#signQueue!.get({ target: 'cover', md5 }, signal);
      const response = await this.#transportNow()({
        method: 'PUT',
        url: url.url,
        headers: url.headers,
        body,
        signal,
        timeout: this.#options.timeout ?? DEFAULT_STORAGE_TIMEOUT,
      });
      return this.#storageAnswer(response, 'cover', undefined);
    }, signal);
    this.#coverDone = true;
  }

  /** A storage answer → the ETag, or the mapped error (an expired URL is forgotten so the retry re-signs). */
  #storageAnswer(response: TransportResponse, target: 'part' | 'media' | 'cover', partNumber: number | undefined): string {
    if (response.status >= 200 && response.status < 300) {
      const etag = response.header('etag');
      if (etag) return etag;
      if (target !== 'part') return '';
      throw new UploadError(
        ErrorCode.HTTP,
        'Storage answered without a readable ETag: the bucket\'s CORS rules must expose the "ETag" header.',
        { status: response.status, partNumber, retryable: false },
      );
    }
    const error = storageError(response.status, response.text, response.header, this.#clock.now(), partNumber);
    if (error.code === ErrorCode.EXPIRED) this.#signQueue?.invalidate(target, partNumber);
    throw error;
  }

  async #complete(signal: AbortSignal): Promise<void> {
    this.#dispatch({ type: 'phase', phase: 'committing' });
    const session = this.#session!;
    const parts =
      session.strategy === 'multipart'
        ? [...this.#done.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, { etag }]) => ({ partNumber, etag }))
        : undefined;
    const result = await this.#retry(
      () => this.#signer.complete({ session: session.id, parts, sha1: this.#sha1 }, { signal }),
      signal,
    );
    await this.#commit(result, false);
  }

  async #findInstant(size: number, signal: AbortSignal): Promise<UploadResult | null> {
    try {
      return await this.#signer.findInstantUpload({ sha1: this.#sha1!, size }, { signal });
    } catch {
      return null; // best effort: the upload goes on
    }
  }

  async #commit(result: UploadResult, instant: boolean): Promise<void> {
    this.#result = result;
    this.#instant = instant;
    this.#dispatch({ type: 'committed', result, instant });
    await this.#forget();
  }

  async #waitProcessing(result: UploadResult, signal: AbortSignal): Promise<void> {
    const options = this.#options.processing === true ? {} : this.#options.processing || {};
    this.#dispatch({ type: 'processing', status: 'processing' });
    const { waitForProcessing } = await import('./processing.ts');
    await waitForProcessing({
      ...options,
      signer: this.#signer,
      fileId: result.fileId,
      clock: this.#clock,
      signal,
      onStatus: (status) => this.#dispatch({ type: 'processing', status: status.status }),
    });
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────

  #retry<T>(task: () => Promise<T>, signal: AbortSignal, partNumber?: number): Promise<T> {
    const options: RetryRunOptions = {
      signal,
      onRetry: (info: RetryInfo) => {
        if (partNumber !== undefined) this.#loaded.set(partNumber, 0);
        this.#dispatch({ type: 'retry', retry: { attempt: info.attempt, delay: info.delay, code: info.error.code, partNumber } });
      },
    };
    return this.#retryer.run(task, options);
  }

  #hasherNow(): Hasher {
    return (this.#hasher ??= this.#options.hasher ?? this.#platform.hasher());
  }

  #transportNow(): Transport {
    return (this.#transport ??= this.#options.transport ?? this.#platform.transport(this.#clock));
  }

  async #beginHash(restart: boolean): Promise<void> {
    if (this.#hashBegun && !restart) return;
    await this.#hasherNow().begin(this.#key);
    this.#hashBegun = true;
    this.#hashedThrough = 0;
    this.#hashSent = 0;
    this.#setHashed(0);
  }

  #setHashed(bytes: number): void {
    this.#bytesHashed = bytes;
    this.#dispatch({ type: 'hashed', bytesHashed: bytes });
  }

  #setSha1(sha1: string): void {
    this.#sha1 = sha1;
    this.#dispatch({ type: 'sha1', sha1 });
  }

  #markDone(partNumber: number, etag: string, size: number): void {
    const previous = this.#done.get(partNumber);
    if (previous) this.#doneBytes -= previous.size;
    this.#done.set(partNumber, { etag, size });
    this.#doneBytes += size;
    if (this.#state.retry?.partNumber === partNumber) this.#dispatch({ type: 'retry', retry: null });
  }

  #unmarkDone(partNumber: number): void {
    const previous = this.#done.get(partNumber);
    if (!previous) return;
    this.#doneBytes -= previous.size;
    this.#done.delete(partNumber);
  }

  #checkAllDone(): void {
    for (const range of this.#ranges) {
      if (!this.#done.has(range.partNumber)) {
        throw new UploadError(ErrorCode.INVALID_FILE, `Part ${range.partNumber} was not uploaded.`, { retryable: true });
      }
    }
  }

  #uploadedBytes(): number {
    let bytes = this.#doneBytes;
    for (const loaded of this.#loaded.values()) bytes += loaded;
    return bytes;
  }

  #progress(): void {
    const bytesUploaded = this.#uploadedBytes();
    const running = this.#state.status === 'running';
    const speed = running ? this.#speed.sample(this.#clock.now(), bytesUploaded) : 0;
    const total = this.#state.bytesTotal;
    this.#dispatch({
      type: 'progress',
      bytesUploaded,
      speed,
      eta: estimateEta(total === null ? null : total - bytesUploaded, speed),
      partsDone: this.#done.size,
      partsInFlight: this.#loaded.size,
    });
  }

  #dispatch(action: UploadAction): void {
    const next = uploadReducer(this.#state, action);
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }

  /** Writes the resume record (coalesced: one write at a time, the latest state wins). */
  #persist(): Promise<void> {
    const session = this.#session;
    if (!this.#store || !this.#storeKey || !session || session.strategy !== 'multipart' || session.stream) return Promise.resolve();
    if (this.#persisting) {
      this.#persistAgain = true;
      return this.#persisting;
    }
    this.#persisting = (async () => {
      for (let round = 0; round < 1000; round++) {
        this.#persistAgain = false;
        if (this.#result || this.#state.status === 'cancelled') return;
        await this.#writeRecord(session).catch(noop);
        if (!this.#persistAgain) return;
      }
    })().finally(() => {
      this.#persisting = undefined;
    });
    return this.#persisting;
  }

  async #writeRecord(session: Session): Promise<void> {
    const record: ResumeRecord = {
      version: RESUME_RECORD_VERSION,
      key: this.#storeKey!,
      session: session.id,
      strategy: session.strategy,
      partSize: session.partSize,
      partCount: session.partCount ?? this.#ranges.length,
      size: this.#source!.size,
      expiresAt: session.expiresAt,
      updatedAt: this.#clock.now(),
      parts: [...this.#done.entries()].map(([n, { etag, size }]) => [n, etag, size]),
    };
    if (this.#sha1) record.sha1 = this.#sha1;
    else if (this.#canSaveHash && this.#hashBegun && this.#hashSent > 0) {
      // The hasher answers `save` after every part sent before it: the state covers parts 1..hashSent.
      const through = this.#hashSent;
      const state = await this.#hasherNow()
        .save(this.#key)
        .catch(() => null); // a state that missed a part is not saved; the record goes without one
      if (state === undefined) this.#canSaveHash = false;
      else if (state !== null) record.hash = { through, state };
    }
    await this.#store!.set(record);
  }

  /** After the commit: resume state, hash state and buffers are no longer needed. */
  async #forget(): Promise<void> {
    await this.#persisting;
    if (this.#store && this.#storeKey) await this.#store.delete(this.#storeKey).catch(noop);
    this.#release();
  }

  /** After `cancel()`: also abort the storage session and the stream. */
  async #discard(): Promise<void> {
    await this.#persisting;
    await this.#chunker?.cancel(abortError());
    if (!this.#chunker && this.#stream) await this.#stream.cancel(abortError()).catch(noop);
    if (!this.#result) await this.#abortSession();
    if (this.#store && this.#storeKey) await this.#store.delete(this.#storeKey).catch(noop);
    this.#release();
  }

  async #abortSession(): Promise<void> {
    if (this.#session) await this.#signer.abort(this.#session.id).catch(noop);
  }

  #release(): void {
    this.#held.clear();
    if (this.#hasher) {
      this.#hasher.end(this.#key);
      if (!this.#options.hasher) this.#hasher.close();
      this.#hasher = undefined;
    }
  }
}
