/**
 * Ordering and memory bounds shared by the hashers: per-key order of the hashing steps (reads may overlap), and a
 * FIFO gate on how many part buffers are read into memory at once.
 * @module
 */

/**
 * Runs the hashing step of each part in call order per key, while the reads before it may overlap:
 * `ordered(key, read, apply)` starts `read` now and calls `apply` on its result after the key's earlier steps.
 */
export function createKeyedOrder(): <R, T>(key: string, read: Promise<R>, apply: (value: R) => T) => Promise<T> {
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
 * At most `limit` holders at once, granted in call order: `acquire()` resolves with the function that gives the
 * place back (idempotent). With per-key order and FIFO grants it cannot deadlock: a part's predecessors asked
 * before it, so they hold a place (and can finish) or are done.
 */
export function createGate(limit: number): { acquire(): Promise<() => void>; resize(limit: number): void } {
  let free = limit;
  let size = limit;
  const waiting: Array<() => void> = [];
  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = free >= 0 ? waiting.shift() : undefined;
      if (next) next();
      else free++;
    };
  };
  return {
    acquire() {
      if (free > 0) {
        free--;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => waiting.push(() => resolve(releaser())));
    },
    /** Changes the limit; places given back beyond a lower limit are kept. */
    resize(limit) {
      free += limit - size;
      size = limit;
      while (free > 0 && waiting.length) {
        free--;
        waiting.shift()!();
      }
    },
  };
}

/** Part buffers read ahead at once by a hasher: the one being hashed and the next one (read-ahead). */
export const READ_BUFFERS = 2;

/** The same for the SHA-1 worker of a pair, whose buffers also wait in the MD5 worker. */
export const PAIRED_READ_BUFFERS = 3;
