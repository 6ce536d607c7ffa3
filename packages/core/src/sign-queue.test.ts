import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import { createSignQueue } from './sign-queue.ts';
import type { SignRequest, SignedUrl, SignerClient } from './signer-client.ts';

function fakeSigner(ttl = 600_000): SignerClient & { calls: SignRequest[] } {
  const calls: SignRequest[] = [];
  const url = (target: SignedUrl['target'], partNumber?: number): SignedUrl => ({
    target, partNumber, method: 'PUT', url: `https://cos/${target}/${partNumber ?? ''}?n=${calls.length}`, headers: {}, expiresAt: Date.now() + ttl,
  });
  return {
    calls,
    url: 'x',
    async sign(request: SignRequest) {
      calls.push(request);
      const urls = (request.parts ?? []).map((p) => url('part', p.partNumber));
      if (request.media) urls.push(url('media'));
      if (request.cover) urls.push(url('cover'));
      return urls;
    },
  } as unknown as SignerClient & { calls: SignRequest[] };
}

describe('createSignQueue', () => {
  it('batches requests of one tick into one call of at most 100 parts', async () => {
    const signer = fakeSigner();
    const queue = createSignQueue({ signer, session: 's', clock: systemClock });
    const urls = await Promise.all([
      ...Array.from({ length: 150 }, (_, i) => queue.get({ target: 'part', partNumber: i + 1, md5: `m${i}` })),
      queue.get({ target: 'cover', md5: 'c' }),
    ]);
    assert.equal(urls.length, 151);
    assert.equal(signer.calls.length, 2);
    assert.equal(signer.calls[0]!.parts!.length, 100);
    assert.equal(signer.calls[1]!.parts!.length, 50);
    assert.deepEqual(signer.calls[1]!.cover, { md5: 'c' });
    assert.equal(urls[149]!.partNumber, 150);
  });

  it('signs the same part once when asked twice in one tick', async () => {
    const signer = fakeSigner();
    const queue = createSignQueue({ signer, session: 's', clock: systemClock });
    const [a, b] = await Promise.all([queue.get({ target: 'part', partNumber: 4, md5: 'x' }), queue.get({ target: 'part', partNumber: 4, md5: 'x' })]);
    assert.equal(a, b);
    assert.deepEqual(signer.calls.map((c) => c.parts!.length), [1]);
  });

  it('shares a signing in flight with a later request for the same part (presign, then use)', async () => {
    const signer = fakeSigner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { ...signer, sign: async (request: SignRequest) => (await gate, signer.sign(request)) } as SignerClient;
    const queue = createSignQueue({ signer: slow, session: 's', clock: systemClock });
    const early = queue.get({ target: 'part', partNumber: 2, md5: 'x' });
    await new Promise((r) => setTimeout(r, 0));
    const late = queue.get({ target: 'part', partNumber: 2, md5: 'x' });
    release();
    assert.equal(await early, await late);
    assert.equal(signer.calls.length, 1);
  });

  it('caches until near expiry, re-signs after invalidate or a different MD5', async () => {
    const signer = fakeSigner();
    const queue = createSignQueue({ signer, session: 's', clock: systemClock });
    const first = await queue.get({ target: 'part', partNumber: 1, md5: 'a' });
    assert.equal(await queue.get({ target: 'part', partNumber: 1, md5: 'a' }), first);
    assert.equal(signer.calls.length, 1);
    queue.invalidate('part', 1);
    assert.notEqual(await queue.get({ target: 'part', partNumber: 1, md5: 'a' }), first);
    await queue.get({ target: 'part', partNumber: 1, md5: 'b' });
    assert.equal(signer.calls.length, 3);
    const shortLived = fakeSigner(10_000);
    const q2 = createSignQueue({ signer: shortLived, session: 's', clock: systemClock, margin: 30_000 });
    await q2.get({ target: 'media' });
    await q2.get({ target: 'media' });
    assert.equal(shortLived.calls.length, 2, 'a URL with less than the margin left is signed again');
  });

  it('passes signer errors to every waiter and reports a missing URL', async () => {
    const failing = { url: 'x', sign: async () => Promise.reject(new UploadError(ErrorCode.SIGNER, 'down', { status: 503 })) } as unknown as SignerClient;
    const queue = createSignQueue({ signer: failing, session: 's', clock: systemClock });
    const results = await Promise.allSettled([queue.get({ target: 'part', partNumber: 1 }), queue.get({ target: 'part', partNumber: 2 })]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    const empty = { url: 'x', sign: async () => [] } as unknown as SignerClient;
    await assert.rejects(createSignQueue({ signer: empty, session: 's', clock: systemClock }).get({ target: 'media' }), { code: 'signer', retryable: false });
  });
});
