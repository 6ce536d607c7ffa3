/**
 * The synchronous hashing core over hash-wasm: one SHA-1 and one MD5 instance, reused with `init()`/`load()`;
 * per-key whole-file SHA-1 states kept with `save()`. Shared by the Web Worker and the in-thread fallback.
 * @module
 */
import { createMD5, createSHA1 } from 'hash-wasm';

export interface HashCore {
  begin(key: string, state?: Uint8Array): void;
  /** Feeds `bytes` into the key's SHA-1 (if `sha1`) and returns the MD5 hex (if `md5`). */
  update(key: string, bytes: Uint8Array, sha1: boolean, md5: boolean): string | undefined;
  save(key: string): Uint8Array;
  digest(key: string): string;
  oneShot(bytes: Uint8Array): string;
  end(key: string): void;
}

export async function createHashCore(): Promise<HashCore> {
  const [sha1, md5] = await Promise.all([createSHA1(), createMD5()]);
  const states = new Map<string, Uint8Array>();
  const load = (key: string) => {
    const state = states.get(key);
    if (!state) throw new Error(`No SHA-1 under "${key}"; call begin() first.`);
    sha1.load(state);
  };
  return {
    begin(key, state) {
      if (state) sha1.load(state);
      else sha1.init();
      states.set(key, sha1.save());
    },
    update(key, bytes, wantSha1, wantMd5) {
      if (wantSha1) {
        load(key);
        sha1.update(bytes);
        states.set(key, sha1.save());
      }
      if (!wantMd5) return undefined;
      md5.init();
      md5.update(bytes);
      return md5.digest('hex');
    },
    save(key) {
      load(key);
      return sha1.save();
    },
    digest(key) {
      load(key);
      return sha1.digest('hex');
    },
    oneShot(bytes) {
      sha1.init();
      sha1.update(bytes);
      return sha1.digest('hex');
    },
    end(key) {
      states.delete(key);
    },
  };
}

export { createKeyedOrder } from './order.ts';
