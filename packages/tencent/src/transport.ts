/**
 * What the clients share around `fetch`: a per-call deadline combined with the caller's `AbortSignal`, and the
 * mapping of a failed `fetch` to the right error (the caller's abort reason, a timeout, or a network error).
 * @module
 */
import { LocalErrorCode, TencentCloudError, type TencentCloudService } from './errors.ts';

/** The `fetch` the clients call; tests and emulators inject their own. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface Deadline {
  /** The signal to hand to `fetch`: aborts on the caller's abort or when the time is up. */
  readonly signal: AbortSignal | undefined;
  /** True once the time was up (rather than the caller aborting). */
  timedOut(): boolean;
  /** Clears the timer and listener. Call when the call is over. */
  dispose(): void;
}

/** Combines the caller's signal with an optional timeout. Without a timeout it is the caller's signal. */
export function createDeadline(signal: AbortSignal | undefined, timeoutMs: number | undefined): Deadline {
  if (timeoutMs === undefined || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    return { signal, timedOut: () => false, dispose: () => {} };
  }
  const controller = new AbortController();
  let fired = false;
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new DOMException(`The operation timed out after ${timeoutMs} ms.`, 'TimeoutError'));
  }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => fired && !signal?.aborted,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The error to throw when `fetch` (or reading its body) failed: the caller's own abort reason when the caller
 * aborted (as `fetch` itself does), a retryable `timeout` when the deadline passed, else a retryable `network`.
 */
export function transportFailure(
  service: TencentCloudService,
  what: string,
  error: unknown,
  callerSignal: AbortSignal | undefined,
  deadline: Deadline,
): unknown {
  if (callerSignal?.aborted) return callerSignal.reason;
  if (deadline.timedOut()) {
    return new TencentCloudError({ service, code: LocalErrorCode.TIMEOUT, message: `${what} timed out.`, cause: error });
  }
  // The cause keeps the runtime's detail; the message stays generic so no URL or header can leak into it.
  return new TencentCloudError({ service, code: LocalErrorCode.NETWORK, message: `${what} failed: network error.`, cause: error });
}
