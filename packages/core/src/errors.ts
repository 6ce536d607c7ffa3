/**
 * The one error of the upload engine: {@link UploadError}, with a {@link ErrorCode}, whether trying again may help,
 * and what the other side said (HTTP status, the cloud's or signer's code, its request id).
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

/** Storage and API codes that mean "busy or broken for now": worth another try. */
const RETRYABLE_CLOUD_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestLimitExceeded',
  'RequestTimeTooSkewed',
  'TooManyRequests',
]);

/** Whether an HTTP status is worth retrying: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The default for {@link UploadError.retryable}: network failures, timeouts, expired URLs, 408/429/5xx and cloud
 * throttling or internal codes are retryable; other 4xx, signer refusals, bad files, aborts and mismatches are not.
 */
export function retryableByDefault(code: ErrorCode, status?: number, cloudCode?: string): boolean {
  switch (code) {
    case ErrorCode.NETWORK:
    case ErrorCode.TIMEOUT:
    case ErrorCode.EXPIRED:
      return true;
    case ErrorCode.HTTP:
    case ErrorCode.CLOUD:
    case ErrorCode.SIGNER: {
      if (status !== undefined && isRetryableStatus(status)) return true;
      if (cloudCode === undefined) return false;
      const head = cloudCode.split('.', 1)[0]!;
      return RETRYABLE_CLOUD_CODES.has(cloudCode) || RETRYABLE_CLOUD_CODES.has(head);
    }
    default:
      return false;
  }
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
  override readonly name = 'UploadError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly cloudCode?: string;
  readonly requestId?: string;
  readonly retryAfter?: number;
  readonly partNumber?: number;

  constructor(code: ErrorCode, message: string, options: UploadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.cloudCode = options.cloudCode;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.partNumber = options.partNumber;
    this.retryable = options.retryable ?? retryableByDefault(code, options.status, options.cloudCode);
  }

  toJSON(): UploadErrorInfo {
    const info: UploadErrorInfo = { name: 'UploadError', code: this.code, message: this.message, retryable: this.retryable };
    if (this.status !== undefined) info.status = this.status;
    if (this.cloudCode !== undefined) info.cloudCode = this.cloudCode;
    if (this.requestId !== undefined) info.requestId = this.requestId;
    if (this.partNumber !== undefined) info.partNumber = this.partNumber;
    return info;
  }
}

/** An `ABORTED` error (the reason the engine uses for its own cancels). */
export function abortError(message = 'The upload was cancelled.'): UploadError {
  return new UploadError(ErrorCode.ABORTED, message, { retryable: false });
}

/** True for `ABORTED` upload errors and DOM `AbortError`s. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof UploadError) return error.code === ErrorCode.ABORTED;
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Anything thrown, as an {@link UploadError}: upload errors pass through, aborts become `ABORTED`, the rest `NETWORK`/`HASH` per `fallback`. */
export function toUploadError(error: unknown, fallback: ErrorCode = ErrorCode.NETWORK): UploadError {
  if (error instanceof UploadError) return error;
  if (isAbortError(error)) return new UploadError(ErrorCode.ABORTED, 'The upload was cancelled.', { cause: error, retryable: false });
  const message = error instanceof Error && error.message ? error.message : String(error);
  return new UploadError(fallback, message, { cause: error });
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`.
 * Returns `undefined` for a missing or unreadable value.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const XML_FIELD = (xml: string, name: string): string | undefined => {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? decodeXml(match[1]!) : undefined;
};

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
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
  const cloudCode = XML_FIELD(body, 'Code');
  const cloudMessage = XML_FIELD(body, 'Message');
  const requestId = XML_FIELD(body, 'RequestId') ?? header('x-cos-request-id') ?? undefined;
  const retryAfter = parseRetryAfter(header('retry-after'), now);
  // An expired URL, or one signed with a skewed clock: signing it again is the cure.
  const expired = status === 403 && ((cloudMessage !== undefined && /expired/i.test(cloudMessage)) || cloudCode === 'RequestTimeTooSkewed');
  const code = expired ? ErrorCode.EXPIRED : cloudCode ? ErrorCode.CLOUD : ErrorCode.HTTP;
  const what = partNumber === undefined ? 'Storage' : `Storage (part ${partNumber})`;
  const message = cloudCode
    ? `${what} answered ${status} ${cloudCode}${cloudMessage ? `: ${cloudMessage}` : ''}`
    : `${what} answered HTTP ${status}`;
  return new UploadError(code, message, { status, cloudCode, requestId, retryAfter, partNumber });
}
