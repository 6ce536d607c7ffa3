// The hash worker of @vod-uploader/core in Chromium: a real module Web Worker over hash-wasm. Whole-file SHA-1 over
// random part boundaries equals the one-shot digest; per-part MD5s equal hash-wasm's in this thread; bytes come
// back whole (transferred); a saved SHA-1 state continues in another hasher; a disk-backed picked File; the MD5
// worker paired with the SHA-1 worker (parts read once, many queued at once, reused buffers), and its failure.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createMD5 } from 'hash-wasm';
import { createWorkerHasher } from '@vod-uploader/core';

function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function sha1(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function md5(bytes: Uint8Array): Promise<string> {
  const h = await createMD5();
  h.init();
  h.update(bytes);
  return h.digest('hex');
}

function cuts(size: number, seed: number): number[] {
  const out = [0];
  let x = seed;
  for (let at = 0; at < size; ) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    at = Math.min(size, at + 1 + (x % (3 << 20)));
    out.push(at);
  }
  return out;
}

describe('core hash worker', () => {
  it('hashes parts of a Blob at random boundaries: SHA-1 = one-shot, MD5 per part, bytes handed back', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 333, 7);
    const blob = new Blob([data]);
    const hasher = createWorkerHasher();
    try {
      for (const seed of [3, 11]) {
        const key = `k${seed}`;
        await hasher.begin(key);
        const bounds = cuts(data.length, seed);
        for (let i = 1; i < bounds.length; i++) {
          const [start, end] = [bounds[i - 1]!, bounds[i]!];
          const part = await hasher.part(key, { blob, start, end }, { sha1: true, md5: true, keep: true });
          expect(part.size).to.equal(end - start);
          expect(part.bytes!.byteLength).to.equal(end - start);
          expect(part.bytes!.buffer.byteLength).to.equal(end - start, 'a whole buffer (transferable)');
          expect(part.md5).to.equal(await md5(data.subarray(start, end)));
        }
        expect(await hasher.digest(key)).to.equal(await sha1(data));
        hasher.end(key);
      }
    } finally {
      hasher.close();
    }
  });

  for (const md5Worker of [true, false]) {
    it(`hashes many queued parts not kept ${md5Worker ? 'in the SHA-1 + MD5 worker pair' : 'in one worker'}: same SHA-1 and MD5s`, async () => {
      const data = randomBytes(20 * 1024 * 1024 + 77, 5);
      const blob = new Blob([data]);
      const hasher = createWorkerHasher({ md5Worker });
      try {
        for (const seed of [13, 17]) {
          const key = `q${seed}`;
          await hasher.begin(key);
          const bounds = cuts(data.length, seed);
          // All parts at once, as the engine queues them ahead: reads overlap, the SHA-1 keeps the order.
          const parts = await Promise.all(
            bounds.slice(1).map((end, i) => hasher.part(key, { blob, start: bounds[i]!, end }, { sha1: true, md5: true, keep: false })),
          );
          for (let i = 1; i < bounds.length; i++) {
            expect(parts[i - 1]!.size).to.equal(bounds[i]! - bounds[i - 1]!);
            expect(parts[i - 1]!.bytes).to.equal(undefined);
            expect(parts[i - 1]!.md5).to.equal(await md5(data.subarray(bounds[i - 1]!, bounds[i]!)), `part ${i}`);
          }
          expect(await hasher.digest(key)).to.equal(await sha1(data));
          hasher.end(key);
        }
      } finally {
        hasher.close();
      }
    });
  }

  it('fails parts with a HASH error, not a hang, when the MD5 worker of the pair cannot run', async () => {
    let started = 0;
    const createWorker = () =>
      started++ === 0
        ? new Worker(new URL('../../packages/core/src/hash/hash-worker.ts', import.meta.url), { type: 'module' })
        : new Worker('data:text/javascript,throw new Error("no MD5 worker")', { type: 'module' });
    const hasher = createWorkerHasher({ createWorker, md5Worker: true });
    const blob = new Blob([randomBytes(3 << 20, 9)]);
    try {
      await hasher.begin('p');
      const results = await Promise.allSettled(
        [0, 1, 2].map((i) => hasher.part('p', { blob, start: i << 20, end: (i + 1) << 20 }, { sha1: true, md5: true, keep: false })),
      );
      for (const r of results) {
        expect(r.status).to.equal('rejected');
        expect(((r as PromiseRejectedResult).reason as { code?: string }).code).to.equal('hash');
      }
    } finally {
      hasher.close();
    }
  });

  it('takes bytes (transferred in and back), keeps uploads apart, and answers known vectors', async () => {
    const hasher = createWorkerHasher();
    try {
      await hasher.begin('a');
      await hasher.begin('b');
      const abc = new TextEncoder().encode('abc');
      const back = await hasher.part('a', { bytes: abc }, { sha1: true, md5: true, keep: true });
      expect(abc.byteLength).to.equal(0, 'the input buffer was transferred to the worker');
      expect(new TextDecoder().decode(back.bytes)).to.equal('abc');
      expect(back.md5).to.equal('900150983cd24fb0d6963f7d28e17f72');
      expect(await hasher.digest('a')).to.equal('a9993e364706816aba3e25717850c26c9cd0d89d');
      expect(await hasher.digest('b')).to.equal('da39a3ee5e6b4b0d3255bfef95601890afd80709');
      const big = randomBytes(1 << 20, 5);
      const view = big.subarray(10, 1000);
      expect(await hasher.sha1({ bytes: view })).to.equal(await sha1(big.slice(10, 1000)));
      expect(big.byteLength).to.equal(1 << 20, 'a view into a larger buffer is copied, not taken');
    } finally {
      hasher.close();
    }
  });

  it('saves a SHA-1 state that another hasher continues (resume after a reload)', async () => {
    const data = randomBytes(3 * 1024 * 1024, 9);
    const first = createWorkerHasher();
    const second = createWorkerHasher({ createWorker: () => new Worker(new URL('../../packages/core/src/hash/hash-worker.ts', import.meta.url), { type: 'module' }) });
    try {
      await first.begin('x');
      await first.part('x', { blob: new Blob([data]), start: 0, end: 1 << 20 }, { sha1: true, md5: false, keep: false });
      const state = await first.save('x');
      expect(state).to.be.a('string');
      await second.begin('y', state);
      await second.part('y', { blob: new Blob([data]), start: 1 << 20, end: data.length }, { sha1: true, md5: false, keep: false });
      expect(await second.digest('y')).to.equal(await sha1(data));
    } finally {
      first.close();
      second.close();
    }
  });

  it('hashes a disk-backed picked File (16 MiB) to the SHA-1 computed on the server', async function () {
    this.timeout(60_000);
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'core-hash-pick';
    document.body.append(input);
    try {
      const picked = await executeServerCommand<{ sha1: string; size: number }, { selector: string; mib: number }>('pick-file', { selector: '#core-hash-pick', mib: 16 });
      const file = input.files![0]!;
      expect(file.size).to.equal(picked.size);
      const hasher = createWorkerHasher();
      try {
        await hasher.begin('f');
        for (let start = 0; start < file.size; start += 5 << 20) {
          await hasher.part('f', { blob: file, start, end: Math.min(file.size, start + (5 << 20)) }, { sha1: true, md5: true, keep: false });
        }
        expect(await hasher.digest('f')).to.equal(picked.sha1);
      } finally {
        hasher.close();
      }
    } finally {
      input.remove();
    }
  });

  it('reports a worker that cannot start as a HASH error', async () => {
    const hasher = createWorkerHasher({ createWorker: () => new Worker('data:text/javascript,throw new Error("nope")', { type: 'module' }) });
    try {
      let error: unknown;
      try {
        await hasher.begin('k');
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).to.equal('hash');
    } finally {
      hasher.close();
    }
  });
});
