import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Hasher } from './hasher.ts';
import { base64ToBytes, bytesToBase64, hexToBase64 } from './hasher.ts';
import { createNodeHasher } from './node-hasher.ts';
import { createWasmHasher } from './wasm-hasher.ts';

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** Random part boundaries over `data`. */
function boundaries(size: number, seed: number): number[] {
  const cuts = [0];
  let x = seed;
  for (let at = 0; at < size; ) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    at = Math.min(size, at + 1 + (x % 300_000));
    cuts.push(at);
  }
  return cuts;
}

for (const [label, make] of [['WebAssembly, in this thread,', createWasmHasher], ['node:crypto', createNodeHasher]] as const) {
  describe(`${label} hasher`, () => {
    it('streamed SHA-1 over random part boundaries equals one-shot; MD5 per part; bytes handed back', async () => {
      const hasher: Hasher = make();
      const data = new Uint8Array(randomBytes(2_000_003));
      const blob = new Blob([data]);
      for (const seed of [1, 2, 3]) {
        const key = `k${seed}`;
        await hasher.begin(key);
        const cuts = boundaries(data.length, seed);
        for (let i = 1; i < cuts.length; i++) {
          const [start, end] = [cuts[i - 1]!, cuts[i]!];
          const input = seed === 2 ? { bytes: data.slice(start, end) } : { blob, start, end };
          const part = await hasher.part(key, input, { sha1: true, md5: true, keep: true });
          assert.equal(part.md5, md5(data.subarray(start, end)));
          assert.deepEqual(part.bytes, data.subarray(start, end));
          assert.equal(part.size, end - start);
        }
        assert.equal(await hasher.digest(key), sha1(data));
        hasher.end(key);
      }
      assert.equal(await hasher.sha1({ blob, start: 0, end: 1000 }), sha1(data.subarray(0, 1000)));
      assert.equal(await hasher.sha1({ bytes: new Uint8Array(0) }), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
      hasher.close();
    });

    it('keeps keys apart and skips SHA-1 or MD5 when asked', async () => {
      const hasher = make();
      await hasher.begin('a');
      await hasher.begin('b');
      const abc = new TextEncoder().encode('abc');
      const noMd5 = await hasher.part('a', { bytes: abc.slice() }, { sha1: true, md5: false, keep: false });
      assert.equal(noMd5.md5, undefined);
      assert.equal(noMd5.bytes, undefined);
      await hasher.part('b', { bytes: new TextEncoder().encode('x') }, { sha1: false, md5: true, keep: false });
      assert.equal(await hasher.digest('a'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
      assert.equal(await hasher.digest('b'), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
      hasher.close();
    });
  });
}

describe('WebAssembly hasher state', () => {
  it('saves and continues a SHA-1 in another hasher (resume after a reload)', async () => {
    const data = new Uint8Array(randomBytes(300_000));
    const first = createWasmHasher();
    await first.begin('k');
    await first.part('k', { bytes: data.slice(0, 100_000) }, { sha1: true, md5: false, keep: false });
    const state = await first.save('k');
    assert.equal(typeof state, 'string');
    const second = createWasmHasher();
    await second.begin('other', state);
    await second.part('other', { bytes: data.slice(100_000) }, { sha1: true, md5: false, keep: false });
    assert.equal(await second.digest('other'), sha1(data));
    assert.equal(await createNodeHasher().save('k'), undefined);
    await assert.rejects(createNodeHasher().begin('k', state));
  });
});

describe('base64 helpers', () => {
  it('round-trip and convert MD5 hex to Content-MD5', () => {
    const bytes = new Uint8Array(randomBytes(100_000));
    assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes);
    assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
    const hex = md5(new TextEncoder().encode('hello'));
    assert.equal(hexToBase64(hex), createHash('md5').update('hello').digest('base64'));
  });
});
