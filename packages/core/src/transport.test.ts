import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, UploadError, isAbortError } from './errors.ts';
import { createNodeTransport } from './transport-node.ts';
import { type Transport, createFetchTransport } from './transport.ts';

let server: Server;
let base: string;
const sockets = new Set<Socket>();
const seen: { headers: IncomingMessage['headers']; length: number }[] = [];

before(async () => {
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    if (req.url === '/hang') return; // never answers
    if (req.url === '/cut') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ headers: req.headers, length: body.length });
    if (req.url === '/slow') {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/xml' });
      res.end('<Error><Code>SlowDown</Code><Message>later</Message></Error>');
      return;
    }
    res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
    res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

for (const [label, make] of [['node:http', () => createNodeTransport()], ['fetch', () => createFetchTransport()]] as [string, () => Transport][]) {
  describe(`${label} transport`, () => {
    it('PUTs the exact bytes with the given headers (not Host/Content-Length) and reports progress up to the size', async () => {
      const transport = make();
      const body = new Uint8Array(randomBytes(1_000_003));
      const progress: number[] = [];
      const md5 = createHash('md5').update(body).digest('base64');
      const res = await transport({
        method: 'PUT', url: `${base}/ok`, body, headers: { 'Content-MD5': md5, Host: 'evil.example', 'Content-Length': '1' }, onProgress: (n) => progress.push(n),
      });
      assert.equal(res.status, 200);
      assert.equal(res.header('ETag'), `"${createHash('md5').update(body).digest('hex')}"`);
      const last = seen.at(-1)!;
      assert.equal(last.length, body.length);
      assert.equal(last.headers['content-md5'], md5);
      assert.equal(last.headers.host, new URL(base).host);
      assert.equal(progress.at(-1), body.length);
      assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]!));
      if (label === 'node:http') assert.ok(progress.length > 2, 'progress during the upload');
    });

    it('passes error answers through with their body and headers', async () => {
      const res = await make()({ method: 'PUT', url: `${base}/slow`, body: new Uint8Array(10), headers: {} });
      assert.equal(res.status, 503);
      assert.equal(res.header('retry-after'), '1');
      assert.match(res.text, /SlowDown/);
    });

    it('maps a cut connection to NETWORK, a stall to TIMEOUT and an abort to its reason', async () => {
      const transport = make();
      await assert.rejects(transport({ method: 'PUT', url: `${base}/cut`, body: new Uint8Array(randomBytes(4 << 20)), headers: {} }), (e: unknown) => e instanceof UploadError && e.code === ErrorCode.NETWORK);
      await assert.rejects(transport({ method: 'PUT', url: `${base}/hang`, body: new Uint8Array(5), headers: {}, timeout: 50 }), (e: unknown) => e instanceof UploadError && e.code === ErrorCode.TIMEOUT);
      const controller = new AbortController();
      const pending = transport({ method: 'PUT', url: `${base}/hang`, body: new Uint8Array(5), headers: {}, signal: controller.signal });
      setTimeout(() => controller.abort(new UploadError(ErrorCode.ABORTED, 'stop')), 10);
      await assert.rejects(pending, (e: unknown) => isAbortError(e));
      const aborted = new AbortController();
      aborted.abort();
      await assert.rejects(transport({ method: 'PUT', url: `${base}/ok`, body: new Uint8Array(5), headers: {}, signal: aborted.signal }));
    });
  });
}
