import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, stepBucket, takeToken, type Store } from './store.ts';

describe('MemoryStore', () => {
  it('gets, sets, adds only when absent, deletes', async () => {
    const s = new MemoryStore();
    assert.equal(await s.get('a'), undefined);
    await s.set('a', '1');
    assert.equal(await s.get('a'), '1');
    assert.equal(await s.add('a', '2'), false);
    assert.equal(await s.get('a'), '1');
    assert.equal(await s.add('b', '2'), true);
    await s.delete('a');
    assert.equal(await s.get('a'), undefined);
  });

  it('expires entries', async () => {
    let now = 0;
    const s = new MemoryStore({ now: () => now });
    await s.set('a', '1', 10);
    now = 9_999;
    assert.equal(await s.get('a'), '1');
    now = 10_000;
    assert.equal(await s.get('a'), undefined);
    assert.equal(await s.add('a', '2', 1), true);
  });

  it('stays bounded, dropping the oldest', async () => {
    const s = new MemoryStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await s.set(k, k);
    assert.equal(await s.get('a'), undefined);
    assert.equal(await s.get('d'), 'd');
    assert.equal(s.size, 3);
  });
});

describe('token bucket', () => {
  const bucket = { capacity: 3, refillPerSecond: 1 };

  it('allows a burst of capacity, then refuses with Retry-After, then refills', async () => {
    const s = new MemoryStore();
    const r = [];
    for (let i = 0; i < 4; i++) r.push(await takeToken(s, 'k', bucket, 1000));
    assert.deepEqual(r.map((x) => x.ok), [true, true, true, false]);
    assert.equal(r[3]!.retryAfter, 1);
    assert.equal((await takeToken(s, 'k', bucket, 1500)).ok, false);
    assert.equal((await takeToken(s, 'k', bucket, 2000)).ok, true);
    assert.equal((await takeToken(s, 'other', bucket, 2000)).ok, true, 'buckets are per key');
  });

  it('works through get/set for stores without take()', async () => {
    const m = new MemoryStore();
    const plain: Store = { get: (k) => m.get(k), set: (k, v, t) => m.set(k, v, t), add: (k, v, t) => m.add(k, v, t), delete: (k) => m.delete(k) };
    const r = [];
    for (let i = 0; i < 4; i++) r.push((await takeToken(plain, 'k', bucket, 5000)).ok);
    assert.deepEqual(r, [true, true, true, false]);
    assert.equal((await takeToken(plain, 'k', bucket, 7000)).remaining, 1);
  });

  it('computes Retry-After for larger costs', () => {
    const { result } = stepBucket({ tokens: 0, at: 0 }, { capacity: 10, refillPerSecond: 2 }, 0, 5);
    assert.deepEqual(result, { ok: false, retryAfter: 3, remaining: 0 });
  });
});
