/**
 * The main-thread side of the hash worker: a {@link Hasher} that sends Blob ranges (or bytes, transferred) to one
 * module Web Worker shared by every upload on the page, and gets MD5s, SHA-1s and the part bytes back
 * (transferred, not copied). With two or more cores a second worker computes the part MD5s of Blob ranges while
 * the first feeds the whole-file SHA-1 (which must go in order), so both hashes run at once: the SHA-1 worker
 * reads each part once and lends the buffer to the MD5 worker over a MessagePort (three part buffers at most for
 * the pair). Where module workers are unavailable it hashes in this thread with hash-wasm.
 * @module
 */
import { ErrorCode, UploadError } from '../errors.ts';
import type { HashWorkerRequest, HashWorkerResponse } from './hash-worker.ts';
import { type HashInput, type Hasher, base64ToBytes, bytesToBase64 } from './hasher.ts';
import { PAIRED_READ_BUFFERS } from './order.ts';

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
  /** Ends the worker and rejects what is pending (and the same for its partner). */
  fail: (error: UploadError) => void;
  /** The other worker of a pair (SHA-1 ↔ MD5), linked by a MessagePort. */
  partner?: Connection;
}

function unpair(connection: Connection): Connection | undefined {
  const partner = connection.partner;
  connection.partner = undefined;
  if (partner) partner.partner = undefined;
  return partner;
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
  const failAll = (error: UploadError) => {
    forget(create, role, connection);
    worker.terminate();
    for (const pending of connection.pending.values()) pending.reject(error);
    connection.pending.clear();
    unpair(connection)?.fail(error); // buffers lent to (or by) a dead worker never come back
  };
  const connection: Connection = { worker, users: 0, nextId: 1, pending: new Map(), fail: failAll };
  worker.onmessage = (event: MessageEvent<HashWorkerResponse>) => {
    const answer = event.data;
    const pending = connection.pending.get(answer.id);
    if (!pending) return;
    connection.pending.delete(answer.id);
    if (answer.ok) pending.resolve(answer);
    else pending.reject(hashError(`Hashing failed: ${answer.message}`));
    if (connection.users <= 0 && connection.pending.size === 0) {
      forget(create, role, connection);
      unpair(connection);
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

  /** This hasher's connection for `role` (started if need be); throws a HASH error if the worker cannot start. */
  function use(role: Role): Connection {
    if (closed) throw hashError('The hasher is closed.');
    let conn = mine.get(role);
    if (!conn || live(createWorker, role) !== conn) {
      try {
        conn = connect(createWorker, role);
      } catch (error) {
        throw hashError('The hash worker could not start.', error);
      }
      conn.users++;
      mine.set(role, conn);
    }
    return conn;
  }

  /** An answer to wait for under a fresh id of `conn`, without sending anything (the partner's request has it). */
  function expect(conn: Connection) {
    const id = conn.nextId++;
    const promise = new Promise<Extract<HashWorkerResponse, { ok: true }>>((resolve, reject) => conn.pending.set(id, { resolve, reject }));
    promise.catch(() => {});
    return { id, promise, cancel: () => void conn.pending.delete(id) };
  }

  function send(conn: Connection, message: Request, transfer: Transferable[] = []) {
    const { id, promise } = expect(conn);
    conn.worker.postMessage({ ...message, id }, transfer);
    return promise;
  }

  function request(role: Role, message: Request, transfer: Transferable[] = []) {
    try {
      return send(use(role), message, transfer);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The SHA-1 and MD5 workers, linked by a MessagePort. */
  function pair(): [Connection, Connection] {
    const sha1 = use('sha1');
    const md5 = use('md5');
    if (sha1.partner !== md5) {
      unpair(sha1);
      unpair(md5);
      const channel = new MessageChannel();
      // Answers to these (id 0) are ignored; a worker takes messages in order, so parts sent next find the port.
      sha1.worker.postMessage({ op: 'peer', id: 0, port: channel.port1, reads: PAIRED_READ_BUFFERS }, [channel.port1]);
      md5.worker.postMessage({ op: 'peer', id: 0, port: channel.port2, reads: PAIRED_READ_BUFFERS }, [channel.port2]);
      sha1.partner = md5;
      md5.partner = sha1;
    }
    return [sha1, md5];
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
        if (!options.sha1) {
          const answer = await request('md5', { op: 'part', key, ...fields, sha1: false, md5: true, keep: false } as Request);
          return { md5: answer.md5, size: answer.size ?? 0 };
        }
        // The SHA-1 worker reads the range once and lends the bytes to the MD5 worker, which answers meanwhile.
        const [sha1, md5] = pair();
        const md5Answer = expect(md5);
        let first;
        try {
          first = await send(sha1, { op: 'part', key, ...fields, sha1: true, md5: true, keep: false, peerId: md5Answer.id } as Request);
        } catch (error) {
          md5Answer.cancel();
          throw error;
        }
        if (first.md5 !== undefined) {
          md5Answer.cancel(); // it had no partner after all and did the MD5 itself
          return { md5: first.md5, size: first.size ?? 0 };
        }
        return { md5: (await md5Answer.promise).md5, size: first.size ?? 0 };
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
          unpair(conn);
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
