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
  /** Its bytes are a buffer this service read into (counted against the limit). */
  counted?: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Starts a hash service; returns the function that takes requests. Answers go to `post`. */
export function createHashService(
  post: (answer: HashWorkerResponse, transfer?: Transferable[]) => void,
  kernels = createHashKernels(),
): (request: HashWorkerRequest) => void {
  kernels.catch(() => {}); // reported to each request
  /** SHA-1 states by key; keys whose SHA-1 missed a part (a failed read) until they begin again. */
  const keys = new Map<string, Uint8Array>();
  const broken = new Set<string>();
  const queue: Job[] = [];
  /** Parts hashed into their SHA-1, waiting for their MD5. */
  const lanes: { job: Job; bytes: Uint8Array<ArrayBuffer> }[] = [];
  let spare: ArrayBuffer[] = [];
  /** Buffers this service read into that are still in use. */
  let buffers = 0;
  let limit = 2;
  let byob = true;
  let running = false;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const fail = ({ request }: Job, error: unknown) => post({ id: request.id, ok: false, message: message(error) });

  /** A buffer of at least `size` bytes: a spare, or a new one (then one spare less, to stay within the limit). */
  function take(size: number, exact: boolean): ArrayBuffer {
    const i = exact ? -1 : spare.findIndex((b) => b.byteLength >= size);
    if (i >= 0) return spare.splice(i, 1)[0]!;
    spare.pop();
    return new ArrayBuffer(size);
  }

  function release(job: Job, bytes?: Uint8Array<ArrayBuffer>): void {
    if (!job.counted) return;
    job.counted = false;
    buffers--;
    const keep = job.request.op === 'part' && job.request.keep;
    if (bytes && !keep && spare.length + buffers < limit) spare.push(bytes.buffer);
  }

  /** Reads a Blob range into a buffer (BYOB, at least all that is asked at once where the reader can). */
  async function readBlob(slice: Blob, keep: boolean): Promise<Uint8Array<ArrayBuffer>> {
    const size = slice.size;
    let reader: ReadableStreamBYOBReader | undefined;
    try {
      if (byob) reader = slice.stream().getReader({ mode: 'byob' });
    } catch {
      byob = false; // not a byte stream here
    }
    if (!reader) return new Uint8Array(await slice.arrayBuffer());
    let buffer = take(size, keep);
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

  const reads = ({ request }: Job) => (request.op === 'part' || request.op === 'sha1') && request.blob !== undefined;

  function start(job: Job): void {
    const { request } = job;
    if (job.read) return;
    if (!reads(job)) {
      job.read = Promise.resolve(request.op === 'part' || request.op === 'sha1' ? request.buffer && new Uint8Array(request.buffer) : undefined);
      return;
    }
    const { blob, start, end } = request as { blob: Blob; start?: number; end?: number };
    buffers++;
    job.counted = true;
    job.read = readBlob(blob.slice(start, end), request.op === 'part' && request.keep);
    job.read.catch(() => release(job));
  }

  function stateOf(key: string, use: 'part' | 'whole'): Uint8Array {
    const state = keys.get(key);
    if (!state) throw new Error(`No SHA-1 under "${key}"; call begin() first.`);
    if (use === 'whole' && broken.has(key)) throw new Error('The SHA-1 missed a part.');
    return state;
  }

  /** Answers the parts waiting for their MD5, all at once. */
  function flush(k: HashKernels): void {
    const batch = lanes.splice(0);
    if (!batch.length) return;
    let md5s: string[] = [];
    try {
      md5s = k.md5(batch.map((lane) => lane.bytes));
    } catch (error) {
      for (const { job } of batch) fail(job, error);
    }
    batch.forEach(({ job, bytes }, i) => {
      if (md5s[i] !== undefined) answerPart(job, bytes, md5s[i]);
      release(job, bytes);
    });
  }

  function answerPart({ request }: Job, bytes: Uint8Array<ArrayBuffer>, md5?: string): void {
    const keep = request.op === 'part' && request.keep;
    post({ id: request.id, ok: true, md5, size: bytes.byteLength, buffer: keep ? bytes.buffer : undefined }, keep ? [bytes.buffer] : []);
  }

  /** Does what `job` asks with its bytes; true when the part waits in a lane for its MD5. */
  function handle(k: HashKernels, job: Job, bytes: Uint8Array<ArrayBuffer> | undefined): boolean {
    const { request } = job;
    const ok = (fields: Partial<Extract<HashWorkerResponse, { ok: true }>> = {}, transfer: Transferable[] = []) =>
      post({ id: request.id, ok: true, ...fields }, transfer);
    switch (request.op) {
      case 'begin':
        keys.set(request.key, k.load(request.state && new Uint8Array(request.state)));
        broken.delete(request.key);
        return (ok(), false);
      case 'end':
        keys.delete(request.key);
        broken.delete(request.key);
        return (ok(), false);
      case 'save': {
        const state = k.save(stateOf(request.key, 'whole')).buffer;
        return (ok({ state }, [state]), false);
      }
      case 'digest':
        return (ok({ hex: k.digest(stateOf(request.key, 'whole')) }), false);
      case 'sha1': {
        if (!bytes) throw new Error('Nothing to hash.');
        const state = k.load();
        k.update(state, bytes);
        return (ok({ hex: k.digest(state) }), false);
      }
      case 'part': {
        if (!bytes) throw new Error('Nothing to hash.');
        if (request.sha1) {
          const state = stateOf(request.key, 'part');
          if (!broken.has(request.key)) k.update(state, bytes);
        }
        if (request.md5) return (lanes.push({ job, bytes }), true);
        return (answerPart(job, bytes), false);
      }
    }
  }

  async function pump(): Promise<void> {
    running = true;
    let k: HashKernels;
    try {
      k = await kernels;
      limit = Math.max(2, k.lanes);
    } catch (error) {
      for (const job of queue.splice(0)) fail(job, error);
      running = false;
      return;
    }
    while (queue.length) {
      const job = queue[0]!;
      start(job);
      // Read the next part meanwhile, if a buffer is free.
      const next = queue.find((j, i) => i > 0 && reads(j) && !j.read);
      if (next && buffers < limit) start(next);
      let bytes: Uint8Array<ArrayBuffer> | undefined;
      try {
        bytes = await job.read;
      } catch (error) {
        queue.shift();
        if (job.request.op === 'part' && job.request.sha1) broken.add(job.request.key);
        fail(job, error);
        continue;
      }
      queue.shift();
      let waits = false;
      try {
        waits = handle(k, job, bytes);
      } catch (error) {
        fail(job, error);
      }
      if (!waits) release(job, bytes);
      // Four parts, or no part queued to join them, or a file's first part (its upload waits for it): MD5s now.
      if (lanes.length >= k.lanes || !queue.length || (job.request as { start?: number }).start === 0) flush(k);
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
