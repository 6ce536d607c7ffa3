import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TencentCloudError } from './errors.ts';
import { verifyTc3 } from './tc3.ts';
import { createVodClient, removeNulls, type VodClientOptions } from './vod-client.ts';
import type { ApplyUploadResponse } from './vod-types.ts';

const SECRET_ID = 'AKIDfakeTestOnly0000000000000000';
const SECRET_KEY = 'fakeTestSecretKeyNotReal00000000';
const NOW_MS = 1_700_000_123_456; // 2023-11-14T22:15:23Z
const NOW_S = 1_700_000_123;

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  signal: AbortSignal | undefined;
}

type Reply = Response | ((req: Captured) => Response | Promise<Response>);

/** A fetch that records each request and answers from a queue. */
function fakeFetch(...replies: Reply[]) {
  const calls: Captured[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const req: Captured = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : '',
      signal: init.signal ?? undefined,
    };
    calls.push(req);
    const reply = replies.shift();
    if (!reply) throw new Error('unexpected request');
    return typeof reply === 'function' ? reply(req) : reply;
  };
  return { fetch, calls };
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

function client(fetch: VodClientOptions['fetch'], extra: Partial<VodClientOptions> = {}) {
  return createVodClient({ secretId: SECRET_ID, secretKey: SECRET_KEY, fetch, now: () => NOW_MS, ...extra });
}

/** Verifies a captured request as the cloud would (fetch sets Host from the URL, so add it back). */
function verify(req: Captured, secretKey = SECRET_KEY) {
  const headers = new Headers(req.headers);
  headers.set('host', new URL(req.url).host);
  return verifyTc3({
    method: req.method,
    path: new URL(req.url).pathname,
    headers,
    body: req.body,
    lookupSecret: (id) => (id === SECRET_ID ? secretKey : undefined),
    now: NOW_S,
  });
}

const APPLY_RESPONSE: ApplyUploadResponse = {
  StorageBucket: 'vodugc-1250000000',
  StorageRegion: 'ap-chongqing',
  VodSessionKey: 'session-key-1',
  MediaStoragePath: '/5285890784273533167/abc/video.mp4',
  CoverStoragePath: null,
  TempCertificate: { SecretId: 'AKIDtmpFake', SecretKey: 'tmpFakeKey', Token: 'tmp-token', ExpiredTime: NOW_S + 7200 },
  RequestId: 'req-apply-1',
};

describe('createVodClient', () => {
  it('signs ApplyUpload exactly as API 3.0 expects and returns Response', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: APPLY_RESPONSE }));
    const vod = client(fetch, { region: 'ap-guangzhou', token: 'sess-token' });
    const out = await vod.applyUpload({ MediaType: 'mp4', MediaName: '视频 1', SubAppId: 1500000001 });
    assert.deepEqual(out, APPLY_RESPONSE);

    assert.equal(calls.length, 1);
    const req = calls[0]!;
    assert.equal(req.url, 'https://vod.tencentcloudapi.com/');
    assert.equal(req.method, 'POST');
    assert.equal(req.headers.get('content-type'), 'application/json');
    assert.equal(req.headers.get('x-tc-action'), 'ApplyUpload');
    assert.equal(req.headers.get('x-tc-version'), '2018-07-17');
    assert.equal(req.headers.get('x-tc-timestamp'), String(NOW_S));
    assert.equal(req.headers.get('x-tc-region'), 'ap-guangzhou');
    assert.equal(req.headers.get('x-tc-token'), 'sess-token');
    assert.equal(req.headers.get('x-tc-language'), null);
    assert.deepEqual(JSON.parse(req.body), { MediaType: 'mp4', MediaName: '视频 1', SubAppId: 1500000001 });
    assert.match(
      req.headers.get('authorization')!,
      new RegExp(`^TC3-HMAC-SHA256 Credential=${SECRET_ID}/2023-11-14/vod/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$`),
    );
    const result = await verify(req);
    assert.deepEqual(result, { ok: true, secretId: SECRET_ID, service: 'vod', timestamp: NOW_S });
    // The check above is meaningful: another key does not verify.
    assert.equal((await verify(req, 'anotherFakeKey')).ok, false);
  });

  it('omits X-TC-Region and X-TC-Token when not given, and sends X-TC-Language when set', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: { FileId: '1', MediaUrl: 'u', CoverUrl: null, RequestId: 'r' } }));
    await client(fetch, { language: 'en-US' }).commitUpload({ VodSessionKey: 'k' });
    const h = calls[0]!.headers;
    assert.equal(h.has('x-tc-region'), false);
    assert.equal(h.has('x-tc-token'), false);
    assert.equal(h.get('x-tc-language'), 'en-US');
    assert.equal(h.get('x-tc-action'), 'CommitUpload');
  });

  it('posts to an emulator endpoint with the scope service taken from the hostname (127)', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: { RequestId: 'r-del' } }));
    const out = await client(fetch, { endpoint: 'http://127.0.0.1:8787' }).deleteMedia({ FileId: '42' });
    assert.deepEqual(out, { RequestId: 'r-del' });
    const req = calls[0]!;
    assert.equal(req.url, 'http://127.0.0.1:8787/');
    assert.match(req.headers.get('authorization')!, /Credential=[^/]+\/2023-11-14\/127\/tc3_request/);
    const result = await verify(req);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.service, '127');
  });

  it('accepts an endpoint without scheme and a path prefix, signing the real path', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: { RequestId: 'r' } }), json({ Response: { RequestId: 'r2' } }));
    await client(fetch, { endpoint: 'vod.tencentcloudapi.com' }).confirmEvents({ EventHandles: ['h1'] });
    assert.equal(calls[0]!.url, 'https://vod.tencentcloudapi.com/');
    await client(fetch, { endpoint: 'http://localhost:9/api/vod' }).confirmEvents({ EventHandles: ['h1'] });
    assert.equal(calls[1]!.url, 'http://localhost:9/api/vod/');
    assert.equal((await verify(calls[1]!)).ok, true);
  });

  it('removes null and undefined members from the body (deepRemoveNull), keeping array items', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: { RequestId: 'r', TotalCount: 0, MediaInfoSet: [] } }));
    const params = {
      Names: ['a', 'b'],
      Sort: { Field: 'CreateTime', Order: 'Desc' as const },
      CreateTime: { After: '2024-01-01T00:00:00Z', Before: null as unknown as string },
      Limit: undefined,
      Text: null as unknown as string,
    };
    await client(fetch).searchMedia(params);
    assert.equal(
      calls[0]!.body,
      '{"Names":["a","b"],"Sort":{"Field":"CreateTime","Order":"Desc"},"CreateTime":{"After":"2024-01-01T00:00:00Z"}}',
    );
    assert.deepEqual(removeNulls({ a: [1, null, { b: null, c: 0 }], d: false, e: '' }), { a: [1, null, { c: 0 }], d: false, e: '' });
  });

  it('each typed method sends its own action', async () => {
    const actions: string[] = [];
    const fetch = async (_input: string | URL | Request, init: RequestInit = {}) => {
      actions.push(new Headers(init.headers).get('x-tc-action')!);
      return json({ Response: { RequestId: 'r' } });
    };
    const vod = client(fetch);
    await vod.applyUpload({ MediaType: 'mp4' });
    await vod.commitUpload({ VodSessionKey: 'k' });
    await vod.describeMediaInfos({ FileIds: ['1'] });
    await vod.searchMedia();
    await vod.modifyMediaInfo({ FileId: '1', Name: 'n' });
    await vod.deleteMedia({ FileId: '1' });
    await vod.pullEvents();
    await vod.confirmEvents({ EventHandles: ['h'] });
    await vod.request('ModifyEventConfig', { Mode: 'PULL' });
    assert.deepEqual(actions, [
      'ApplyUpload',
      'CommitUpload',
      'DescribeMediaInfos',
      'SearchMedia',
      'ModifyMediaInfo',
      'DeleteMedia',
      'PullEvents',
      'ConfirmEvents',
      'ModifyEventConfig',
    ]);
  });

  it('throws Response.Error (HTTP 200) as TencentCloudError with code, message and request id', async () => {
    const { fetch } = fakeFetch(
      json({ Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated.' }, RequestId: 'req-err-1' } }),
    );
    const err = await client(fetch).commitUpload({ VodSessionKey: 'k' }).then(
      () => assert.fail('should throw'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TencentCloudError);
    assert.equal(err.name, 'TencentCloudError');
    assert.equal(err.service, 'vod');
    assert.equal(err.code, 'AuthFailure.SignatureFailure');
    assert.equal(err.message, 'The provided credentials could not be validated.');
    assert.equal(err.requestId, 'req-err-1');
    assert.equal(err.status, 200);
    assert.equal(err.retryable, false);
  });

  it('marks throttling and internal errors retryable', async () => {
    const { fetch } = fakeFetch(
      json({ Response: { Error: { Code: 'RequestLimitExceeded', Message: 'slow down' }, RequestId: 'a' } }),
      json({ Response: { Error: { Code: 'InternalError.GetFileInfoError', Message: 'oops' }, RequestId: 'b' } }),
      json({ Response: { Error: { Code: 'InvalidParameterValue.VodSessionKey', Message: 'bad key' }, RequestId: 'c' } }),
    );
    const vod = client(fetch);
    const codes: Array<[string, boolean]> = [];
    for (let i = 0; i < 3; i++) {
      await vod.commitUpload({ VodSessionKey: 'k' }).catch((e: TencentCloudError) => codes.push([e.code, e.retryable]));
    }
    assert.deepEqual(codes, [
      ['RequestLimitExceeded', true],
      ['InternalError.GetFileInfoError', true],
      ['InvalidParameterValue.VodSessionKey', false],
    ]);
  });

  it('throws on a non-200 status with the status, retryable for 5xx only', async () => {
    const { fetch } = fakeFetch(
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      new Response('nope', { status: 403, statusText: 'Forbidden' }),
    );
    const vod = client(fetch);
    const e1 = await vod.pullEvents().catch((e: unknown) => e);
    assert.ok(e1 instanceof TencentCloudError);
    assert.equal(e1.code, 'http');
    assert.equal(e1.status, 502);
    assert.equal(e1.retryable, true);
    assert.match(e1.message, /HTTP 502 Bad Gateway/);
    const e2 = await vod.pullEvents().catch((e: unknown) => e);
    assert.ok(e2 instanceof TencentCloudError);
    assert.equal(e2.status, 403);
    assert.equal(e2.retryable, false);
  });

  it('rejects a 200 body that is not a Response envelope', async () => {
    const { fetch } = fakeFetch(new Response('not json'), json({ Data: 1 }));
    const vod = client(fetch);
    for (let i = 0; i < 2; i++) {
      const e = await vod.pullEvents().catch((x: unknown) => x);
      assert.ok(e instanceof TencentCloudError);
      assert.equal(e.code, 'invalid-response');
    }
  });

  it('maps a fetch failure to a retryable network error, keeping the cause and no secret', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch } = fakeFetch(() => {
      throw cause;
    });
    const e = await client(fetch).applyUpload({ MediaType: 'mp4' }).catch((x: unknown) => x);
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'network');
    assert.equal(e.retryable, true);
    assert.equal(e.status, undefined);
    assert.equal(e.cause, cause);
    assert.ok(!e.message.includes(SECRET_KEY));
    assert.ok(!JSON.stringify(e).includes(SECRET_KEY));
  });

  it('aborts through the per-call signal with the signal reason', async () => {
    const controller = new AbortController();
    const { fetch, calls } = fakeFetch(
      (req) =>
        new Promise<Response>((_resolve, reject) => {
          req.signal!.addEventListener('abort', () => reject(req.signal!.reason));
          controller.abort();
        }),
    );
    const e = await client(fetch).pullEvents({}, { signal: controller.signal }).catch((x: unknown) => x);
    assert.ok(e instanceof DOMException);
    assert.equal(e.name, 'AbortError');
    assert.equal(calls.length, 1);
  });

  it('does not call fetch when the signal is already aborted', async () => {
    const { fetch, calls } = fakeFetch(json({ Response: { RequestId: 'r' } }));
    const reason = new Error('user cancelled');
    const e = await client(fetch).pullEvents({}, { signal: AbortSignal.abort(reason) }).catch((x: unknown) => x);
    assert.equal(e, reason);
    assert.equal(calls.length, 0);
  });

  it('times out with a retryable timeout error (client option and per-call override)', async () => {
    const hang = (req: Captured) =>
      new Promise<Response>((_resolve, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason)));
    const { fetch } = fakeFetch(hang, hang);
    const vod = client(fetch, { timeoutMs: 5 });
    const e = await vod.pullEvents().catch((x: unknown) => x);
    assert.ok(e instanceof TencentCloudError);
    assert.equal(e.code, 'timeout');
    assert.equal(e.retryable, true);
    const e2 = await client(fetch).pullEvents({}, { timeoutMs: 5 }).catch((x: unknown) => x);
    assert.ok(e2 instanceof TencentCloudError);
    assert.equal(e2.code, 'timeout');
  });

  it('validates its options without echoing secrets', () => {
    assert.throws(() => createVodClient({ secretId: '', secretKey: SECRET_KEY }), TypeError);
    assert.throws(() => createVodClient({ secretId: SECRET_ID, secretKey: SECRET_KEY, endpoint: 'ftp://x' }), /http/);
    assert.throws(
      () => createVodClient({ secretId: SECRET_ID, secretKey: SECRET_KEY, language: 'fr-FR' as 'en-US' }),
      (e: Error) => e instanceof TypeError && !e.message.includes(SECRET_KEY),
    );
  });
});

describe('createVodClient over loopback with the real fetch', () => {
  it('a server verifying the wire request (Host with port, exact body) accepts it', async () => {
    const { createServer } = await import('node:http');
    const results: boolean[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of req) chunks.push(chunk as Uint8Array);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const result = await verifyTc3({
        method: req.method!,
        path: req.url!,
        headers,
        body: new Uint8Array(Buffer.concat(chunks)),
        lookupSecret: (id) => (id === SECRET_ID ? SECRET_KEY : undefined),
        now: NOW_S,
      });
      results.push(result.ok);
      const body = result.ok
        ? { Response: { FileId: 'f1', MediaUrl: 'http://m', CoverUrl: null, RequestId: 'r1' } }
        : { Response: { Error: { Code: result.code, Message: result.message }, RequestId: 'r2' } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const endpoint = `http://127.0.0.1:${port}`;
      const out = await createVodClient({ secretId: SECRET_ID, secretKey: SECRET_KEY, endpoint, now: () => NOW_MS }).commitUpload({
        VodSessionKey: '会话',
      });
      assert.equal(out.FileId, 'f1');
      const bad = createVodClient({ secretId: SECRET_ID, secretKey: 'wrongFakeKey', endpoint, now: () => NOW_MS });
      const e = await bad.commitUpload({ VodSessionKey: 'k' }).catch((x: unknown) => x);
      assert.ok(e instanceof TencentCloudError);
      assert.equal(e.code, 'AuthFailure.SignatureFailure');
      assert.deepEqual(results, [true, false]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
