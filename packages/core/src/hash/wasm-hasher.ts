/**
 * {@link Hasher} over hash-wasm in the calling thread: the fallback where module workers are unavailable
 * (loaded with a dynamic import so it stays out of the main bundle).
 * @module
 */
import { type Hasher, base64ToBytes, bytesToBase64, readInput } from './hasher.ts';
import { createHashCore, createKeyedOrder } from './wasm-core.ts';

export function createWasmHasher(): Hasher {
  const core = createHashCore();
  const ordered = createKeyedOrder();
  return {
    async begin(key, state) {
      (await core).begin(key, state === undefined ? undefined : base64ToBytes(state));
    },
    async part(key, input, options) {
      const c = await core;
      return ordered(key, readInput(input), (bytes) => {
        const md5 = c.update(key, bytes, options.sha1, options.md5);
        return { md5, bytes: options.keep ? bytes : undefined, size: bytes.byteLength };
      });
    },
    async save(key) {
      return bytesToBase64((await core).save(key));
    },
    async digest(key) {
      return (await core).digest(key);
    },
    async sha1(input) {
      const c = await core;
      return c.oneShot(await readInput(input));
    },
    end(key) {
      void core.then((c) => c.end(key));
    },
    close() {},
  };
}
