/**
 * What the hash worker does, written over a `post` function so it also runs in the calling thread (where
 * module workers are unavailable, and in Node tests): requests are taken one after the other, in the order
 * they came, so the whole-file SHA-1 of an upload sees its parts in order and `save`/`digest` answer after the
 * parts sent before them.
 *
 * Each part is read once (`Blob.slice`, a BYOB reader filling a reused buffer), fed into its upload's SHA-1 at
 * once, and waits for its MD5 with the parts queued behind it: up to four parts' MD5s are computed at once
 * (WebAssembly SIMD lanes, {@link HashKernels.md5}); a part never waits for parts that are not queued yet, and
 * the first part of a file never waits (its upload cannot start without it).
 * The next part is read while one is hashed. At most {@link HashKernels.lanes} part buffers (two without
 * SIMD) are in memory at once, however many parts are queued — read ahead, hashed, waiting for their MD5, or
 * kept as spares to read into again; spares are let go after {@link IDLE_MS} without requests.
 * @module
 */
import { type HashKernels, createHashKernels } from './hash-kernels.ts';

/** A request from the main thread. `id` pairs it with its answer. */
export type HashWorkerRequest =
  | { id: number; op: 'begin'; key: string; state?: ArrayBuffer }
  | { id: number; op: 'part'; key: string; blob?: Blob; start?: number; end?: number; buffer?: ArrayBuffer; sha1: boolean; md5: boolean; keep: boolean }
  | { id: number; op: 'save' | 'digest' | 'end'; key: string }
  | { id: number; op: 'sha1'; blob?: Blob; start?: number; end?: number; buffer?: ArrayBuffer };

export type HashWorkerResponse =
  | { id: number; ok: true; md5?: string; buffer?: ArrayBuffer; size?: number; hex?: string; state?: ArrayBuffer }
  | { id: number; ok: false; message: string };

/** Spare read buffers are let go after this long without a request (ms). */
export const IDLE_MS = 10_000;

interface Job {
  request: HashWorkerRequest;
  /** The bytes to hash, once read (or at once when they came with the request). */
  read?: Promise<Uint8Array<ArrayBuffer> | undefined>;
}

/** Starts a hash service; returns the function that takes requests. Answers go to `post`. */
export function createHashService(
  post: (answer: HashWorkerResponse, transfer?: Transferable[]) => void,
  kernels = createHashKernels(),
): (request: HashWorkerRequest) => void {
  kernels.catch(() => {}); // reported to each request
  /** SHA-1 states by key; `null` for a key whose SHA-1 missed a part (a failed read) until it begins again. */
  const keys = new Map<string, Uint8Array | null>();
  const queue: Job[] = [];
  /** Parts hashed into their SHA-1, waiting for their MD5. */
  const lanes: [Job, Uint8Array<ArrayBuffer>][] = [];
  let spare: ArrayBuffer[] = [];
  /** Buffers this service read into that are still in use. */
  let buffers = 0;
  let limit = 2;
  let byob = true;
  let running = false;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const fail = ({ request }: Job, error: unknown) => post({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  /** The job hands its bytes back (so they are not a spare afterwards). */
  const keeps = ({ request }: Job) => request.op === 'part' && request.keep;
  /** The job's bytes are read from a Blob into a buffer of this service's (counted against the limit). */
  const reads = ({ request }: Job) => !!(request as { blob?: Blob }).blob;

  /** Done with the bytes of a job: its buffer is free again (a spare, unless handed back or more than the limit). */
  function release(job: Job, bytes?: Uint8Array<ArrayBuffer>): void {
    if (!bytes || !reads(job)) return;
    buffers--;
    if (!keeps(job) && spare.length + buffers < limit) spare.push(bytes.buffer);
  }

  /**
   * Reads a Blob range into a buffer (BYOB, at least all that is asked at once where the reader can): a spare
   * big enough (not when it is handed back: it would stay that big), or a new one (then one spare less, to stay
   * within the limit).
   */
  async function readBlob(slice: Blob, exact: boolean): Promise<Uint8Array<ArrayBuffer>> {
    const size = slice.size;
    let reader: ReadableStreamBYOBReader | undefined;
    try {
      if (byob) reader = slice.stream().getReader({ mode: 'byob' });
    } catch {
      byob = false; // not a byte stream here
    }
    if (!reader) return new Uint8Array(await slice.arrayBuffer());
    const i = exact ? -1 : spare.findIndex((b) => b.byteLength >= size);
    let buffer = i < 0 ? (spare.pop(), new ArrayBuffer(size)) : spare.splice(i, 1)[0]!;
    let filled = 0;
    try {
      while (filled < size) {
        const { done, value } = await reader.read(new Uint8Array(buffer, filled, size - filled), { min: size - filled });
        if (value) {
          buffer = value.buffer;
          filled += value.byteLength;
        }
        if (done) break;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (filled !== size) throw new Error(`Read ${filled} of ${size} bytes.`);
    return new Uint8Array(buffer, 0, size);
  }

  /** Starts reading the job's bytes (at once when they came with it). */
  function start(job: Job): void {
    const request = job.request as { blob?: Blob; start?: number; end?: number; buffer?: ArrayBuffer };
    if (job.read) return;
    if (!reads(job)) job.read = Promise.resolve(request.buffer && new Uint8Array(request.buffer));
    else {
      buffers++;
      job.read = readBlob(request.blob!.slice(request.start, request.end), keeps(job));
      job.read.catch(() => buffers--); // no bytes to release later
    }
  }

  function stateOf(key: string, whole?: boolean): Uint8Array | null {
    const state = keys.get(key);
    if (state === undefined) throw new Error(`No SHA-1 under "${key}"; call begin() first.`);
    if (!state && whole) throw new Error('The SHA-1 missed a part.');
    return state;
  }

  function answerPart(job: Job, bytes: Uint8Array<ArrayBuffer>, md5?: string): void {
    const buffer = keeps(job) ? bytes.buffer : undefined;
    post({ id: job.request.id, ok: true, md5, size: bytes.byteLength, buffer }, buffer ? [buffer] : []);
  }

  /** Answers the parts waiting for their MD5, all at once. */
  function flush(k: HashKernels): void {
    const batch = lanes.splice(0);
    let md5s: string[] = [];
    try {
      md5s = k.md5(batch.map(([, bytes]) => bytes));
    } catch (error) {
      for (const [job] of batch) fail(job, error);
    }
    batch.forEach(([job, bytes], i) => {
      if (md5s[i]) answerPart(job, bytes, md5s[i]);
      release(job, bytes);
    });
  }

  /** Does what `job` asks with its bytes; true when the part waits in a lane for its MD5. */
  function handle({ sha1 }: HashKernels, job: Job, bytes: Uint8Array<ArrayBuffer> | undefined): boolean {
    const { request } = job;
    let answer: Partial<Extract<HashWorkerResponse, { ok: true }>> = {};
    switch (request.op) {
      case 'begin':
        // hash-wasm refuses a state of another length or of another build of its SHA-1 (its message is the answer).
        keys.set(request.key, (request.state ? sha1.load(new Uint8Array(request.state)) : sha1.init()).save());
        break;
      case 'end':
        keys.delete(request.key);
        break;
      case 'save':
        // Saved states are never changed (an update saves a new one), so this one can go as it is.
        answer = { state: stateOf(request.key, true)!.buffer as ArrayBuffer };
        break;
      case 'digest':
        answer = { hex: sha1.load(stateOf(request.key, true)!).digest('hex') };
        break;
      default:
        if (!bytes) throw new Error('Nothing to hash.');
        if (request.op === 'sha1') answer = { hex: sha1.init().update(bytes).digest('hex') };
        else {
          const state = request.sha1 && stateOf(request.key);
          if (state) keys.set(request.key, sha1.load(state).update(bytes).save());
          if (request.md5) return !!lanes.push([job, bytes]);
          return (answerPart(job, bytes), false);
        }
    }
    post({ id: request.id, ok: true, ...answer });
    return false;
  }

  async function pump(): Promise<void> {
    running = true;
    try {
      const k = await kernels;
      limit = Math.max(2, k.lanes);
      while (queue.length) {
        const job = queue[0]!;
        const { request } = job;
        start(job);
        // Read the next part meanwhile, if a buffer is free.
        const next = queue.find((j, i) => i && !j.read && reads(j));
        if (next && buffers < limit) start(next);
        let bytes: Uint8Array<ArrayBuffer> | undefined;
        let waits = false;
        try {
          try {
            bytes = await job.read;
          } finally {
            queue.shift();
          }
          waits = handle(k, job, bytes);
        } catch (error) {
          // A part that never reached its SHA-1: that SHA-1 is broken until its key begins again.
          if (request.op === 'part' && request.sha1 && !bytes && keys.has(request.key)) keys.set(request.key, null);
          fail(job, error);
        }
        if (!waits) release(job, bytes);
        // Four parts, or no part queued to join them, or a file's first part (its upload waits for it): MD5s now.
        if (lanes.length >= k.lanes || !queue.length || (request as { start?: number }).start === 0) flush(k);
      }
    } catch (error) {
      for (const job of queue.splice(0)) fail(job, error);
    }
    running = false;
    idle = setTimeout(() => (spare = []), IDLE_MS);
    (idle as { unref?: () => void }).unref?.(); // in Node, an idle service keeps nothing alive
  }

  return (request) => {
    clearTimeout(idle);
    queue.push({ request });
    if (!running) void pump();
  };
}
