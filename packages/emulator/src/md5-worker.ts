/**
 * The whole-object MD5 of multipart objects (VOD's `MetaData.Md5`), computed off the main thread. A worker
 * thread follows each multipart upload: as parts are stored it hashes them in part order, reading the part
 * files (from the page cache), so by CompleteMultipartUpload the MD5 is usually all but done and CommitUpload
 * barely waits. Anything unexpected (a part re-uploaded after it was hashed, a subset of parts completed, a
 * restart) falls back to hashing the completed object's files from the start.
 * @module
 */
import { Worker } from 'node:worker_threads';

/** The worker, as plain JavaScript (evaluated, so it needs no TypeScript loader). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(4 << 20);
const uploads = new Map();
function hashFile(hash, path, size) {
  const fd = openSync(path, 'r');
  try {
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
      if (n <= 0) throw new Error('short read: ' + path);
      hash.update(buffer.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}
function advance(u) {
  while (!u.broken && u.pending.has(u.next)) {
    const part = u.pending.get(u.next);
    u.pending.delete(u.next);
    try {
      hashFile(u.hash, part.path, part.size);
      u.done.push(part);
      u.next++;
    } catch {
      u.broken = true;
    }
  }
}
parentPort.on('message', (m) => {
  if (m.type === 'part') {
    let u = uploads.get(m.uploadId);
    if (!u) uploads.set(m.uploadId, (u = { hash: createHash('md5'), next: 1, pending: new Map(), done: [], broken: false }));
    if (m.part.partNumber < u.next) u.broken = true;
    else u.pending.set(m.part.partNumber, m.part);
    advance(u);
  } else if (m.type === 'forget') {
    uploads.delete(m.uploadId);
  } else if (m.type === 'complete' || m.type === 'files') {
    const u = m.type === 'complete' ? uploads.get(m.uploadId) : undefined;
    uploads.delete(m.uploadId);
    try {
      let hash = createHash('md5');
      let from = 0;
      if (u && !u.broken && u.done.length <= m.parts.length && u.done.every((p, i) => p.blob === m.parts[i].blob)) {
        hash = u.hash;
        from = u.done.length;
      }
      for (const p of m.parts.slice(from)) hashFile(hash, p.path, p.size);
      parentPort.postMessage({ id: m.id, md5: hash.digest('hex') });
    } catch (error) {
      parentPort.postMessage({ id: m.id, error: String(error && error.message || error) });
    }
  }
});
`;

export interface FilePart {
  partNumber: number;
  /** Blob id (identifies the exact bytes of a part number). */
  blob: string;
  path: string;
  size: number;
}

export class Md5Worker {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #calls = new Map<number, { resolve: (md5: string) => void; reject: (e: Error) => void }>();

  #get(): Worker {
    if (!this.#worker) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (m: { id: number; md5?: string; error?: string }) => {
        const call = this.#calls.get(m.id);
        this.#calls.delete(m.id);
        if (m.md5 !== undefined) call?.resolve(m.md5);
        else call?.reject(new Error(m.error ?? 'md5 worker failed'));
      });
      worker.on('error', (error) => this.#failAll(error));
      worker.on('exit', () => {
        this.#worker = undefined;
        this.#failAll(new Error('md5 worker exited'));
      });
      this.#worker = worker;
    }
    return this.#worker;
  }

  #failAll(error: Error): void {
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
  }

  #call(message: Record<string, unknown>): Promise<string> {
    const id = ++this.#nextId;
    const worker = this.#get();
    worker.ref(); // keep the process alive while a result is owed
    return new Promise<string>((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    }).finally(() => {
      if (this.#calls.size === 0) this.#worker?.unref();
    });
  }

  /** A part of a multipart upload was stored (or replaced). */
  partStored(uploadId: string, part: FilePart): void {
    this.#get().postMessage({ type: 'part', uploadId, part });
  }

  /** The upload was aborted: drop its running hash. */
  forget(uploadId: string): void {
    this.#worker?.postMessage({ type: 'forget', uploadId });
  }

  /** The MD5 of the completed object made of `parts` (in order), reusing the upload's running hash. */
  complete(uploadId: string, parts: FilePart[]): Promise<string> {
    return this.#call({ type: 'complete', uploadId, parts });
  }

  /** The MD5 of the concatenation of files. */
  files(parts: FilePart[]): Promise<string> {
    return this.#call({ type: 'files', uploadId: '', parts });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }
}
