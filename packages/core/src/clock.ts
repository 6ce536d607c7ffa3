/**
 * Injected time and connectivity: the engine never calls `setTimeout`, `Date.now` or `navigator.onLine`
 * directly, so tests drive time and the network state. Also the one way the engine waits on a signal.
 * @module
 */
import { abortReason } from './errors.ts';

/** Timers and the current time, in ms. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The runtime's own clock. */
export const systemClock: Clock = {
  now: Date.now,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export { abortReason };

/**
 * A promise that `start` settles, rejected with the signal's reason if it aborts first. `start` may return a
 * cleanup, which runs once either way (as does the removal of the abort listener).
 */
export function abortable<T>(
  signal: AbortSignal | undefined,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    let cleanup: (() => void) | void;
    let settled = false;
    const settle =
      <V>(fn: (value: V) => void) =>
      (value: V) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        cleanup?.();
        fn(value);
      };
    const onAbort = () => settle(reject)(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = start(settle(resolve), settle(reject));
    if (settled) cleanup?.();
  });
}

/** Waits `ms` on `clock`; rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(signal, (resolve) => {
    const handle = clock.setTimeout(resolve, Math.max(0, ms));
    return () => clock.clearTimeout(handle);
  });
}

/** Resolves with `promise`, or rejects with the signal's reason when it aborts first (the promise runs on). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? abortable(signal, (resolve, reject) => void promise.then(resolve, reject)) : promise;
}

/** Whether the network is up, and a way to hear when that changes. */
export interface Connectivity {
  isOnline(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Does nothing (a rejection handler for best-effort work, an unsubscribe with nothing to undo). */
export const noop = (): void => {};

/** For runtimes without an online signal (Node): always online. */
export const alwaysOnline: Connectivity = {
  isOnline: () => true,
  subscribe: () => noop,
};

/** `navigator.onLine` plus the window's `online`/`offline` events; {@link alwaysOnline} where there are none. */
export function browserConnectivity(): Connectivity {
  const target = globalThis as unknown as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>> & {
    navigator?: { onLine?: boolean };
  };
  if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') return alwaysOnline;
  return {
    isOnline: () => target.navigator?.onLine !== false,
    subscribe(listener) {
      const on = () => listener(true);
      const off = () => listener(false);
      target.addEventListener!('online', on);
      target.addEventListener!('offline', off);
      return () => {
        target.removeEventListener!('online', on);
        target.removeEventListener!('offline', off);
      };
    },
  };
}

/** A {@link Connectivity} that tests flip by hand. */
export interface ManualConnectivity extends Connectivity {
  set(online: boolean): void;
}

export function createManualConnectivity(online = true): ManualConnectivity {
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const listener of [...listeners]) listener(online);
    },
  };
}

/** Resolves at once when online, else on the next `online` change; rejects when the signal aborts first. */
export function waitOnline(connectivity: Connectivity, signal?: AbortSignal): Promise<void> {
  return connectivity.isOnline()
    ? Promise.resolve()
    : abortable(signal, (resolve) => connectivity.subscribe((online) => online && resolve()));
}
