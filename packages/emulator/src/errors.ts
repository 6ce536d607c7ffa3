/**
 * The two error shapes of the emulator, each mapped to its wire format in one place: {@link VodError} becomes
 * HTTP 200 + `{"Response":{"Error":{"Code","Message"},"RequestId"}}`, {@link CosError} becomes a COS XML
 * `<Error>` with its HTTP status.
 * @module
 */

/** A VOD API 3.0 error (`Response.Error`). */
export class VodError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'VodError';
    this.code = code;
  }
}

/** A COS XML API error. `extra` adds members to `<Error>` (e.g. `StringToSign`). */
export class CosError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, string> | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, options: { extra?: Record<string, string>; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'CosError';
    this.status = status;
    this.code = code;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

/** Thrown when a `cut` fault has destroyed the connection: no response must be written. */
export class ConnectionCut extends Error {
  constructor() {
    super('connection cut by an injected fault');
    this.name = 'ConnectionCut';
  }
}
