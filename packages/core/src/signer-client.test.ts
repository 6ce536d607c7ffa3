import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, UploadError } from './errors.ts';
import { createSignerClient, expiryMs, isInstant } from './signer-client.ts';
import type { FetchLike } from './transport.ts';

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function fakeFetch(answer: (seen: Seen) => Response | Promise<Response>): FetchLike & { seen: Seen[] } {
  const seen: Seen[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const entry: Seen = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(entry);
    return answer(entry);
  }) as FetchLike & { seen: Seen[] };
  fn.seen = seen;
  return fn;
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('createSignerClient', () => {
  it('posts JSON to each route under the base URL with the bearer token', async () => {
    const fetch = fakeFetch((seen) => {
      if (seen.url.endsWith('/uploads')) return ok({ session: 's1', strategy: 'multipart', partSize: 8, partCount: 2, expiresAt: 1 });
      if (seen.url.endsWith('/uploads/sign')) return ok({ urls: [{ target: 'part', partNumber: 1, method: 'PUT', url: 'u', headers: {}, expiresAt: 1 }] });
      if (seen.url.endsWith('/uploads/parts')) return ok({ parts: [{ partNumber: 1, etag: '"x"', size: 8 }] });
      if (seen.url.endsWith('/uploads/complete')) return ok({ fileId: 'f', mediaUrl: 'm', coverUrl: '', requestId: 'r' });
      if (seen.url.endsWith('/uploads/abort')) return ok({});
      if (seen.url.endsWith('/uploads/instant')) return ok({ instant: null });
      return ok({ fileId: 'f 1', status: 'ready' });
    });
    const client = createSignerClient({ url: 'https://signer.test/vod/', token: async () => 'tok', fetch, headers: { 'x-app': 'a' } });
    assert.equal(client.url, 'https://signer.test/vod');
    const session = await client.createUpload({ file: { name: 'a.mp4', size: 16 } });
    assert.ok(!isInstant(session));
    assert.equal((await client.sign({ session: 's1', parts: [{ partNumber: 1, md5: 'bWQ1' }] }))[0]!.url, 'u');
    assert.equal((await client.listParts('s1'))[0]!.etag, '"x"');
    assert.equal((await client.complete({ session: 's1', parts: [{ partNumber: 1, etag: '"x"' }], sha1: 'ab' })).fileId, 'f');
    await client.abort('s1');
    assert.equal(await client.findInstantUpload({ sha1: 'ab', size: 16 }), null);
    assert.equal((await client.getMediaStatus('f 1')).status, 'ready');
    assert.deepEqual(
      fetch.seen.map((s) => `${s.method} ${s.url}`),
      [
        'POST https://signer.test/vod/uploads',
        'POST https://signer.test/vod/uploads/sign',
        'POST https://signer.test/vod/uploads/parts',
        'POST https://signer.test/vod/uploads/complete',
        'POST https://signer.test/vod/uploads/abort',
        'POST https://signer.test/vod/uploads/instant',
        'GET https://signer.test/vod/media/f%201/status',
      ],
    );
    for (const s of fetch.seen) {
      assert.equal(s.headers.authorization, 'Bearer tok');
      assert.equal(s.headers['x-app'], 'a');
    }
    assert.deepEqual(fetch.seen[1]!.body, { session: 's1', parts: [{ partNumber: 1, md5: 'bWQ1' }] });
    assert.equal(fetch.seen[0]!.headers['content-type'], 'application/json');
    assert.equal(fetch.seen[6]!.headers['content-type'], undefined);
  });

  it('returns instant uploads as such', async () => {
    const client = createSignerClient({ url: '/vod', fetch: fakeFetch(() => ok({ instant: { fileId: 'f', mediaUrl: 'm', coverUrl: '' } })) });
    const answer = await client.createUpload({ file: { name: 'a', size: 1 }, sha1: 'x' });
    assert.ok(isInstant(answer));
    assert.equal(answer.instant.fileId, 'f');
    const found = await createSignerClient({ url: '/vod', fetch: fakeFetch(() => ok({ instant: { fileId: 'g', mediaUrl: 'm' } })) }).findInstantUpload({ sha1: 'x', size: 1 });
    assert.equal(found?.fileId, 'g');
  });

  it('maps the error envelope to a SIGNER UploadError with code, retryable, status, requestId, Retry-After', async () => {
    const client = createSignerClient({
      url: '/vod',
      fetch: fakeFetch(() =>
        new Response(JSON.stringify({ error: { code: 'RequestLimitExceeded', message: 'slow down', retryable: true, requestId: 'rq' } }), {
          status: 429,
          headers: { 'retry-after': '3' },
        }),
      ),
    });
    await assert.rejects(client.sign({ session: 's' }), (error: unknown) => {
      assert.ok(error instanceof UploadError);
      assert.equal(error.code, ErrorCode.SIGNER);
      assert.equal(error.status, 429);
      assert.equal(error.cloudCode, 'RequestLimitExceeded');
      assert.equal(error.requestId, 'rq');
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfter, 3000);
      assert.match(error.message, /slow down/);
      return true;
    });
    const refused = createSignerClient({
      url: '/vod',
      fetch: fakeFetch(() => new Response(JSON.stringify({ error: { code: 'Forbidden', message: 'no', retryable: false } }), { status: 403 })),
    });
    await assert.rejects(refused.createUpload({ file: { name: 'a', size: 1 } }), { code: 'signer', status: 403, retryable: false });
    const opaque = createSignerClient({ url: '/vod', fetch: fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502 })) });
    await assert.rejects(opaque.listParts('s'), { code: 'signer', status: 502, retryable: true });
  });

  it('maps fetch failures to NETWORK, deadlines to TIMEOUT, and keeps the caller abort reason', async () => {
    const down = createSignerClient({ url: '/vod', fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    await assert.rejects(down.abort('s'), { code: 'network', retryable: true });
    const hanging: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const slow = createSignerClient({ url: '/vod', fetch: hanging, timeout: 5 });
    await assert.rejects(slow.listParts('s'), { code: 'timeout', retryable: true });
    const controller = new AbortController();
    const reason = new Error('mine');
    const pending = createSignerClient({ url: '/vod', fetch: hanging, timeout: 0 }).listParts('s', { signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (e: unknown) => e === reason);
  });

  it('rejects unexpected answers and oversized sign batches', async () => {
    const client = createSignerClient({ url: '/vod', fetch: fakeFetch(() => ok({ nope: true })) });
    await assert.rejects(client.createUpload({ file: { name: 'a', size: 1 } }), { code: 'signer' });
    await assert.rejects(client.sign({ session: 's' }), { code: 'signer' });
    await assert.rejects(client.sign({ session: 's', parts: Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 })) }), RangeError);
    const notJson = createSignerClient({ url: '/vod', fetch: fakeFetch(() => new Response('hello', { status: 200 })) });
    await assert.rejects(notJson.listParts('s'), { code: 'signer', retryable: false });
  });
});

describe('expiryMs', () => {
  it('reads ISO dates, epoch seconds and epoch ms', () => {
    assert.equal(expiryMs('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1));
    assert.equal(expiryMs(1_900_000_000), 1_900_000_000_000);
    assert.equal(expiryMs(1_900_000_000_000), 1_900_000_000_000);
    assert.equal(expiryMs('1900000000'), 1_900_000_000_000);
    assert.equal(expiryMs('soon'), Number.POSITIVE_INFINITY);
    assert.equal(expiryMs(undefined), Number.POSITIVE_INFINITY);
  });

  it('reads a JSON null (or any other non-date) as no expiry, not as the epoch', () => {
    // A signer's JSON may say `"expiresAt": null`; Number(null) is 0, which would expire every URL at once.
    for (const value of [null, true, [], ['5'], {}]) assert.equal(expiryMs(value as never), Number.POSITIVE_INFINITY, JSON.stringify(value));
  });
});
