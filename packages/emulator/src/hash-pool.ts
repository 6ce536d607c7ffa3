/**
 * MD5 and CRC-64 of request bodies, off the main thread. Bodies are copied from the socket into fixed-size
 * slots of one SharedArrayBuffer; a full slot is written to disk (libuv thread pool) straight from shared
 * memory while a hashing thread reads the same bytes — no copy to the worker, no message per socket chunk.
 * A slot is reused once both its write and its hashing are done, so memory stays at the pool size whatever
 * the number or size of uploads; when every slot is busy, readers wait (socket backpressure).
 *
 * Each body is a job on one hashing thread (MD5 from node:crypto, CRC-64/XZ from hash-wasm), so slots of a
 * body are hashed in order; several bodies spread over the threads.
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The hashing thread, as plain JavaScript (evaluated, so it needs no TypeScript loader). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createCRC64 } = require(workerData.hashWasm);
const { sab, slotBytes } = workerData;
const memory = Buffer.from(sab);
const jobs = new Map();
let crc; // one hash-wasm instance; each job keeps its own saved state
const ready = createCRC64().then((h) => { crc = h; crc.init(); return crc.save(); });
function handle(m, initial) {
  if (m.t === 'data') {
    const job = jobs.get(m.job);
    if (job) {
      const bytes = memory.subarray(m.slot * slotBytes, m.slot * slotBytes + m.length);
      job.md5.update(bytes);
      crc.load(job.crc);
      crc.update(bytes);
      job.crc = crc.save();
    }
    parentPort.postMessage({ t: 'freed', slot: m.slot });
  } else if (m.t === 'open') {
    jobs.set(m.job, { md5: createHash('md5'), crc: initial });
  } else if (m.t === 'end') {
    const job = jobs.get(m.job);
    jobs.delete(m.job);
    crc.load(job.crc);
    parentPort.postMessage({ t: 'digest', job: m.job, md5: job.md5.digest('hex'), crc64: crc.digest('hex') });
  } else if (m.t === 'drop') {
    jobs.delete(m.job);
  }
}
parentPort.on('message', (m) => ready.then((initial) => handle(m, initial)));
`;

export interface BodyDigest {
  /** Hex MD5. */
  md5: string;
  /** CRC-64/XZ as 16 hex digits. */
  crc64: string;
}

interface Thread {
  worker: Worker;
  /** Open jobs (the thread is referenced while it has any). */
  jobs: number;
  /** Slots sent to it, not yet hashed. */
  slots: Set<number>;
}

interface Job {
  thread: Thread;
  done?: { resolve: (d: BodyDigest) => void; reject: (e: Error) => void };
}

/** A body being hashed: feed it slots in order, then `finish()` (or `drop()`). */
export interface HashJob {
  /** Hands a filled slot to the hashing thread; the slot is released by the pool once hashed and written. */
  hash(slot: number, length: number): void;
  /** The digests of everything hashed. */
  finish(): Promise<BodyDigest>;
  /** Forgets the job (its pending slots are still released). */
  drop(): void;
}

export class HashPool {
  readonly slotBytes: number;
  readonly slotCount: number;
  readonly #threadCount: number;
  #memory: Buffer | undefined;
  #sab: SharedArrayBuffer | undefined;
  #threads: Thread[] = [];
  #free: number[] = [];
  /** Outstanding uses (write, hash) per slot. */
  #refs: Uint8Array;
  #waiters: Array<(slot: number) => void> = [];
  #jobs = new Map<number, Job>();
  #nextJob = 0;
  #closed = false;

  constructor(options: { slotBytes?: number; slots?: number; threads?: number } = {}) {
    this.slotBytes = options.slotBytes ?? 1 << 20;
    this.slotCount = options.slots ?? 32;
    this.#threadCount = options.threads ?? Math.max(2, Math.min(4, availableParallelism()));
    this.#refs = new Uint8Array(this.slotCount);
  }

  #start(): void {
    if (this.#sab) return;
    if (this.#closed) throw new Error('hash pool closed');
    this.#sab = new SharedArrayBuffer(this.slotBytes * this.slotCount);
    this.#memory = Buffer.from(this.#sab);
    this.#free = Array.from({ length: this.slotCount }, (_, i) => this.slotCount - 1 - i);
    const hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
    for (let i = 0; i < this.#threadCount; i++) this.#threads.push(this.#spawn(hashWasm));
  }

  #spawn(hashWasm: string): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab: this.#sab, slotBytes: this.slotBytes, hashWasm } });
    worker.unref();
    const thread: Thread = { worker, jobs: 0, slots: new Set() };
    worker.on('message', (m: { t: 'freed'; slot: number } | { t: 'digest'; job: number; md5: string; crc64: string }) => {
      if (m.t === 'freed') {
        thread.slots.delete(m.slot);
        this.#unref(m.slot);
      } else {
        const job = this.#jobs.get(m.job);
        this.#endJob(m.job);
        job?.done?.resolve({ md5: m.md5, crc64: m.crc64 });
      }
    });
    const fail = (error: Error) => {
      const i = this.#threads.indexOf(thread);
      if (i !== -1) this.#threads.splice(i, 1);
      for (const slot of thread.slots) this.#unref(slot);
      thread.slots.clear();
      for (const [id, job] of this.#jobs) {
        if (job.thread !== thread) continue;
        this.#jobs.delete(id);
        job.done?.reject(error);
      }
      if (!this.#closed && this.#sab) this.#threads.push(this.#spawn(hashWasm));
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('hashing thread exited')));
    return thread;
  }

  #endJob(id: number): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    this.#jobs.delete(id);
    if (--job.thread.jobs === 0) job.thread.worker.unref();
  }

  #unref(slot: number): void {
    if (this.#refs[slot] === 0) return;
    if (--this.#refs[slot]! > 0) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#refs[slot] = 1; // held by the new owner while it fills the slot
      waiter(slot);
    } else this.#free.push(slot);
  }

  /** A free slot (held until released), waiting for one if all are busy. */
  acquire(): number | Promise<number> {
    this.#start();
    const slot = this.#free.pop();
    if (slot !== undefined) {
      this.#refs[slot] = 1;
      return slot;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The bytes of a slot (a view of shared memory). */
  view(slot: number, length = this.slotBytes): Buffer {
    return this.#memory!.subarray(slot * this.slotBytes, slot * this.slotBytes + length);
  }

  /** Adds a use of a held slot (e.g. a disk write); each use ends with {@link release}. */
  retain(slot: number): void {
    this.#refs[slot]!++;
  }

  /** Ends one use of a slot; the slot is free once no use is left. */
  release(slot: number): void {
    this.#unref(slot);
  }

  /** Starts hashing a body on the least busy thread. */
  open(): HashJob {
    this.#start();
    const thread = this.#threads.reduce((a, b) => (b.jobs < a.jobs ? b : a));
    const id = ++this.#nextJob;
    const job: Job = { thread };
    this.#jobs.set(id, job);
    if (thread.jobs++ === 0) thread.worker.ref();
    thread.worker.postMessage({ t: 'open', job: id });
    return {
      hash: (slot, length) => {
        this.#refs[slot]!++;
        if (!this.#jobs.has(id)) {
          this.#unref(slot);
          return;
        }
        thread.slots.add(slot);
        thread.worker.postMessage({ t: 'data', job: id, slot, length });
      },
      finish: () =>
        new Promise<BodyDigest>((resolve, reject) => {
          if (!this.#jobs.has(id)) return reject(new Error('hash job is gone'));
          job.done = { resolve, reject };
          thread.worker.postMessage({ t: 'end', job: id });
        }),
      drop: () => {
        if (!this.#jobs.has(id)) return;
        this.#endJob(id);
        thread.worker.postMessage({ t: 'drop', job: id });
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads;
    this.#threads = [];
    for (const t of threads) t.worker.removeAllListeners('exit');
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const [, job] of this.#jobs) job.done?.reject(new Error('hash pool closed'));
    this.#jobs.clear();
  }
}
