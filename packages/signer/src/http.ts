/**
 * HTTP plumbing shared by the routes: the capped JSON body reader and the one place errors become responses.
 * @module
 */
import type { Context } from 'hono';
import { SignerError } from './errors.ts';
import type { Json } from './validate.ts';

/**
 * Reads a JSON object body of at most `maxBytes`: `unsupported_media_type` unless `Content-Type` is
 * `application/json` (which also forces a CORS preflight), `payload_too_large` beyond the cap (checked on
 * `Content-Length` and while streaming), `invalid_json` when it does not parse, `invalid_request` when it is
 * not an object.
 */
export async function readJson(c: Context, maxBytes: number): Promise<Json> {
  const type = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new SignerError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
  }
  const bytes = await readBytes(c, maxBytes);
  if (!bytes) throw new SignerError('invalid_json', 'The request body is empty: send a JSON object.');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new SignerError('invalid_json', 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SignerError('invalid_request', 'The request body must be a JSON object.');
  }
  return value as Json;
}

/**
 * Reads a body of at most `maxBytes` (`payload_too_large` beyond, checked on `Content-Length` and while
 * streaming); null when there is none.
 */
export async function readBytes(c: Context, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const tooLarge = () => new SignerError('payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, off);
    off += chunk.length;
  }
  return bytes;
}

/** Replaces every occurrence of a secret with `***` (belt and braces: messages are built without them). */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** The JSON response of an error. Unknown errors become `internal` with a generic message. */
export function errorResponse(c: Context, error: unknown, secrets: Iterable<string | undefined>): Response {
  const e = error instanceof SignerError ? error : new SignerError('internal', 'The signer failed unexpectedly.', { cause: error });
  const body = e.toBody();
  body.error.message = scrub(body.error.message, secrets);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (e.retryAfter !== undefined) headers['Retry-After'] = String(e.retryAfter);
  return c.json(body, e.status as 400, headers);
}
