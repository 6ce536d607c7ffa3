/**
 * Retries with exponential backoff and full jitter, honouring `Retry-After`, waiting out offline periods, capped.
 * @module
 */
import { type Clock, type Connectivity, alwaysOnline, sleep, systemClock, waitOnline } from './clock.ts';
import { ErrorCode, type UploadError, toUploadError } from './errors.ts';

export const DEFAULT_RETRIES = 5;
export const DEFAULT_BASE_DELAY = 500;
export const DEFAULT_MAX_DELAY = 30_000;
export const DEFAULT_MAX_RETRY_AFTER = 300_000;
/** Offline → online rounds one task may wait through before it gives up (keeps every loop bounded). */
const MAX_OFFLINE_WAITS = 1000;

export interface RetryOptions {
  /** Retries after the first attempt, default {@link DEFAULT_RETRIES}. 0 = never retry. */
  retries?: number;
  /** First backoff ceiling in ms, default {@link DEFAULT_BASE_DELAY}; doubles on each retry. */
  baseDelay?: number;
  /** Largest backoff ceiling in ms, default {@link DEFAULT_MAX_DELAY}. */
  maxDelay?: number;
  /** Longest `Retry-After` wait honoured, in ms, default {@link DEFAULT_MAX_RETRY_AFTER}. */
  maxRetryAfter?: number;
}

export interface RetryerOptions extends RetryOptions {
  clock?: Clock;
  /** Uniform in `[0, 1)`, default `Math.random`. */
  random?: () => number;
  connectivity?: Connectivity;
}

/** Handed to `onRetry` before each backoff wait. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** The wait before it, in ms. */
  delay: number;
  error: UploadError;
}

export interface RetryRunOptions {
  signal?: AbortSignal;
  /** Overrides the retryer's `retries` for this task (e.g. 0 for calls that must not repeat). */
  retries?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Called when the task waits for the network to come back. */
  onOffline?: () => void;
}

export interface Retryer {
  /**
   * Runs `task` until it succeeds, fails with an error that is not retryable, runs out of retries, or the signal
   * aborts. `task` gets the 0-based attempt number. Failures are mapped with {@link toUploadError}.
   */
  run<T>(task: (attempt: number) => Promise<T>, options?: RetryRunOptions): Promise<T>;
  /** The wait before retry number `retry` (0-based) after `error`, in ms. */
  backoff(retry: number, error?: UploadError): number;
}

/**
 * Creates a {@link Retryer}. The wait before retry `n` (0-based) is `random() · min(maxDelay, baseDelay · 2ⁿ)`
 * ("full jitter"), at least the server's `Retry-After` (up to `maxRetryAfter`), and 0 for an expired URL (it is
 * re-signed, not throttled). While offline it waits for the network without spending a retry.
 * @example
 * const retryer = createRetryer({ retries: 3 });
 * const etag = await retryer.run(() => putPart(), { signal });
 */
export function createRetryer({
  // The DEFAULT_* values above, written out (esbuild keeps a variable for each constant used here).
  retries = 5,
  baseDelay = 500,
  maxDelay = 30_000,
  maxRetryAfter = 300_000,
  clock = systemClock,
  random = Math.random,
  connectivity = alwaysOnline,
}: RetryerOptions = {}): Retryer {
  const backoff = (retry: number, error?: UploadError): number => {
    if (error?.code === ErrorCode.EXPIRED) return 0;
    const jittered = Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** Math.min(retry, 52)));
    return error?.retryAfter === undefined ? jittered : Math.min(maxRetryAfter, Math.max(error.retryAfter, jittered));
  };

  async function run<T>(task: (attempt: number) => Promise<T>, { signal, onRetry, onOffline, retries: limit = retries }: RetryRunOptions = {}): Promise<T> {
    let retry = 0;
    let outages = 0;
    // Every round either returns, throws, spends a retry or waits out an outage: both are capped.
    for (let attempt = 0; ; attempt++) {
      if (!connectivity.isOnline()) {
        onOffline?.();
        await waitOnline(connectivity, signal);
      }
      try {
        return await task(attempt);
      } catch (thrown) {
        if (signal?.aborted) throw signal.reason ?? thrown;
        const error = toUploadError(thrown);
        if (!error.retryable) throw error;
        // An outage is not the request's fault: wait for the network (at the top of the loop) without a retry.
        if ((error.code === ErrorCode.NETWORK || error.code === ErrorCode.TIMEOUT) && !connectivity.isOnline() && outages++ < MAX_OFFLINE_WAITS) continue;
        if (retry >= limit) throw error;
        const delay = backoff(retry++, error);
        onRetry?.({ attempt: retry, delay, error });
        if (delay > 0) await sleep(clock, delay, signal);
      }
    }
  }

  return { run, backoff };
}
