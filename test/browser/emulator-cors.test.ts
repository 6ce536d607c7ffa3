// Chromium talks to the emulator's storage cross-origin, as the element will talk to COS: presigned PUTs,
// ETag and CRC64 readable through CORS, XML errors readable too.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createCRC64, createMD5 } from 'hash-wasm';
import { presignCos, toBase64, fromHex } from '@vod-uploader/tencent';

interface Applied {
  StorageBucket: string;
  MediaStoragePath: string;
  TempCertificate: { SecretId: string; SecretKey: string; Token: string; ExpiredTime: number };
  cosBase: string;
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

async function digests(bytes: Uint8Array) {
  const md5 = await createMD5();
  const crc = await createCRC64();
  md5.init().update(bytes);
  crc.init().update(bytes);
  return { md5: md5.digest('hex'), crc64: BigInt(`0x${crc.digest('hex')}`).toString() };
}

async function presign(a: Applied, over: { headers?: Record<string, string>; query?: Record<string, string> } = {}) {
  const base = new URL(a.cosBase);
  const { url } = await presignCos({
    secretId: a.TempCertificate.SecretId,
    secretKey: a.TempCertificate.SecretKey,
    securityToken: a.TempCertificate.Token,
    baseUrl: a.cosBase,
    method: 'PUT',
    key: a.MediaStoragePath,
    headers: { host: base.host, ...over.headers },
    query: over.query,
  });
  return url;
}

describe('emulator storage from Chromium (CORS)', () => {
  it('takes a cross-origin presigned fetch PUT and exposes ETag and x-cos-hash-crc64ecma', async () => {
    const applied = await executeServerCommand<Applied, { MediaType: string }>('emulator-apply', { MediaType: 'mp4' });
    const body = randomBytes(2 * 1024 * 1024 + 17);
    const url = await presign(applied);
    expect(new URL(url).origin).not.to.equal(location.origin);
    const res = await fetch(url, { method: 'PUT', body });
    expect(res.status).to.equal(200);
    const want = await digests(body);
    expect(res.headers.get('ETag')).to.equal(`"${want.md5}"`);
    expect(res.headers.get('x-cos-hash-crc64ecma')).to.equal(want.crc64);
    expect(res.headers.get('x-cos-request-id')).to.be.a('string').and.not.equal('');
  });

  it('takes an XHR multipart part with a signed Content-MD5 (preflighted) and reads its ETag', async () => {
    const applied = await executeServerCommand<Applied, { MediaType: string }>('emulator-apply', { MediaType: 'mov' });
    // Initiate with a presigned POST ?uploads.
    const base = new URL(applied.cosBase);
    const init = await presignCos({
      secretId: applied.TempCertificate.SecretId,
      secretKey: applied.TempCertificate.SecretKey,
      securityToken: applied.TempCertificate.Token,
      baseUrl: applied.cosBase,
      method: 'POST',
      key: applied.MediaStoragePath,
      query: { uploads: '' },
      headers: { host: base.host },
    });
    const initRes = await fetch(init.url, { method: 'POST' });
    expect(initRes.status).to.equal(200);
    const uploadId = (await initRes.text()).match(/<UploadId>([^<]+)<\/UploadId>/)?.[1];
    expect(uploadId).to.be.a('string');

    const part = randomBytes(1024 * 1024);
    const { md5 } = await digests(part);
    const contentMd5 = toBase64(fromHex(md5));
    const url = await presign(applied, { headers: { 'content-md5': contentMd5 }, query: { partNumber: '1', uploadId: uploadId! } });
    const etag = await new Promise<string | null>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.setRequestHeader('Content-MD5', contentMd5);
      xhr.onload = () => (xhr.status === 200 ? resolve(xhr.getResponseHeader('ETag')) : reject(new Error(`status ${xhr.status}`)));
      xhr.onerror = () => reject(new Error('network error (CORS?)'));
      xhr.send(part);
    });
    expect(etag).to.equal(`"${md5}"`);
  });

  it('answers corrupted bytes with a readable 400 BadDigest XML error', async () => {
    const applied = await executeServerCommand<Applied, { MediaType: string }>('emulator-apply', { MediaType: 'mp4' });
    const body = randomBytes(4096);
    const wrongMd5 = toBase64(fromHex((await digests(randomBytes(16))).md5));
    const url = await presign(applied, { headers: { 'content-md5': wrongMd5 } });
    const res = await fetch(url, { method: 'PUT', body, headers: { 'Content-MD5': wrongMd5 } });
    expect(res.status).to.equal(400);
    const xml = await res.text();
    expect(xml).to.match(/<Code>BadDigest<\/Code>/);
    expect(res.headers.get('x-cos-request-id')).to.be.a('string');
  });
});
