import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { presignCos } from '@vod-uploader/tencent';
import { crc64 } from './crc64.ts';
import { applyUpload, bytes, cos, cosCode, emulatorWithUpload, HOST, MiB, ORIGIN, testEmulator, xmlField, type TestEmulator, type Upload } from './testing.ts';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

async function initiate(emu: TestEmulator, upload: Upload): Promise<string> {
  const res = await cos(emu, upload, { method: 'POST', key: upload.key, query: { uploads: '' } });
  assert.equal(res.status, 200);
  const xml = await res.text();
  assert.match(xml, /<InitiateMultipartUploadResult>/);
  assert.equal(xmlField(xml, 'Bucket'), upload.StorageBucket);
  assert.equal(xmlField(xml, 'Key'), upload.key);
  return xmlField(xml, 'UploadId')!;
}

async function putPart(emu: TestEmulator, upload: Upload, uploadId: string, partNumber: number, body: Uint8Array, headers: Record<string, string> = {}) {
  return cos(emu, upload, { method: 'PUT', key: upload.key, query: { partNumber: String(partNumber), uploadId }, body, headers });
}

const completeXml = (parts: Array<[number, string]>) =>
  `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e.replace(/"/g, '&quot;')}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;

async function complete(emu: TestEmulator, upload: Upload, uploadId: string, parts: Array<[number, string]>, headers: Record<string, string> = {}) {
  return cos(emu, upload, { method: 'POST', key: upload.key, query: { uploadId }, body: completeXml(parts), headers: { 'content-type': 'application/xml', ...headers } });
}

describe('COS: PUT, HEAD, GET Object', () => {
  let emu: TestEmulator;
  let upload: Upload;
  const body = bytes(3 * MiB + 17, 3);
  before(async () => {
    emu = testEmulator();
    upload = await applyUpload(emu, { MediaType: 'mp4', CoverType: 'jpg' });
  });
  after(() => emu.dispose());

  it('stores a PUT: ETag = quoted MD5, CRC-64 header, request id', async () => {
    const res = await cos(emu, upload, { method: 'PUT', key: upload.key, body, headers: { 'content-md5': md5b64(body), 'content-type': 'video/mp4', 'x-cos-meta-who': 'me' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), `"${md5hex(body)}"`);
    assert.equal(res.headers.get('x-cos-hash-crc64ecma'), await crc64(body));
    assert.ok(res.headers.get('x-cos-request-id'));
  });

  it('HEAD returns size, type, ETag, CRC-64, Last-Modified, meta; no body', async () => {
    const res = await cos(emu, upload, { method: 'HEAD', key: upload.key });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(body.length));
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(res.headers.get('etag'), `"${md5hex(body)}"`);
    assert.equal(res.headers.get('x-cos-hash-crc64ecma'), await crc64(body));
    assert.equal(res.headers.get('x-cos-meta-who'), 'me');
    assert.ok(Date.parse(res.headers.get('last-modified')!) > 0);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  it('GET returns the bytes; Range → 206 + Content-Range; suffix and open ranges; 416 past the end', async () => {
    const full = await cos(emu, upload, { method: 'GET', key: upload.key });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(new Uint8Array(await full.arrayBuffer()), body);
    const mid = await cos(emu, upload, { method: 'GET', key: upload.key, headers: { range: 'bytes=1048570-1048580' }, signHeaders: ['range'] });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), `bytes 1048570-1048580/${body.length}`);
    assert.equal(mid.headers.get('content-length'), '11');
    assert.deepEqual(new Uint8Array(await mid.arrayBuffer()), body.subarray(1048570, 1048581));
    const tail = await cos(emu, upload, { method: 'GET', key: upload.key, headers: { range: 'bytes=-5' } });
    assert.equal(tail.headers.get('content-range'), `bytes ${body.length - 5}-${body.length - 1}/${body.length}`);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), body.subarray(body.length - 5));
    const open = await cos(emu, upload, { method: 'GET', key: upload.key, headers: { range: `bytes=${body.length - 3}-` } });
    assert.deepEqual(new Uint8Array(await open.arrayBuffer()), body.subarray(body.length - 3));
    const past = await cos(emu, upload, { method: 'GET', key: upload.key, headers: { range: `bytes=${body.length}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${body.length}`);
    assert.equal(await cosCode(past), 'InvalidRange');
  });

  it('GET honours response-content-type', async () => {
    const res = await cos(emu, upload, { method: 'GET', key: upload.key, query: { 'response-content-type': 'application/x-test' } });
    assert.equal(res.headers.get('content-type'), 'application/x-test');
    await res.arrayBuffer();
  });

  it('rejects a wrong Content-MD5 with 400 BadDigest and keeps the stored object', async () => {
    const other = bytes(1000, 9);
    const res = await cos(emu, upload, { method: 'PUT', key: upload.key, body: other, headers: { 'content-md5': md5b64(bytes(1000, 10)) } });
    assert.equal(res.status, 400);
    assert.equal(await cosCode(res), 'BadDigest');
    const head = await cos(emu, upload, { method: 'HEAD', key: upload.key });
    assert.equal(head.headers.get('etag'), `"${md5hex(body)}"`);
    const bad = await cos(emu, upload, { method: 'PUT', key: upload.key, body: other, headers: { 'content-md5': 'not-base64' } });
    assert.equal(await cosCode(bad), 'InvalidDigest');
    assert.equal(readdirSync(`${emu.dir}/tmp`).length, 0, 'no temp file left behind');
  });

  it('404 NoSuchKey for a missing object (HEAD without body), with the XML error shape', async () => {
    const res = await cos(emu, upload, { method: 'GET', key: upload.coverKey });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/xml');
    const xml = await res.text();
    for (const field of ['Code', 'Message', 'Resource', 'RequestId', 'TraceId']) assert.ok(xmlField(xml, field), `<${field}> in ${xml}`);
    assert.equal(xmlField(xml, 'Code'), 'NoSuchKey');
    assert.equal(xmlField(xml, 'RequestId'), res.headers.get('x-cos-request-id'));
    const head = await cos(emu, upload, { method: 'HEAD', key: upload.coverKey });
    assert.equal(head.status, 404);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('overwrites an object with a new PUT', async () => {
    const small = bytes(10, 4);
    await cos(emu, upload, { method: 'PUT', key: upload.coverKey, body: small });
    const next = bytes(20, 5);
    await cos(emu, upload, { method: 'PUT', key: upload.coverKey, body: next });
    const got = await cos(emu, upload, { method: 'GET', key: upload.coverKey });
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), next);
  });

  it('501 NotImplemented for operations the emulator does not have', async () => {
    const res = await cos(emu, upload, { method: 'GET', key: '' });
    assert.equal(res.status, 501);
    assert.equal(await cosCode(res), 'NotImplemented');
  });
});

describe('COS: authentication against the temporary credential', () => {
  let emu: TestEmulator;
  let upload: Upload;
  before(async () => {
    emu = testEmulator({ credentialTtl: 600 });
    upload = await applyUpload(emu, { MediaType: 'mp4' });
  });
  after(() => emu.dispose());

  const put = (call: Partial<Parameters<typeof cos>[2]> = {}) => cos(emu, upload, { method: 'PUT', key: upload.key, body: bytes(100), ...call });

  it('accepts the credential with its token', async () => {
    assert.equal((await put()).status, 200);
  });

  it('unknown access key → 403 InvalidAccessKeyId', async () => {
    const res = await put({ secretId: 'emutmp-unknown' });
    assert.equal(res.status, 403);
    assert.equal(await cosCode(res), 'InvalidAccessKeyId');
  });

  it('wrong secret → 403 SignatureDoesNotMatch with StringToSign and FormatString', async () => {
    const res = await put({ secretKey: 'wrong' });
    assert.equal(res.status, 403);
    const xml = await res.text();
    assert.equal(xmlField(xml, 'Code'), 'SignatureDoesNotMatch');
    assert.match(xml, /<StringToSign>sha1\n\d+;\d+\n[0-9a-f]{40}\n<\/StringToSign>/);
    assert.match(xml, /<FormatString>put\n\/[^<]*f0\.mp4\n/);
  });

  it('signs the key path without the /cos/{Bucket} prefix (signing the full URL path fails)', async () => {
    const res = await put({ key: upload.key });
    assert.equal(res.status, 200);
    const { signCos } = await import('@vod-uploader/tencent');
    const cert = upload.TempCertificate!;
    const sig = await signCos({ secretId: cert.SecretId, secretKey: cert.SecretKey, method: 'PUT', key: `cos/${upload.StorageBucket}/${upload.key}`, headers: { host: HOST } });
    const wrong = await emu.app.request(`${ORIGIN}/cos/${upload.StorageBucket}/${upload.key}`, {
      method: 'PUT',
      headers: { host: HOST, authorization: sig.authorization, 'x-cos-security-token': cert.Token },
      body: 'x',
    });
    assert.equal(await cosCode(wrong), 'SignatureDoesNotMatch');
  });

  it('missing token → 403 InvalidAccessKeyId; wrong token → 403 InvalidToken', async () => {
    const none = await put({ token: null });
    assert.equal(none.status, 403);
    assert.equal(await cosCode(none), 'InvalidAccessKeyId');
    const other = await applyUpload(emu, { MediaType: 'mp4' });
    const wrong = await put({ token: other.TempCertificate!.Token });
    assert.equal(wrong.status, 403);
    assert.equal(await cosCode(wrong), 'InvalidToken');
  });

  it('expired key-time → 403 AccessDenied "Request has expired"', async () => {
    const now = Math.floor(emu.clock.now / 1000);
    const res = await put({ keyTime: `${now - 1000};${now - 10}` });
    assert.equal(res.status, 403);
    const xml = await res.text();
    assert.equal(xmlField(xml, 'Code'), 'AccessDenied');
    assert.equal(xmlField(xml, 'Message'), 'Request has expired');
  });

  it('a key outside the credential’s session, or another bucket → 403 AccessDenied; unknown bucket → 404', async () => {
    const other = await applyUpload(emu, { MediaType: 'mp4' });
    const res = await put({ key: other.key });
    assert.equal(res.status, 403);
    assert.equal(await cosCode(res), 'AccessDenied');
    const elsewhere = await applyUpload(emu, { MediaType: 'mp4', StorageRegion: 'ap-shanghai' });
    const cross = await put({ bucket: elsewhere.StorageBucket });
    assert.equal(await cosCode(cross), 'AccessDenied');
    const unknown = await put({ bucket: 'nobody-1250000000' });
    assert.equal(unknown.status, 404);
    assert.equal(await cosCode(unknown), 'NoSuchBucket');
  });

  it('presigned URL: signature and token in the query', async () => {
    const cert = upload.TempCertificate!;
    const body = bytes(64, 8);
    const { url } = await presignCos({
      baseUrl: `${ORIGIN}/cos/${upload.StorageBucket}`,
      secretId: cert.SecretId,
      secretKey: cert.SecretKey,
      securityToken: cert.Token,
      method: 'PUT',
      key: upload.key,
      headers: { host: HOST },
    });
    const res = await emu.app.request(url, { method: 'PUT', headers: { host: HOST }, body });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), `"${md5hex(body)}"`);
    const { url: noToken } = await presignCos({ baseUrl: `${ORIGIN}/cos/${upload.StorageBucket}`, secretId: cert.SecretId, secretKey: cert.SecretKey, method: 'PUT', key: upload.key, headers: { host: HOST } });
    assert.equal(await cosCode(await emu.app.request(noToken, { method: 'PUT', headers: { host: HOST }, body })), 'InvalidAccessKeyId');
  });

  it('an expired credential → 403 ExpiredToken, even with a fresh signature', async () => {
    emu.clock.now += 601_000;
    const res = await put();
    assert.equal(res.status, 403);
    assert.equal(await cosCode(res), 'ExpiredToken');
  });
});

describe('COS: multipart upload', () => {
  let emu: TestEmulator;
  before(() => {
    emu = testEmulator();
  });
  after(() => emu.dispose());

  it('uploads parts (ETag = quoted MD5, CRC-64), completes (S3-style ETag, combined CRC-64), serves across parts', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    const parts = [bytes(MiB, 11), bytes(MiB, 12), bytes(300_000, 13)];
    // Out of order, as concurrent uploads arrive.
    for (const i of [2, 0, 1]) {
      const res = await putPart(emu, upload, uploadId, i + 1, parts[i]!, { 'content-md5': md5b64(parts[i]!) });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('etag'), `"${md5hex(parts[i]!)}"`);
      assert.equal(res.headers.get('x-cos-hash-crc64ecma'), await crc64(parts[i]!));
    }
    const res = await complete(emu, upload, uploadId, parts.map((p, i) => [i + 1, `"${md5hex(p)}"`]));
    assert.equal(res.status, 200);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    assert.equal(res.headers.get('x-cos-hash-crc64ecma'), await crc64(whole));
    const xml = await res.text();
    const etagOfEtags = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex');
    assert.equal(xmlField(xml, 'ETag'), `&quot;${etagOfEtags}-3&quot;`);
    assert.equal(xmlField(xml, 'Key'), upload.key);
    assert.equal(xmlField(xml, 'Bucket'), upload.StorageBucket);
    assert.ok(xmlField(xml, 'Location'));
    const head = await cos(emu, upload, { method: 'HEAD', key: upload.key });
    assert.equal(head.headers.get('content-length'), String(whole.length));
    assert.equal(head.headers.get('x-cos-hash-crc64ecma'), await crc64(whole));
    assert.equal(head.headers.get('etag'), `"${etagOfEtags}-3"`);
    const range = await cos(emu, upload, { method: 'GET', key: upload.key, headers: { range: `bytes=${MiB - 3}-${2 * MiB + 2}` } });
    assert.equal(range.status, 206);
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), whole.subarray(MiB - 3, 2 * MiB + 3));
    const all = await cos(emu, upload, { method: 'GET', key: upload.key });
    assert.deepEqual(new Uint8Array(await all.arrayBuffer()), whole);
    // The upload is gone.
    assert.equal(await cosCode(await cos(emu, upload, { method: 'GET', key: upload.key, query: { uploadId } })), 'NoSuchUpload');
    // Committing gives MetaData.Md5 of the whole object.
    const { vod } = await import('./testing.ts');
    const commit = await vod<{ FileId: string }>(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey });
    const d = await vod<{ MediaInfoSet: Array<{ MetaData: { Md5: string; Size: number } }> }>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] });
    assert.equal(d.MediaInfoSet[0]!.MetaData.Md5, md5hex(whole));
    assert.equal(d.MediaInfoSet[0]!.MetaData.Size, whole.length);
  });

  it('re-uploading a part replaces it; BadDigest keeps the previous part', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    const a = bytes(2000, 21);
    const b = bytes(2000, 22);
    await putPart(emu, upload, uploadId, 1, a);
    const bad = await putPart(emu, upload, uploadId, 1, b, { 'content-md5': md5b64(a) });
    assert.equal(bad.status, 400);
    assert.equal(await cosCode(bad), 'BadDigest');
    let list = await (await cos(emu, upload, { method: 'GET', key: upload.key, query: { uploadId } })).text();
    assert.equal(xmlField(list, 'ETag'), `&quot;${md5hex(a)}&quot;`);
    await putPart(emu, upload, uploadId, 1, b);
    list = await (await cos(emu, upload, { method: 'GET', key: upload.key, query: { uploadId } })).text();
    assert.equal(xmlField(list, 'ETag'), `&quot;${md5hex(b)}&quot;`);
    assert.equal(xmlField(list, 'Size'), '2000');
  });

  it('ListParts paginates with max-parts / part-number-marker / IsTruncated / NextPartNumberMarker', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    for (const n of [1, 2, 3, 5, 8]) await putPart(emu, upload, uploadId, n, bytes(10, n));
    const seen: number[] = [];
    let marker = '0';
    for (let page = 0; page < 10; page++) {
      const res = await cos(emu, upload, { method: 'GET', key: upload.key, query: { uploadId, 'max-parts': '2', 'part-number-marker': marker } });
      assert.equal(res.status, 200);
      const xml = await res.text();
      assert.equal(xmlField(xml, 'UploadId'), uploadId);
      assert.equal(xmlField(xml, 'MaxParts'), '2');
      assert.equal(xmlField(xml, 'PartNumberMarker'), marker);
      const numbers = [...xml.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      assert.ok(numbers.length <= 2);
      seen.push(...numbers);
      if (xmlField(xml, 'IsTruncated') === 'false') break;
      marker = xmlField(xml, 'NextPartNumberMarker')!;
      assert.equal(marker, String(numbers[numbers.length - 1]));
    }
    assert.deepEqual(seen, [1, 2, 3, 5, 8]);
    const bad = await cos(emu, upload, { method: 'GET', key: upload.key, query: { uploadId, 'max-parts': 'lots' } });
    assert.equal(await cosCode(bad), 'InvalidArgument');
  });

  it('Complete checks ETags and existence (InvalidPart), order (InvalidPartOrder), sizes (EntityTooSmall), XML, Content-MD5', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    const p1 = bytes(MiB - 1, 31);
    const p2 = bytes(MiB, 32);
    const p3 = bytes(100, 33);
    for (const [n, p] of [[1, p1], [2, p2], [3, p3]] as const) await putPart(emu, upload, uploadId, n, p);
    const e = (p: Uint8Array) => `"${md5hex(p)}"`;
    const code = async (r: Response) => [r.status, await cosCode(r)];
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [[1, e(p1)], [2, e(p3)]])), [400, 'InvalidPart']);
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [[1, e(p1)], [4, e(p3)]])), [400, 'InvalidPart']);
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [[2, e(p2)], [1, e(p1)]])), [400, 'InvalidPartOrder']);
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [[1, e(p1)], [1, e(p1)]])), [400, 'InvalidPartOrder']);
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [[1, e(p1)], [2, e(p2)]])), [400, 'EntityTooSmall']);
    assert.deepEqual(await code(await complete(emu, upload, uploadId, [])), [400, 'MalformedXML']);
    const garbage = await cos(emu, upload, { method: 'POST', key: upload.key, query: { uploadId }, body: '<Nope/>' });
    assert.deepEqual(await code(garbage), [400, 'MalformedXML']);
    const digest = await complete(emu, upload, uploadId, [[2, e(p2)], [3, e(p3)]], { 'content-md5': md5b64(new Uint8Array([1])) });
    assert.deepEqual(await code(digest), [400, 'BadDigest']);
    // A subset of the parts, ETags without quotes: fine; the last part may be small.
    const body = completeXml([[2, md5hex(p2)], [3, e(p3)]]);
    const ok = await cos(emu, upload, { method: 'POST', key: upload.key, query: { uploadId }, body, headers: { 'content-md5': md5b64(new TextEncoder().encode(body)) } });
    assert.equal(ok.status, 200);
    const head = await cos(emu, upload, { method: 'HEAD', key: upload.key });
    assert.equal(head.headers.get('content-length'), String(MiB + 100));
    // The unlisted part's bytes are released.
    const { objects, uploads } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(`${emu.dir}/state.json`, 'utf8'))) as {
      objects: Record<string, { chunks: Array<{ id: string }> }>;
      uploads: Record<string, { parts: Record<string, { id: string }> }>;
    };
    const live = new Set([...Object.values(objects).flatMap((o) => o.chunks.map((c) => c.id)), ...Object.values(uploads).flatMap((u) => Object.values(u.parts).map((p) => p.id))]);
    assert.deepEqual(new Set(readdirSync(`${emu.dir}/blobs`)), live);
  });

  it('MetaData.Md5 of a multipart object is right whatever the part history (re-uploads, subsets, order)', async () => {
    const { vod } = await import('./testing.ts');
    const p = [bytes(MiB, 81), bytes(MiB, 82), bytes(MiB, 83), bytes(5000, 84)];
    const replacement = bytes(MiB, 85);
    const cases: Array<{ name: string; steps: Array<[number, Uint8Array]>; listed: Array<[number, Uint8Array]> }> = [
      { name: 'in order', steps: [[1, p[0]!], [2, p[1]!], [3, p[3]!]], listed: [[1, p[0]!], [2, p[1]!], [3, p[3]!]] },
      { name: 're-upload of a hashed part', steps: [[1, p[0]!], [2, p[1]!], [1, replacement], [3, p[3]!]], listed: [[1, replacement], [2, p[1]!], [3, p[3]!]] },
      { name: 'subset', steps: [[1, p[0]!], [2, p[1]!], [3, p[2]!], [4, p[3]!]], listed: [[1, p[0]!], [3, p[2]!], [4, p[3]!]] },
      { name: 'starting at 2', steps: [[3, p[3]!], [2, p[1]!]], listed: [[2, p[1]!], [3, p[3]!]] },
    ];
    for (const c of cases) {
      const upload = await applyUpload(emu);
      const uploadId = await initiate(emu, upload);
      for (const [n, body] of c.steps) assert.equal((await putPart(emu, upload, uploadId, n, body)).status, 200);
      const res = await complete(emu, upload, uploadId, c.listed.map(([n, body]) => [n, `"${md5hex(body)}"`]));
      assert.equal(res.status, 200, c.name);
      const commit = await vod<{ FileId: string }>(emu, 'CommitUpload', { VodSessionKey: upload.VodSessionKey });
      const d = await vod<{ MediaInfoSet: Array<{ MetaData: { Md5: string } }> }>(emu, 'DescribeMediaInfos', { FileIds: [commit.FileId] });
      const whole = Buffer.concat(c.listed.map(([, body]) => body));
      assert.equal(d.MediaInfoSet[0]!.MetaData.Md5, md5hex(whole), c.name);
    }
  });

  it('a single small part completes (the last part may be < 1 MiB)', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    const p = bytes(10, 40);
    await putPart(emu, upload, uploadId, 1, p);
    const res = await complete(emu, upload, uploadId, [[1, `"${md5hex(p)}"`]]);
    assert.equal(res.status, 200);
    assert.match(await res.text(), new RegExp(`-1&quot;</ETag>`));
  });

  it('UploadPart validates the part number and the upload id', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    assert.equal(await cosCode(await putPart(emu, upload, uploadId, 0, bytes(1))), 'InvalidArgument');
    assert.equal(await cosCode(await putPart(emu, upload, uploadId, 10001, bytes(1))), 'InvalidArgument');
    const missing = await putPart(emu, upload, 'nope', 1, bytes(1));
    assert.equal(missing.status, 404);
    assert.equal(await cosCode(missing), 'NoSuchUpload');
  });

  it('Abort → 204, then NoSuchUpload (404) for the upload and its parts', async () => {
    const upload = await applyUpload(emu);
    const uploadId = await initiate(emu, upload);
    await putPart(emu, upload, uploadId, 1, bytes(100));
    const before = readdirSync(`${emu.dir}/blobs`).length;
    const res = await cos(emu, upload, { method: 'DELETE', key: upload.key, query: { uploadId } });
    assert.equal(res.status, 204);
    assert.equal(readdirSync(`${emu.dir}/blobs`).length, before - 1);
    const again = await cos(emu, upload, { method: 'DELETE', key: upload.key, query: { uploadId } });
    assert.equal(again.status, 404);
    assert.equal(await cosCode(again), 'NoSuchUpload');
    assert.equal(await cosCode(await putPart(emu, upload, uploadId, 2, bytes(1))), 'NoSuchUpload');
    assert.equal(await cosCode(await complete(emu, upload, uploadId, [[1, 'x']])), 'NoSuchUpload');
  });

  it('ListMultipartUploads (GET /?uploads&prefix=) lists this credential’s uploads, paginated', async () => {
    const upload = await applyUpload(emu);
    const ids = [await initiate(emu, upload), await initiate(emu, upload), await initiate(emu, upload)];
    const other = await applyUpload(emu);
    await initiate(emu, other);
    const res = await cos(emu, upload, { method: 'GET', key: '', query: { uploads: '', prefix: upload.key } });
    assert.equal(res.status, 200);
    const xml = await res.text();
    assert.match(xml, /<ListMultipartUploadsResult>/);
    const listed = [...xml.matchAll(/<UploadId>([^<]+)<\/UploadId>/g)].map((m) => m[1]);
    assert.deepEqual(new Set(listed), new Set(ids));
    assert.equal(xmlField(xml, 'IsTruncated'), 'false');
    // Pages of 2.
    const page1 = await (await cos(emu, upload, { method: 'GET', key: '', query: { uploads: '', prefix: upload.key, 'max-uploads': '2' } })).text();
    assert.equal(xmlField(page1, 'IsTruncated'), 'true');
    const page2 = await (
      await cos(emu, upload, {
        method: 'GET',
        key: '',
        query: { uploads: '', prefix: upload.key, 'max-uploads': '2', 'key-marker': xmlField(page1, 'NextKeyMarker')!, 'upload-id-marker': xmlField(page1, 'NextUploadIdMarker')! },
      })
    ).text();
    const both = [...`${page1}${page2}`.matchAll(/<UploadId>([^<]+)<\/UploadId>/g)].map((m) => m[1]);
    assert.deepEqual(new Set(both), new Set(ids));
    assert.equal(both.length, 3);
    assert.equal(xmlField(page2, 'IsTruncated'), 'false');
  });
});

describe('COS: CORS', () => {
  const t = emulatorWithUpload();

  it('answers a preflight for any origin, methods and requested headers', async () => {
    const res = await t.emu.app.request(`${ORIGIN}/cos/${t.upload.StorageBucket}/${t.upload.key}?partNumber=1&uploadId=x`, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test:8080', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-md5,x-cos-security-token' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://example.test:8080');
    for (const m of ['PUT', 'GET', 'POST', 'DELETE', 'HEAD']) assert.match(res.headers.get('access-control-allow-methods')!, new RegExp(m));
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization,content-md5,x-cos-security-token');
    assert.ok(res.headers.get('x-cos-request-id'));
  });

  it('exposes ETag, CRC-64 and the request id on success and on errors', async () => {
    const ok = await cos(t.emu, t.upload, { method: 'PUT', key: t.upload.key, body: bytes(10), headers: { origin: 'http://a.test' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://a.test');
    const expose = ok.headers.get('access-control-expose-headers')!.toLowerCase();
    for (const h of ['etag', 'x-cos-hash-crc64ecma', 'x-cos-request-id', 'content-length', 'content-range']) assert.ok(expose.includes(h), h);
    const err = await cos(t.emu, t.upload, { method: 'PUT', key: t.upload.key, body: bytes(10), secretKey: 'wrong', headers: { origin: 'http://a.test' } });
    assert.equal(err.status, 403);
    assert.equal(err.headers.get('access-control-allow-origin'), 'http://a.test');
    assert.match(err.headers.get('access-control-expose-headers')!, /ETag/);
    assert.ok(err.headers.get('x-cos-request-id'));
  });

  it('media URLs: CORS for any origin, Range, HEAD', async () => {
    const { vod } = await import('./testing.ts');
    const body = bytes(5000, 50);
    await cos(t.emu, t.upload, { method: 'PUT', key: t.upload.key, body });
    const commit = await vod<{ MediaUrl: string }>(t.emu, 'CommitUpload', { VodSessionKey: t.upload.VodSessionKey });
    const res = await t.emu.app.request(commit.MediaUrl, { headers: { range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('content-range'), 'bytes 100-199/5000');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body.subarray(100, 200));
    const head = await t.emu.app.request(commit.MediaUrl, { method: 'HEAD', headers: { origin: 'http://player.test' } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '5000');
    assert.equal(head.headers.get('access-control-allow-origin'), 'http://player.test');
    assert.equal((await t.emu.app.request(commit.MediaUrl, { headers: { range: 'bytes=9000-' } })).status, 416);
    assert.equal((await t.emu.app.request(commit.MediaUrl.replace('f0.mp4', 'other.mp4'))).status, 404);
  });
});
