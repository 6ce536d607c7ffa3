/**
 * The whole-object MD5 of multipart objects (VOD's `MetaData.Md5`), computed off the main thread and out of
 * the uploads' way. A background thread follows each multipart upload: as parts are stored it hashes them in
 * part order, reading the part files (from the page cache), and reports its running MD5 state after every
 * part. It runs at the lowest CPU priority (nice 19 on Linux) and pauses while the body threads have a
 * backlog (see body-pool.ts), so it only uses CPU a fast upload leaves idle. At CompleteMultipartUpload the
 * remaining parts are hashed at normal priority by a body thread that resumes from that state: a slow upload
 * completes with the MD5 all but done, a fast one never competes with its own parts. Anything unexpected (a
 * part re-uploaded after it was hashed, a subset of parts completed, a restart) hashes the completed
 * object's files from the start.
 *
 * MD5 here is hash-wasm's, whose state can be saved in one thread and resumed in another.
 * @module
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The background thread, as plain JavaScript (evaluated, so it needs no TypeScript loader). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync, readlinkSync } = require('node:fs');
const { createMD5 } = require(workerData.hashWasm);
try {
  // This thread only (on Linux, a thread id is a valid target of setpriority).
  require('node:os').setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {}
const buffer = Buffer.allocUnsafe(4 << 20);
// Waits while the body threads have a backlog: nice 19 keeps this thread off busy CPUs, but reading and
// hashing part files still competes for caches and memory bandwidth with a fast upload.
const backlog = workerData.backlog;
const nap = new Int32Array(new SharedArrayBuffer(4));
function yieldToUploads() {
  while (backlog && Atomics.load(backlog, 0) > 0) Atomics.wait(nap, 0, 0, 20);
}
let md5;
let initial;
const ready = createMD5().then((h) => { md5 = h; md5.init(); initial = md5.save(); });
function hashFile(path, size) {
  const fd = openSync(path, 'r');
  try {
    let at = 0;
    while (at < size) {
      yieldToUploads();
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
      if (n <= 0) throw new Error('short read: ' + path);
      md5.update(buffer.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}
// Background: uploadId → { state, next, pending: Map<partNumber, part>, scheduled }
const uploads = new Map();
function advance(id) {
  const u = uploads.get(id);
  if (!u) return;
  u.scheduled = false;
  const part = u.pending.get(u.next);
  if (!part) return;
  u.pending.delete(u.next);
  try {
    md5.load(u.state);
    hashFile(part.path, part.size);
    u.state = md5.save();
    u.next++;
    parentPort.postMessage({ t: 'progress', uploadId: id, blob: part.blob, state: u.state });
  } catch {
    uploads.delete(id);
    parentPort.postMessage({ t: 'broken', uploadId: id });
    return;
  }
  schedule(id, u);
}
// One part per turn, so forget/part messages are seen in between.
function schedule(id, u) {
  if (!u.scheduled && u.pending.has(u.next)) {
    u.scheduled = true;
    setImmediate(advance, id);
  }
}
function handle(m) {
  if (m.t === 'part') {
    let u = uploads.get(m.uploadId);
    if (!u) uploads.set(m.uploadId, (u = { state: initial, next: 1, pending: new Map(), scheduled: false }));
    if (m.part.partNumber < u.next) {
      uploads.delete(m.uploadId);
      parentPort.postMessage({ t: 'broken', uploadId: m.uploadId });
      return;
    }
    u.pending.set(m.part.partNumber, m.part);
    schedule(m.uploadId, u);
  } else if (m.t === 'forget') {
    uploads.delete(m.uploadId);
  }
}
parentPort.on('message', (m) => ready.then(() => handle(m)));
`;

export interface FilePart {
  partNumber: number;
  /** Blob id (identifies the exact bytes of a part number). */
  blob: string;
  path: string;
  size: number;
}

/** What the background thread has hashed of an upload: these blobs, in order, giving this MD5 state. */
interface Progress {
  blobs: string[];
  state: Uint8Array | undefined;
}

/** Hashes files at normal priority, resuming a saved hash-wasm MD5 state if given (the body threads). */
export type HashFiles = (files: FilePart[], state: Uint8Array | undefined) => Promise<string>;

export class Md5Worker {
  readonly #hashFiles: HashFiles;
  #background: Worker | undefined;
  readonly #progress = new Map<string, Progress>();
  #closed = false;

  readonly #backlog: Int32Array | undefined;

  /** `backlog`: the body threads' backlog (see BodyPool); the background thread pauses while it is above zero. */
  constructor(hashFiles: HashFiles, backlog?: Int32Array) {
    this.#hashFiles = hashFiles;
    this.#backlog = backlog;
  }

  #bg(): Worker {
    if (!this.#background) {
      const hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hashWasm, backlog: this.#backlog } });
      worker.unref(); // background work never keeps the process alive
      worker.on('message', (m: { t: 'progress'; uploadId: string; blob: string; state: Uint8Array } | { t: 'broken'; uploadId: string }) => {
        if (m.t === 'progress') {
          const p = this.#progress.get(m.uploadId);
          if (p) {
            p.blobs.push(m.blob);
            p.state = m.state;
          }
        } else this.#progress.delete(m.uploadId);
      });
      worker.on('error', () => {});
      worker.on('exit', () => {
        if (this.#background === worker) this.#background = undefined;
        this.#progress.clear();
      });
      this.#background = worker;
    }
    return this.#background;
  }

  /** A part of a multipart upload was stored (or replaced). */
  partStored(uploadId: string, part: FilePart): void {
    if (this.#closed) return;
    if (!this.#progress.has(uploadId)) this.#progress.set(uploadId, { blobs: [], state: undefined });
    this.#bg().postMessage({ t: 'part', uploadId, part });
  }

  /** How many parts of an upload the background thread has hashed so far (for tests and diagnostics). */
  hashedParts(uploadId: string): number {
    return this.#progress.get(uploadId)?.blobs.length ?? 0;
  }

  /** The upload was aborted: drop its running hash. */
  forget(uploadId: string): void {
    this.#progress.delete(uploadId);
    this.#background?.postMessage({ t: 'forget', uploadId });
  }

  /** The MD5 of the completed object made of `parts` (in order), resuming the upload's background hash. */
  complete(uploadId: string, parts: FilePart[]): Promise<string> {
    const p = this.#progress.get(uploadId);
    this.forget(uploadId);
    const usable = p?.state !== undefined && p.blobs.length <= parts.length && p.blobs.every((blob, i) => parts[i]!.blob === blob);
    return usable ? this.#hashFiles(parts.slice(p.blobs.length), p.state) : this.#hashFiles(parts, undefined);
  }

  /** The MD5 of the concatenation of files. */
  files(parts: FilePart[]): Promise<string> {
    return this.#hashFiles(parts, undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#background;
    this.#background = undefined;
    this.#progress.clear();
    if (worker) await worker.terminate();
  }
}
