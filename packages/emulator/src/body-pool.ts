/**
 * Request bodies to disk, off the main thread. The main thread only copies socket chunks into fixed-size
 * slots of one SharedArrayBuffer; a full slot goes to a body thread, which writes it at its offset into the
 * body's temp file and updates the body's MD5 (node:crypto) and CRC-64/XZ (hash-wasm) from the same shared
 * memory — no copy to the thread, one message per slot. The body thread also creates and closes the temp
 * file, so Node's libuv thread pool only sees the few small operations (rename, state saves) every response
 * waits for. A slot is reused once its thread is done with it, so memory stays at the pool size whatever the
 * number or size of uploads; when every slot is busy, readers wait (socket backpressure).
 *
 * Each body is a job on one thread (its slots are written and hashed in order); bodies spread over the
 * threads, which finish the bodies whose end has arrived first. The threads also hash whole files for the
 * MD5 of completed multipart objects (resuming a saved hash-wasm MD5 state). {@link BodyPool.backlog} counts
 * the slots the threads have not finished yet, for background work to keep out of the way.
 * @module
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The body thread, as plain JavaScript (evaluated, so it needs no TypeScript loader). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync, openSync, readSync, closeSync } = require('node:fs');
const errorText = (error) => String((error && error.message) || error);
const { createCRC64, createMD5 } = require(workerData.hashWasm);
const { sab, slotBytes } = workerData;
const memory = Buffer.from(sab);
const jobs = new Map();
let crc; // one hash-wasm CRC-64 instance; each job keeps its own saved state
let crcInitial;
let md5; // hash-wasm MD5, for whole files (its state can come from another thread)
let md5Initial;
let readBuffer;
const ready = Promise.all([createCRC64(), createMD5()]).then(([c, m]) => {
  crc = c; crc.init(); crcInitial = crc.save();
  md5 = m; md5.init(); md5Initial = md5.save();
});
function data(m) {
  const job = jobs.get(m.job);
  if (job && !job.error) {
    const at = m.slot * slotBytes;
    try {
      let done = 0;
      while (done < m.length) done += writeSync(job.fd, memory, at + done, m.length - done, m.position + done);
      const bytes = memory.subarray(at, at + m.length);
      job.md5.update(bytes);
      crc.load(job.crc);
      crc.update(bytes);
      job.crc = crc.save();
    } catch (error) {
      job.error = errorText(error);
    }
  }
  parentPort.postMessage({ t: 'freed', slot: m.slot });
}
function hashFiles(m) {
  readBuffer ??= Buffer.allocUnsafe(4 << 20);
  try {
    md5.load(m.state || md5Initial);
    for (const p of m.parts) {
      const fd = openSync(p.path, 'r');
      try {
        let at = 0;
        while (at < p.size) {
          const n = readSync(fd, readBuffer, 0, Math.min(readBuffer.length, p.size - at), at);
          if (n <= 0) throw new Error('short read: ' + p.path);
          md5.update(readBuffer.subarray(0, n));
          at += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    parentPort.postMessage({ t: 'files', id: m.id, md5: md5.digest('hex') });
  } catch (error) {
    parentPort.postMessage({ t: 'files', id: m.id, error: errorText(error) });
  }
}
function end(m) {
  const job = jobs.get(m.job);
  jobs.delete(m.job);
  if (job.fd >= 0) {
    try {
      closeSync(job.fd);
    } catch (error) {
      job.error ??= errorText(error);
    }
  }
  if (job.error) parentPort.postMessage({ t: 'end', job: m.job, error: job.error });
  else {
    crc.load(job.crc);
    parentPort.postMessage({ t: 'end', job: m.job, md5: job.md5.digest('hex'), crc64: crc.digest('hex') });
  }
}
// Work runs one task per turn (messages are received in between), in arrival order — except that the tasks of
// bodies whose end has arrived go first: their response waits for them, while other bodies are still arriving.
const tasks = [];
let scheduled = false;
function run() {
  scheduled = false;
  let i = tasks.findIndex((m) => m.t !== 'files' && jobs.get(m.job)?.ending);
  if (i === -1) i = 0;
  const [m] = tasks.splice(i, 1);
  if (m.t === 'data') data(m);
  else if (m.t === 'end') end(m);
  else hashFiles(m);
  if (tasks.length && !scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}
function handle(m) {
  if (m.t === 'open') {
    const job = { fd: -1, md5: createHash('md5'), crc: crcInitial, error: undefined, ending: false };
    try {
      job.fd = openSync(m.path, 'w');
    } catch (error) {
      job.error = errorText(error);
    }
    return void jobs.set(m.job, job);
  }
  if (m.t === 'end') jobs.get(m.job).ending = true;
  tasks.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}
parentPort.on('message', (m) => (crc ? handle(m) : ready.then(() => handle(m))));
`;

export interface BodyDigest {
  /** Hex MD5. */
  md5: string;
  /** CRC-64/XZ as 16 hex digits. */
  crc64: string;
}

/** A file to hash whole: where it is and how long. */
export interface HashFile {
  path: string;
  size: number;
}

type Reply =
  | { t: 'freed'; slot: number }
  | { t: 'end'; job: number; md5?: string; crc64?: string; error?: string }
  | { t: 'files'; id: number; md5?: string; error?: string };

interface Thread {
  worker: Worker;
  /** Open jobs and file hashes (the thread is referenced while it has any). */
  busy: number;
  /** Slots sent to it, not yet done. */
  slots: Set<number>;
}

interface Pending<T> {
  thread: Thread;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** A body being written: give it filled slots in order, then `end()`. */
export interface BodyJob {
  /** Hands a held, filled slot to the job's thread (which writes `length` bytes at `position`, then hashes them). */
  submit(slot: number, length: number, position: number): void;
  /**
   * Resolves once every submitted slot is written and hashed and the file is closed, with the digests
   * (rejects if the file could not be created or written).
   */
  end(): Promise<BodyDigest>;
}

export class BodyPool {
  /**
   * How many slots body threads have been handed and not finished (shared memory): above zero, bodies arrive
   * as fast as they can be written and hashed, and background work should stay out of the way.
   */
  readonly backlog = new Int32Array(new SharedArrayBuffer(4));
  readonly slotBytes: number;
  readonly slotCount: number;
  readonly #threadCount: number;
  #memory: Buffer | undefined;
  #sab: SharedArrayBuffer | undefined;
  #hashWasm: string | undefined;
  #threads: Thread[] = [];
  #free: number[] = [];
  #waiters: Array<(slot: number) => void> = [];
  #jobs = new Map<number, Pending<BodyDigest>>();
  #files = new Map<number, Pending<string>>();
  #nextId = 0;
  #closed = false;

  constructor(options: { slotBytes?: number; slots?: number; threads?: number } = {}) {
    this.slotBytes = options.slotBytes ?? 1 << 20;
    this.slotCount = options.slots ?? 16;
    this.#threadCount = options.threads ?? 2;
  }

  #start(): void {
    if (this.#sab) return;
    if (this.#closed) throw new Error('body pool closed');
    this.#sab = new SharedArrayBuffer(this.slotBytes * this.slotCount);
    this.#memory = Buffer.from(this.#sab);
    this.#free = Array.from({ length: this.slotCount }, (_, i) => this.slotCount - 1 - i);
    this.#hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
    for (let i = 0; i < this.#threadCount; i++) this.#threads.push(this.#spawn());
  }

  #spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab: this.#sab, slotBytes: this.slotBytes, hashWasm: this.#hashWasm } });
    worker.unref();
    const thread: Thread = { worker, busy: 0, slots: new Set() };
    worker.on('message', (m: Reply) => {
      if (m.t === 'freed') {
        if (thread.slots.delete(m.slot)) Atomics.sub(this.backlog, 0, 1);
        this.release(m.slot);
        return;
      }
      const calls: Map<number, Pending<never>> = m.t === 'end' ? this.#jobs : this.#files;
      const id = m.t === 'end' ? m.job : m.id;
      const call = calls.get(id);
      if (!call) return;
      calls.delete(id);
      this.#idle(thread);
      if (m.error !== undefined) call.reject(new Error(m.error));
      else if (m.t === 'end') (call as unknown as Pending<BodyDigest>).resolve({ md5: m.md5!, crc64: m.crc64! });
      else (call as unknown as Pending<string>).resolve(m.md5!);
    });
    const fail = (error: Error) => {
      const i = this.#threads.indexOf(thread);
      if (i === -1) return;
      this.#threads.splice(i, 1);
      for (const slot of thread.slots) this.release(slot);
      Atomics.sub(this.backlog, 0, thread.slots.size);
      thread.slots.clear();
      for (const calls of [this.#jobs, this.#files] as Array<Map<number, Pending<unknown>>>) {
        for (const [id, call] of calls) {
          if (call.thread !== thread) continue;
          calls.delete(id);
          call.reject(error);
        }
      }
      if (!this.#closed) this.#threads.push(this.#spawn());
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('body thread exited')));
    return thread;
  }

  #pick(): Thread {
    this.#start();
    const thread = this.#threads.reduce((a, b) => (b.busy < a.busy ? b : a));
    if (thread.busy++ === 0) thread.worker.ref();
    return thread;
  }

  #idle(thread: Thread): void {
    if (--thread.busy === 0) thread.worker.unref();
  }

  /** A free slot (the caller holds it until it submits or releases it), waiting for one if all are busy. */
  acquire(): number | Promise<number> {
    this.#start();
    const slot = this.#free.pop();
    if (slot !== undefined) return slot;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives back a held slot. */
  release(slot: number): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(slot);
    else this.#free.push(slot);
  }

  /** The bytes of a slot (a view of shared memory). */
  view(slot: number): Buffer {
    return this.#memory!.subarray(slot * this.slotBytes, (slot + 1) * this.slotBytes);
  }

  /** Starts a body written to a new file at `path` (the body thread creates it and closes it at `end()`). */
  open(path: string): BodyJob {
    const thread = this.#pick();
    const id = ++this.#nextId;
    thread.worker.postMessage({ t: 'open', job: id, path });
    let ended: Promise<BodyDigest> | undefined;
    return {
      submit: (slot, length, position) => {
        if (ended || !this.#threads.includes(thread)) {
          this.release(slot);
          return;
        }
        thread.slots.add(slot);
        Atomics.add(this.backlog, 0, 1);
        thread.worker.postMessage({ t: 'data', job: id, slot, length, position });
      },
      end: () =>
        (ended ??= new Promise<BodyDigest>((resolve, reject) => {
          if (!this.#threads.includes(thread)) return reject(new Error('body thread is gone'));
          this.#jobs.set(id, { thread, resolve, reject });
          thread.worker.postMessage({ t: 'end', job: id });
        })),
    };
  }

  /** The hex MD5 of the concatenation of files, resuming a saved hash-wasm MD5 state if given. */
  hashFiles(files: HashFile[], state?: Uint8Array): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('body pool closed'));
    const thread = this.#pick();
    const id = ++this.#nextId;
    return new Promise<string>((resolve, reject) => {
      this.#files.set(id, { thread, resolve, reject });
      thread.worker.postMessage({ t: 'files', id, state, parts: files.map(({ path, size }) => ({ path, size })) });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((t) => t.worker.terminate()));
    const closed = new Error('body pool closed');
    for (const calls of [this.#jobs, this.#files] as Array<Map<number, Pending<unknown>>>) {
      for (const call of calls.values()) call.reject(closed);
      calls.clear();
    }
  }
}
