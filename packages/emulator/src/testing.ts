/**
 * Helpers for this package's own tests (not exported): a throw-away emulator over a temp dir, VOD calls signed
 * with `signTc3`, and COS requests signed with `signCos` under a temporary credential from ApplyUpload — through
 * `app.request()`, or over HTTP to a real server ({@link servedUpload}).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { cosKeyPath, signCos, signTc3, type ApplyUploadResponse } from '@vod-uploader/tencent';
import { createEmulator, type Emulator } from './app.ts';
import type { EmulatorOptions } from './options.ts';
import { startEmulator, type RunningEmulator } from './server.ts';

export const ORIGIN = 'http://127.0.0.1:9000';
export const HOST = '127.0.0.1:9000';

export interface TestEmulator extends Emulator {
  dir: string;
  /** A settable clock (ms), used by the emulator and by the signing helpers. */
  clock: { now: number };
  options: Partial<EmulatorOptions>;
  /** Closes the emulator and deletes its data dir. */
  dispose(): Promise<void>;
}

/** A fresh emulator with a controllable clock over a new temp dir (or `dir`). */
export function testEmulator(options: Partial<EmulatorOptions> = {}, dir?: string): TestEmulator {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'vod-emu-test-'));
  const clock = { now: Date.now() };
  const emu = createEmulator({ log: () => {}, clock: () => clock.now, ...options, dataDir });
  return {
    ...emu,
    dir: dataDir,
    clock,
    options,
    async dispose() {
      await emu.close();
      if (!dir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface VodCallOptions {
  secretId?: string;
  secretKey?: string;
  /** Unix seconds for X-TC-Timestamp; default the emulator's clock. */
  timestamp?: number;
  version?: string | null;
  /** Send this exact body instead of JSON.stringify(params). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A raw VOD API call: returns the parsed body and the HTTP response. */
export async function vodRaw(emu: TestEmulator, action: string | null, params: unknown = {}, o: VodCallOptions = {}) {
  const body = o.rawBody ?? JSON.stringify(params);
  const timestamp = o.timestamp ?? Math.floor(emu.clock.now / 1000);
  const sig = await signTc3({
    secretId: o.secretId ?? 'emulator-secret-id',
    secretKey: o.secretKey ?? 'emulator-secret-key',
    service: 'vod',
    host: HOST,
    timestamp,
    body,
  });
  const headers: Record<string, string> = {
    host: HOST,
    'content-type': 'application/json',
    'x-tc-timestamp': String(timestamp),
    'x-tc-region': 'ap-guangzhou',
    authorization: sig.authorization,
    ...o.headers,
  };
  if (action !== null) headers['x-tc-action'] = action;
  if (o.version !== null) headers['x-tc-version'] = o.version ?? '2018-07-17';
  const res = await emu.app.request(`${ORIGIN}/`, { method: 'POST', headers, body });
  const json = (await res.json()) as { Response: Record<string, unknown> & { RequestId: string; Error?: { Code: string; Message: string } } };
  return { res, json, response: json.Response };
}

/** A VOD call that must succeed; returns `Response`. */
export async function vod<T = Record<string, unknown>>(emu: TestEmulator, action: string, params: unknown = {}): Promise<T & { RequestId: string }> {
  const { response } = await vodRaw(emu, action, params);
  if (response.Error) throw new Error(`${action} failed: ${response.Error.Code}: ${response.Error.Message}`);
  return response as unknown as T & { RequestId: string };
}

/** A VOD call that must fail; returns the error code (and checks the envelope shape). */
export async function vodError(emu: TestEmulator, action: string | null, params: unknown = {}, o: VodCallOptions = {}): Promise<string> {
  const { res, response } = await vodRaw(emu, action, params, o);
  if (res.status !== 200) throw new Error(`expected HTTP 200, got ${res.status}`);
  if (!response.Error) throw new Error(`${action} unexpectedly succeeded`);
  if (!/^[0-9a-f-]{36}$/.test(response.RequestId)) throw new Error(`bad RequestId ${response.RequestId}`);
  return response.Error.Code;
}

export type Upload = ApplyUploadResponse & { key: string; coverKey: string };

/** ApplyUpload, with the COS keys (without the leading `/`). */
export async function applyUpload(emu: TestEmulator, params: Record<string, unknown> = { MediaType: 'mp4' }): Promise<Upload> {
  const r = await vod<ApplyUploadResponse>(emu, 'ApplyUpload', params);
  return { ...r, key: r.MediaStoragePath.slice(1), coverKey: (r.CoverStoragePath ?? '').slice(1) };
}

/**
 * A {@link testEmulator} and one ApplyUpload for a `describe` block: made in `before`, disposed in `after`. Read
 * the fields in tests and hooks (they are set once `before` has run).
 */
export function emulatorWithUpload(options: Partial<EmulatorOptions> = {}): { emu: TestEmulator; upload: Upload } {
  const t = {} as { emu: TestEmulator; upload: Upload };
  before(async () => {
    t.emu = testEmulator(options);
    t.upload = await applyUpload(t.emu);
  });
  after(() => t.emu.dispose());
  return t;
}

/** A real server ({@link servedUpload}) with one ApplyUpload; `key` is its media key (without the leading `/`). */
export interface ServedUpload {
  emu: RunningEmulator;
  dir: string;
  /** `127.0.0.1:port`. */
  host: string;
  upload: ApplyUploadResponse;
  key: string;
  /** Headers of a COS request on `key`, q-signed with the temporary credential over `host` and `headers`. */
  sign(method: string, query?: Record<string, string>, headers?: Record<string, string>): Promise<Record<string, string>>;
  /** The URL of `key`, then `query` as given (`'?uploads'`). */
  url(query?: string): string;
  /** A VOD API call over HTTP, TC3-signed (service `127`, as the SDK signs for 127.0.0.1); returns `Response`. */
  vod<T = Record<string, unknown>>(action: string, params: unknown): Promise<T>;
}

/**
 * A real server (`startEmulator` on a free port, over a new temp dir named `prefix…`) and one ApplyUpload over
 * HTTP, for a `describe` block: started in `before`, closed and deleted in `after`.
 */
export function servedUpload(prefix: string): ServedUpload {
  const s = {} as ServedUpload;
  s.sign = async (method, query = {}, headers = {}) => {
    const cert = s.upload.TempCertificate!;
    const sig = await signCos({ secretId: cert.SecretId, secretKey: cert.SecretKey, method, key: s.key, query, headers: { host: s.host, ...headers } });
    return { host: s.host, ...headers, authorization: sig.authorization, 'x-cos-security-token': cert.Token };
  };
  s.url = (query = '') => `${s.emu.url}/cos/${s.upload.StorageBucket}${cosKeyPath(s.key)}${query}`;
  s.vod = async <T>(action: string, params: unknown) => {
    const body = JSON.stringify(params);
    const timestamp = Math.floor(Date.now() / 1000);
    const { secretId, secretKey } = s.emu.info;
    const sig = await signTc3({ secretId, secretKey, service: '127', host: s.host, timestamp, body });
    const res = await fetch(`${s.emu.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-action': action, 'x-tc-version': '2018-07-17', 'x-tc-timestamp': String(timestamp), authorization: sig.authorization },
      body,
    });
    return ((await res.json()) as { Response: T }).Response;
  };
  before(async () => {
    s.dir = mkdtempSync(join(tmpdir(), prefix));
    s.emu = await startEmulator({ dataDir: s.dir, port: 0, log: () => {} });
    s.host = new URL(s.emu.url).host;
    s.upload = await s.vod<ApplyUploadResponse>('ApplyUpload', { MediaType: 'mp4' });
    s.key = s.upload.MediaStoragePath.slice(1);
  });
  after(async () => {
    await s.emu.close();
    rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

export interface CosCall {
  method: string;
  /** Object key without leading `/`; `''` for bucket-level. */
  key: string;
  bucket?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: BodyInit | Uint8Array;
  /** Sign with these (default: the upload's temporary credential). */
  secretId?: string;
  secretKey?: string;
  /** Token header value; `null` sends none. */
  token?: string | null;
  /** Explicit `start;end` key time. */
  keyTime?: string;
  /** Extra header names to sign (their values must be in `headers`). */
  signHeaders?: string[];
  /** Sign these query names (default: all of `query`). */
  signQuery?: string[];
}

/** A COS request through `app.request`, q-signed like the SDKs (host + content-md5 + x-cos-* headers, all query). */
export async function cos(emu: TestEmulator, upload: Upload, call: CosCall): Promise<Response> {
  const bucket = call.bucket ?? upload.StorageBucket;
  const cert = upload.TempCertificate!;
  const headers: Record<string, string> = { host: HOST, ...call.headers };
  const token = call.token === undefined ? cert.Token : call.token;
  if (token !== null) headers['x-cos-security-token'] = token;
  const signedHeaders: Record<string, string> = { host: HOST };
  for (const [k, v] of Object.entries(headers)) {
    const l = k.toLowerCase();
    if (l === 'content-md5' || l === 'content-length' || (l.startsWith('x-cos-') && l !== 'x-cos-security-token') || call.signHeaders?.includes(l)) signedHeaders[l] = v;
  }
  const query = call.query ?? {};
  const signQuery = call.signQuery ? Object.fromEntries(call.signQuery.map((k) => [k, query[k] ?? ''])) : query;
  const nowSec = Math.floor(emu.clock.now / 1000);
  const sig = await signCos({
    secretId: call.secretId ?? cert.SecretId,
    secretKey: call.secretKey ?? cert.SecretKey,
    method: call.method,
    key: call.key,
    query: signQuery,
    headers: signedHeaders,
    keyTime: call.keyTime ?? `${nowSec - 1};${nowSec + 900}`,
  });
  headers.authorization = sig.authorization;
  const qs = Object.entries(query)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');
  const path = call.key === '' ? '/' : cosKeyPath(call.key);
  const url = `${ORIGIN}/cos/${bucket}${path}${qs ? `?${qs}` : ''}`;
  return emu.app.request(url, { method: call.method, headers, body: call.body as BodyInit | undefined });
}

/** The `<Code>` of a COS XML error body. */
export async function cosCode(res: Response): Promise<string> {
  const text = await res.text();
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `(no code: ${res.status} ${text.slice(0, 80)})`;
}

/** Text of the first `<name>` element. */
export const xmlField = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** Deterministic pseudo-random bytes (fast, no crypto needed). */
export function bytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const MiB = 1024 * 1024;
