/**
 * The one error of `@vod-uploader/node`: {@link VodUploadError}, carrying the cloud's error code (as the Python
 * SDK and the VOD API name it), the message and the cloud's RequestId when the cloud answered.
 * @module
 */
import { ErrorCode, UploadError } from '@vod-uploader/core';

/**
 * The codes a {@link VodUploadError} carries besides the cloud's own (any code VOD or COS answers with, such as
 * `InvalidParameterValue.SubAppId` or `NoSuchUpload`, is passed through unchanged).
 */
export const VodErrorCode = {
  /** `MediaFilePath` is missing, a URL, not a regular file, or empty; or the file changed while uploading. */
  MEDIA_FILE_PATH: 'InvalidParameterValue.MediaFilePath',
  /** `CoverFilePath` is a URL or not a regular file. */
  COVER_FILE_PATH: 'InvalidParameterValue.CoverFilePath',
  /** No `MediaType` and no file extension, or a type VOD does not take. */
  MEDIA_TYPE: 'InvalidParameterValue.MediaType',
  /** No `CoverType` and no cover file extension, or an image type VOD does not take. */
  COVER_TYPE: 'InvalidParameterValue.CoverType',
  /** `ExpireTime` is not an ISO 8601 time. */
  EXPIRE_TIME: 'InvalidParameter.ExpireTime',
  /** `ExpireTime` is in the past. */
  EXPIRE_TIME_VALUE: 'InvalidParameterValue.ExpireTime',
  /** `SubAppId` is not a positive integer (or the cloud does not know it). */
  SUB_APP_ID: 'InvalidParameterValue.SubAppId',
  /** `ClassId` is not a non-negative integer. */
  CLASS_ID: 'InvalidParameterValue.ClassId',
  /** `ConcurrentUploadNumber` is not a positive integer. */
  CONCURRENT_UPLOAD_NUMBER: 'InvalidParameterValue.ConcurrentUploadNumber',
  /** `StorageRegion` is not a region like `ap-chongqing`. */
  STORAGE_REGION: 'InvalidParameterValue.StorageRegion',
  /** `SourceContext` is longer than 250 characters. */
  SOURCE_CONTEXT: 'InvalidParameterValue.SourceContext',
  /** `SessionContext` is longer than 1000 characters. */
  SESSION_CONTEXT: 'InvalidParameterValue.SessionContext',
  /** `Procedure` is empty or has control characters. */
  PROCEDURE: 'InvalidParameterValue.Procedure',
  /** `MediaName` is empty after removing the characters VOD refuses. */
  MEDIA_NAME: 'InvalidParameterValue.MediaName',
  /** The `region` argument is not a region like `ap-guangzhou`. */
  REGION: 'InvalidParameterValue.Region',
  /** Another malformed parameter (wrong JSON type, unknown field). */
  INVALID_PARAMETER: 'InvalidParameter',
  /** The upload session is no longer valid (expired or sealed under another key). */
  VOD_SESSION_KEY: 'InvalidParameterValue.VodSessionKey',
  /** The multipart upload no longer exists in storage. */
  RESOURCE_NOT_FOUND: 'ResourceNotFound',
  /** Too many requests; try again later. */
  REQUEST_LIMIT_EXCEEDED: 'RequestLimitExceeded',
  /** Storage or the API could not be reached (connection refused or cut, DNS, timeout). */
  NETWORK: 'ClientNetworkError',
  /** Stopped by the caller's `signal` (Ctrl-C in the CLI). The upload stays resumable: call `upload` again. */
  ABORTED: 'ClientAborted',
  /** What storage holds does not match what was sent. */
  FAILED_OPERATION: 'FailedOperation',
  /** Anything else. */
  INTERNAL: 'InternalError',
} as const;
export type VodErrorCode = (typeof VodErrorCode)[keyof typeof VodErrorCode];

export interface VodUploadErrorOptions {
  requestId?: string;
  /** Whether the same call may succeed later. Default false. */
  retryable?: boolean;
  cause?: unknown;
}

/** Every failure of {@link VodUploadClient.upload}. Its message never carries a secret, a token or a signed URL. */
export class VodUploadError extends Error {
  override readonly name = 'VodUploadError';
  /** The cloud's code (`InvalidParameterValue.SubAppId`, `NoSuchUpload`…) or one of {@link VodErrorCode}. */
  readonly code: string;
  /** The cloud's RequestId, when the cloud answered. */
  readonly requestId?: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: VodUploadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.requestId = options.requestId;
    this.retryable = options.retryable ?? false;
  }

  /** `{ Code, Message, RequestId? }`, the cloud's error shape (what the CLI prints with `--json`). */
  toJSON(): { Code: string; Message: string; RequestId?: string } {
    const out: { Code: string; Message: string; RequestId?: string } = { Code: this.code, Message: this.message };
    if (this.requestId) out.RequestId = this.requestId;
    return out;
  }
}

/** A cloud error seen on the wire: its code and message, by RequestId. */
export interface CloudErrorInfo {
  code: string;
  message: string;
}

/** The signer's wire codes (PROTOCOL.md) that have a cloud counterpart. */
const SIGNER_CODES: Readonly<Record<string, string>> = {
  invalid_json: VodErrorCode.INVALID_PARAMETER,
  invalid_request: VodErrorCode.INVALID_PARAMETER,
  session_invalid: VodErrorCode.VOD_SESSION_KEY,
  session_expired: VodErrorCode.VOD_SESSION_KEY,
  session_scope: VodErrorCode.VOD_SESSION_KEY,
  upload_not_found: VodErrorCode.RESOURCE_NOT_FOUND,
  rate_limited: VodErrorCode.REQUEST_LIMIT_EXCEEDED,
  parts_mismatch: VodErrorCode.FAILED_OPERATION,
  object_mismatch: VodErrorCode.FAILED_OPERATION,
  session_completed: VodErrorCode.FAILED_OPERATION,
  in_progress: VodErrorCode.FAILED_OPERATION,
  part_size: VodErrorCode.FAILED_OPERATION,
  policy_size: VodErrorCode.MEDIA_FILE_PATH,
  policy_type: VodErrorCode.MEDIA_TYPE,
  internal: VodErrorCode.INTERNAL,
};

/** `Signer POST /uploads: ApplyUpload failed: InvalidParameterValue.SubAppId: text` → code and text. */
const UPSTREAM_MESSAGE = /^(?:Signer [A-Z]+ \S+: )?\w+ failed: ([A-Za-z][\w.]*): ([\s\S]*)$/;
const SIGNER_PREFIX = /^Signer [A-Z]+ \S+: /;

/**
 * Any failure of the engine as a {@link VodUploadError}. A cloud error that went through the in-process signer
 * (wire code `upstream`) gets its original cloud code and message back: from `cloudErrors` (what the cloud
 * answered, by RequestId), else from the signer's message.
 */
export function toVodUploadError(error: unknown, cloudErrors?: (requestId: string) => CloudErrorInfo | undefined): VodUploadError {
  if (error instanceof VodUploadError) return error;
  if (!(error instanceof UploadError)) {
    const message = error instanceof Error && error.message ? error.message : String(error);
    return new VodUploadError(VodErrorCode.INTERNAL, message, { cause: error });
  }
  const { requestId, retryable } = error;
  const options = { requestId, retryable, cause: error };
  switch (error.code) {
    case ErrorCode.ABORTED:
      return new VodUploadError(VodErrorCode.ABORTED, 'The upload was stopped; call upload() again to resume it.', options);
    case ErrorCode.NETWORK:
    case ErrorCode.TIMEOUT:
      return new VodUploadError(VodErrorCode.NETWORK, error.message, { ...options, retryable: true });
    case ErrorCode.INVALID_FILE:
      return new VodUploadError(VodErrorCode.MEDIA_FILE_PATH, error.message, options);
    case ErrorCode.CLOUD:
      return new VodUploadError(error.cloudCode ?? VodErrorCode.INTERNAL, error.message, options);
    case ErrorCode.SIGNER: {
      const wire = error.cloudCode;
      if (wire === 'upstream') {
        const seen = requestId ? cloudErrors?.(requestId) : undefined;
        if (seen) return new VodUploadError(seen.code, seen.message, options);
        const parsed = UPSTREAM_MESSAGE.exec(error.message);
        if (parsed) return new VodUploadError(parsed[1]!, parsed[2]!, options);
        return new VodUploadError(VodErrorCode.INTERNAL, error.message.replace(SIGNER_PREFIX, ''), options);
      }
      let code = (wire && SIGNER_CODES[wire]) ?? VodErrorCode.INTERNAL;
      if (wire === 'policy_type' && /cover/i.test(error.message)) code = VodErrorCode.COVER_TYPE;
      return new VodUploadError(code, error.message.replace(SIGNER_PREFIX, ''), options);
    }
    default:
      return new VodUploadError(VodErrorCode.INTERNAL, error.message, options);
  }
}
