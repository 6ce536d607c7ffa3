/**
 * Request bodies to disk, off the main thread. The main thread only copies socket chunks into fixed-size
 * slots of one shared WebAssembly memory; each full slot goes to two threads that read it where it lies:
 *
 * - a body thread (one by default: writing and CRC-64 cost less than MD5) writes it at its offset into the
 *   body's temp file and updates the body's CRC-64/XZ ({@link crc64WasmBytes}, its tables in the pool's
 *   memory); it also creates and closes the temp file, so Node's libuv thread pool only sees the few small
 *   operations (rename, state saves) every response waits for;
 * - the MD5 thread updates the body's MD5 with {@link md5WasmBytes}: up to four bodies at a time in the lanes
 *   of SIMD vectors, which costs well under half of hashing them one by one.
 *
 * A slot is reused once both are done with it, so memory stays at the pool size whatever the number or size
 * of uploads; when every slot is busy, readers wait (socket backpressure). Each body is a job on one body
 * thread and on the MD5 thread; both finish the bodies whose end has arrived first. The body threads also hash
 * whole files for the MD5 of completed multipart objects (resuming a saved hash-wasm MD5 state).
 * {@link BodyPool.backlog} counts the slots not finished yet, for background work to keep out of the way.
 * @module
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { md5WasmBytes } from '@vod-uploader/tencent';
import { crc64TableBytes, crc64Tables, crc64WasmBytes } from './crc64-wasm.ts';

/** A body thread, as plain JavaScript (evaluated, so it needs no TypeScript loader). */
const BODY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync, openSync, readSync, closeSync } = require('node:fs');
const errorText = (error) => String((error && error.message) || error);
const { createMD5 } = require(workerData.hashWasm);
const { memory, slotBytes, crcModule } = workerData;
const { crc64 } = new WebAssembly.Instance(crcModule, { env: { memory } }).exports;
const bytes = Buffer.from(memory.buffer);
// A slot is hashed and written a piece at a time, so the write copies bytes the CRC-64 has just brought into
// this core's cache. Small writes also make the kernel take page-cache pages from its per-CPU lists (up to
// 32 KiB); larger ones get large folios from the page allocator, which on a VM that hands free memory back to
// its host cost several times the CPU (this thread, per GiB: ~1.3 CPU-s with 32 KiB pieces, 3 to 4 with 1 MiB).
const PIECE = 32 * 1024;
const jobs = new Map();
let md5; // hash-wasm MD5, for whole files (its state can come from another thread)
let md5Initial;
let readBuffer;
const ready = createMD5().then((m) => {
  md5 = m; md5.init(); md5Initial = md5.save();
});
function data(m) {
  const job = jobs.get(m.job);
  if (job && !job.error) {
    const at = m.slot * slotBytes;
    try {
      for (let piece = 0; piece < m.length; piece += PIECE) {
        const end = Math.min(piece + PIECE, m.length);
        job.crc = crc64(job.crc, at + piece, end - piece);
        let done = piece;
        while (done < end) done += writeSync(job.fd, bytes, at + done, end - done, m.position + done);
      }
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
  else parentPort.postMessage({ t: 'end', job: m.job, crc64: BigInt.asUintN(64, job.crc).toString(16).padStart(16, '0') });
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
    const job = { fd: -1, crc: 0n, error: undefined, ending: false };
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
parentPort.on('message', (m) => (md5 ? handle(m) : ready.then(() => handle(m))));
`;

/**
 * The MD5 thread. Each call hashes the next whole 64-byte blocks of up to four bodies at once (bodies whose
 * end has arrived first, then in arrival order); a body's final partial block is padded and hashed alone once
 * its end has arrived. Hashing one body costs as much as hashing four, so while fewer bodies have data than
 * are open (at most four), the thread waits up to BATCH_WAIT_MS for the others' next slots (ENDING_WAIT_MS
 * once a body's end has arrived: its response waits). One call per turn, so messages are received in between.
 */
const MD5_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { memory, module, slotBytes, scratch } = workerData;
const { md5x4, md5x1 } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const u8 = new Uint8Array(memory.buffer);
const view = new DataView(memory.buffer);
const STATE = scratch; // md5x4: vectors A, B, C, D (lane i = body i); md5x1: words A, B, C, D
const TAIL = scratch + 64; // the padded final block(s) of a body
const INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
const BATCH_WAIT_MS = 50;
const ENDING_WAIT_MS = 10;
const ACTIVE_MS = 100;
const jobs = new Map(); // id → { state, queue: [{ slot, length, at }], bytes, ending, order, since }
let batchTimer;
let order = 0;
const blocksOf = (job) => (job.queue.length ? (job.queue[0].length - job.queue[0].at) >>> 6 : 0);
function shift(job) {
  parentPort.postMessage({ t: 'freed', slot: job.queue.shift().slot });
}
function finish(id, job) {
  const head = job.queue[0];
  const rest = head ? head.length - head.at : 0; // < 64
  u8.fill(0, TAIL, TAIL + 128);
  if (rest) u8.set(u8.subarray(head.slot * slotBytes + head.at, head.slot * slotBytes + head.length), TAIL);
  if (head) shift(job);
  const bits = (job.bytes + rest) * 8;
  u8[TAIL + rest] = 0x80;
  const blocks = rest + 9 <= 64 ? 1 : 2;
  view.setUint32(TAIL + blocks * 64 - 8, bits >>> 0, true);
  view.setUint32(TAIL + blocks * 64 - 4, Math.floor(bits / 4294967296), true);
  for (let r = 0; r < 4; r++) view.setUint32(STATE + r * 4, job.state[r], true);
  md5x1(STATE, TAIL, blocks);
  let hex = '';
  for (let i = 0; i < 16; i++) hex += u8[STATE + i].toString(16).padStart(2, '0');
  jobs.delete(id);
  parentPort.postMessage({ t: 'md5', job: id, md5: hex });
}
function run() {
  scheduled = false;
  for (const [id, job] of jobs) {
    if (job.ending && job.queue.length <= 1 && blocksOf(job) === 0) finish(id, job);
  }
  const ready = [];
  for (const job of jobs.values()) if (blocksOf(job) > 0) ready.push(job);
  if (ready.length) {
    const now = performance.now();
    let active = 0; // bodies with data now or lately: they will likely have a slot soon
    for (const job of jobs.values()) if (blocksOf(job) > 0 || now - job.lastData < ACTIVE_MS) active++;
    let queued = 0;
    for (const job of jobs.values()) queued += job.queue.length;
    // Waiting holds slots: with four or more queued here, readers may be waiting for a free slot, so go.
    if (ready.length < Math.min(4, active) && queued < 4) {
      // How long to wait for company: a body whose end has arrived waits less (its response waits for it).
      const left = Math.min(...ready.map((job) => (job.ending ? job.endedAt + ENDING_WAIT_MS : job.since + BATCH_WAIT_MS))) - now;
      if (left > 0) {
        batchTimer ??= setTimeout(() => {
          batchTimer = undefined;
          schedule();
        }, left);
        return;
      }
    }
    ready.sort((a, b) => (b.ending ? 1 : 0) - (a.ending ? 1 : 0) || a.order - b.order);
    const lanes = ready.slice(0, 4);
    const n = Math.min(...lanes.map(blocksOf));
    const at = (job) => job.queue[0].slot * slotBytes + job.queue[0].at;
    if (lanes.length === 1) {
      const job = lanes[0];
      for (let r = 0; r < 4; r++) view.setUint32(STATE + r * 4, job.state[r], true);
      md5x1(STATE, at(job), n);
      for (let r = 0; r < 4; r++) job.state[r] = view.getUint32(STATE + r * 4, true);
    } else {
      // Idle lanes repeat lane 0 (same reads); their results are dropped.
      for (let l = 0; l < 4; l++) {
        const job = lanes[l] || lanes[0];
        for (let r = 0; r < 4; r++) view.setUint32(STATE + r * 16 + l * 4, job.state[r], true);
      }
      md5x4(STATE, at(lanes[0]), at(lanes[1] || lanes[0]), at(lanes[2] || lanes[0]), at(lanes[3] || lanes[0]), n);
      lanes.forEach((job, l) => {
        for (let r = 0; r < 4; r++) job.state[r] = view.getUint32(STATE + r * 16 + l * 4, true);
      });
    }
    for (const job of lanes) {
      job.queue[0].at += n * 64;
      job.bytes += n * 64;
      if (job.queue[0].at === job.queue[0].length) shift(job);
      // What is left of a slot (lanes that had more than others) waits for company again.
      job.since = blocksOf(job) > 0 ? performance.now() : Infinity;
    }
  }
  for (const [, job] of jobs) {
    if (blocksOf(job) > 0 || (job.ending && job.queue.length <= 1)) return schedule();
  }
}
let scheduled = false;
function schedule() {
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}
parentPort.on('message', (m) => {
  if (m.t === 'open') jobs.set(m.job, { state: INIT.slice(), queue: [], bytes: 0, ending: false, order: order++, since: Infinity, lastData: -Infinity, endedAt: 0 });
  else if (m.t === 'data') {
    const job = jobs.get(m.job);
    if (job) {
      job.queue.push({ slot: m.slot, length: m.length, at: 0 });
      job.lastData = performance.now();
      if (job.since === Infinity) job.since = job.lastData;
    }
    else parentPort.postMessage({ t: 'freed', slot: m.slot });
  } else if (m.t === 'end') {
    const job = jobs.get(m.job);
    if (job) {
      job.ending = true;
      job.endedAt = performance.now();
    }
    else parentPort.postMessage({ t: 'md5', job: m.job, error: 'unknown body' });
  }
  schedule();
});
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
  | { t: 'end'; job: number; crc64?: string; error?: string }
  | { t: 'md5'; job: number; md5?: string; error?: string }
  | { t: 'files'; id: number; md5?: string; error?: string };

interface Thread {
  worker: Worker;
  /** Open jobs and file hashes (the thread is referenced while it has any). */
  busy: number;
  /** Slots sent to it, not yet done. */
  slots: Set<number>;
  /** Results owed, by id. */
  calls: Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>;
}

/** A body being written: give it filled slots in order, then `end()`. */
export interface BodyJob {
  /** Hands a held, filled slot to the threads (which write `length` bytes at `position` and hash them). */
  submit(slot: number, length: number, position: number): void;
  /**
   * Resolves once every submitted slot is written and hashed and the file is closed, with the digests
   * (rejects if the file could not be created or written).
   */
  end(): Promise<BodyDigest>;
}

const PAGE = 64 * 1024;
/** Where the CRC-64 tables lie in the scratch page (the MD5 thread uses its first 192 bytes). */
const CRC_TABLES_AT = 1024;
if (CRC_TABLES_AT + crc64TableBytes() > PAGE) throw new Error('CRC-64 tables do not fit the scratch page');

export class BodyPool {
  /**
   * How many slots threads have been handed and not finished (shared memory): above zero, bodies arrive as
   * fast as they can be written and hashed, and background work should stay out of the way.
   */
  readonly backlog = new Int32Array(new SharedArrayBuffer(4));
  readonly slotBytes: number;
  readonly slotCount: number;
  readonly #threadCount: number;
  #memory: WebAssembly.Memory | undefined;
  #bytes: Buffer | undefined;
  #md5Module: WebAssembly.Module | undefined;
  #crcModule: WebAssembly.Module | undefined;
  #hashWasm: string | undefined;
  #bodyThreads: Thread[] = [];
  #md5Thread: Thread | undefined;
  /** Threads still using each slot. */
  readonly #refs: Uint8Array;
  #free: number[] = [];
  #waiters: Array<(slot: number) => void> = [];
  #nextId = 0;
  #closed = false;

  /** `threads`: body threads (default 1); there is always one MD5 thread besides. */
  constructor(options: { slotBytes?: number; slots?: number; threads?: number } = {}) {
    this.slotBytes = options.slotBytes ?? 1 << 20;
    this.slotCount = options.slots ?? 16;
    this.#threadCount = options.threads ?? 1;
    if (this.slotBytes % PAGE !== 0) throw new RangeError('slotBytes must be a multiple of 64 KiB');
    this.#refs = new Uint8Array(this.slotCount);
  }

  #start(): void {
    if (this.#memory) return;
    if (this.#closed) throw new Error('body pool closed');
    // The slots, then one page: the MD5 thread's scratch, then the CRC-64 tables (read by every body thread).
    const scratch = this.slotBytes * this.slotCount;
    const pages = scratch / PAGE + 1;
    const tables = scratch + CRC_TABLES_AT;
    this.#memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.#bytes = Buffer.from(this.#memory.buffer);
    this.#bytes.set(crc64Tables(), tables);
    this.#md5Module = new WebAssembly.Module(md5WasmBytes(pages));
    this.#crcModule = new WebAssembly.Module(crc64WasmBytes(tables, pages));
    this.#free = Array.from({ length: this.slotCount }, (_, i) => this.slotCount - 1 - i);
    this.#hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
    for (let i = 0; i < this.#threadCount; i++) this.#bodyThreads.push(this.#spawnBody());
    this.#md5Thread = this.#spawnMd5();
  }

  #spawn(source: string, workerData: Record<string, unknown>, onExit: (thread: Thread) => void): Thread {
    const worker = new Worker(source, { eval: true, workerData: { memory: this.#memory, slotBytes: this.slotBytes, ...workerData } });
    worker.unref();
    const thread: Thread = { worker, busy: 0, slots: new Set(), calls: new Map() };
    worker.on('message', (m: Reply) => {
      if (m.t === 'freed') {
        if (thread.slots.delete(m.slot)) this.#unref(m.slot);
        return;
      }
      const id = m.t === 'files' ? m.id : m.job;
      const call = thread.calls.get(id);
      if (!call) return;
      thread.calls.delete(id);
      this.#idle(thread);
      const value = m.t === 'end' ? m.crc64 : m.md5;
      if (m.error !== undefined || value === undefined) call.reject(new Error(m.error ?? 'no result'));
      else call.resolve(value);
    });
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const slot of thread.slots) this.#unref(slot);
      thread.slots.clear();
      for (const call of thread.calls.values()) call.reject(error);
      thread.calls.clear();
      onExit(thread);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('body pool thread exited')));
    return thread;
  }

  #spawnBody(): Thread {
    return this.#spawn(BODY_WORKER, { hashWasm: this.#hashWasm, crcModule: this.#crcModule }, (thread) => {
      const i = this.#bodyThreads.indexOf(thread);
      if (i === -1) return;
      this.#bodyThreads.splice(i, 1);
      if (!this.#closed) this.#bodyThreads.push(this.#spawnBody());
    });
  }

  #spawnMd5(): Thread {
    return this.#spawn(MD5_WORKER, { module: this.#md5Module, scratch: this.slotBytes * this.slotCount }, (thread) => {
      if (this.#md5Thread !== thread) return;
      this.#md5Thread = this.#closed ? undefined : this.#spawnMd5();
    });
  }

  #use(thread: Thread): void {
    if (thread.busy++ === 0) thread.worker.ref();
  }

  #idle(thread: Thread): void {
    if (--thread.busy === 0) thread.worker.unref();
  }

  #call(thread: Thread, id: number, message: Record<string, unknown>): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      thread.calls.set(id, { resolve, reject });
      thread.worker.postMessage(message);
    });
  }

  /** One thread less uses the slot; the last one gives it back. */
  #unref(slot: number): void {
    if (this.#refs[slot] === 0 || --this.#refs[slot]! > 0) return;
    Atomics.sub(this.backlog, 0, 1);
    this.release(slot);
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
    return this.#bytes!.subarray(slot * this.slotBytes, (slot + 1) * this.slotBytes);
  }

  /** Starts a body written to a new file at `path` (the body thread creates it and closes it at `end()`). */
  open(path: string): BodyJob {
    this.#start();
    const body = this.#bodyThreads.reduce((a, b) => (b.busy < a.busy ? b : a));
    const md5 = this.#md5Thread!;
    this.#use(body);
    this.#use(md5);
    const id = ++this.#nextId;
    body.worker.postMessage({ t: 'open', job: id, path });
    md5.worker.postMessage({ t: 'open', job: id });
    let ended: Promise<BodyDigest> | undefined;
    const alive = () => this.#bodyThreads.includes(body) && this.#md5Thread === md5;
    return {
      submit: (slot, length, position) => {
        if (ended || !alive()) {
          this.release(slot);
          return;
        }
        this.#refs[slot] = 2;
        Atomics.add(this.backlog, 0, 1);
        body.slots.add(slot);
        md5.slots.add(slot);
        body.worker.postMessage({ t: 'data', job: id, slot, length, position });
        md5.worker.postMessage({ t: 'data', job: id, slot, length });
      },
      end: () =>
        (ended ??= (async () => {
          if (!alive()) throw new Error('body pool thread is gone');
          // Both settle before the caller may remove the file.
          const [crc64, md5hex] = await Promise.allSettled([
            this.#call(body, id, { t: 'end', job: id }),
            this.#call(md5, id, { t: 'end', job: id }),
          ]);
          if (crc64.status === 'rejected') throw crc64.reason;
          if (md5hex.status === 'rejected') throw md5hex.reason;
          return { md5: md5hex.value, crc64: crc64.value };
        })()),
    };
  }

  /** The hex MD5 of the concatenation of files, resuming a saved hash-wasm MD5 state if given. */
  hashFiles(files: HashFile[], state?: Uint8Array): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('body pool closed'));
    this.#start();
    const thread = this.#bodyThreads.reduce((a, b) => (b.busy < a.busy ? b : a));
    this.#use(thread);
    const id = ++this.#nextId;
    return this.#call(thread, id, { t: 'files', id, state, parts: files.map(({ path, size }) => ({ path, size })) });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = [...this.#bodyThreads, ...(this.#md5Thread ? [this.#md5Thread] : [])];
    this.#bodyThreads = [];
    this.#md5Thread = undefined;
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
