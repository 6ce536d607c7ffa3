/**
 * {@link Hasher} over node:crypto (SHA-1 with SHA-NI runs at about 1 GB/s). Node only: reached
 * through the package's `node` entry, never from the browser entry.
 * @module
 */
import { type Hash, createHash } from 'node:crypto';
import { type Hasher, readInput } from './hasher.ts';

/**
 * Runs the hashing step of each part in call order per key, while the reads before it may overlap:
 * `ordered(key, read, apply)` starts `read` now and calls `apply` on its result after the key's earlier steps.
 */
function createKeyedOrder(): <R, T>(key: string, read: Promise<R>, apply: (value: R) => T) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, read, apply) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(
      () => read.then(apply),
      () => read.then(apply),
    );
    const tail = next.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}

/**
 * Creates a node:crypto {@link Hasher}. It cannot save a SHA-1 state ({@link Hasher.save} gives `undefined`), so a
 * resumed upload re-reads the parts before the first missing one to rebuild the whole-file SHA-1.
 */
export function createNodeHasher(): Hasher {
  const states = new Map<string, Hash>();
  // Reads of parts passed at once may finish in any order; the SHA-1 takes them in call order.
  const ordered = createKeyedOrder();
  const get = (key: string) => {
    const hash = states.get(key);
    if (!hash) throw new Error(`No SHA-1 under "${key}"; call begin() first.`);
    return hash;
  };
  return {
    async begin(key, state) {
      if (state !== undefined) throw new Error('node:crypto cannot continue a saved SHA-1 state.');
      states.set(key, createHash('sha1'));
    },
    part(key, input, options) {
      return ordered(key, readInput(input), (bytes) => {
        if (options.sha1) get(key).update(bytes);
        const md5 = options.md5 ? createHash('md5').update(bytes).digest('hex') : undefined;
        return { md5, bytes: options.keep ? bytes : undefined, size: bytes.byteLength };
      });
    },
    async save() {
      return undefined;
    },
    digest(key) {
      return ordered(key, Promise.resolve(), () => get(key).copy().digest('hex'));
    },
    async sha1(input) {
      return createHash('sha1').update(await readInput(input)).digest('hex');
    },
    end(key) {
      states.delete(key);
    },
    close() {
      states.clear();
    },
  };
}
