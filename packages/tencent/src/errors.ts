/**
 * The one error of this package: a failed VOD (API 3.0) or COS call, carrying the cloud's code, message and
 * request id, the HTTP status where there is one, and whether trying again may help.
 * @module
 */

export type TencentCloudService = 'vod' | 'cos';

/**
 * Codes this package uses when the cloud gave none: the request never got an answer (`network`), the client's
 * deadline passed (`timeout`), a non-200 status without an error body (`http`), or a reply that cannot be read
 * (`invalid-response`).
 */
export const LocalErrorCode = {
  NETWORK: 'network',
  TIMEOUT: 'timeout',
  HTTP: 'http',
  INVALID_RESPONSE: 'invalid-response',
} as const;
export type LocalErrorCode = (typeof LocalErrorCode)[keyof typeof LocalErrorCode];

const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  LocalErrorCode.NETWORK,
  LocalErrorCode.TIMEOUT,
  // API 3.0
  'RequestLimitExceeded',
  'InternalError',
  // COS
  'SlowDown',
  'ServiceUnavailable',
]);

/**
 * Whether an error with this code and HTTP status is worth retrying: network failures and timeouts, throttling
 * (`RequestLimitExceeded*`, COS `SlowDown`, HTTP 429), and server faults (`InternalError*`, COS
 * `ServiceUnavailable`, HTTP 5xx). Everything else (auth, parameters, missing resources) is not.
 */
export function isRetryableCode(code: string, status?: number): boolean {
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (RETRYABLE_CODES.has(code)) return true;
  const head = code.split('.', 1)[0]!;
  return head === 'RequestLimitExceeded' || head === 'InternalError';
}

export interface TencentCloudErrorOptions {
  service: TencentCloudService;
  /** The cloud's code (`AuthFailure.SignatureFailure`, `NoSuchUpload`) or a {@link LocalErrorCode}. */
  code: string;
  message: string;
  requestId?: string;
  /** HTTP status of the reply, when there was one (API 3.0 errors arrive with 200). */
  status?: number;
  /** Defaults to {@link isRetryableCode}. */
  retryable?: boolean;
  cause?: unknown;
}

/** A failed Tencent Cloud call. Its message never contains a secret. */
export class TencentCloudError extends Error {
  override readonly name = 'TencentCloudError';
  readonly service: TencentCloudService;
  readonly code: string;
  readonly requestId?: string;
  readonly status?: number;
  readonly retryable: boolean;

  constructor(options: TencentCloudErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.service = options.service;
    this.code = options.code;
    this.requestId = options.requestId;
    this.status = options.status;
    this.retryable = options.retryable ?? isRetryableCode(options.code, options.status);
  }

  /** Plain data for logs and JSON error bodies. */
  toJSON(): { service: TencentCloudService; code: string; message: string; requestId?: string; status?: number; retryable: boolean } {
    return {
      service: this.service,
      code: this.code,
      message: this.message,
      requestId: this.requestId,
      status: this.status,
      retryable: this.retryable,
    };
  }
}
