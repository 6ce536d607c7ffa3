/**
 * Test double for the engine's tests: the signer's routes and a COS-like storage in one plain node:http server on
 * 127.0.0.1:0. Storage verifies `Content-MD5` and the planned size, answers ETag = quoted MD5, errors as COS XML;
 * URLs expire; faults (status, cut, delay, expired) are injected per part; everything is counted.
 * Not part of the package (excluded from `files`).
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeFaultAction =
  | { type: 'status'; status: number; code?: string; message?: string; headers?: Record<string, string> }
  | { type: 'cut' }
  | { type: 'delay'; ms: number }
  | { type: 'expired' };

export interface FakeFault {
  /** `part` = UploadPart PUTs, `media`/`cover` = single PUTs, `sign`/`create`/`complete`/`parts` = signer routes. */
  op: 'part' | 'media' | 'cover' | 'sign' | 'create' | 'complete' | 'parts';
  partNumber?: number;
  times: number;
  action: FakeFaultAction;
}

interface FakeSession {
  id: string;
  name: string;
  size: number | null;
  partSize: number;
  strategy: 'single' | 'multipart';
  stream: boolean;
  parts: Map<number, { bytes: Buffer; md5: string }>;
  media?: Buffer;
  cover?: Buffer;
  aborted: boolean;
  result?: { fileId: string; mediaUrl: string; coverUrl: string; requestId: string };
  sha1?: string;
}

export interface FakeCloudOptions {
  /** Files up to this size get a `single` session (default 0: always multipart unless overridden). */
  singleThreshold?: number;
  /** Force the part size the "signer" answers (default: the client's). */
  partSize?: number;
  /** Lifetime of presigned URLs, ms (default 10 min). */
  urlTtl?: number;
  /** Status answers `processing` this many times before `ready`. */
  processingPolls?: number;
}

export interface FakeCloud {
  /** Base URL of the signer routes (`…/vod`). */
  readonly signerUrl: string;
  readonly sessions: Map<string, FakeSession>;
  /** sha1:size → result, the "verified" instant-upload index. */
  readonly instantIndex: Map<string, { fileId: string; mediaUrl: string; coverUrl: string }>;
  readonly stats: {
    /** Part PUTs that reached storage, per part number (all attempts). */
    partPuts: Map<number, number>;
    /** Part PUTs stored successfully, per part number. */
    partStored: Map<number, number>;
    mediaPuts: number;
    coverPuts: number;
    signCalls: { parts: number[]; media: boolean; cover: boolean; sizes: (number | undefined)[] }[];
    createCalls: Record<string, unknown>[];
    completeCalls: Record<string, unknown>[];
    instantCalls: number;
    listCalls: number;
    abortCalls: number;
    statusCalls: number;
    maxConcurrentPuts: number;
  };
  addFault(fault: FakeFault): void;
  /** Bytes of a completed (or single) upload's object. */
  objectOf(sessionId: string): Buffer | undefined;
  close(): Promise<void>;
}

const md5hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const sha1hex = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

function xmlError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const requestId = `req-${randomUUID()}`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-cos-request-id': requestId, ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function jsonError(res: ServerResponse, status: number, code: string, message: string, retryable: boolean) {
  json(res, status, { error: { code, message, retryable, requestId: `sig-${randomUUID()}` } });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeCloud(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  const { singleThreshold = 0, urlTtl = 600_000, processingPolls = 0 } = options;
  const sessions = new Map<string, FakeSession>();
  const instantIndex = new Map<string, { fileId: string; mediaUrl: string; coverUrl: string }>();
  const faults: FakeFault[] = [];
  const sockets = new Set<Socket>();
  const statusPolls = new Map<string, number>();
  let concurrentPuts = 0;
  const stats: FakeCloud['stats'] = {
    partPuts: new Map(),
    partStored: new Map(),
    mediaPuts: 0,
    coverPuts: 0,
    signCalls: [],
    createCalls: [],
    completeCalls: [],
    instantCalls: 0,
    listCalls: 0,
    abortCalls: 0,
    statusCalls: 0,
    maxConcurrentPuts: 0,
  };
  let base = '';

  function takeFault(op: FakeFault['op'], partNumber?: number): FakeFaultAction | undefined {
    const fault = faults.find((f) => f.op === op && f.times > 0 && (f.partNumber === undefined || f.partNumber === partNumber));
    if (!fault) return undefined;
    fault.times--;
    return fault.action;
  }

  /** Applies a fault; returns true when the request has been answered (or cut). */
  async function applyFault(action: FakeFaultAction | undefined, req: IncomingMessage, res: ServerResponse, xml: boolean): Promise<boolean> {
    if (!action) return false;
    if (action.type === 'delay') {
      await new Promise((r) => setTimeout(r, action.ms));
      return false;
    }
    if (action.type === 'cut') {
      req.socket.destroy();
      return true;
    }
    if (action.type === 'expired') {
      await readBody(req).catch(() => {});
      xmlError(res, 403, 'AccessDenied', 'Request has expired');
      return true;
    }
    await readBody(req).catch(() => {});
    if (xml) xmlError(res, action.status, action.code ?? 'ServiceUnavailable', action.message ?? 'Please try again.', action.headers);
    else {
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(JSON.stringify({ error: { code: action.code ?? 'InternalError', message: action.message ?? 'injected', retryable: action.status >= 500 || action.status === 429 } }));
    }
    return true;
  }

  function plannedSize(session: FakeSession, n: number): number | undefined {
    if (session.size === null) return undefined;
    const start = (n - 1) * session.partSize;
    return Math.min(session.size, start + session.partSize) - start;
  }

  function assemble(session: FakeSession): Buffer | undefined {
    if (session.strategy === 'single') return session.media;
    const numbers = [...session.parts.keys()].sort((a, b) => a - b);
    return Buffer.concat(numbers.map((n) => session.parts.get(n)!.bytes));
  }

  async function storage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [, , sessionId, target, partText] = url.pathname.split('/');
    const session = sessions.get(sessionId ?? '');
    const n = Number(partText);
    const op = target === 'part' ? 'part' : target === 'cover' ? 'cover' : 'media';
    if (op === 'part') stats.partPuts.set(n, (stats.partPuts.get(n) ?? 0) + 1);
    else if (op === 'media') stats.mediaPuts++;
    else stats.coverPuts++;
    concurrentPuts++;
    stats.maxConcurrentPuts = Math.max(stats.maxConcurrentPuts, concurrentPuts);
    try {
      if (await applyFault(takeFault(op, n), req, res, true)) return;
      if (Number(url.searchParams.get('expires')) < Date.now()) {
        await readBody(req);
        return xmlError(res, 403, 'AccessDenied', 'Request has expired');
      }
      if (!session || session.aborted) {
        await readBody(req);
        return xmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      }
      const body = await readBody(req);
      const contentMd5 = req.headers['content-md5'];
      const signedMd5 = url.searchParams.get('md5');
      if (signedMd5 && contentMd5 !== signedMd5) return xmlError(res, 403, 'SignatureDoesNotMatch', 'Content-MD5 differs from the signed one.');
      if (contentMd5 && Buffer.from(String(contentMd5), 'base64').toString('hex') !== md5hex(body)) {
        return xmlError(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      const signedSize = url.searchParams.get('size');
      if (signedSize !== null && Number(signedSize) !== body.length) {
        return xmlError(res, 403, 'SignatureDoesNotMatch', 'Content-Length differs from the signed one.');
      }
      const md5 = md5hex(body);
      if (op === 'part') {
        session.parts.set(n, { bytes: body, md5 });
        stats.partStored.set(n, (stats.partStored.get(n) ?? 0) + 1);
      } else if (op === 'media') session.media = body;
      else session.cover = body;
      res.writeHead(200, { etag: `"${md5}"`, 'x-cos-request-id': `req-${randomUUID()}` });
      res.end();
    } finally {
      concurrentPuts--;
    }
  }

  async function signer(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const text = req.method === 'POST' ? (await readBody(req)).toString('utf8') : '';
    const body = (text ? JSON.parse(text) : {}) as Record<string, any>;
    if (route === '/uploads') {
      stats.createCalls.push(body);
      if (await applyFault(takeFault('create'), req, res, false)) return;
      const size: number | null = body.stream ? null : body.file.size;
      if (body.sha1 && size !== null) {
        const hit = instantIndex.get(`${body.sha1}:${size}`);
        if (hit) return json(res, 200, { instant: hit });
      }
      const partSize = options.partSize ?? body.partSize ?? 8 * 1024 * 1024;
      const strategy = size !== null && size <= singleThreshold ? 'single' : 'multipart';
      const id = `s-${randomUUID()}`;
      sessions.set(id, { id, name: body.file.name, size, partSize, strategy, stream: !!body.stream, parts: new Map(), aborted: false });
      return json(res, 200, {
        session: id,
        strategy,
        partSize,
        partCount: size === null ? null : strategy === 'single' ? 1 : Math.max(1, Math.ceil(size / partSize)),
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        mediaType: 'mp4',
      });
    }
    if (route === '/uploads/instant') {
      stats.instantCalls++;
      return json(res, 200, { instant: instantIndex.get(`${body.sha1}:${body.size}`) ?? null });
    }
    const session = sessions.get(body.session);
    if (route.startsWith('/media/')) {
      stats.statusCalls++;
      const fileId = decodeURIComponent(route.split('/')[2]!);
      const seen = (statusPolls.get(fileId) ?? 0) + 1;
      statusPolls.set(fileId, seen);
      return json(res, 200, { fileId, status: seen > processingPolls ? 'ready' : 'processing' });
    }
    if (!session || session.aborted) return jsonError(res, 404, 'SessionNotFound', 'No such session.', false);
    if (route === '/uploads/sign') {
      const parts = (body.parts ?? []) as { partNumber: number; md5?: string; size?: number }[];
      stats.signCalls.push({ parts: parts.map((p) => p.partNumber), media: !!body.media, cover: !!body.cover, sizes: parts.map((p) => p.size) });
      if (await applyFault(takeFault('sign'), req, res, false)) return;
      if (parts.length > 100) return jsonError(res, 400, 'TooManyParts', 'At most 100.', false);
      const expires = Date.now() + urlTtl;
      const urls = [];
      const make = (target: string, n: number | undefined, md5?: string, size?: number) => {
        const q = new URLSearchParams({ expires: String(expires) });
        if (md5) q.set('md5', md5);
        if (size !== undefined) q.set('size', String(size));
        const headers: Record<string, string> = {};
        if (md5) headers['Content-MD5'] = md5;
        return { target, partNumber: n, method: 'PUT', url: `${base}/cos/${session.id}/${target}/${n ?? 0}?${q}`, headers, expiresAt: new Date(expires).toISOString() };
      };
      for (const p of parts) {
        if (session.stream && !(p.size! >= 1 && p.size! <= session.partSize)) return jsonError(res, 400, 'invalid_request', 'size is required for stream sessions (1..partSize)', false);
        urls.push(make('part', p.partNumber, p.md5, p.size ?? plannedSize(session, p.partNumber)));
      }
      if (body.media) urls.push(make('media', undefined, body.media.md5, session.size ?? undefined));
      if (body.cover) urls.push(make('cover', undefined, body.cover.md5));
      return json(res, 200, { urls });
    }
    if (route === '/uploads/parts') {
      stats.listCalls++;
      if (await applyFault(takeFault('parts'), req, res, false)) return;
      const parts = [...session.parts.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, p]) => ({ partNumber, etag: `"${p.md5}"`, size: p.bytes.length }));
      return json(res, 200, { parts });
    }
    if (route === '/uploads/complete') {
      stats.completeCalls.push(body);
      if (await applyFault(takeFault('complete'), req, res, false)) return;
      if (session.result) return json(res, 200, session.result);
      if (session.strategy === 'multipart') {
        const listed = (body.parts ?? []) as { partNumber: number; etag: string }[];
        for (const p of listed) {
          const stored = session.parts.get(p.partNumber);
          if (!stored || `"${stored.md5}"` !== p.etag) return jsonError(res, 400, 'InvalidPart', `Part ${p.partNumber} does not match.`, false);
        }
        if (listed.length !== session.parts.size) return jsonError(res, 400, 'InvalidPart', 'Part list differs from storage.', false);
        const numbers = listed.map((p) => p.partNumber);
        if (numbers.some((v, i) => v !== i + 1)) return jsonError(res, 400, 'InvalidPartOrder', 'Parts must be 1..N.', false);
      } else if (!session.media) return jsonError(res, 400, 'NoMedia', 'Nothing uploaded.', false);
      const object = assemble(session)!;
      if (session.size !== null && object.length !== session.size) return jsonError(res, 400, 'SizeMismatch', `Got ${object.length} bytes.`, false);
      const fileId = String(5285890000000000 + sessions.size * 7 + object.length);
      session.sha1 = sha1hex(object);
      session.result = {
        fileId,
        mediaUrl: `${base}/media/${fileId}/${encodeURIComponent(session.name)}`,
        coverUrl: session.cover ? `${base}/media/${fileId}/cover.jpg` : '',
        requestId: `req-${randomUUID()}`,
      };
      // The index takes only verified hashes: the client's claim must equal the stored bytes.
      if (body.sha1 === session.sha1) {
        instantIndex.set(`${session.sha1}:${object.length}`, { fileId, mediaUrl: session.result.mediaUrl, coverUrl: session.result.coverUrl });
      }
      return json(res, 200, session.result);
    }
    if (route === '/uploads/abort') {
      stats.abortCalls++;
      session.aborted = true;
      return json(res, 200, {});
    }
    return jsonError(res, 404, 'NotFound', route, false);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const handle = url.pathname.startsWith('/cos/')
      ? storage(req, res, url)
      : url.pathname.startsWith('/vod/')
        ? signer(req, res, url.pathname.slice(4))
        : Promise.resolve(jsonError(res, 404, 'NotFound', url.pathname, false));
    handle.catch(() => {
      if (!res.headersSent) jsonError(res, 500, 'InternalError', 'fake cloud failed', true);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    signerUrl: `${base}/vod`,
    sessions,
    instantIndex,
    stats,
    addFault: (fault) => faults.push({ ...fault }),
    objectOf: (id) => {
      const session = sessions.get(id);
      return session ? assemble(session) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
