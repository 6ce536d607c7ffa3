/**
 * The main-thread side of the hash worker: a {@link Hasher} that sends Blob ranges (or bytes, transferred) to one
 * module Web Worker shared by every upload on the page, and gets MD5s, SHA-1s and the part bytes back
 * (transferred, not copied). Where module workers are unavailable it hashes in this thread with hash-wasm.
 * @module
 */
import { ErrorCode, UploadError } from '../errors.ts';
import type { HashWorkerRequest, HashWorkerResponse } from './hash-worker.ts';
import { type HashInput, type Hasher, base64ToBytes, bytesToBase64 } from './hasher.ts';

export interface WorkerHasherOptions {
  /** Starts the worker; default `new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' })`. */
  createWorker?: () => Worker;
}

/** A request without its id (distributes over the union). */
type Request = HashWorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Pending = { resolve: (answer: Extract<HashWorkerResponse, { ok: true }>) => void; reject: (error: unknown) => void };

interface Connection {
  worker: Worker;
  users: number;
  nextId: number;
  pending: Map<number, Pending>;
}

const connections = new Map<() => Worker, Connection>();

function defaultCreateWorker(): Worker {
  return new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' });
}

function hashError(message: string, cause?: unknown): UploadError {
  return new UploadError(ErrorCode.HASH, message, { cause, retryable: false });
}

function connect(create: () => Worker): Connection {
  const existing = connections.get(create);
  if (existing) return existing;
  const worker = create();
  const connection: Connection = { worker, users: 0, nextId: 1, pending: new Map() };
  const failAll = (error: UploadError) => {
    if (connections.get(create) === connection) connections.delete(create);
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
      if (connections.get(create) === connection) connections.delete(create);
      worker.terminate();
    }
  };
  worker.onerror = (event) => {
    event.preventDefault?.();
    failAll(hashError(`The hash worker failed${event.message ? `: ${event.message}` : ''}.`));
  };
  worker.onmessageerror = () => failAll(hashError('The hash worker sent an unreadable message.'));
  connections.set(create, connection);
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
export function createWorkerHasher({ createWorker = defaultCreateWorker }: WorkerHasherOptions = {}): Hasher {
  if (typeof Worker !== 'function' && createWorker === defaultCreateWorker) return createFallbackHasher();
  let connection: Connection | undefined;
  let closed = false;

  function request(message: Request, transfer: Transferable[] = []) {
    if (closed) return Promise.reject(hashError('The hasher is closed.'));
    if (!connection || !connections.has(createWorker)) {
      try {
        connection = connect(createWorker);
      } catch (error) {
        return Promise.reject(hashError('The hash worker could not start.', error));
      }
      connection.users++;
    }
    const conn = connection;
    const id = conn.nextId++;
    return new Promise<Extract<HashWorkerResponse, { ok: true }>>((resolve, reject) => {
      conn.pending.set(id, { resolve, reject });
      conn.worker.postMessage({ ...message, id }, transfer);
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
      await request({ op: 'begin', key, state: buffer }  as Request, buffer ? [buffer] : []);
    },
    async part(key, input, options) {
      const { fields, transfer } = inputMessage(input);
      const answer = await request({ op: 'part', key, ...fields, ...options }  as Request, transfer);
      return {
        md5: answer.md5,
        bytes: answer.buffer ? new Uint8Array(answer.buffer) : undefined,
        size: answer.size ?? 0,
      };
    },
    async save(key) {
      const answer = await request({ op: 'save', key });
      return answer.state ? bytesToBase64(new Uint8Array(answer.state)) : undefined;
    },
    async digest(key) {
      return (await request({ op: 'digest', key })).hex!;
    },
    async sha1(input) {
      const { fields, transfer } = inputMessage(input);
      return (await request({ op: 'sha1', ...fields }  as Request, transfer)).hex!;
    },
    end(key) {
      if (connection && connections.has(createWorker)) void request({ op: 'end', key }).catch(() => {});
    },
    close() {
      if (closed) return;
      closed = true;
      const conn = connection;
      connection = undefined;
      if (!conn) return;
      conn.users--;
      if (conn.users <= 0 && conn.pending.size === 0 && connections.get(createWorker) === conn) {
        connections.delete(createWorker);
        conn.worker.terminate();
      }
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
