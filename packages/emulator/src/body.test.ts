import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Blobs, BodyTooLarge } from './blobs.ts';
import { BodyPool } from './body-pool.ts';
import { crc64 } from './crc64.ts';
import { Md5Worker, type FilePart } from './md5-worker.ts';
import { bytes, MiB, servedUpload } from './testing.ts';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms for up to `ms`. */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

/** Splits bytes into chunks of the given sizes, cycling. */
function* chunked(data: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(at, at + n);
    at += n;
  }
}

describe('bodies: slot pool, body threads, temp files', { timeout: 60_000 }, () => {
  let dir: string;
  let pool: BodyPool;
  let blobs: Blobs;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vod-emu-body-'));
    // A tiny pool: 4 slots of 64 KiB over 2 threads, so bodies wait for slots and share threads.
    pool = new BodyPool({ slotBytes: 64 * 1024, slots: 4, threads: 2 });
    blobs = new Blobs(dir, pool);
  });
  after(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores many bodies at once (more than the slots), each intact with its MD5 and CRC-64', async () => {
    const sizes = [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300_001, MiB + 123, 2 * MiB];
    const datas = sizes.map((n, i) => bytes(n, i + 10));
    const results = await Promise.all(datas.map((d) => blobs.write(chunked(d, [1000, 65536, 7, 150_000]))));
    for (const [i, pending] of results.entries()) {
      const d = datas[i]!;
      assert.equal(pending.size, d.length);
      assert.equal(pending.md5, md5hex(d), `md5 of body ${i}`);
      assert.equal(pending.md5Base64, Buffer.from(md5hex(d), 'hex').toString('base64'));
      assert.equal(pending.crc64, await crc64(d), `crc64 of body ${i}`);
      const chunk = await pending.commit();
      assert.deepEqual(new Uint8Array(readFileSync(blobs.path(chunk.id))), d);
    }
    assert.deepEqual(readdirSync(blobs.tmpDir), []);
  });

  it('a body past maxBytes fails with BodyTooLarge and leaves no temp file', async () => {
    await assert.rejects(blobs.write(chunked(bytes(200_000, 3), [50_000]), { maxBytes: 100_000 }), BodyTooLarge);
    assert.deepEqual(readdirSync(blobs.tmpDir), []);
  });

  it('an aborted writer gives its slot back and removes its temp file (many times more than there are slots)', async () => {
    for (let i = 0; i < 12; i++) {
      const w = blobs.open();
      const wait = w.push(bytes(100_000, i)); // holds a partly filled slot
      if (wait) await wait;
      await w.abort();
    }
    assert.deepEqual(readdirSync(blobs.tmpDir), []);
    const d = bytes(500_000, 99);
    const pending = await blobs.write([d]);
    assert.equal(pending.md5, md5hex(d));
    await pending.discard();
    assert.deepEqual(readdirSync(blobs.tmpDir), []);
  });

  it('a writer source that fails midway leaves no temp file', async () => {
    async function* failing() {
      yield bytes(100_000, 1);
      throw new Error('source failed');
    }
    await assert.rejects(blobs.write(failing()), /source failed/);
    assert.deepEqual(readdirSync(blobs.tmpDir), []);
  });
});

describe('whole-object MD5: background hash, handover at Complete, fallbacks', { timeout: 60_000 }, () => {
  let dir: string;
  let pool: BodyPool;
  let md5: Md5Worker;
  const parts: FilePart[] = [];
  const datas: Uint8Array[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vod-emu-md5-'));
    pool = new BodyPool({ threads: 1 });
    md5 = new Md5Worker((files, state) => pool.hashFiles(files, state));
    for (let i = 0; i < 4; i++) {
      const d = bytes(MiB + i * 1000, 40 + i);
      const path = join(dir, `p${i + 1}`);
      writeFileSync(path, d);
      datas.push(d);
      parts.push({ partNumber: i + 1, blob: `b${i + 1}`, path, size: d.length });
    }
  });
  after(async () => {
    await md5.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const whole = (ds: Uint8Array[]) => {
    const h = createHash('md5');
    for (const d of ds) h.update(d);
    return h.digest('hex');
  };

  it('resumes the background state: parts hashed as they arrive (out of order), the rest at Complete', async () => {
    md5.partStored('u1', parts[1]!); // part 2 first: waits for part 1
    md5.partStored('u1', parts[0]!);
    await eventually(() => md5.hashedParts('u1') === 2);
    assert.equal(await md5.complete('u1', parts), whole(datas));
    assert.equal(md5.hashedParts('u1'), 0, 'forgotten after Complete');
  });

  it('falls back to hashing from the start when a hashed part was replaced or only some parts complete', async () => {
    for (const p of parts) md5.partStored('u2', p);
    await eventually(() => md5.hashedParts('u2') === 4);
    // Part 2 was re-uploaded (another blob) after being hashed.
    const replacedPath = join(dir, 'p2-new');
    const replaced = bytes(MiB, 77);
    writeFileSync(replacedPath, replaced);
    const newParts = [parts[0]!, { ...parts[1]!, blob: 'b2-new', path: replacedPath, size: replaced.length }, parts[2]!];
    assert.equal(await md5.complete('u2', newParts), whole([datas[0]!, replaced, datas[2]!]));

    for (const p of parts) md5.partStored('u3', p);
    await eventually(() => md5.hashedParts('u3') === 4);
    assert.equal(await md5.complete('u3', parts.slice(0, 2)), whole(datas.slice(0, 2)), 'a subset of the hashed parts');
  });

  it('the background thread waits while the body threads have a backlog', async () => {
    const backlog = new Int32Array(new SharedArrayBuffer(4));
    const paused = new Md5Worker((files, state) => pool.hashFiles(files, state), backlog);
    try {
      Atomics.store(backlog, 0, 1);
      paused.partStored('u4', parts[0]!);
      paused.partStored('u4', parts[1]!);
      await sleep(300);
      assert.equal(paused.hashedParts('u4'), 0, 'nothing hashed while uploads are busy');
      Atomics.store(backlog, 0, 0);
      await eventually(() => paused.hashedParts('u4') === 2);
      assert.equal(await paused.complete('u4', parts.slice(0, 2)), whole(datas.slice(0, 2)));
    } finally {
      await paused.close();
    }
  });

  it('hashes whole files with no background state (restart, single part)', async () => {
    assert.equal(await md5.files(parts), whole(datas));
    assert.equal(await md5.complete('never-seen', parts.slice(2)), whole(datas.slice(2)));
  });
});

/** A PUT that sends `sendBytes` of a `total`-byte body, then destroys the socket. */
function abandonedPut(url: string, headers: Record<string, string>, total: number, sendBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'PUT', headers: { ...headers, 'content-length': String(total) } });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(bytes(sendBytes, 5), () => setTimeout(() => req.destroy(), 20));
  });
}

describe('bodies over a real server', { timeout: 60_000 }, () => {
  const s = servedUpload('vod-emu-body-http-');
  const { sign, url } = s;

  it('clients that go away mid-body leave no temp file and hold no slot (more of them than the pool has slots)', async () => {
    const init = await fetch(url('?uploads'), { method: 'POST', headers: await sign('POST', { uploads: '' }) });
    const uploadId = /<UploadId>([^<]+)</.exec(await init.text())![1]!;
    const q = { partNumber: '1', uploadId };
    // 24 abandoned 4 MiB parts, 8 at a time, each sending 1.5 MiB: the pool has 16 slots of 1 MiB.
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 8 }, async () => abandonedPut(url(`?partNumber=1&uploadId=${uploadId}`), await sign('PUT', q), 4 * MiB, 1.5 * MiB)));
    }
    const tmp = join(s.dir, 'tmp');
    await eventually(() => existsSync(tmp) && readdirSync(tmp).length === 0);
    const list = await fetch(url(`?uploadId=${uploadId}`), { headers: await sign('GET', { uploadId }) });
    assert.doesNotMatch(await list.text(), /<Part>/, 'no abandoned part was stored');
    // Every slot is free again: four full parts at once go through.
    const datas = [1, 2, 3, 4].map((n) => bytes(3 * MiB + n, 200 + n));
    const replies = await Promise.all(
      datas.map(async (d, i) => {
        const qi = { partNumber: String(i + 1), uploadId };
        const res = await fetch(url(`?partNumber=${i + 1}&uploadId=${uploadId}`), { method: 'PUT', headers: await sign('PUT', qi), body: d });
        await res.arrayBuffer();
        return { status: res.status, etag: res.headers.get('etag'), crc: res.headers.get('x-cos-hash-crc64ecma') };
      }),
    );
    for (const [i, r] of replies.entries()) {
      assert.equal(r.status, 200);
      assert.equal(r.etag, `"${md5hex(datas[i]!)}"`);
      assert.equal(r.crc, await crc64(datas[i]!));
    }
  });

  it('a wrong Content-MD5 is rejected (BadDigest) before the part is visible, over HTTP', async () => {
    const init = await fetch(url('?uploads'), { method: 'POST', headers: await sign('POST', { uploads: '' }) });
    const uploadId = /<UploadId>([^<]+)</.exec(await init.text())![1]!;
    const q = { partNumber: '1', uploadId };
    const d = bytes(2 * MiB, 9);
    const wrong = createHash('md5').update('something else').digest('base64');
    const res = await fetch(url(`?partNumber=1&uploadId=${uploadId}`), { method: 'PUT', headers: await sign('PUT', q, { 'content-md5': wrong }), body: d });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>BadDigest<\/Code>/);
    const list = await fetch(url(`?uploadId=${uploadId}`), { headers: await sign('GET', { uploadId }) });
    assert.doesNotMatch(await list.text(), /<Part>/);
    assert.deepEqual(readdirSync(join(s.dir, 'tmp')), []);
    const right = createHash('md5').update(d).digest('base64');
    const ok = await fetch(url(`?partNumber=1&uploadId=${uploadId}`), { method: 'PUT', headers: await sign('PUT', q, { 'content-md5': right }), body: d });
    await ok.arrayBuffer();
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), `"${md5hex(d)}"`);
  });
});
