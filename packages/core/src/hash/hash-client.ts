/**
 * The main-thread side of the hash worker: a {@link Hasher} that sends Blob ranges (or bytes, transferred) to one
 * module Web Worker shared by every upload on the page, and gets MD5s, SHA-1s and the part bytes back
 * (transferred, not copied). Where module workers are unavailable the same hash service runs in this thread,
 * loaded on first use.
 * @module
 */
import { ErrorCode, UploadError } from '../errors.ts';
import type { HashWorkerRequest, HashWorkerResponse } from './hash-service.ts';
import { type HashInput, type Hasher, base64ToBytes, bytesToBase64 } from './hasher.ts';

export interface WorkerHasherOptions {
  /** Starts a worker; default `new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' })`. */
  createWorker?: () => Worker;
}

/** A request without its id (distributes over the union). */
type Request = HashWorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;
type Answer = Extract<HashWorkerResponse, { ok: true }>;

interface Connection {
  worker: Worker;
  users: number;
  /** Answers awaited, by request id. */
  pending: Map<number, [resolve: (answer: Answer) => void, reject: (error: unknown) => void]>;
}

/** Shared per page: one worker per factory. */
const connections = new Map<() => Worker, Connection>();
let ids = 0;

const hashError = (message: string, cause?: unknown) => new UploadError(ErrorCode.HASH, message, { cause, retryable: false });

function defaultCreateWorker(): Worker {
  try {
    return new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' });
  } catch {
    // Refused (a Content-Security-Policy without this worker, a worker script from another origin): hash here.
    return inThreadWorker();
  }
}

/** A stand-in for the worker: the hash service in this thread, loaded with the first request. */
export function inThreadWorker(): Worker {
  let service: Promise<(request: HashWorkerRequest) => void> | undefined;
  let live = true;
  const worker = {
    onmessage: null as ((event: { data: HashWorkerResponse }) => void) | null,
    onerror: null as ((event: { message: string }) => void) | null,
    postMessage(request: HashWorkerRequest) {
      service ??= import('./hash-service.ts').then((m) => m.createHashService((data) => void (live && worker.onmessage?.({ data }))));
      service.then(
        (handle) => handle(request),
        (error: unknown) => worker.onerror?.({ message: String(error) }),
      );
    },
    terminate: () => void (live = false),
  };
  return worker as unknown as Worker;
}

/** Ends the worker of `create`: now (`error`: it failed, and what was pending fails with it), or once nobody uses it and nothing is pending. */
function release(create: () => Worker, conn: Connection, error?: UploadError): void {
  if (!error && (conn.users > 0 || conn.pending.size)) return;
  if (connections.get(create) === conn) connections.delete(create);
  conn.worker.terminate();
  for (const [, reject] of conn.pending.values()) reject(error);
  conn.pending.clear();
}

function connect(create: () => Worker): Connection {
  let conn = connections.get(create);
  if (conn) return conn;
  const worker = create();
  const pending: Connection['pending'] = new Map();
  connections.set(create, (conn = { worker, users: 0, pending }));
  worker.onmessage = ({ data }: MessageEvent<HashWorkerResponse>) => {
    const settle = pending.get(data.id);
    if (!settle) return;
    pending.delete(data.id);
    if (data.ok) settle[0](data);
    else settle[1](hashError(`Hashing failed: ${data.message}`));
    release(create, conn);
  };
  // A dead worker: what was pending fails (its SHA-1 states are gone too).
  worker.onerror = (event) => {
    event.preventDefault?.();
    release(create, conn, hashError(`The hash worker failed${event.message ? `: ${event.message}` : ''}.`));
  };
  worker.onmessageerror = () => release(create, conn, hashError('The hash worker sent an unreadable message.'));
  return conn;
}

/** The request fields of an input: a Blob range, or bytes whose buffer is transferred (copied only when shared). */
function inputOf(input: HashInput): [{ blob: Blob; start: number; end: number } | { buffer: ArrayBuffer }, Transferable[]] {
  if (!('bytes' in input)) return [input, []];
  const { bytes } = input;
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return [{ buffer }, [buffer]];
}

/**
 * Creates a {@link Hasher} on the shared hash worker. Close it when done; the worker ends with its last user.
 * @example
 * const hasher = createWorkerHasher();
 * await hasher.begin('u1');
 * const { md5, bytes } = await hasher.part('u1', { blob: file, start: 0, end: 8 << 20 }, { sha1: true, md5: true, keep: true });
 */
export function createWorkerHasher({ createWorker }: WorkerHasherOptions = {}): Hasher {
  const create = createWorker ?? (typeof Worker === 'function' ? defaultCreateWorker : inThreadWorker);
  let conn: Connection | undefined;
  let closed = false;

  function request(message: Request, transfer: Transferable[] = []): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (closed) throw hashError('The hasher is closed.');
      if (!conn || connections.get(create) !== conn) {
        try {
          conn = connect(create);
        } catch (error) {
          throw hashError('The hash worker could not start.', error);
        }
        conn.users++;
      }
      const id = ++ids;
      conn.worker.postMessage({ ...message, id }, transfer); // answered in a later task: awaited from here on
      conn.pending.set(id, [resolve, reject]);
    });
  }

  return {
    async begin(key, state) {
      const buffer = state === undefined ? undefined : base64ToBytes(state).buffer;
      await request({ op: 'begin', key, state: buffer }, buffer ? [buffer] : []);
    },
    async part(key, input, options) {
      const [fields, transfer] = inputOf(input);
      const answer = await request({ op: 'part', key, ...fields, ...options } as Request, transfer);
      return { md5: answer.md5, bytes: answer.buffer && new Uint8Array(answer.buffer), size: answer.size ?? 0 };
    },
    async save(key) {
      const { state } = await request({ op: 'save', key });
      return state && bytesToBase64(new Uint8Array(state));
    },
    async digest(key) {
      return (await request({ op: 'digest', key })).hex!;
    },
    async sha1(input) {
      const [fields, transfer] = inputOf(input);
      return (await request({ op: 'sha1', ...fields } as Request, transfer)).hex!;
    },
    end(key) {
      if (conn && connections.get(create) === conn) request({ op: 'end', key }).catch(() => {});
    },
    close() {
      if (closed) return;
      closed = true;
      if (!conn) return;
      conn.users--;
      release(create, conn);
    },
  };
}
