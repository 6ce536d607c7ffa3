// Browser-only pieces of @vod-uploader/core in Chromium: the IndexedDB resume store (keep, expire, delete) and the
// XHR transport against the emulator's storage (cross-origin error answers readable, progress, abort, idle timeout).
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { type ResumeRecord, createIdbResumeStore, createXhrTransport } from '@vod-uploader/core';

const record = (key: string, expiresAt: number): ResumeRecord => ({
  version: 1, key, session: 'sealed', strategy: 'multipart', partSize: 1048576, partCount: 2, size: 2000000,
  expiresAt, updatedAt: 1, parts: [[1, '"abc"', 1048576]], hash: { through: 1, state: 'AAAA' },
});

describe('core IndexedDB resume store', () => {
  it('keeps, expires and deletes records, across store instances of one database', async () => {
    let now = 1000;
    const name = `core-idb-${Date.now()}`;
    const store = createIdbResumeStore({ name, now: () => now });
    expect(await store.get('a')).to.equal(undefined);
    await store.set(record('a', 5000));
    await store.set(record('b', 2000));
    const other = createIdbResumeStore({ name, now: () => now }); // another tab
    expect(await other.get('a')).to.deep.equal(record('a', 5000));
    now = 3000;
    expect(await other.get('b')).to.equal(undefined);
    await store.delete('a');
    expect(await other.get('a')).to.equal(undefined);
    await store.delete('missing');
  });
});

describe('core XHR transport', () => {
  let base: string;
  before(async () => {
    const info = await executeServerCommand<{ url: string }, undefined>('emulator');
    base = info.url;
  });

  it('reads a cross-origin storage error (status, XML body, request id) and reports no progress for it', async () => {
    const progress: number[] = [];
    const res = await createXhrTransport()({
      method: 'PUT',
      url: `${base}/cos/no-such-bucket-1250000000/key.mp4`,
      headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
      body: new Uint8Array(0),
      onProgress: (n) => progress.push(n),
    });
    expect(res.status).to.be.within(400, 499);
    expect(res.text).to.match(/<Code>\w+<\/Code>/);
    expect(res.header('x-cos-request-id')).to.be.a('string');
    expect(progress.filter((n) => n > 0)).to.deep.equal([]);
  });

  it('rejects with the abort reason when aborted, and with TIMEOUT when nothing moves', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const pending = createXhrTransport()({ method: 'PUT', url: `${base}/cos/b-1250000000/k`, headers: {}, body: new Uint8Array(1 << 20), signal: controller.signal });
    controller.abort(reason);
    let error: unknown;
    try {
      await pending;
    } catch (e) {
      error = e;
    }
    expect(error).to.equal(reason);

    // A clock whose idle timer fires at once: the request is cut as "no progress".
    const clock = { now: () => Date.now(), setTimeout: (fn: () => void) => setTimeout(fn, 0), clearTimeout: (h: unknown) => clearTimeout(h as number) };
    let timeout: unknown;
    try {
      await createXhrTransport(clock)({ method: 'PUT', url: `${base}/cos/b-1250000000/k`, headers: {}, body: new Uint8Array(1 << 20), timeout: 1 });
    } catch (e) {
      timeout = e;
    }
    expect((timeout as { code?: string }).code).to.equal('timeout');
  });
});
