import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createCosClient, type CosClientOptions } from './cos-client.ts';
import { verifyCos } from './cos-sign.ts';
import { TencentCloudError } from './errors.ts';

const SECRET_ID = 'AKIDfakeCosTestOnly000000000000';
const SECRET_KEY = 'fakeCosTestSecretKeyNotReal0000';
const TOKEN = 'fake-session-token+/=';
const NOW_MS = 1_700_000_000_500;
const NOW_S = 1_700_000_000;
const BUCKET = 'examplebucket-1250000000';
const HOST = `${BUCKET}.cos.ap-guangzhou.myqcloud.com`;

interface Captured {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestInit['body'];
  duplex?: string;
  signal?: AbortSignal;
}

type Reply = Response | ((req: Captured) => Response | Promise<Response>);

function fakeFetch(...replies: Reply[]) {
  const calls: Captured[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit & { duplex?: string } = {}) => {
    const req: Captured = {
      url: new URL(String(input)),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
      duplex: init.duplex,
      signal: init.signal ?? undefined,
    };
    calls.push(req);
    const reply = replies.shift();
    if (!reply) throw new Error('unexpected request');
    return typeof reply === 'function' ? reply(req) : reply;
  };
  return { fetch, calls };
}

function client(fetch: CosClientOptions['fetch'], extra: Partial<CosClientOptions> = {}) {
  return createCosClient({
    credential: { secretId: SECRET_ID, secretKey: SECRET_KEY, token: TOKEN },
    bucket: BUCKET,
    region: 'ap-guangzhou',
    fetch,
    now: () => NOW_MS,
    ...extra,
  });
}

/** Verifies a captured request as COS does: host from the URL, key decoded from the path minus `prefix`. */
function verify(req: Captured, { prefix = '', secretKey = SECRET_KEY, host }: { prefix?: string; secretKey?: string; host?: string } = {}) {
  const headers = new Headers(req.headers);
  headers.set('host', host ?? req.url.host);
  assert.ok(req.url.pathname.startsWith(prefix));
  return verifyCos({
    method: req.method,
    key: decodeURIComponent(req.url.pathname.slice(prefix.length)),
    query: req.url.searchParams,
    headers,
    lookupSecret: (id) => (id === SECRET_ID ? secretKey : undefined),
    now: NOW_S + 10,
  });
}

function authField(req: Captured, name: string): string | null {
  return new URLSearchParams(req.headers.get('authorization') ?? '').get(name);
}

function xml(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/xml', 'x-cos-request-id': 'hdr-req-id', ...headers } });
}

function cosErrorXml(code: string, message: string, requestId = 'NjU1ZmFrZV9yZXF1ZXN0X2lk') {
  return `<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>${code}</Code>\n\t<Message>${message}</Message>\n\t<Resource>${HOST}/x</Resource>\n\t<RequestId>${requestId}</RequestId>\n\t<TraceId>OGVmYzZiMmQ=</TraceId>\n</Error>`;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('createCosClient: requests', () => {
  it('putObject signs host, content-length and content-md5, sends the token, and encodes a non-ASCII key', async () => {
    const { fetch, calls } = fakeFetch(
      new Response(null, { status: 200, headers: { etag: '"9a0364b9e99bb480dd25e1f0284c8555"', 'x-cos-hash-crc64ecma': '11051210869376104954', 'x-cos-request-id': 'rid-put' } }),
    );
    const body = new TextEncoder().encode('content');
    const out = await client(fetch).putObject({ key: 'dir/视频 (1)!.mp4', body, contentType: 'video/mp4', contentMd5: 'mgNkuembtIDdJeHwKEyFVQ==' });
    assert.deepEqual(out, { etag: '"9a0364b9e99bb480dd25e1f0284c8555"', crc64: '11051210869376104954', requestId: 'rid-put' });

    const req = calls[0]!;
    assert.equal(req.method, 'PUT');
    assert.equal(req.url.href, `https://${HOST}/dir/%E8%A7%86%E9%A2%91%20%281%29%21.mp4`);
    assert.equal(req.body, body);
    assert.equal(req.headers.get('content-length'), '7');
    assert.equal(req.headers.get('content-type'), 'video/mp4');
    assert.equal(req.headers.get('content-md5'), 'mgNkuembtIDdJeHwKEyFVQ==');
    assert.equal(req.headers.get('x-cos-security-token'), TOKEN);
    assert.equal(authField(req, 'q-sign-algorithm'), 'sha1');
    assert.equal(authField(req, 'q-ak'), SECRET_ID);
    assert.equal(authField(req, 'q-header-list'), 'content-length;content-md5;host');
    assert.equal(authField(req, 'q-url-param-list'), '');
    assert.equal(authField(req, 'q-key-time'), `${NOW_S - 1};${NOW_S - 1 + 900}`);
    assert.deepEqual(await verify(req), { ok: true, secretId: SECRET_ID, securityToken: TOKEN });
    assert.equal((await verify(req, { secretKey: 'otherFakeKey' })).ok, false);
    // The signature covers the length: a different length does not verify.
    const tampered = { ...req, headers: new Headers(req.headers) };
    tampered.headers.set('content-length', '8');
    assert.equal((await verify(tampered)).ok, false);
  });

  it('uses an emulator endpoint with a path prefix, signing only / + key and the host with its port', async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { headers: { etag: '"e"' } }));
    const cos = client(fetch, { endpoint: 'http://127.0.0.1:9000/cos/{Bucket}' });
    assert.equal(cos.baseUrl, `http://127.0.0.1:9000/cos/${BUCKET}`);
    await cos.putObject({ key: '/5285890784273533167/video.mp4', body: new Uint8Array(3) });
    const req = calls[0]!;
    assert.equal(req.url.href, `http://127.0.0.1:9000/cos/${BUCKET}/5285890784273533167/video.mp4`);
    assert.equal((await verify(req, { prefix: `/cos/${BUCKET}` })).ok, true);
    assert.equal((await verify(req, { prefix: `/cos/${BUCKET}`, host: '127.0.0.1' })).ok, false);
  });

  it('sends a Blob with its size, and a ReadableStream with duplex half (length only when given)', async () => {
    const ok = () => new Response(null, { headers: { etag: '"e"' } });
    const { fetch, calls } = fakeFetch(ok(), ok(), ok());
    const cos = client(fetch);
    await cos.putObject({ key: 'a', body: new Blob(['12345']) });
    await cos.putObject({ key: 'b', body: new Blob(['xyz']).stream() });
    await cos.putObject({ key: 'c', body: new Blob(['xyz']).stream(), contentLength: 3 });
    assert.equal(calls[0]!.headers.get('content-length'), '5');
    assert.equal(calls[0]!.duplex, undefined);
    assert.equal(calls[1]!.headers.get('content-length'), null);
    assert.equal(calls[1]!.duplex, 'half');
    assert.equal(authField(calls[1]!, 'q-header-list'), 'host');
    assert.equal(calls[2]!.headers.get('content-length'), '3');
    assert.equal(authField(calls[2]!, 'q-header-list'), 'content-length;host');
    for (const req of calls) assert.equal((await verify(req)).ok, true);
  });

  it('initiateMultipartUpload posts ?uploads and reads the UploadId', async () => {
    const { fetch, calls } = fakeFetch(
      xml(`<?xml version='1.0' encoding='utf-8' ?>\n<InitiateMultipartUploadResult>\n\t<Bucket>${BUCKET}</Bucket>\n\t<Key>a/b.mp4</Key>\n\t<UploadId>1585130821cbb7df1d1</UploadId>\n</InitiateMultipartUploadResult>`),
    );
    const out = await client(fetch).initiateMultipartUpload({ key: 'a/b.mp4', contentType: 'video/mp4' });
    assert.deepEqual(out, { uploadId: '1585130821cbb7df1d1', requestId: 'hdr-req-id' });
    const req = calls[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url.href, `https://${HOST}/a/b.mp4?uploads`);
    assert.equal(req.headers.get('content-type'), 'video/mp4');
    assert.equal(authField(req, 'q-url-param-list'), 'uploads');
    assert.equal((await verify(req)).ok, true);
  });

  it('uploadPart signs partNumber and uploadId and returns the part ETag', async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { headers: { etag: '"p3"', 'x-cos-hash-crc64ecma': '42' } }));
    const out = await client(fetch).uploadPart({ key: 'k.mp4', uploadId: 'up+id/1', partNumber: 3, body: new Uint8Array(10), contentMd5: 'md5==' });
    assert.equal(out.etag, '"p3"');
    assert.equal(out.crc64, '42');
    const req = calls[0]!;
    assert.equal(req.url.search, '?partNumber=3&uploadId=up%2Bid%2F1');
    assert.equal(req.url.searchParams.get('uploadId'), 'up+id/1');
    assert.equal(authField(req, 'q-url-param-list'), 'partnumber;uploadid');
    assert.equal(authField(req, 'q-header-list'), 'content-length;content-md5;host');
    assert.equal((await verify(req)).ok, true);
  });

  it('uploadPart without a readable ETag is an error that names the CORS fix; bad part numbers never reach fetch', async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { status: 200 }));
    const cos = client(fetch);
    const e = await rejection(cos.uploadPart({ key: 'k', uploadId: 'u', partNumber: 1, body: new Uint8Array(1) }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'invalid-response');
    assert.match(e.message, /ExposeHeaders/);
    for (const partNumber of [0, 10001, 1.5]) {
      await assert.rejects(cos.uploadPart({ key: 'k', uploadId: 'u', partNumber, body: new Uint8Array(1) }), RangeError);
    }
    assert.equal(calls.length, 1);
  });

  it('completeMultipartUpload sends the SDK XML body (sorted, quoted ETags) as application/xml', async () => {
    const { fetch, calls } = fakeFetch(
      xml(
        `<?xml version='1.0' encoding='utf-8' ?>\n<CompleteMultipartUploadResult>\n\t<Location>${HOST}/k.mp4</Location>\n\t<Bucket>${BUCKET}</Bucket>\n\t<Key>k.mp4</Key>\n\t<ETag>&quot;c0ffee-2&quot;</ETag>\n</CompleteMultipartUploadResult>`,
        200,
        { 'x-cos-hash-crc64ecma': '123' },
      ),
    );
    const out = await client(fetch).completeMultipartUpload({
      key: 'k.mp4',
      uploadId: 'u1',
      parts: [
        { partNumber: 2, etag: 'bbb' },
        { partNumber: 1, etag: '"aaa"' },
      ],
    });
    assert.deepEqual(out, { etag: '"c0ffee-2"', location: `${HOST}/k.mp4`, crc64: '123', requestId: 'hdr-req-id' });
    const req = calls[0]!;
    const body =
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;aaa&quot;</ETag></Part>' +
      '<Part><PartNumber>2</PartNumber><ETag>&quot;bbb&quot;</ETag></Part></CompleteMultipartUpload>';
    assert.equal(req.method, 'POST');
    assert.equal(req.url.search, '?uploadId=u1');
    assert.equal(req.body, body);
    assert.equal(req.headers.get('content-type'), 'application/xml');
    assert.equal(req.headers.get('content-length'), String(body.length));
    assert.equal((await verify(req)).ok, true);
  });

  it('completeMultipartUpload answered 200 with an <Error> body throws it', async () => {
    const { fetch } = fakeFetch(xml(cosErrorXml('InternalError', 'We encountered an internal error.')));
    const e = await rejection(client(fetch).completeMultipartUpload({ key: 'k', uploadId: 'u', parts: [{ partNumber: 1, etag: '"a"' }] }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'InternalError');
    assert.equal(e.status, 200);
    assert.equal(e.retryable, true);
  });

  it('abortMultipartUpload deletes ?uploadId and accepts 204', async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { status: 204 }));
    await client(fetch).abortMultipartUpload({ key: 'k.mp4', uploadId: 'u1' });
    assert.equal(calls[0]!.method, 'DELETE');
    assert.equal(calls[0]!.url.search, '?uploadId=u1');
    assert.equal((await verify(calls[0]!)).ok, true);
  });

  it('headObject reads size, etag, type, crc64 and date; 404 without a body is NoSuchKey', async () => {
    const { fetch, calls } = fakeFetch(
      new Response(null, {
        status: 200,
        headers: {
          'content-length': '1048576',
          etag: '"abc"',
          'content-type': 'video/mp4',
          'x-cos-hash-crc64ecma': '99',
          'last-modified': 'Wed, 15 Nov 2023 00:00:00 GMT',
          'x-cos-request-id': 'rid-h',
        },
      }),
      new Response(null, { status: 404, headers: { 'x-cos-request-id': 'rid-404' } }),
    );
    const cos = client(fetch);
    assert.deepEqual(await cos.headObject({ key: 'k.mp4' }), {
      size: 1048576,
      etag: '"abc"',
      contentType: 'video/mp4',
      crc64: '99',
      lastModified: 'Wed, 15 Nov 2023 00:00:00 GMT',
      requestId: 'rid-h',
    });
    assert.equal(calls[0]!.method, 'HEAD');
    assert.equal((await verify(calls[0]!)).ok, true);
    const e = await rejection(cos.headObject({ key: 'missing.mp4' }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'NoSuchKey');
    assert.equal(e.status, 404);
    assert.equal(e.requestId, 'rid-404');
    assert.equal(e.retryable, false);
  });

  it('getObject signs Range and returns the streaming Response; a 404 XML error is thrown', async () => {
    const { fetch, calls } = fakeFetch(
      new Response('0123', { status: 206, headers: { 'content-range': 'bytes 0-3/10' } }),
      xml(cosErrorXml('NoSuchKey', 'The specified key does not exist.', 'rid-nsk'), 404),
    );
    const cos = client(fetch);
    const res = await cos.getObject({ key: 'k.mp4', range: 'bytes=0-3' });
    assert.equal(res.status, 206);
    assert.equal(await res.text(), '0123');
    assert.equal(calls[0]!.headers.get('range'), 'bytes=0-3');
    assert.equal(authField(calls[0]!, 'q-header-list'), 'host;range');
    assert.equal((await verify(calls[0]!)).ok, true);
    const e = await rejection(cos.getObject({ key: 'gone.mp4' }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'NoSuchKey');
    assert.equal(e.message, 'The specified key does not exist.');
    assert.equal(e.requestId, 'rid-nsk');
  });

  it('getObject rejects a success status other than 200/206', async () => {
    const { fetch } = fakeFetch(new Response(null, { status: 204 }));
    const e = await rejection(client(fetch).getObject({ key: 'k' }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'invalid-response');
  });
});

describe('createCosClient: pagination', () => {
  const part = (n: number) =>
    `<Part><PartNumber>${n}</PartNumber><LastModified>2023-11-14T22:13:20.000Z</LastModified><ETag>"md5-${n}"</ETag><Size>${1048576 + n}</Size></Part>`;
  const page = (parts: number[], marker: number, next: number | null, truncated: boolean) =>
    xml(
      `<?xml version='1.0' encoding='utf-8' ?>\n<ListPartsResult><Bucket>${BUCKET}</Bucket><Encoding-Type/><Key>k.mp4</Key><UploadId>u1</UploadId>` +
        `<PartNumberMarker>${marker}</PartNumberMarker>${parts.map(part).join('\n')}` +
        (next === null ? '' : `<NextPartNumberMarker>${next}</NextPartNumberMarker>`) +
        `<MaxParts>2</MaxParts><IsTruncated>${truncated}</IsTruncated></ListPartsResult>`,
    );

  it('listParts follows IsTruncated / NextPartNumberMarker across 3 pages', async () => {
    const { fetch, calls } = fakeFetch(page([1, 2], 0, 2, true), page([3, 4], 2, 4, true), page([5], 4, 5, false));
    const parts = await client(fetch).listParts({ key: 'k.mp4', uploadId: 'u1', maxParts: 2 });
    assert.deepEqual(
      parts.map((p) => [p.partNumber, p.etag, p.size]),
      [1, 2, 3, 4, 5].map((n) => [n, `"md5-${n}"`, 1048576 + n]),
    );
    assert.equal(parts[0]!.lastModified, '2023-11-14T22:13:20.000Z');
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((c) => c.url.search),
      ['?uploadId=u1&max-parts=2', '?uploadId=u1&max-parts=2&part-number-marker=2', '?uploadId=u1&max-parts=2&part-number-marker=4'],
    );
    assert.equal(authField(calls[2]!, 'q-url-param-list'), 'max-parts;part-number-marker;uploadid');
    for (const req of calls) assert.equal((await verify(req)).ok, true);
  });

  it('listParts stops with an error on a truncated page without a usable marker (no endless loop)', async () => {
    const { fetch, calls } = fakeFetch(page([1], 0, null, true), page([1], 0, 1, true), page([1], 1, 1, true));
    const cos = client(fetch);
    const e1 = await rejection(cos.listParts({ key: 'k.mp4', uploadId: 'u1' }));
    assert.ok(e1 instanceof TencentCloudError);
    assert.equal(e1.code, 'invalid-response');
    const e2 = await rejection(cos.listParts({ key: 'k.mp4', uploadId: 'u1' }));
    assert.ok(e2 instanceof TencentCloudError);
    assert.equal(e2.code, 'invalid-response');
    assert.equal(calls.length, 3);
  });

  it('listParts turns an unreadable body into invalid-response and a NoSuchUpload 404 into its code', async () => {
    const { fetch } = fakeFetch(xml('<ListPartsResult><Part>'), xml(cosErrorXml('NoSuchUpload', 'The specified upload does not exist.'), 404));
    const cos = client(fetch);
    const e1 = await rejection(cos.listParts({ key: 'k', uploadId: 'u' }));
    assert.ok(e1 instanceof TencentCloudError);
    assert.equal(e1.code, 'invalid-response');
    assert.ok(e1.cause instanceof SyntaxError);
    const e2 = await rejection(cos.listParts({ key: 'k', uploadId: 'u' }));
    assert.ok(e2 instanceof TencentCloudError);
    assert.equal(e2.service, 'cos');
    assert.equal(e2.code, 'NoSuchUpload');
    assert.equal(e2.status, 404);
    assert.equal(e2.requestId, 'NjU1ZmFrZV9yZXF1ZXN0X2lk');
    assert.equal(e2.retryable, false);
  });

  it('listMultipartUploads is bucket-level (signed path /) and follows key and upload-id markers', async () => {
    const upload = (key: string, id: string) =>
      `<Upload><Key>${key}</Key><UploadId>${id}</UploadId><StorageClass>STANDARD</StorageClass><Initiator><ID>x</ID></Initiator><Initiated>2023-11-14T22:13:20.000Z</Initiated></Upload>`;
    const { fetch, calls } = fakeFetch(
      xml(`<ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><Prefix>视频/</Prefix><IsTruncated>true</IsTruncated><NextKeyMarker>视频/a.mp4</NextKeyMarker><NextUploadIdMarker>id-2</NextUploadIdMarker>${upload('视频/a.mp4', 'id-1')}${upload('视频/a.mp4', 'id-2')}</ListMultipartUploadsResult>`),
      xml(`<ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><IsTruncated>false</IsTruncated>${upload('视频/b.mp4', 'id-3')}</ListMultipartUploadsResult>`),
    );
    const uploads = await client(fetch).listMultipartUploads({ prefix: '视频/', maxUploads: 2 });
    assert.deepEqual(uploads, [
      { key: '视频/a.mp4', uploadId: 'id-1', initiated: '2023-11-14T22:13:20.000Z', storageClass: 'STANDARD' },
      { key: '视频/a.mp4', uploadId: 'id-2', initiated: '2023-11-14T22:13:20.000Z', storageClass: 'STANDARD' },
      { key: '视频/b.mp4', uploadId: 'id-3', initiated: '2023-11-14T22:13:20.000Z', storageClass: 'STANDARD' },
    ]);
    assert.equal(calls[0]!.url.pathname, '/');
    assert.equal(calls[0]!.url.search, '?uploads&prefix=%E8%A7%86%E9%A2%91%2F&max-uploads=2');
    assert.equal(calls[1]!.url.searchParams.get('key-marker'), '视频/a.mp4');
    assert.equal(calls[1]!.url.searchParams.get('upload-id-marker'), 'id-2');
    assert.equal(authField(calls[1]!, 'q-url-param-list'), 'key-marker;max-uploads;prefix;upload-id-marker;uploads');
    for (const req of calls) assert.equal((await verify(req)).ok, true);
  });
});

describe('createCosClient: errors', () => {
  it('maps COS XML errors with code, message, request id, status and retryable', async () => {
    const { fetch } = fakeFetch(
      xml(cosErrorXml('SlowDown', 'Please reduce your request rate.'), 503),
      xml(cosErrorXml('SignatureDoesNotMatch', 'The Signature you specified does not match.'), 403),
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      new Response('', { status: 400 }),
    );
    const cos = client(fetch);
    const seen: Array<[string, number | undefined, boolean]> = [];
    for (let i = 0; i < 4; i++) {
      const e = await rejection(cos.putObject({ key: 'k', body: new Uint8Array(1) }));
      assert.ok(e instanceof TencentCloudError);
      assert.equal(e.service, 'cos');
      assert.ok(!e.message.includes(SECRET_KEY));
      seen.push([e.code, e.status, e.retryable]);
    }
    assert.deepEqual(seen, [
      ['SlowDown', 503, true],
      ['SignatureDoesNotMatch', 403, false],
      ['http', 502, true],
      ['http', 400, false],
    ]);
  });

  it('maps a fetch failure to a retryable network error with the cause', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch } = fakeFetch(() => {
      throw cause;
    });
    const e = await rejection(client(fetch).headObject({ key: 'k' }));
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.service, 'cos');
    assert.equal(e.code, 'network');
    assert.equal(e.retryable, true);
    assert.equal(e.cause, cause);
  });

  it('aborts with the signal reason, and never calls fetch for an aborted signal', async () => {
    const controller = new AbortController();
    const { fetch, calls } = fakeFetch(
      (req) =>
        new Promise<Response>((_resolve, reject) => {
          req.signal!.addEventListener('abort', () => reject(req.signal!.reason));
          controller.abort();
        }),
    );
    const cos = client(fetch);
    const e = await rejection(cos.uploadPart({ key: 'k', uploadId: 'u', partNumber: 1, body: new Uint8Array(1), signal: controller.signal }));
    assert.ok(e instanceof DOMException);
    assert.equal(e.name, 'AbortError');
    const reason = new Error('paused');
    assert.equal(await rejection(cos.listParts({ key: 'k', uploadId: 'u', signal: AbortSignal.abort(reason) })), reason);
    assert.equal(calls.length, 1);
  });

  it('validates its options', () => {
    assert.throws(() => createCosClient({ credential: { secretId: '', secretKey: 'x' }, bucket: BUCKET, region: 'r' }), TypeError);
    assert.throws(() => createCosClient({ credential: { secretId: 'x', secretKey: 'y' }, bucket: '', region: 'r' }), TypeError);
    assert.throws(() => createCosClient({ credential: { secretId: 'x', secretKey: 'y' }, bucket: 'b', region: 'r', endpoint: 'not a url {Bucket}' }), TypeError);
  });
});

describe('createCosClient: presignUrl', () => {
  it('presigns a part upload that verifies from its query, token included', async () => {
    const cos = client(undefined, { endpoint: 'http://127.0.0.1:9000/cos/{Bucket}' });
    const url = new URL(await cos.presignUrl({ method: 'PUT', key: '视频/a b.mp4', query: { partNumber: 2, uploadId: 'u+1' }, expiresSeconds: 600 }));
    assert.equal(url.pathname, `/cos/${BUCKET}/%E8%A7%86%E9%A2%91/a%20b.mp4`);
    assert.equal(url.searchParams.get('partNumber'), '2');
    assert.equal(url.searchParams.get('uploadId'), 'u+1');
    assert.equal(url.searchParams.get('q-key-time'), `${NOW_S - 1};${NOW_S - 1 + 600}`);
    assert.equal(url.searchParams.get('q-header-list'), 'host');
    assert.equal(url.searchParams.get('x-cos-security-token'), TOKEN);
    const req: Captured = { url, method: 'PUT', headers: new Headers(), body: undefined };
    assert.deepEqual(await verify(req, { prefix: `/cos/${BUCKET}` }), { ok: true, secretId: SECRET_ID, securityToken: TOKEN });
    // Changing a signed parameter breaks it.
    url.searchParams.set('partNumber', '3');
    assert.equal((await verify(req, { prefix: `/cos/${BUCKET}` })).ok, false);
    await assert.rejects(cos.presignUrl({ method: 'GET', key: 'k', expiresSeconds: 0 }), RangeError);
  });
});

describe('createCosClient over loopback with the real fetch', () => {
  it('every request verifies on a server that sees the actual wire headers', async () => {
    const seen: Array<{ method: string; url: string; ok: boolean; length: string | undefined; bytes: number }> = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url!, `http://${req.headers.host}`);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const prefix = `/cos/${BUCKET}`;
      const result = await verifyCos({
        method: req.method!,
        key: decodeURIComponent(url.pathname.slice(prefix.length)),
        query: url.searchParams,
        headers,
        lookupSecret: (id) => (id === SECRET_ID ? SECRET_KEY : undefined),
        now: NOW_S,
      });
      seen.push({ method: req.method!, url: url.pathname + url.search, ok: result.ok, length: req.headers['content-length'], bytes: Buffer.concat(chunks).length });
      if (!result.ok) {
        res.writeHead(result.status, { 'content-type': 'application/xml' }).end(cosErrorXml(result.code, result.message));
      } else if (url.searchParams.has('uploads') && url.pathname === '/cos/' + BUCKET + '/') {
        res.writeHead(200).end(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`);
      } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
        res.writeHead(200).end(`<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>"x-1"</ETag></CompleteMultipartUploadResult>`);
      } else {
        res.writeHead(200, { etag: '"e"' }).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cos = client(undefined, { endpoint: `http://127.0.0.1:${port}/cos/{Bucket}` });
      await cos.putObject({ key: '视频 (1).mp4', body: new Uint8Array([1, 2, 3, 4]), contentMd5: 'fakeMd5==' });
      await cos.putObject({ key: 'blob.mp4', body: new Blob(['hello']) });
      await cos.putObject({ key: 'stream-len.mp4', body: new Blob(['abc']).stream(), contentLength: 3 });
      await cos.putObject({ key: 'stream.mp4', body: new Blob(['abcd']).stream() });
      await cos.completeMultipartUpload({ key: 'k.mp4', uploadId: 'u', parts: [{ partNumber: 1, etag: '"a"' }] });
      await cos.listMultipartUploads({ prefix: 'k' });
      assert.deepEqual(
        seen.map((s) => [s.method, s.ok, s.length, s.bytes]),
        [
          ['PUT', true, '4', 4],
          ['PUT', true, '5', 5],
          ['PUT', true, '3', 3],
          ['PUT', true, undefined, 4],
          ['POST', true, String(seen[4]!.bytes), seen[4]!.bytes],
          ['GET', true, undefined, 0],
        ],
      );
      // The wrong key is rejected by the same server, so the checks above are real.
      const bad = createCosClient({
        credential: { secretId: SECRET_ID, secretKey: 'wrongFakeKey' },
        bucket: BUCKET,
        region: 'ap-guangzhou',
        endpoint: `http://127.0.0.1:${port}/cos/{Bucket}`,
        now: () => NOW_MS,
      });
      const e = await rejection(bad.putObject({ key: 'x', body: new Uint8Array(1) }));
      assert.ok(e instanceof TencentCloudError);
      assert.equal(e.code, 'SignatureDoesNotMatch');
      assert.equal(e.status, 403);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
