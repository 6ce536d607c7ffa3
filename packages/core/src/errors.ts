/**
 * The one error of the upload engine: {@link UploadError}, with a {@link ErrorCode}, whether trying again may help,
 * and what the other side said (HTTP status, the cloud's or signer's code, its request id). The `code` is the
 * stable contract; messages are short English for logs (`<vod-uploader>` shows its own localized text per code).
 * @module
 */

/** What went wrong, as a fixed set (check with `error instanceof UploadError && error.code === ErrorCode.X`). */
export const ErrorCode = {
  /** Cancelled by the caller (or paused). Never retried and never shown as a failure. */
  ABORTED: 'aborted',
  /** No answer: connection refused or cut, DNS, CORS blocked. */
  NETWORK: 'network',
  /** No answer (or no progress) in time. */
  TIMEOUT: 'timeout',
  /** Storage answered with a status that is not 2xx and no readable error body, or an unusable answer. */
  HTTP: 'http',
  /** Storage answered with a cloud error (`<Error><Code>…`). */
  CLOUD: 'cloud',
  /** A presigned URL expired before the request reached storage; re-signed and retried. */
  EXPIRED: 'expired',
  /** The signer answered with an error (`{ error: { code, message, retryable } }`). */
  SIGNER: 'signer',
  /** Hashing failed (worker could not start, could not read the file). */
  HASH: 'hash',
  /** The file cannot be uploaded (unreadable, too many parts, changed while uploading). */
  INVALID_FILE: 'invalid-file',
  /** Saved resume state does not fit the file or the session. */
  RESUME_MISMATCH: 'resume-mismatch',
  /** VOD processing after the upload failed or did not finish in time. */
  PROCESSING: 'processing',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Storage and API codes that mean "busy or broken for now" (also as the head of a dotted code): worth another try. */
const RETRYABLE_CLOUD_CODE = /^(SlowDown|ServiceUnavailable|InternalError|Request(Timeout|LimitExceeded|TimeTooSkewed)|TooManyRequests)(\.|$)/;

/** Whether an HTTP status is worth retrying: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The default for {@link UploadError.retryable}: network failures, timeouts, expired URLs, 408/429/5xx and cloud
 * throttling or internal codes are retryable; other 4xx, signer refusals, bad files, aborts and mismatches are not.
 */
export function retryableByDefault(code: ErrorCode, status = 0, cloudCode = ''): boolean {
  return /^(network|timeout|expired)$/.test(code) || (/^(http|cloud|signer)$/.test(code) && (isRetryableStatus(status) || RETRYABLE_CLOUD_CODE.test(cloudCode)));
}

export interface UploadErrorOptions {
  status?: number;
  /** The cloud's or the signer's own code (`NoSuchUpload`, `AccessDenied`, `InvalidParameter`). */
  cloudCode?: string;
  requestId?: string;
  /** Defaults to {@link retryableByDefault}. */
  retryable?: boolean;
  /** How long the other side asked us to wait before trying again (from `Retry-After`), in ms. */
  retryAfter?: number;
  /** The part this error belongs to, if any. */
  partNumber?: number;
  cause?: unknown;
}

/** Plain data of an {@link UploadError}, for state snapshots, logs and JSON. */
export interface UploadErrorInfo {
  name: 'UploadError';
  code: ErrorCode;
  message: string;
  retryable: boolean;
  status?: number;
  cloudCode?: string;
  requestId?: string;
  partNumber?: number;
}

/** Every failure of the engine. Its message never contains a URL, a token or a signature. */
export class UploadError extends Error {
  // Set in the constructor (`declare`: no class field is emitted for them).
  declare readonly name: 'UploadError';
  declare readonly code: ErrorCode;
  declare readonly retryable: boolean;
  declare readonly status?: number;
  declare readonly cloudCode?: string;
  declare readonly requestId?: string;
  declare readonly retryAfter?: number;
  declare readonly partNumber?: number;

  constructor(code: ErrorCode, message: string, { status, cloudCode, requestId, retryAfter, partNumber, retryable, cause }: UploadErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    Object.assign(this, {
      name: 'UploadError',
      code,
      retryable: retryable ?? retryableByDefault(code, status, cloudCode),
      status,
      cloudCode,
      requestId,
      retryAfter,
      partNumber,
    });
  }

  toJSON(): UploadErrorInfo {
    const info: Record<string, unknown> = {};
    for (const key of ['name', 'code', 'message', 'retryable', 'status', 'cloudCode', 'requestId', 'partNumber'] as const) {
      if (this[key] !== undefined) info[key] = this[key];
    }
    return info as unknown as UploadErrorInfo;
  }
}

/** An `ABORTED` error (the reason the engine uses for its own cancels). */
export function abortError(message = 'The upload was cancelled.', cause?: unknown): UploadError {
  return new UploadError(ErrorCode.ABORTED, message, { retryable: false, cause });
}

/** The abort reason of a signal, as thrown by the engine (an `ABORTED` error unless the caller gave a reason). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? abortError();
}

/**
 * How the engine fails, handed to the code it loads on demand (stream upload, the fetch transport, processing):
 * that code imports nothing from the engine at run time, so a bundler splits off no chunk shared with it.
 */
export interface Failures {
  /** A new {@link UploadError}. */
  error(code: ErrorCode, message: string, options?: UploadErrorOptions): UploadError;
  /** See {@link abortReason}. */
  aborted(signal: AbortSignal): unknown;
  /** See {@link toUploadError}. */
  wrap(error: unknown): UploadError;
}

export const failures: Failures = {
  error: (code, message, options) => new UploadError(code, message, options),
  aborted: abortReason,
  wrap: toUploadError,
};

/** True for `ABORTED` upload errors and DOM `AbortError`s. */
export function isAbortError(error: unknown): boolean {
  return error instanceof UploadError ? error.code === ErrorCode.ABORTED : (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** Anything thrown, as an {@link UploadError}: upload errors pass through, aborts become `ABORTED`, the rest `NETWORK`/`HASH` per `fallback`. */
export function toUploadError(error: unknown, fallback: ErrorCode = ErrorCode.NETWORK): UploadError {
  return error instanceof UploadError
    ? error
    : isAbortError(error)
      ? abortError(undefined, error)
      : new UploadError(fallback, (error as Error | null)?.message || String(error), { cause: error });
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`.
 * Returns `undefined` for a missing or unreadable value.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim() ?? '';
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(+text * 1000) : Date.parse(text) - now;
  return ms >= 0 ? ms : ms < 0 ? 0 : undefined;
}

/** The text of `<name>…</name>` in a storage error body, unescaped. */
function xmlField(xml: string, name: string): string | undefined {
  const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return text?.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

/**
 * The error for a storage (COS) answer that is not 2xx: reads `<Error><Code/><Message/><RequestId/>` from the body,
 * maps an expired signature (403 `AccessDenied` "Request has expired") to `EXPIRED` and keeps `Retry-After`.
 */
export function storageError(
  status: number,
  body: string,
  header: (name: string) => string | null,
  now: number,
  partNumber?: number,
): UploadError {
  const cloudCode = xmlField(body, 'Code');
  const cloudMessage = xmlField(body, 'Message');
  // An expired URL, or one signed with a skewed clock: signing it again is the cure.
  const expired = status === 403 && (/expired/i.test(cloudMessage ?? '') || cloudCode === 'RequestTimeTooSkewed');
  return new UploadError(
    expired ? ErrorCode.EXPIRED : cloudCode ? ErrorCode.CLOUD : ErrorCode.HTTP,
    `Storage${partNumber ? ` (part ${partNumber})` : ''} answered ${status}${cloudCode ? ` ${cloudCode}` : ''}${cloudMessage ? `: ${cloudMessage}` : ''}`,
    {
      status,
      cloudCode,
      requestId: xmlField(body, 'RequestId') ?? header('x-cos-request-id') ?? undefined,
      retryAfter: parseRetryAfter(header('retry-after'), now),
      partNumber,
    },
  );
}
