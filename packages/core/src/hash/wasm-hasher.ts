/**
 * {@link Hasher} over hash-wasm in the calling thread: the fallback where module workers are unavailable
 * (loaded with a dynamic import so it stays out of the main bundle). Same ordering and memory bounds as the worker.
 * @module
 */
import { type Hasher, base64ToBytes, bytesToBase64, readInput } from './hasher.ts';
import { READ_BUFFERS, createGate, createKeyedOrder } from './order.ts';
import { createHashCore } from './wasm-core.ts';

export function createWasmHasher(): Hasher {
  const core = createHashCore();
  const ordered = createKeyedOrder();
  const buffers = createGate(READ_BUFFERS);
  const broken = new Set<string>();
  const whole = (key: string) => {
    if (broken.has(key)) throw new Error('The SHA-1 missed a part.');
  };
  return {
    async begin(key, state) {
      broken.delete(key);
      (await core).begin(key, state === undefined ? undefined : base64ToBytes(state));
    },
    async part(key, input, options) {
      const c = await core;
      const gate = 'blob' in input ? buffers.acquire() : Promise.resolve(() => {});
      const reading = gate.then(async (release) => {
        try {
          return { bytes: await readInput(input), release };
        } catch (error) {
          release();
          throw error;
        }
      });
      try {
        return await ordered(key, reading, ({ bytes, release }) => {
          try {
            const md5 = c.update(key, bytes, options.sha1, options.md5);
            return { md5, bytes: options.keep ? bytes : undefined, size: bytes.byteLength };
          } finally {
            release();
          }
        });
      } catch (error) {
        if (options.sha1) broken.add(key);
        throw error;
      }
    },
    async save(key) {
      const c = await core;
      return ordered(key, Promise.resolve(), () => (whole(key), bytesToBase64(c.save(key))));
    },
    async digest(key) {
      const c = await core;
      return ordered(key, Promise.resolve(), () => (whole(key), c.digest(key)));
    },
    async sha1(input) {
      const c = await core;
      return c.oneShot(await readInput(input));
    },
    end(key) {
      broken.delete(key);
      void core.then((c) => c.end(key));
    },
    close() {},
  };
}
