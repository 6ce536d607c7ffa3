/**
 * Calls to the cloud: retry of throttled calls with backoff, and the mapping of `TencentCloudError` to the
 * signer's wire errors (with the cloud's RequestId, never a secret).
 * @module
 */
import { TencentCloudError } from '@vod-uploader/tencent';
import { SignerError } from './errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** First backoff, ms; doubled each time, with full jitter. Default 200. */
  baseDelayMs?: number;
  /** Largest backoff, ms. Default 2000. */
  maxDelayMs?: number;
}

/** Throttling: the call did not run, so running it again is always safe. */
export function isThrottled(error: unknown): boolean {
  if (!(error instanceof TencentCloudError)) return false;
  return error.code.split('.', 1)[0] === 'RequestLimitExceeded' || error.code === 'SlowDown' || error.status === 429;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, retrying throttled failures with exponential backoff and full jitter. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 2000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= retries || !isThrottled(error)) throw error;
      await sleep(Math.random() * Math.min(max, base * 2 ** attempt));
    }
  }
}

/** The wire error of a failed cloud call. `what` names the call (`ApplyUpload`, `ListParts`…). */
export function upstreamError(error: unknown, what: string): SignerError {
  if (error instanceof SignerError) return error;
  if (error instanceof TencentCloudError) {
    const requestId = error.requestId;
    const detail = `${what} failed: ${error.code}: ${error.message}`;
    if (error.code === 'NoSuchUpload') {
      return new SignerError('upload_not_found', `${what} failed: the multipart upload no longer exists (aborted or completed).`, { requestId });
    }
    if (isThrottled(error)) return new SignerError('upstream', `${detail} (throttled; try again later)`, { status: 503, retryable: true, requestId, retryAfter: 1 });
    return new SignerError('upstream', detail, { status: error.retryable ? 503 : 502, retryable: error.retryable, requestId });
  }
  return new SignerError('internal', `${what} failed unexpectedly.`, { cause: error });
}

/** Runs a cloud call with retries, mapping its failure. */
export async function call<T>(what: string, fn: () => Promise<T>, retry?: RetryOptions): Promise<T> {
  try {
    return await withRetry(fn, retry);
  } catch (error) {
    throw upstreamError(error, what);
  }
}
