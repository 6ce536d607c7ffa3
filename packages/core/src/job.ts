/**
 * What the steps of one upload share (internal to the engine): its inputs, its state, its storage session and
 * parts, its hashing progress, and the operations every step needs — sending a part, retrying, saving the resume
 * record. The {@link Upload} class is the public face of a Job; the steps (`upload-file.ts`, and on demand
 * `upload-stream.ts` and `upload-restore.ts`) are functions of one. Steps loaded on demand import nothing from the
 * engine at run time (they reach it through the Job, and are handed `failures`), so bundlers split off no chunk
 * shared with them.
 *
 * A Job is an object of closures over its private state (`createJob`), not a class: what only the Job itself
 * touches stays in local variables.
 * @module
 */
import { type Clock, type Connectivity, noop, raceSignal, systemClock } from './clock.ts';
import { ErrorCode, UploadError, abortError, failures, storageError, toUploadError } from './errors.ts';
import { type Hasher, hexToBase64 } from './hash/hasher.ts';
import { MAX_PARTS, type PartRange, choosePartSize, planParts } from './plan.ts';
import { type Pool, DEFAULT_CONCURRENCY, createPool } from './pool.ts';
import { createSpeedMeter, estimateEta, toPercent } from './progress.ts';
import { RESUME_RECORD_VERSION, type ResumeRecord, type ResumeStore } from './resume.ts';
import { createRetryer } from './retryer.ts';
import { type SignItem, type SignQueue, createSignQueue } from './sign-queue.ts';
import { type CreateUploadRequest, type SignerClient, type UploadResult, type UploadSession, createSignerClient, expiryMs, isInstant } from './signer-client.ts';
import { blobSource } from './sources/blob-source.ts';
import { type UploadSource, isUploadSource } from './sources/source.ts';
import type { StreamChunker } from './sources/stream-source.ts';
import type { Transport } from './transport.ts';
import type { UploadInput, UploadOptions, UploadPlatform } from './upload.ts';
import { STOPPED, type UploadState, type UploadStatus, initialUploadState } from './upload-state.ts';
import { runFile } from './upload-file.ts';

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

export interface Job {
  state: UploadState;
  readonly options: UploadOptions;
  readonly source?: UploadSource;
  readonly stream?: ReadableStream<Uint8Array>;
  readonly signer: SignerClient;
  readonly clock: Clock;
  readonly pool: Pool;
  readonly store?: ResumeStore;
  readonly listeners: Set<(state: UploadState) => void>;
  /** The hasher's key of this upload's whole-file SHA-1. */
  readonly key: string;
  session?: Session;
  /** Where the resume record lives (signer URL + file fingerprint), once known. */
  storeKey?: string;
  ranges: PartRange[];
  /** Parts storage has: ETag and size. */
  readonly done: Map<number, { etag: string; size: number }>;
  /** Parts read and not stored yet. */
  readonly held: Map<number, Held>;
  /** The whole-file SHA-1 was begun in the hasher. */
  hashing: boolean;
  /** Parts `1..n` are in the SHA-1 as far as the engine has taken the hasher's answers (progress, digest). */
  hashed: number;
  /** Parts `1..n` were sent to the hasher for the SHA-1 (ahead of the answers): what a saved state covers. */
  hashSent: number;
  /** A stream whose SHA-1 state was lost: it completes without one. */
  noSha1?: boolean;
  sha1?: string;
  /** A stream's reading, kept across runs (see `upload-stream.ts`). */
  streamRead?: StreamRead;
  result?: UploadResult;
  instant?: boolean;

  /** Moves the state (a new object) and tells the listeners; a final state (`done`, `cancelled`) no longer moves. */
  set(patch: Partial<UploadState>): void;
  /** A status set by the caller: `running` (the speed is measured afresh), `paused`, `cancelled`. */
  mark(status: UploadStatus): void;
  /** One run (see `Upload.start`): the result; `undefined` when the signal stopped it; throws its failure. */
  run(signal: AbortSignal): Promise<UploadResult | undefined>;
  /** After a cancel: ends the stream, the storage session and the resume record. */
  discard(): Promise<void>;
  hasher(): Hasher;
  /** Runs `task` with the retry policy; a retry shows in the state (and restarts a part's byte count). */
  retry<T>(task: () => Promise<T>, signal: AbortSignal, partNumber?: number): Promise<T>;
  /** Starts the whole-file SHA-1 (unless begun, or to start over). */
  beginHash(restart?: boolean): Promise<void>;
  setSha1(sha1: string): void;
  /** The SHA-1 of everything sent to the hasher, now known. */
  digest(): Promise<void>;
  /** Publishes bytes, speed, ETA and part counts; `reset` starts the speed afresh. */
  progress(reset?: boolean): void;
  /**
   * `POST /uploads` with the file's facts (`size` `null`: a stream), the cover and the media options; adopts the
   * session, or resolves with the instant upload the signer found.
   */
  openSession(size: number | null, extra: Partial<CreateUploadRequest>, signal: AbortSignal): Promise<UploadResult | undefined>;
  /** Takes a new or resumed session: checks it, plans the parts (a file's), prepares signing. */
  adopt(answer: UploadSession, size: number | null, stream?: boolean): void;
  /**
   * The shared mechanics of a transfer: a signal that stops every part on the first failure, pool slots, tasks
   * launched and awaited, and the first failure kept. The cover (if any) goes up alongside the parts.
   */
  pipeline(signal: AbortSignal): Pipeline;
  /** Signs a part while it waits for a slot, so the URL is ready when the slot frees (errors surface on use). */
  presign(range: PartRange, held: Held, signal: AbortSignal): void;
  /** Whether every pool slot is taken (then parts waiting are presigned). */
  busy(): boolean;
  /** Sends one part (or the single media PUT) and records it as stored. */
  uploadPart(range: PartRange, held: Held, signal: AbortSignal): Promise<void>;
  /** Commits the stored parts with the SHA-1 (throws unless storage has every planned part). */
  complete(signal: AbortSignal): Promise<void>;
  /** Stored and committed (or instant): resume state, hash state and buffers are no longer needed. */
  commit(result: UploadResult, instant?: boolean): Promise<void>;
  /** Writes the resume record (coalesced: one write at a time, the latest state wins). */
  persist(): void;
  abortSession(): Promise<void>;
}

export function createJob(input: UploadInput, platform: UploadPlatform): Job {
  const { file, stream, cover: coverInput, signer: signerInput, token, name: nameInput, type: typeInput, ...options } = input;
  const asSource = (blob?: Blob | UploadSource, name?: string, type?: string) =>
    isUploadSource(blob) ? blob : typeof Blob === 'function' && blob instanceof Blob ? blobSource(blob, { name, type }) : undefined;
  const clock = options.clock ?? systemClock;
  const source = asSource(file, nameInput, typeInput);
  const cover = asSource(coverInput);
  if (!source === !stream || (file && !source) || (coverInput && !cover)) {
    throw new UploadError(ErrorCode.INVALID_FILE, 'Give a `file` or a `stream`; `file` and `cover` are Blobs, Files or UploadSources.');
  }
  const name = nameInput ?? source?.name ?? 'stream';
  const type = typeInput ?? source?.type ?? '';
  const signer =
    typeof signerInput === 'string' || signerInput instanceof URL
      ? createSignerClient({ url: signerInput, token, fetch: options.fetch, clock })
      : signerInput;
  const connectivity: Connectivity = options.connectivity ?? platform.connectivity();
  const retryer = createRetryer({ ...options.retry, clock, random: options.random, connectivity });
  const pool = options.pool ?? createPool({ concurrency: options.concurrency ?? DEFAULT_CONCURRENCY });
  const store = options.resume === false ? undefined : (options.resume ?? platform.resumeStore());
  const speed = createSpeedMeter();
  const listeners = new Set<(state: UploadState) => void>();
  const done = new Map<number, { etag: string; size: number }>();
  const held = new Map<number, Held>();
  /** Bytes sent of the parts in flight. */
  const loaded = new Map<number, number>();
  const key = `u${Math.random()}`;
  let hasherInstance: Hasher | undefined;
  let transport: Transport | undefined;
  let signs: SignQueue;
  let coverDone = false;
  let persisting: Promise<void> | undefined;
  let persistAgain = false;

  const set = (patch: Partial<UploadState>): void => {
    if (/done|cancelled/.test(job.state.status)) return;
    const next = { ...job.state, ...patch };
    next.percent = next.result ? 100 : toPercent(next.bytesUploaded, next.bytesTotal);
    job.state = next;
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch (error) {
        (globalThis as { reportError?: (error: unknown) => void }).reportError?.(error); // cannot break the upload
      }
    }
  };

  const hasher = () => (hasherInstance ??= options.hasher ?? platform.hasher());

  const retry: Job['retry'] = (task, signal, partNumber) =>
    retryer.run(task, {
      signal,
      onRetry({ attempt, delay, error }) {
        if (partNumber) loaded.set(partNumber, 0);
        set({ retry: { attempt, delay, code: error.code, partNumber } });
      },
    });

  const setSha1 = (sha1: string) => {
    job.sha1 = sha1;
    set({ sha1 });
  };

  /** Bytes of the stored parts and sent of the parts in flight. */
  const uploadedBytes = () => {
    let bytes = 0;
    for (const { size } of done.values()) bytes += size;
    for (const part of loaded.values()) bytes += part;
    return bytes;
  };

  const progress = (reset?: boolean) => {
    const bytesUploaded = uploadedBytes();
    const now = clock.now();
    if (reset) speed.reset(now, bytesUploaded);
    const rate = job.state.status === 'running' ? speed.sample(now, bytesUploaded) : 0;
    const total = job.state.bytesTotal;
    set({
      bytesUploaded,
      speed: rate,
      eta: estimateEta(total === null ? null : total - bytesUploaded, rate),
      partsDone: done.size,
      partsInFlight: loaded.size,
    });
  };

  /** What to sign for a part: `Content-MD5` always, the size for a stream. */
  const signItem = ({ partNumber }: PartRange, { md5, size }: Held): SignItem => {
    const { strategy, stream } = job.session!;
    md5 = hexToBase64(md5);
    return strategy === 'single' ? { target: 'media', md5 } : { target: 'part', partNumber, md5, size: stream ? size : undefined };
  };

  /** One presigned PUT to storage, retried; resolves with the ETag (an expired URL is signed again). */
  const put = (item: SignItem, body: Held['body'], signal: AbortSignal, onProgress?: (loaded: number) => void): Promise<string> => {
    const { target, partNumber } = item;
    return retry(
      async () => {
        const { url, headers } = await signs.get(item, signal);
        const response = await (transport ??= options.transport ?? platform.transport(clock))({
          method: 'PUT',
          url,
          headers,
          body,
          signal,
          timeout: options.timeout ?? DEFAULT_STORAGE_TIMEOUT,
          onProgress,
        });
        const { status, header } = response;
        if (status < 200 || status > 299) {
          const error = storageError(status, response.text, header, clock.now(), partNumber);
          if (error.code === ErrorCode.EXPIRED) signs.invalidate(target, partNumber);
          throw error;
        }
        const etag = header('etag');
        if (etag || target !== 'part') return etag ?? '';
        throw new UploadError(ErrorCode.HTTP, 'No readable ETag: the CORS rule must expose "ETag".', {
          status,
          partNumber,
          retryable: false,
        });
      },
      signal,
      partNumber,
    );
  };

  const uploadCover = async (cover: UploadSource, signal: AbortSignal) => {
    const read = await hasher().part(key, await cover.input(0, cover.size), { sha1: false, md5: true, keep: !cover.body });
    await put({ target: 'cover', md5: hexToBase64(read.md5!) }, cover.body?.(0, cover.size) ?? read.bytes!, signal);
    coverDone = true;
  };

  const writeRecord = async (session: Session, storeKey: string) => {
    const record: ResumeRecord = {
      version: RESUME_RECORD_VERSION,
      key: storeKey,
      session: session.id,
      strategy: session.strategy,
      partSize: session.partSize,
      partCount: job.ranges.length,
      size: source!.size,
      expiresAt: session.expiresAt,
      updatedAt: clock.now(),
      parts: [...done].map(([n, { etag, size }]) => [n, etag, size]),
    };
    const { sha1, hashSent } = job;
    if (sha1) record.sha1 = sha1;
    else if (hashSent > 0) {
      // The hasher answers `save` after every part sent before it: the state covers parts 1..hashSent. A hasher
      // that cannot save answers `undefined`; a state that missed a part is not saved: the record goes without one.
      const state = await hasher().save(key).catch(noop);
      if (state) record.hash = { through: hashSent, state };
    }
    await store!.set(record);
  };

  /** Forgets the resume record and releases the hasher. */
  const forget = async () => {
    await persisting;
    if (store && job.storeKey) await store.delete(job.storeKey).catch(noop);
    held.clear();
    if (hasherInstance) {
      hasherInstance.end(key);
      if (!options.hasher) hasherInstance.close();
      hasherInstance = undefined;
    }
  };

  const commit = async (result: UploadResult, instant = false) => {
    job.result = result;
    job.instant = instant;
    const { bytesTotal, bytesUploaded } = job.state;
    set({ result, instant, ...STOPPED, eta: 0, bytesUploaded: bytesTotal ?? bytesUploaded });
    await forget();
  };

  const abortSession = async () => {
    if (job.session) await signer.abort(job.session.id).catch(noop);
  };

  const job: Job = {
    state: initialUploadState(name, source?.size ?? null),
    options,
    source,
    stream,
    signer,
    clock,
    pool,
    store,
    listeners,
    key,
    ranges: [],
    done,
    held,
    hashing: false,
    hashed: 0,
    hashSent: 0,
    set,
    hasher,
    retry,
    setSha1,
    progress,
    commit,
    abortSession,

    mark(status) {
      set({ status, ...STOPPED, ...(status === 'running' && { error: null }) });
      if (status === 'running') speed.reset(clock.now(), uploadedBytes());
    },

    async run(signal) {
      if (signal.aborted) return;
      const { processing } = options;
      set({ offline: !connectivity.isOnline() });
      const unsubscribe = connectivity.subscribe((online) => set({ offline: !online }));
      try {
        if (!job.result) {
          if (stream) await (await import('./upload-stream.ts')).runStream(job, stream, signal, failures);
          else await runFile(job, source!, signal);
        }
        const result = job.result!;
        if (processing && !job.instant) {
          set({ phase: 'processing', processing: 'processing' });
          await (await import('./processing-poll.ts')).processJob(job, signal, failures);
        }
        if (signal.aborted) return;
        set({ status: 'done', phase: processing ? 'ready' : 'uploaded', error: null });
        return result;
      } catch (thrown) {
        if (signal.aborted) return; // paused or cancelled: pause() and cancel() said so already
        const error = toUploadError(thrown);
        if (error.code === ErrorCode.HASH && !job.sha1) {
          // The worker (and the SHA-1 state in it) is gone: a retry hashes a file from the start; a stream cannot
          // be read again, so it goes on without a SHA-1.
          job.hashing = false;
          job.hashed = job.hashSent = 0;
          if (stream) job.noSha1 = true;
        }
        set({ status: 'error', error: error.toJSON(), ...STOPPED });
        throw error;
      } finally {
        unsubscribe();
        if (job.state.offline) set({ offline: false });
      }
    },

    async discard() {
      await Promise.resolve((job.streamRead?.chunker ?? stream)?.cancel(abortError())).catch(noop);
      if (!job.result) await abortSession();
      await forget();
    },

    async beginHash(restart) {
      if (job.hashing && !restart) return;
      await hasher().begin(key);
      job.hashing = true;
      job.hashed = job.hashSent = 0;
      set({ bytesHashed: 0 });
    },

    async digest() {
      setSha1(await hasher().digest(key));
    },

    async openSession(size, extra, signal) {
      const stream = size === null;
      const request: CreateUploadRequest = {
        file: { name, size: size ?? undefined, type: type || undefined, lastModified: source?.lastModified },
        partSize: choosePartSize(size ?? 0, options.partSize),
        cover: cover && { name: cover.name, size: cover.size, type: cover.type || undefined },
        options: options.media,
        stream: stream || undefined,
        ...extra,
      };
      const answer = await retry(() => signer.createUpload(request, { signal }), signal);
      if (isInstant(answer)) return answer.instant;
      job.adopt(answer, size, stream);
      return undefined;
    },

    adopt(answer, size, stream = false) {
      const { partSize, strategy, partCount, session } = answer;
      const ranges =
        partSize > 0 && size !== null ? (strategy === 'single' ? [{ partNumber: 1, start: 0, end: size }] : planParts(size, partSize)) : [];
      // No part size, a stream without multipart, or not the parts the file has.
      if (!(partSize > 0) || (stream && strategy !== 'multipart') || (strategy === 'multipart' && partCount != null && partCount !== ranges.length)) {
        throw new UploadError(ErrorCode.SIGNER, 'The signer answered with a session that does not fit the upload.', { retryable: false });
      }
      if (size !== null) job.ranges = ranges;
      job.session = {
        id: session,
        strategy,
        partSize,
        expiresAt: Math.min(expiryMs(answer.expiresAt), clock.now() + (options.resumeTtl ?? DEFAULT_RESUME_TTL)),
        stream,
        maxPart: Math.min(MAX_PARTS, answer.maxPartNumber ?? MAX_PARTS),
      };
      signs = createSignQueue({ signer, session, clock });
      set({ bytesTotal: size, partsTotal: size === null ? null : job.ranges.length });
    },

    pipeline(signal) {
      const inner = new AbortController();
      const own = inner.signal;
      const stop = (reason: unknown) => own.aborted || inner.abort(reason);
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
      if (cover && !coverDone) launch(() => uploadCover(cover, own));
      return {
        signal: own,
        stop,
        fail,
        launch,
        acquire: () => pool.acquire(own).catch(() => undefined),
        race: (promise) => raceSignal(promise, own),
        async settle() {
          await Promise.all(tasks);
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) throw signal.reason;
          if (failure) throw failure.error;
          if (own.aborted) throw own.reason;
        },
      };
    },

    presign(range, part, signal) {
      signs.get(signItem(range, part), signal).catch(noop);
    },

    busy: () => pool.active >= pool.concurrency,

    async uploadPart(range, part, signal) {
      const n = range.partNumber;
      const item = signItem(range, part);
      loaded.set(n, 0);
      progress();
      try {
        const etag = await put(item, part.body, signal, (bytes) => {
          loaded.set(n, Math.min(bytes, part.size));
          progress();
        });
        done.set(n, { etag, size: part.size });
        if (job.state.retry?.partNumber === n) set({ retry: null });
        held.delete(n);
        signs.invalidate(item.target, n);
      } finally {
        loaded.delete(n);
        progress();
      }
      job.persist();
    },

    async complete(signal) {
      const missing = job.ranges.find((r) => !done.has(r.partNumber));
      if (missing) throw new UploadError(ErrorCode.INVALID_FILE, `Part ${missing.partNumber} was not uploaded.`, { retryable: true });
      set({ phase: 'committing' });
      const { id, strategy } = job.session!;
      const parts =
        strategy === 'multipart' ? [...done].sort((a, b) => a[0] - b[0]).map(([partNumber, { etag }]) => ({ partNumber, etag })) : undefined;
      await commit(await retry(() => signer.complete({ session: id, parts, sha1: job.sha1 }, { signal }), signal));
    },

    persist() {
      const { session, storeKey } = job;
      if (!store || !storeKey || session?.strategy !== 'multipart' || session.stream) return;
      persistAgain = true;
      persisting ??= (async () => {
        while (persistAgain && !job.result && job.state.status !== 'cancelled') {
          persistAgain = false;
          await writeRecord(session, storeKey).catch(noop);
        }
      })().finally(() => (persisting = undefined));
    },
  };
  return job;
}
