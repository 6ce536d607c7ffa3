/**
 * The main-thread side of the hash worker: a {@link Hasher} that sends Blob ranges (or bytes, transferred) to one
 * module Web Worker shared by every upload on the page, and gets MD5s, SHA-1s and the part bytes back
 * (transferred, not copied). With two or more cores a second worker computes the part MD5s of Blob ranges while
 * the first feeds the whole-file SHA-1 (which must go in order), so both hashes run at once; each worker reads
 * its own slice (two buffers at most each). Where module workers are unavailable it hashes in this thread with
 * hash-wasm.
 * @module
 */
import { ErrorCode, UploadError } from '../errors.ts';
import type { HashWorkerRequest, HashWorkerResponse } from './hash-worker.ts';
import { type HashInput, type Hasher, base64ToBytes, bytesToBase64 } from './hasher.ts';

export interface WorkerHasherOptions {
  /** Starts a worker; default `new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' })`. */
  createWorker?: () => Worker;
  /**
   * Compute the MD5s of Blob ranges in a second worker, alongside the SHA-1. Default: when the device has two or
   * more cores (`navigator.hardwareConcurrency`).
   */
  md5Worker?: boolean;
}

/** What a worker of the pair does: the whole-file SHA-1 (and everything else), or part MD5s only. */
type Role = 'sha1' | 'md5';

/** A request without its id (distributes over the union). */
type Request = HashWorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Pending = { resolve: (answer: Extract<HashWorkerResponse, { ok: true }>) => void; reject: (error: unknown) => void };

interface Connection {
  worker: Worker;
  users: number;
  nextId: number;
  pending: Map<number, Pending>;
}

/** Shared per page: one connection per worker factory and role. */
const connections = new Map<() => Worker, Map<Role, Connection>>();

const live = (create: () => Worker, role: Role) => connections.get(create)?.get(role);

function forget(create: () => Worker, role: Role, connection: Connection): void {
  const roles = connections.get(create);
  if (roles?.get(role) !== connection) return;
  roles.delete(role);
  if (roles.size === 0) connections.delete(create);
}

function defaultCreateWorker(): Worker {
  return new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' });
}

function hashError(message: string, cause?: unknown): UploadError {
  return new UploadError(ErrorCode.HASH, message, { cause, retryable: false });
}

function connect(create: () => Worker, role: Role): Connection {
  const existing = live(create, role);
  if (existing) return existing;
  const worker = create();
  const connection: Connection = { worker, users: 0, nextId: 1, pending: new Map() };
  const failAll = (error: UploadError) => {
    forget(create, role, connection);
    worker.terminate();
    for (const pending of connection.pending.values()) pending.reject(error);
    connection.pending.clear();
  };
  worker.onmessage = (event: MessageEvent<HashWorkerResponse>) => {
    const answer = event.data;
    const pending = connection.pending.get(answer.id);
    if (!pending) return;
    connection.pending.delete(answer.id);
    if (answer.ok) pending.resolve(answer);
    else pending.reject(hashError(`Hashing failed: ${answer.message}`));
    if (connection.users <= 0 && connection.pending.size === 0) {
      forget(create, role, connection);
      worker.terminate();
    }
  };
  worker.onerror = (event) => {
    event.preventDefault?.();
    failAll(hashError(`The hash worker failed${event.message ? `: ${event.message}` : ''}.`));
  };
  worker.onmessageerror = () => failAll(hashError('The hash worker sent an unreadable message.'));
  (connections.get(create) ?? connections.set(create, new Map()).get(create)!).set(role, connection);
  return connection;
}

/** Bytes whose buffer can be transferred whole (a copy only when `bytes` is a view into a larger buffer). */
function ownBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

/**
 * Creates a {@link Hasher} on the shared hash worker. Close it when done; the worker ends with its last user.
 * @example
 * const hasher = createWorkerHasher();
 * await hasher.begin('u1');
 * const { md5, bytes } = await hasher.part('u1', { blob: file, start: 0, end: 8 << 20 }, { sha1: true, md5: true, keep: true });
 */
export function createWorkerHasher({ createWorker = defaultCreateWorker, md5Worker }: WorkerHasherOptions = {}): Hasher {
  if (typeof Worker !== 'function' && createWorker === defaultCreateWorker) return createFallbackHasher();
  const cores = typeof navigator === 'object' ? (navigator as { hardwareConcurrency?: number }).hardwareConcurrency ?? 1 : 1;
  const split = md5Worker ?? cores >= 2;
  /** The connections this hasher counts itself a user of. */
  const mine = new Map<Role, Connection>();
  let closed = false;

  function request(role: Role, message: Request, transfer: Transferable[] = []) {
    if (closed) return Promise.reject(hashError('The hasher is closed.'));
    let conn = mine.get(role);
    if (!conn || live(createWorker, role) !== conn) {
      try {
        conn = connect(createWorker, role);
      } catch (error) {
        return Promise.reject(hashError('The hash worker could not start.', error));
      }
      conn.users++;
      mine.set(role, conn);
    }
    const target = conn;
    const id = target.nextId++;
    return new Promise<Extract<HashWorkerResponse, { ok: true }>>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ ...message, id }, transfer);
    });
  }

  function inputMessage(input: HashInput): { fields: Record<string, unknown>; transfer: Transferable[] } {
    if ('bytes' in input) {
      const buffer = ownBuffer(input.bytes);
      return { fields: { buffer }, transfer: [buffer] };
    }
    return { fields: { blob: input.blob, start: input.start, end: input.end }, transfer: [] };
  }

  return {
    async begin(key, state) {
      const buffer = state === undefined ? undefined : base64ToBytes(state).buffer;
      await request('sha1', { op: 'begin', key, state: buffer } as Request, buffer ? [buffer] : []);
    },
    async part(key, input, options) {
      const { fields, transfer } = inputMessage(input);
      if (split && 'blob' in input && options.md5 && !options.keep) {
        // Both workers read the range: one feeds the SHA-1 (in order), the other computes the MD5 meanwhile.
        const [sha1, md5] = await Promise.all([
          options.sha1 ? request('sha1', { op: 'part', key, ...fields, sha1: true, md5: false, keep: false } as Request) : undefined,
          request('md5', { op: 'part', key, ...fields, sha1: false, md5: true, keep: false } as Request),
        ]);
        return { md5: md5.md5, size: sha1?.size ?? md5.size ?? 0 };
      }
      const answer = await request('sha1', { op: 'part', key, ...fields, ...options } as Request, transfer);
      return {
        md5: answer.md5,
        bytes: answer.buffer ? new Uint8Array(answer.buffer) : undefined,
        size: answer.size ?? 0,
      };
    },
    async save(key) {
      const answer = await request('sha1', { op: 'save', key });
      return answer.state ? bytesToBase64(new Uint8Array(answer.state)) : undefined;
    },
    async digest(key) {
      return (await request('sha1', { op: 'digest', key })).hex!;
    },
    async sha1(input) {
      const { fields, transfer } = inputMessage(input);
      return (await request('sha1', { op: 'sha1', ...fields } as Request, transfer)).hex!;
    },
    end(key) {
      const conn = mine.get('sha1');
      if (conn && live(createWorker, 'sha1') === conn) void request('sha1', { op: 'end', key }).catch(() => {});
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [role, conn] of mine) {
        conn.users--;
        if (conn.users <= 0 && conn.pending.size === 0 && live(createWorker, role) === conn) {
          forget(createWorker, role, conn);
          conn.worker.terminate();
        }
      }
      mine.clear();
    },
  };
}

/** hash-wasm in this thread, loaded on first use. */
function createFallbackHasher(): Hasher {
  let loaded: Promise<Hasher> | undefined;
  const impl = () => (loaded ??= import('./wasm-hasher.ts').then((m) => m.createWasmHasher()));
  return {
    begin: async (key, state) => (await impl()).begin(key, state),
    part: async (key, input, options) => (await impl()).part(key, input, options),
    save: async (key) => (await impl()).save(key),
    digest: async (key) => (await impl()).digest(key),
    sha1: async (input) => (await impl()).sha1(input),
    end: (key) => void impl().then((h) => h.end(key)),
    close: () => {},
  };
}
