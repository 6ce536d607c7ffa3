/**
 * A FIFO concurrency limit (semaphore) for part uploads. One pool can be shared by several uploads so that the
 * total number of requests in flight stays bounded (see {@link createUploadGroup}).
 * @module
 */
import { abortable } from './clock.ts';

export const DEFAULT_CONCURRENCY = 4;

export interface Pool {
  /** Waits for a free slot; resolves with the function that gives it back (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Runs `task` in a slot. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Slots in use. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly pending: number;
  /** The limit; raising it starts waiters at once, lowering it lets running tasks finish. */
  concurrency: number;
}

export interface PoolOptions {
  /** Tasks at once, default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
}

/**
 * Creates a {@link Pool}.
 * @example
 * const pool = createPool({ concurrency: 4 });
 * await Promise.all(parts.map((p) => pool.run(() => put(p))));
 */
export function createPool({ concurrency = DEFAULT_CONCURRENCY }: PoolOptions = {}): Pool {
  let limit = validLimit(concurrency);
  let active = 0;
  /** Waiters, in order; each takes a slot when called. */
  const queue: (() => void)[] = [];
  const drain = () => {
    while (active < limit && queue.length) queue.shift()!();
  };
  const acquire = (signal?: AbortSignal) =>
    abortable<() => void>(signal, (resolve) => {
      const grant = () => {
        active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          active--;
          drain();
        });
      };
      queue.push(grant);
      drain();
      return () => queue.includes(grant) && queue.splice(queue.indexOf(grant), 1);
    });
  return {
    acquire,
    async run(task, signal) {
      const done = await acquire(signal);
      try {
        return await task();
      } finally {
        done();
      }
    },
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
    get concurrency() {
      return limit;
    },
    set concurrency(value: number) {
      limit = validLimit(value);
      drain();
    },
  };
}

function validLimit(value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`concurrency must be a positive integer, got ${value}`);
  return value;
}
