/**
 * What the steps of one upload share (internal to the engine): its inputs, its state, its storage session and
 * parts, its hashing progress, and the operations every step needs — sending a part, retrying, saving the resume
 * record. The {@link Upload} class is the public face of a Job; the steps (`upload-file.ts`, and on demand
 * `upload-stream.ts` and `upload-restore.ts`) are functions of one. Steps loaded on demand import nothing from the
 * engine at run time (they reach it through the Job, and are handed `failures`), so bundlers split off no chunk
 * shared with them.
 * @module
 */
import { type Clock, raceSignal, systemClock } from './clock.ts';
import { ErrorCode, UploadError, storageError } from './errors.ts';
import { type Hasher, hexToBase64 } from './hash/hasher.ts';
import { MAX_PARTS, type PartRange, choosePartSize, planParts } from './plan.ts';
import { type Pool, DEFAULT_CONCURRENCY, createPool } from './pool.ts';
import { createSpeedMeter, estimateEta, toPercent } from './progress.ts';
import { RESUME_RECORD_VERSION, type ResumeRecord, type ResumeStore } from './resume.ts';
import { type Retryer, createRetryer } from './retryer.ts';
import { type SignItem, type SignQueue, createSignQueue } from './sign-queue.ts';
import { type CreateUploadRequest, type SignerClient, type UploadResult, type UploadSession, createSignerClient, expiryMs, isInstant } from './signer-client.ts';
import { blobSource } from './sources/blob-source.ts';
import { type UploadSource, isUploadSource } from './sources/source.ts';
import type { StreamChunker } from './sources/stream-source.ts';
import type { Connectivity } from './clock.ts';
import type { Transport } from './transport.ts';
import type { UploadInput, UploadOptions, UploadPlatform } from './upload.ts';
import { type UploadState, initialUploadState } from './upload-state.ts';

export const DEFAULT_STORAGE_TIMEOUT = 60_000;
/** Longest a resume record is kept, whatever the session says (7 days). */
export const DEFAULT_RESUME_TTL = 7 * 24 * 3600_000;

/** A part ready to send: its body (bytes read by the hasher, or a disk-backed Blob slice) and its MD5 (hex). */
export interface Held {
  body: Uint8Array<ArrayBuffer> | Blob;
  size: number;
  md5: string;
}

/** Where a stream's reading stands. */
export interface StreamRead {
  chunker: StreamChunker;
  /** The chunk being read (a pause does not lose it). */
  next?: Promise<Uint8Array<ArrayBuffer> | undefined>;
  /** Parts read so far, and their bytes. */
  parts: number;
  bytes: number;
  ended: boolean;
}

export interface Session {
  id: string;
  strategy: UploadSession['strategy'];
  partSize: number;
  partCount: number | null;
  expiresAt: number;
  stream: boolean;
  /** Highest part number the signer signs. */
  maxPart: number;
}

/** The shared mechanics of a transfer (see {@link Job.pipeline}). */
export interface Pipeline {
  /** Aborts on the run's signal, on the first failure, or on `stop`. */
  signal: AbortSignal;
  stop(reason: unknown): void;
  fail(error: unknown): void;
  launch(task: () => Promise<void>): void;
  /** A pool slot's release function, or `undefined` when the pipeline stopped while waiting. */
  acquire(): Promise<(() => void) | undefined>;
  /** `promise`, or a rejection as soon as the pipeline stops (the promise runs on). */
  race<T>(promise: Promise<T>): Promise<T>;
  /** Waits for every task launched; throws the run's abort, else the first failure, else a stop reason. */
  settle(): Promise<void>;
}

const noop = () => {};
/** What a commit resets. */
const STORED = { retry: null, partsInFlight: 0, speed: 0, eta: 0 } as const;

export class Job {
  // Set in the constructor (`declare`: no class field is emitted for them).
  declare state: UploadState;
  declare readonly options: UploadOptions;
  declare readonly platform: UploadPlatform;
  declare readonly source?: UploadSource;
  declare readonly stream?: ReadableStream<Uint8Array>;
  declare readonly name: string;
  declare readonly type: string;
  declare readonly cover?: UploadSource;
  declare readonly signer: SignerClient;
  declare readonly clock: Clock;
  declare readonly connectivity: Connectivity;
  declare readonly retryer: Retryer;
  declare readonly pool: Pool;
  declare readonly store?: ResumeStore;
  readonly listeners = new Set<(state: UploadState) => void>();
  /** The hasher's key of this upload's whole-file SHA-1. */
  readonly key = `u${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  readonly speed = createSpeedMeter();
  #hasher?: Hasher;
  #transport?: Transport;
  declare session?: Session;
  declare signs?: SignQueue;
  /** Where the resume record lives (signer URL + file fingerprint), once known. */
  declare storeKey?: string;
  ranges: PartRange[] = [];
  /** Parts storage has: ETag and size. */
  readonly done = new Map<number, { etag: string; size: number }>();
  doneBytes = 0;
  /** Parts read and not stored yet. */
  readonly held = new Map<number, Held>();
  /** Bytes sent of the parts in flight. */
  readonly loaded = new Map<number, number>();
  /** The whole-file SHA-1 was begun in the hasher. */
  hashing = false;
  /** Parts `1..n` are in the SHA-1 as far as the engine has taken the hasher's answers (progress, digest). */
  hashed = 0;
  /** Parts `1..n` were sent to the hasher for the SHA-1 (ahead of the answers): what a saved state covers. */
  hashSent = 0;
  /** The hasher can save its SHA-1 state (hash-wasm can, node:crypto cannot). */
  canSave = true;
  /** A stream whose SHA-1 state was lost: it completes without one. */
  noSha1 = false;
  declare sha1?: string;
  /** A stream's reading, kept across runs (see `upload-stream.ts`). */
  declare streamRead?: StreamRead;
  coverDone = false;
  declare result?: UploadResult;
  instant = false;
  #persisting?: Promise<void>;
  #persistAgain = false;

  constructor(input: UploadInput, platform: UploadPlatform) {
    const { file, stream, cover, signer, token, name, type, ...options } = input;
    const invalid = (message: string) => new UploadError(ErrorCode.INVALID_FILE, message);
    if ((file === undefined) === (stream === undefined)) throw invalid('Give exactly one of `file` and `stream`.');
    const asSource = (blob: Blob | UploadSource, name?: string, type?: string) => {
      if (isUploadSource(blob)) return blob;
      if (typeof Blob === 'function' && blob instanceof Blob) return blobSource(blob, { name, type });
      throw invalid('`file` must be a Blob, a File or an UploadSource.');
    };
    this.options = options;
    this.platform = platform;
    this.clock = options.clock ?? systemClock;
    this.source = file && asSource(file, name, type);
    this.stream = stream;
    this.name = name ?? this.source?.name ?? 'stream';
    this.type = type ?? this.source?.type ?? '';
    this.cover = cover && asSource(cover);
    this.signer =
      typeof signer === 'string' || signer instanceof URL
        ? createSignerClient({ url: signer, token, fetch: options.fetch, clock: this.clock })
        : signer;
    this.connectivity = options.connectivity ?? platform.connectivity();
    this.retryer = createRetryer({ ...options.retry, clock: this.clock, random: options.random, connectivity: this.connectivity });
    this.pool = options.pool ?? createPool({ concurrency: options.concurrency ?? DEFAULT_CONCURRENCY });
    this.store = options.resume === false ? undefined : (options.resume ?? platform.resumeStore());
    this.state = initialUploadState(this.name, this.source?.size ?? null);
  }

  /** Moves the state (a new object) and tells the listeners; a final state (`done`, `cancelled`) no longer moves. */
  set(patch: Partial<UploadState>): void {
    const { state } = this;
    if (state.status === 'done' || state.status === 'cancelled') return;
    const next = { ...state, ...patch };
    next.percent = next.result ? 100 : toPercent(next.bytesUploaded, next.bytesTotal);
    this.state = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch (error) {
        (globalThis as { reportError?: (error: unknown) => void }).reportError?.(error); // cannot break the upload
      }
    }
  }

  hasher(): Hasher {
    return (this.#hasher ??= this.options.hasher ?? this.platform.hasher());
  }

  transport(): Transport {
    return (this.#transport ??= this.options.transport ?? this.platform.transport(this.clock));
  }

  /** Runs `task` with the retry policy; a retry shows in the state (and restarts a part's byte count). */
  retry<T>(task: () => Promise<T>, signal: AbortSignal, partNumber?: number): Promise<T> {
    return this.retryer.run(task, {
      signal,
      onRetry: ({ attempt, delay, error }) => {
        if (partNumber !== undefined) this.loaded.set(partNumber, 0);
        this.set({ retry: { attempt, delay, code: error.code, partNumber } });
      },
    });
  }

  /** Starts the whole-file SHA-1 (unless begun, or to start over). */
  async beginHash(restart = false): Promise<void> {
    if (this.hashing && !restart) return;
    await this.hasher().begin(this.key);
    this.hashing = true;
    this.hashed = this.hashSent = 0;
    this.set({ bytesHashed: 0 });
  }

  setSha1(sha1: string): void {
    this.sha1 = sha1;
    this.set({ sha1 });
  }

  /** The SHA-1 of everything sent to the hasher, now known. */
  async digest(): Promise<void> {
    this.setSha1(await this.hasher().digest(this.key));
  }

  markDone(partNumber: number, etag: string, size: number): void {
    this.unmarkDone(partNumber);
    this.done.set(partNumber, { etag, size });
    this.doneBytes += size;
    if (this.state.retry?.partNumber === partNumber) this.set({ retry: null });
  }

  unmarkDone(partNumber: number): void {
    this.doneBytes -= this.done.get(partNumber)?.size ?? 0;
    this.done.delete(partNumber);
  }

  /** Throws unless storage has every planned part. */
  checkAllDone(): void {
    const missing = this.ranges.find((r) => !this.done.has(r.partNumber));
    if (missing) throw new UploadError(ErrorCode.INVALID_FILE, `Part ${missing.partNumber} was not uploaded.`, { retryable: true });
  }

  uploadedBytes(): number {
    let bytes = this.doneBytes;
    for (const loaded of this.loaded.values()) bytes += loaded;
    return bytes;
  }

  progress(): void {
    const bytesUploaded = this.uploadedBytes();
    const speed = this.state.status === 'running' ? this.speed.sample(this.clock.now(), bytesUploaded) : 0;
    const total = this.state.bytesTotal;
    const eta = estimateEta(total === null ? null : total - bytesUploaded, speed);
    this.set({ bytesUploaded, speed, eta, partsDone: this.done.size, partsInFlight: this.loaded.size });
  }

  /**
   * `POST /uploads` with the file's facts (`size` `null`: a stream), the cover and the media options; adopts the
   * session, or resolves with the instant upload the signer found.
   */
  async openSession(size: number | null, extra: Partial<CreateUploadRequest>, signal: AbortSignal): Promise<UploadResult | undefined> {
    const { name, type, cover } = this;
    const stream = size === null;
    const request: CreateUploadRequest = {
      file: { name, size: size ?? undefined, type: type || undefined, lastModified: this.source?.lastModified },
      partSize: choosePartSize(size ?? 0, this.options.partSize),
      cover: cover && { name: cover.name, size: cover.size, type: cover.type || undefined },
      options: this.options.media,
      stream: stream || undefined,
      ...extra,
    };
    const answer = await this.retry(() => this.signer.createUpload(request, { signal }), signal);
    if (isInstant(answer)) return answer.instant;
    this.adopt(answer, size, stream);
    return undefined;
  }

  /** Takes a new or resumed session: checks it, plans the parts (a file's), prepares signing. */
  adopt(answer: UploadSession, size: number | null, stream = false): void {
    const { partSize, strategy, partCount, session } = answer;
    const invalid = (message: string) => new UploadError(ErrorCode.SIGNER, message, { retryable: false });
    if (!(partSize > 0)) throw invalid('The signer gave no part size.');
    if (stream && strategy !== 'multipart') throw invalid('A stream needs a multipart session.');
    if (size !== null) {
      this.ranges = strategy === 'single' ? [{ partNumber: 1, start: 0, end: size }] : planParts(size, partSize);
      if (strategy === 'multipart' && partCount != null && partCount !== this.ranges.length) {
        throw invalid(`The signer planned ${partCount} parts, the file has ${this.ranges.length}.`);
      }
    }
    const parts = size === null ? null : this.ranges.length;
    this.session = {
      id: session,
      strategy,
      partSize,
      partCount: parts,
      expiresAt: Math.min(expiryMs(answer.expiresAt), this.clock.now() + (this.options.resumeTtl ?? DEFAULT_RESUME_TTL)),
      stream,
      maxPart: Math.min(MAX_PARTS, answer.maxPartNumber ?? MAX_PARTS),
    };
    this.signs = createSignQueue({ signer: this.signer, session, clock: this.clock });
    this.set({ bytesTotal: size, partsTotal: parts });
  }

  /**
   * The shared mechanics of a transfer: a signal that stops every part on the first failure, pool slots, tasks
   * launched and awaited, and the first failure kept. The cover (if any) goes up alongside the parts.
   */
  pipeline(signal: AbortSignal): Pipeline {
    const inner = new AbortController();
    const stop = (reason: unknown) => inner.signal.aborted || inner.abort(reason);
    const onAbort = () => stop(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const tasks: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      failure ??= { error };
      stop(error);
    };
    const launch = (task: () => Promise<void>) => void tasks.push(task().catch(fail));
    const { cover } = this;
    if (cover && !this.coverDone) launch(() => this.uploadCover(cover, inner.signal));
    return {
      signal: inner.signal,
      stop,
      fail,
      launch,
      acquire: () => this.pool.acquire(inner.signal).catch(() => undefined),
      race: (promise) => raceSignal(promise, inner.signal),
      settle: async () => {
        await Promise.all(tasks);
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) throw signal.reason;
        if (failure) throw failure.error;
        if (inner.signal.aborted) throw inner.signal.reason;
      },
    };
  }

  /** What to sign for a part: `Content-MD5` always, the size for a stream. */
  signItem(range: PartRange, held: Held): SignItem {
    const { strategy, stream } = this.session!;
    const md5 = hexToBase64(held.md5);
    return strategy === 'single' ? { target: 'media', md5 } : { target: 'part', partNumber: range.partNumber, md5, size: stream ? held.size : undefined };
  }

  /** Signs a part while it waits for a slot, so the URL is ready when the slot frees (errors surface on use). */
  presign(range: PartRange, held: Held, signal: AbortSignal): void {
    this.signs!.get(this.signItem(range, held), signal).catch(noop);
  }

  /** Whether every pool slot is taken (then parts waiting are presigned). */
  busy(): boolean {
    return this.pool.active >= this.pool.concurrency;
  }

  /** One presigned PUT to storage, retried; resolves with the ETag (an expired URL is signed again). */
  #put(item: SignItem, body: Held['body'], signal: AbortSignal, onProgress?: (loaded: number) => void): Promise<string> {
    const { target, partNumber } = item;
    return this.retry(
      async () => {
        const url = await this.signs!.get(item, signal);
        const response = await this.transport()({
          method: 'PUT',
          url: url.url,
          headers: url.headers,
          body,
          signal,
          timeout: this.options.timeout ?? DEFAULT_STORAGE_TIMEOUT,
          onProgress,
        });
        const { status } = response;
        if (status < 200 || status > 299) {
          const error = storageError(status, response.text, response.header, this.clock.now(), partNumber);
          if (error.code === ErrorCode.EXPIRED) this.signs!.invalidate(target, partNumber);
          throw error;
        }
        const etag = response.header('etag');
        if (etag || target !== 'part') return etag ?? '';
        throw new UploadError(ErrorCode.HTTP, 'Storage answered without a readable ETag: its CORS rule must expose "ETag".', {
          status,
          partNumber,
          retryable: false,
        });
      },
      signal,
      partNumber,
    );
  }

  /** Sends one part (or the single media PUT) and records it as stored. */
  async uploadPart(range: PartRange, held: Held, signal: AbortSignal): Promise<void> {
    const n = range.partNumber;
    const item = this.signItem(range, held);
    this.loaded.set(n, 0);
    this.progress();
    try {
      const etag = await this.#put(item, held.body, signal, (loaded) => {
        this.loaded.set(n, Math.min(loaded, held.size));
        this.progress();
      });
      this.markDone(n, etag, held.size);
      this.held.delete(n);
      this.signs!.invalidate(item.target, n);
    } finally {
      this.loaded.delete(n);
      this.progress();
    }
    void this.persist();
  }

  async uploadCover(cover: UploadSource, signal: AbortSignal): Promise<void> {
    const read = await this.hasher().part(this.key, await cover.input(0, cover.size), { sha1: false, md5: true, keep: !cover.body });
    await this.#put({ target: 'cover', md5: hexToBase64(read.md5!) }, cover.body?.(0, cover.size) ?? read.bytes!, signal);
    this.coverDone = true;
  }

  /** Commits the stored parts with the SHA-1. */
  async complete(signal: AbortSignal): Promise<void> {
    this.set({ phase: 'committing' });
    const { id, strategy } = this.session!;
    const parts =
      strategy === 'multipart' ? [...this.done].sort((a, b) => a[0] - b[0]).map(([partNumber, { etag }]) => ({ partNumber, etag })) : undefined;
    await this.commit(await this.retry(() => this.signer.complete({ session: id, parts, sha1: this.sha1 }, { signal }), signal));
  }

  /** Stored and committed (or instant): resume state, hash state and buffers are no longer needed. */
  async commit(result: UploadResult, instant = false): Promise<void> {
    this.result = result;
    this.instant = instant;
    this.set({ result, instant, ...STORED, bytesUploaded: this.state.bytesTotal ?? this.state.bytesUploaded });
    await this.forget();
  }

  /** Writes the resume record (coalesced: one write at a time, the latest state wins). */
  persist(): Promise<void> {
    const session = this.session;
    if (!this.store || !this.storeKey || session?.strategy !== 'multipart' || session.stream) return Promise.resolve();
    if (this.#persisting) {
      this.#persistAgain = true;
      return this.#persisting;
    }
    return (this.#persisting = (async () => {
      do {
        this.#persistAgain = false;
        if (this.result || this.state.status === 'cancelled') return;
        await this.#writeRecord(session).catch(noop);
      } while (this.#persistAgain);
    })().finally(() => (this.#persisting = undefined)));
  }

  async #writeRecord(session: Session): Promise<void> {
    const record: ResumeRecord = {
      version: RESUME_RECORD_VERSION,
      key: this.storeKey!,
      session: session.id,
      strategy: session.strategy,
      partSize: session.partSize,
      partCount: session.partCount ?? this.ranges.length,
      size: this.source!.size,
      expiresAt: session.expiresAt,
      updatedAt: this.clock.now(),
      parts: [...this.done].map(([n, { etag, size }]) => [n, etag, size]),
    };
    if (this.sha1) record.sha1 = this.sha1;
    else if (this.canSave && this.hashing && this.hashSent > 0) {
      // The hasher answers `save` after every part sent before it: the state covers parts 1..hashSent.
      const through = this.hashSent;
      const state = await this.hasher()
        .save(this.key)
        .catch(() => null); // a state that missed a part is not saved; the record goes without one
      if (state === undefined) this.canSave = false;
      else if (state !== null) record.hash = { through, state };
    }
    await this.store!.set(record);
  }

  /** Forgets the resume record and releases the hasher. */
  async forget(): Promise<void> {
    await this.#persisting;
    if (this.store && this.storeKey) await this.store.delete(this.storeKey).catch(noop);
    this.held.clear();
    const hasher = this.#hasher;
    if (hasher) {
      hasher.end(this.key);
      if (!this.options.hasher) hasher.close();
      this.#hasher = undefined;
    }
  }

  async abortSession(): Promise<void> {
    if (this.session) await this.signer.abort(this.session.id).catch(noop);
  }
}
