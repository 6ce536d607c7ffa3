import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createVerifier, instantKey, lookupInstant, type VerifyJob, type VerifyOutcome } from './instant.ts';
import { MemoryStore } from './store.ts';

const entry = { fileId: 'f1', mediaUrl: 'http://m/f1.mp4', coverUrl: '' };

function job(bytes: Uint8Array, claimed: string, sources?: VerifyJob['sources']): VerifyJob {
  return {
    scope: 'public',
    sha1: claimed,
    size: bytes.length,
    entry,
    sources: sources ?? [async () => new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream())],
  };
}

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('instant-upload verifier', () => {
  it('admits a file whose stored bytes have the claimed SHA-1 and size', async () => {
    const store = new MemoryStore();
    const v = createVerifier({ store });
    const bytes = randomBytes(300_000);
    assert.equal(await v.enqueue(job(bytes, sha1(bytes))), 'admitted');
    assert.deepEqual(await lookupInstant(store, 'public', sha1(bytes), bytes.length), entry);
    assert.equal(await lookupInstant(store, 'other-scope', sha1(bytes), bytes.length), undefined, 'scoped');
    assert.equal(await lookupInstant(store, 'public', sha1(bytes), bytes.length + 1), undefined, 'sized');
  });

  it('never admits a claimed SHA-1 that does not match the bytes (poisoning)', async () => {
    const store = new MemoryStore();
    const v = createVerifier({ store });
    const real = randomBytes(1000);
    const claimed = sha1(randomBytes(1000)); // someone else's file
    assert.equal(await v.enqueue(job(real, claimed)), 'mismatch');
    assert.equal(await lookupInstant(store, 'public', claimed, 1000), undefined);
    assert.equal(store.size, 0);
  });

  it('refuses stored bytes longer or shorter than planned', async () => {
    const store = new MemoryStore();
    const v = createVerifier({ store });
    const bytes = randomBytes(1000);
    const longer = job(bytes, sha1(bytes), [async () => new Response(new Blob([bytes, new Uint8Array(1)]).stream())]);
    assert.equal(await v.enqueue(longer), 'mismatch');
    const shorter = job(bytes, sha1(bytes), [async () => new Response(bytes.subarray(0, 999))]);
    assert.equal(await v.enqueue(shorter), 'mismatch');
    assert.equal(store.size, 0);
  });

  it('tries the next source when one fails, and gives up when none answers', async () => {
    const store = new MemoryStore();
    const v = createVerifier({ store });
    const bytes = randomBytes(10);
    const ok = job(bytes, sha1(bytes), [async () => new Response('denied', { status: 403 }), async () => { throw new Error('down'); }, async () => new Response(bytes)]);
    assert.equal(await v.enqueue(ok), 'admitted');
    assert.equal(await v.enqueue(job(bytes, sha1(bytes), [async () => new Response('', { status: 404 })])), 'unreadable');
  });

  it('is bounded: big files and a full queue are not verified', async () => {
    const store = new MemoryStore();
    const outcomes: VerifyOutcome[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const v = createVerifier({ store, maxBytes: 100, maxQueue: 1, onResult: (_j, o) => outcomes.push(o) });
    const small = randomBytes(50);
    assert.equal(await v.enqueue(job(randomBytes(101), 'x'.repeat(40))), 'too_large');
    const slow = job(small, sha1(small), [async () => { await gate; return new Response(small); }]);
    const first = v.enqueue(slow); // running
    const second = v.enqueue(job(small, sha1(small))); // queued
    assert.equal(await v.enqueue(job(small, sha1(small))), 'queue_full');
    assert.equal(v.pending, 2);
    release();
    assert.deepEqual([await first, await second], ['admitted', 'admitted']);
    await v.idle();
    assert.equal(v.pending, 0);
    assert.deepEqual(outcomes, ['too_large', 'queue_full', 'admitted', 'admitted']);
  });

  it('uses an injected hasher', async () => {
    const store = new MemoryStore();
    const v = createVerifier({
      store,
      createHasher: () => {
        const h = createHash('sha1');
        return { update(d) { h.update(d); return this; }, digest: () => new Uint8Array(h.digest()) };
      },
    });
    const bytes = randomBytes(5000);
    assert.equal(await v.enqueue(job(bytes, sha1(bytes))), 'admitted');
    assert.ok(await store.get(instantKey('public', sha1(bytes), 5000)));
  });
});
