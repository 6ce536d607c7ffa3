import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosBaseUrl } from './cos-client.ts';
import { createCosPresigner, presignCos, signCos, verifyCos } from './cos-sign.ts';

const secretId = 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q';
const secretKey = 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz';

describe('createCosPresigner', () => {
  it('reproduces the official COS vectors: every piece through sign(), the header through authorization()', () => {
    const host = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';
    const one = createCosPresigner({ secretId, secretKey, keyTime: '1557989151;1557996351' }).sign({
      method: 'PUT',
      key: '/exampleobject(腾讯云)',
      headers: [['Content-Length', '13'], ['Content-MD5', 'mQ/fVh815F3k6TAUm8m0eg=='], ['Content-Type', 'text/plain'], ['Date', 'Thu, 16 May 2019 06:45:51 GMT'], ['Host', host], ['x-cos-acl', 'private'], ['x-cos-grant-read', 'uin="100000000011"']],
    });
    assert.equal(one.signKey, 'eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f');
    assert.equal(one.stringToSign, 'sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n');
    assert.equal(
      one.authorization,
      `q-sign-algorithm=sha1&q-ak=${secretId}&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351` +
        '&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172',
    );
    const two = createCosPresigner({ secretId, secretKey, keyTime: '1557989753;1557996953' }).authorization({
      method: 'GET',
      key: 'exampleobject(腾讯云)',
      query: [['response-content-type', 'application/octet-stream'], ['response-cache-control', 'max-age=600']],
      headers: [['date', 'Thu, 16 May 2019 06:55:53 GMT'], ['host', host]],
    });
    assert.match(two, /&q-url-param-list=response-cache-control;response-content-type&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012$/);
  });

  it('refuses url() without a base URL', () => {
    assert.throws(() => createCosPresigner({ secretId, secretKey, keyTime: '1;2' }).url({ method: 'GET', key: 'k' }), /baseUrl/);
  });

  it('builds the same URL as presignCos, and verifyCos accepts it', async () => {
    const keyTime = `${Math.floor(Date.now() / 1000) - 1};${Math.floor(Date.now() / 1000) + 600}`;
    const baseUrl = 'http://127.0.0.1:9000/cos/vodbucket-1250000000';
    const key = 'vod/dir/影片 (1).mp4';
    const query = [['partNumber', '7'], ['uploadId', 'u-1/2+3']] as const;
    const headers = [['host', '127.0.0.1:9000'], ['content-length', '1048576'], ['content-md5', 'mQ/fVh815F3k6TAUm8m0eg==']] as const;
    const mine = createCosPresigner({ secretId, secretKey, keyTime, baseUrl, securityToken: 'tok+/=' }).url({ method: 'PUT', key, query, headers });
    const theirs = await presignCos({ secretId, secretKey, keyTime, baseUrl, securityToken: 'tok+/=', method: 'PUT', key, query, headers });
    assert.equal(mine, theirs.url);

    const url = new URL(mine);
    const ok = await verifyCos({
      method: 'PUT',
      key,
      query: url.searchParams,
      headers: new Headers(headers.map(([k, v]) => [k, v])),
      lookupSecret: (id) => (id === secretId ? secretKey : undefined),
    });
    assert.deepEqual(ok, { ok: true, secretId, securityToken: 'tok+/=' });
    // One byte more than signed: storage refuses it.
    const bad = await verifyCos({
      method: 'PUT',
      key,
      query: url.searchParams,
      headers: new Headers([['host', '127.0.0.1:9000'], ['content-length', '1048577'], ['content-md5', 'mQ/fVh815F3k6TAUm8m0eg==']]),
      lookupSecret: () => secretKey,
    });
    assert.equal(bad.ok, false);
  });

  it('signs with a sign time other than the key time, as verifyCos checks it', () => {
    const s = createCosPresigner({ secretId, secretKey, keyTime: '1700000000;1700000900', signTime: '1700000100;1700000200' });
    const auth = s.authorization({ method: 'GET', key: 'k', headers: [['host', 'h']] });
    assert.match(auth, /&q-sign-time=1700000100;1700000200&q-key-time=1700000000;1700000900&/);
    assert.notEqual(auth, createCosPresigner({ secretId, secretKey, keyTime: '1700000000;1700000900' }).authorization({ method: 'GET', key: 'k', headers: [['host', 'h']] }));
  });

  it('signs bodiless requests like signCos', async () => {
    const keyTime = '1700000000;1700000600';
    const mine = createCosPresigner({ secretId, secretKey, keyTime, baseUrl: 'https://b' }).authorization({
      method: 'POST',
      key: 'a/b.mp4',
      query: [['uploads', '']],
      headers: [['host', 'b-1.cos.ap-guangzhou.myqcloud.com']],
    });
    const theirs = await signCos({ secretId, secretKey, keyTime, method: 'POST', key: 'a/b.mp4', query: { uploads: '' }, headers: { host: 'b-1.cos.ap-guangzhou.myqcloud.com' } });
    assert.equal(mine, theirs.authorization);
  });
});

describe('cosBaseUrl', () => {
  it('fills the template', () => {
    assert.equal(cosBaseUrl('https://{Bucket}.cos.{Region}.myqcloud.com', 'vod-125', 'ap-chongqing'), 'https://vod-125.cos.ap-chongqing.myqcloud.com');
    assert.equal(cosBaseUrl('http://127.0.0.1:9/cos/{Bucket}/', 'vod-125', 'ap-x'), 'http://127.0.0.1:9/cos/vod-125');
    assert.equal(cosBaseUrl('https://{BucketName}.{AppId}.example', 'vod-125', 'r'), 'https://vod.125.example');
  });
});
