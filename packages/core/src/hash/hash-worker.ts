/**
 * The module Web Worker that hashes: reads each part once (`Blob.slice`), updates the upload's whole-file SHA-1,
 * computes the part's MD5 and, when asked, transfers the bytes back for uploading. One SHA-1 and one MD5 instance
 * serve every upload of the page (states per key). Reads overlap hashing (the next part is read while one is
 * hashed) but at most {@link READ_BUFFERS} Blob reads are in memory at once, however many parts are queued; parts
 * not handed back are read (BYOB) into the same buffers again, so hashing a file makes no garbage.
 *
 * Two workers can be paired over a MessagePort (`peer`): the SHA-1 worker then reads a part once, feeds the SHA-1
 * and transfers the buffer to the MD5 worker, which answers the page with the MD5 and transfers the buffer back.
 * `save` and `digest` answer after the key's parts sent before them. Started by {@link createWorkerHasher}.
 * @module
 */
import { READ_BUFFERS, createGate } from './order.ts';

/** Between paired workers: a part's bytes to MD5 (to the MD5 worker), or a buffer given back (to the SHA-1 worker). */
type PeerMessage = { kind: 'md5'; peerId: number; buffer: ArrayBuffer; length: number } | { kind: 'back'; buffer: ArrayBuffer };
import { createHashCore, createKeyedOrder } from './wasm-core.ts';

/** A request from the main thread. `id` pairs it with its answer. */
export type HashWorkerRequest =
  | { id: number; op: 'begin'; key: string; state?: ArrayBuffer }
  | {
      id: number;
      op: 'part';
      key: string;
      blob?: Blob;
      start?: number;
      end?: number;
      buffer?: ArrayBuffer;
      sha1: boolean;
      md5: boolean;
      keep: boolean;
      /** Paired: the MD5 worker computes the MD5 and answers under this id (of its own connection). */
      peerId?: number;
    }
  | { id: number; op: 'peer'; port: MessagePort; reads: number }
  | { id: number; op: 'save' | 'digest' | 'end'; key: string }
  | { id: number; op: 'sha1'; blob?: Blob; start?: number; end?: number; buffer?: ArrayBuffer };

export type HashWorkerResponse =
  | { id: number; ok: true; md5?: string; buffer?: ArrayBuffer; size?: number; hex?: string; state?: ArrayBuffer }
  | { id: number; ok: false; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<HashWorkerRequest>) => void) | null;
  postMessage(message: HashWorkerResponse, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const core = createHashCore();
const ordered = createKeyedOrder();
const buffers = createGate(READ_BUFFERS);
/** Keys whose SHA-1 missed a part (a failed read): their state is not saved until they begin again. */
const broken = new Set<string>();
const noop = () => {};
/** The other worker of a pair. */
let peer: MessagePort | undefined;
/** Gate places of parts whose buffers are at the MD5 worker, given back in order as the buffers come back. */
const lent: Array<() => void> = [];

async function onPeer(message: PeerMessage): Promise<void> {
  if (message.kind === 'back') {
    giveBack(new Uint8Array(message.buffer));
    lent.shift()?.();
    return;
  }
  const { peerId, buffer, length } = message;
  let answer: HashWorkerResponse;
  try {
    const c = await core;
    answer = { id: peerId, ok: true, md5: c.update('', new Uint8Array(buffer, 0, length), false, true), size: length };
  } catch (error) {
    answer = { id: peerId, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  // The buffer goes back before the answer: once the page has every answer, no buffer is left here.
  peer?.postMessage({ kind: 'back', buffer } satisfies PeerMessage, [buffer]);
  scope.postMessage(answer);
}

/** Buffers of parts that were hashed and not handed back, to read the next parts into. */
const spare: ArrayBuffer[] = [];
/** Whether Blob streams take BYOB readers here (else every read allocates). */
let byob = true;

function spareFor(size: number): ArrayBuffer {
  const i = spare.findIndex((b) => b.byteLength >= size);
  if (i >= 0) return spare.splice(i, 1)[0]!;
  spare.shift(); // too small: let it go
  return new ArrayBuffer(size);
}

/** Most buffers kept to read into again (more when paired: buffers also wait in the MD5 worker). */
let spareLimit = READ_BUFFERS;

function giveBack(bytes: Uint8Array<ArrayBuffer>): void {
  if (spare.length < spareLimit && bytes.buffer.byteLength > 0) spare.push(bytes.buffer);
}

/** Reads a Blob range into a spare buffer with a BYOB reader; `undefined` where Blob streams are not byte streams. */
async function readInto(slice: Blob): Promise<Uint8Array<ArrayBuffer> | undefined> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = slice.stream().getReader({ mode: 'byob' });
  } catch {
    byob = false;
    return undefined;
  }
  const size = slice.size;
  let buffer = spareFor(size);
  let filled = 0;
  try {
    while (filled < size) {
      const { done, value } = await reader.read(new Uint8Array(buffer, filled, size - filled));
      if (value) {
        buffer = value.buffer as ArrayBuffer;
        filled += value.byteLength;
      }
      if (done) break;
    }
  } finally {
    void reader.cancel().catch(noop);
  }
  if (filled !== size) throw new Error(`Read ${filled} of ${size} bytes.`);
  return new Uint8Array(buffer, 0, size);
}

async function read(request: { blob?: Blob; start?: number; end?: number; buffer?: ArrayBuffer }, reuse = false): Promise<Uint8Array<ArrayBuffer>> {
  if (request.buffer) return new Uint8Array(request.buffer);
  if (!request.blob) throw new Error('Nothing to hash.');
  const slice = request.blob.slice(request.start, request.end);
  const bytes = reuse && byob ? await readInto(slice) : undefined;
  return bytes ?? new Uint8Array(await slice.arrayBuffer());
}

async function handle(request: HashWorkerRequest): Promise<void> {
  const c = await core;
  switch (request.op) {
    case 'begin':
      broken.delete(request.key);
      c.begin(request.key, request.state ? new Uint8Array(request.state) : undefined);
      return scope.postMessage({ id: request.id, ok: true });
    case 'peer':
      peer = request.port;
      peer.onmessage = (event: MessageEvent<PeerMessage>) => void onPeer(event.data);
      buffers.resize(request.reads);
      spareLimit = request.reads;
      return scope.postMessage({ id: request.id, ok: true });
    case 'part': {
      // A Blob read waits for a buffer; bytes sent in are already in memory.
      const gate = request.blob ? buffers.acquire() : Promise.resolve(noop);
      const reuse = request.blob !== undefined && !request.keep;
      const reading = gate.then(async (release) => {
        try {
          return { bytes: await read(request, reuse), release };
        } catch (error) {
          release();
          throw error;
        }
      });
      let answer;
      try {
        answer = await ordered(request.key, reading, ({ bytes, release }) => {
          const paired = request.peerId !== undefined && peer !== undefined && !request.keep;
          const size = bytes.byteLength; // before the buffer is lent (and detached here)
          let lend = false;
          try {
            const md5 = c.update(request.key, bytes, request.sha1, request.md5 && !paired);
            if (paired) {
              // The MD5 worker answers the page; its place is given back with the buffer.
              lend = true;
              const buffer = bytes.buffer as ArrayBuffer;
              lent.push(release);
              peer!.postMessage({ kind: 'md5', peerId: request.peerId!, buffer, length: size } satisfies PeerMessage, [buffer]);
            }
            return { md5, bytes, size };
          } finally {
            if (!lend) {
              if (reuse) giveBack(bytes);
              release();
            }
          }
        });
      } catch (error) {
        if (request.sha1) broken.add(request.key);
        throw error;
      }
      const { bytes } = answer;
      // A Blob read to hand back has a fresh buffer of exactly these bytes, so it can be transferred whole.
      const buffer = request.keep ? (bytes.buffer as ArrayBuffer) : undefined;
      return scope.postMessage({ id: request.id, ok: true, md5: answer.md5, buffer, size: answer.size }, buffer ? [buffer] : []);
    }
    case 'save': {
      const key = request.key;
      const state = await ordered(key, Promise.resolve(), () => {
        if (broken.has(key)) throw new Error('The SHA-1 state missed a part.');
        return c.save(key);
      });
      const buffer = state.slice().buffer as ArrayBuffer;
      return scope.postMessage({ id: request.id, ok: true, state: buffer }, [buffer]);
    }
    case 'digest': {
      const key = request.key;
      const hex = await ordered(key, Promise.resolve(), () => {
        if (broken.has(key)) throw new Error('The SHA-1 missed a part.');
        return c.digest(key);
      });
      return scope.postMessage({ id: request.id, ok: true, hex });
    }
    case 'end':
      broken.delete(request.key);
      c.end(request.key);
      return scope.postMessage({ id: request.id, ok: true });
    case 'sha1':
      return scope.postMessage({ id: request.id, ok: true, hex: c.oneShot(await read(request)) });
  }
}

scope.onmessage = (event) => {
  const request = event.data;
  handle(request).catch((error: unknown) => {
    scope.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  });
};
