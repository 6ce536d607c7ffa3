import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { camSafeUrlEncode, cosKeyPath, parseCosAuthorization, presignCos, signCos, verifyCos, createCosSigner } from './cos-sign.ts';

// Official COS signature vectors (notes/tencent-protocol.md §3.2). The doc's own example keys.
const KEYS = { secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz' };
const HOST = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';

describe('COS q-sign (sha1)', () => {
  it('vector 1: PUT of a non-ASCII key with seven headers', async () => {
    const s = await signCos({
      ...KEYS,
      method: 'PUT',
      key: 'exampleobject(腾讯云)',
      keyTime: '1557989151;1557996351',
      headers: {
        'Content-Length': '13',
        'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
        'Content-Type': 'text/plain',
        Date: 'Thu, 16 May 2019 06:45:51 GMT',
        Host: HOST,
        'x-cos-acl': 'private',
        'x-cos-grant-read': 'uin="100000000011"',
      },
    });
    assert.equal(s.signKey, 'eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f');
    assert.equal(s.headerList, 'content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read');
    assert.equal(s.stringToSign, 'sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n');
    assert.equal(s.signature, '3b8851a11a569213c17ba8fa7dcf2abec6935172');
  });

  it('vector 2: GET with response-* query parameters', async () => {
    const s = await signCos({
      ...KEYS,
      method: 'GET',
      key: '/exampleobject(腾讯云)',
      keyTime: '1557989753;1557996953',
      query: { 'response-content-type': 'application/octet-stream', 'response-cache-control': 'max-age=600' },
      headers: { Date: 'Thu, 16 May 2019 06:55:53 GMT', Host: HOST },
    });
    assert.equal(s.urlParamList, 'response-cache-control;response-content-type');
    assert.equal(s.signKey, '937914bf490e9e8c189836aad2052e4feeb35eaf');
    assert.equal(s.signature, '01681b8c9d798a678e43b685a9f1bba0f6c0e012');
  });

  it('vector 3: GET with a range header', async () => {
    const s = await signCos({
      ...KEYS,
      method: 'GET',
      key: 'testfile',
      keyTime: '1417773892;1417853898',
      headers: { host: 'bucket1-1254000000.cos.ap-beijing.myqcloud.com', range: 'bytes=0-3' },
    });
    assert.equal(s.signature, '4b6cbab14ce01381c29032423481ebffd514e8be');
  });

  it('the cached signer gives the same signature as signCos', async () => {
    const input = { method: 'PUT', key: 'exampleobject(腾讯云)', keyTime: '1557989151;1557996351', headers: { host: HOST } };
    const one = await signCos({ ...KEYS, ...input });
    const signer = createCosSigner(KEYS);
    assert.equal(await signer.sign(input), one.authorization);
    assert.equal(await signer.sign({ ...input, keyTime: '1557989151;1557996352' }) === one.authorization, false);
  });

  it('encodes like camSafeUrlEncode and keeps slashes in key paths', () => {
    assert.equal(camSafeUrlEncode("a!'()*b c/"), 'a%21%27%28%29%2Ab%20c%2F');
    assert.equal(cosKeyPath('/dir/a b(1).mp4'), '/dir/a%20b%281%29.mp4');
  });
});

describe('COS verification', () => {
  const now = 1_700_000_000;
  const keyTime = `${now - 1};${now + 600}`;
  const lookupSecret = (id: string) => (id === KEYS.secretId ? KEYS.secretKey : undefined);

  it('accepts a presigned URL that signs host, partNumber and uploadId, and rejects a changed part number', async () => {
    const { url } = await presignCos({
      ...KEYS,
      baseUrl: 'http://127.0.0.1:9000/cos/b-1250000000',
      method: 'PUT',
      key: '/dir/视频 1.mp4',
      keyTime,
      query: { partNumber: '3', uploadId: 'abc' },
      headers: { host: '127.0.0.1:9000' },
      securityToken: 'tok+/=',
    });
    const u = new URL(url);
    assert.equal(u.pathname, '/cos/b-1250000000/dir/%E8%A7%86%E9%A2%91%201.mp4');
    const auth = parseCosAuthorization(new Headers(), u.searchParams);
    assert.ok(auth && auth !== 'malformed');
    assert.deepEqual(auth.urlParamList, ['partnumber', 'uploadid']);
    const headers = new Headers({ host: '127.0.0.1:9000' });
    const good = await verifyCos({ method: 'PUT', key: 'dir/视频 1.mp4', query: u.searchParams, headers, lookupSecret, now });
    assert.deepEqual(good, { ok: true, secretId: KEYS.secretId, securityToken: 'tok+/=' });
    u.searchParams.set('partNumber', '4');
    const bad = await verifyCos({ method: 'PUT', key: 'dir/视频 1.mp4', query: u.searchParams, headers, lookupSecret, now });
    assert.equal(bad.ok || bad.code, 'SignatureDoesNotMatch');
  });

  it('verifies only what is listed: an unlisted header may change, a listed one may not', async () => {
    const s = await signCos({ ...KEYS, method: 'PUT', key: 'k', keyTime, headers: { host: 'h', 'content-md5': 'AAA=' } });
    const headers = new Headers({ authorization: s.authorization, host: 'h', 'content-md5': 'AAA=', 'content-type': 'x/y' });
    const q = new URLSearchParams('x=1');
    assert.equal((await verifyCos({ method: 'PUT', key: '/k', query: q, headers, lookupSecret, now })).ok, true);
    headers.set('content-md5', 'BBB=');
    const r = await verifyCos({ method: 'PUT', key: '/k', query: q, headers, lookupSecret, now });
    assert.equal(r.ok || r.code, 'SignatureDoesNotMatch');
    assert.ok(!r.ok && r.stringToSign?.startsWith('sha1\n'));
  });

  it('answers expiry, unknown keys, malformed and missing signatures with COS codes', async () => {
    const s = await signCos({ ...KEYS, method: 'GET', key: 'k', keyTime, headers: { host: 'h' } });
    const headers = new Headers({ authorization: s.authorization, host: 'h' });
    const q = new URLSearchParams();
    const expired = await verifyCos({ method: 'GET', key: 'k', query: q, headers, lookupSecret, now: now + 601 });
    assert.deepEqual(expired.ok ? null : [expired.status, expired.code, expired.message], [403, 'AccessDenied', 'Request has expired']);
    const unknown = await verifyCos({ method: 'GET', key: 'k', query: q, headers, lookupSecret: () => undefined, now });
    assert.equal(unknown.ok || unknown.code, 'InvalidAccessKeyId');
    const none = await verifyCos({ method: 'GET', key: 'k', query: q, headers: new Headers(), lookupSecret, now });
    assert.equal(none.ok || none.code, 'AccessDenied');
    const malformed = await verifyCos({ method: 'GET', key: 'k', query: q, headers: new Headers({ authorization: 'q-sign-algorithm=md5' }), lookupSecret, now });
    assert.equal(malformed.ok || malformed.message, 'Authorization is malformed.');
  });
});
