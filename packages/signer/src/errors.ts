/**
 * The signer's one error class and its fixed set of wire codes. Every failure leaves the signer as
 * `{ "error": { code, message, retryable, requestId? } }` with the status of its code (see PROTOCOL.md).
 * @module
 */

/** Every code the signer answers with, and its HTTP status. The set is part of the v1 contract. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  session_invalid: 401,
  session_expired: 401,
  session_scope: 401,
  policy_size: 413,
  policy_type: 415,
  policy_option: 403,
  target_invalid: 400,
  part_out_of_range: 400,
  part_size: 400,
  parts_mismatch: 409,
  object_mismatch: 409,
  upload_not_found: 404,
  session_completed: 409,
  in_progress: 409,
  rate_limited: 429,
  upstream: 502,
  internal: 500,
} as const;

export type SignerErrorCode = keyof typeof ERROR_STATUS;

/** Codes that are worth retrying as they are (the same request may succeed later). */
const RETRYABLE: ReadonlySet<SignerErrorCode> = new Set(['rate_limited', 'in_progress', 'internal']);

export interface SignerErrorOptions {
  /** Overrides the status of the code (e.g. 503 for a throttled upstream). */
  status?: number;
  /** Defaults to true for `rate_limited`, `in_progress` and `internal`, false otherwise. */
  retryable?: boolean;
  /** The cloud's RequestId, when the failure came from the cloud. */
  requestId?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  cause?: unknown;
}

/** A failure with a wire code. Its message goes to the client as is: it must never contain a secret. */
export class SignerError extends Error {
  override readonly name = 'SignerError';
  readonly code: SignerErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly requestId?: string;
  readonly retryAfter?: number;

  constructor(code: SignerErrorCode, message: string, options: SignerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
  }

  /** The JSON body of this error. */
  toBody(): { error: { code: SignerErrorCode; message: string; retryable: boolean; requestId?: string } } {
    const error: { code: SignerErrorCode; message: string; retryable: boolean; requestId?: string } = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.requestId) error.requestId = this.requestId;
    return { error };
  }
}
