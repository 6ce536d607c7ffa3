// The hash worker of @vod-uploader/core in Chromium: a real module Web Worker running hash-wasm's SHA-1 and
// generated WebAssembly MD5s (up to four parts at once in SIMD lanes). Whole-file SHA-1 over random part boundaries equals
// WebCrypto's one-shot digest; part MD5s equal node:crypto's (a table, for sizes around the 64-byte block, parts
// of different sizes queued together) and hash-wasm's (random boundaries); several uploads' parts queued at once,
// interleaved; bytes come back whole (transferred); a saved SHA-1 state continues in another worker; a disk-backed
// picked File; a worker that dies with parts queued, or cannot start, fails them (no hang) and the next request
// starts a new one.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createMD5 } from 'hash-wasm';
import { createWorkerHasher } from '@vod-uploader/core';

const WORKER_URL = new URL('../../packages/core/src/hash/hash-worker.ts', import.meta.url).href;

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

function cuts(size: number, seed: number, most = 3 << 20): number[] {
  const out = [0];
  let x = seed;
  for (let at = 0; at < size; ) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    at = Math.min(size, at + 1 + (x % most));
    out.push(at);
  }
  return out;
}

/** Part sizes around the 64-byte block and the worker's 256 KiB window, and node:crypto's MD5 of each, in order, over randomBytes(total, 7). */
const EDGE_SIZES = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 64_001, (1 << 18) + 5, (1 << 20) + 37, 3 << 20, 2_500_007];
const EDGE_MD5 = [
  'd41d8cd98f00b204e9800998ecf8427e',
  '9d5a273e0fb6aebca825009ee2363e2c',
  '81ac1678d2bfafbc4c7d706938cb1004',
  'f12c9b99251942e8337e7ba198d4a556',
  '9def5a20be382ce7db2231f65f692ed3',
  '594192ccbccddf50a020e6d14dab9d5e',
  '4cfdfdbb9e5713d3a510e25039d61870',
  '1670e9b4d3f23e5ce79c5af6e0a756a8',
  '053b61350392e4abb5f42fea1fc9d66e',
  '1d9fe3327970a77f0ea82706d6b0301d',
  '00b22b5e1e565c0dd07e379a23f10408',
  '69f41ade8c80a6473a42d449a4356358',
  '3012a4e8ecabe04c5b3ee1bec585f7ce',
  '8dc5de6e3ab1791b032a0b4f1c78c25e',
  'ae09eebf093e3c50accdf83a6f7a7bc0',
  'c0cec303e78977b232243cf91172a4f6',
  'fff3bd06312644138b5d387f3b125a49',
];
/** node:crypto's SHA-1 of all of them. */
const EDGE_SHA1 = 'c278f841687f53ce87991f0ffd543e3f1db6d15b';

describe('core hash worker', () => {
  it('hashes parts of a Blob at random boundaries one by one: SHA-1 = one-shot, MD5 per part, bytes handed back', async () => {
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

  it("computes node:crypto's MD5s for parts around the block size, queued together (different sizes in one batch)", async () => {
    const data = randomBytes(EDGE_SIZES.reduce((a, b) => a + b, 0), 7);
    const blob = new Blob([data]);
    const hasher = createWorkerHasher();
    try {
      for (const [key, keep, asBytes] of [['blob', false, false], ['kept', true, false], ['bytes', true, true]] as const) {
        await hasher.begin(key);
        let at = 0;
        const parts = await Promise.all(
          EDGE_SIZES.map((size) => {
            const [start, end] = [at, (at += size)];
            const input = asBytes ? { bytes: data.slice(start, end) } : { blob, start, end };
            return hasher.part(key, input, { sha1: true, md5: true, keep });
          }),
        );
        expect(parts.map((p) => p.md5)).to.deep.equal(EDGE_MD5, key);
        expect(parts.map((p) => p.size)).to.deep.equal(EDGE_SIZES, key);
        if (keep) expect(parts.map((p) => p.bytes!.byteLength)).to.deep.equal(EDGE_SIZES, key);
        expect(await hasher.digest(key)).to.equal(EDGE_SHA1, key);
        hasher.end(key);
      }
    } finally {
      hasher.close();
    }
  });

  it('hashes the queued parts of several uploads, interleaved: each SHA-1 and every MD5', async function () {
    this.timeout(60_000);
    const uploads = [5, 13, 17].map((seed) => {
      const data = randomBytes(9 * 1024 * 1024 + seed * 101, seed);
      return { key: `q${seed}`, data, blob: new Blob([data]), bounds: cuts(data.length, seed, 2 << 20) };
    });
    const hasher = createWorkerHasher();
    try {
      for (const u of uploads) await hasher.begin(u.key);
      // All parts at once, as uploads queue them ahead, taking turns: each upload's parts stay in order.
      const pending: { data: Uint8Array; start: number; end: number; result: Promise<{ md5?: string; size: number; bytes?: Uint8Array }> }[] = [];
      for (let i = 1; uploads.some((u) => i < u.bounds.length); i++) {
        for (const u of uploads) {
          if (i >= u.bounds.length) continue;
          const [start, end] = [u.bounds[i - 1]!, u.bounds[i]!];
          pending.push({ data: u.data, start, end, result: hasher.part(u.key, { blob: u.blob, start, end }, { sha1: true, md5: true, keep: false }) });
        }
      }
      for (const p of pending) {
        const part = await p.result;
        expect(part.size).to.equal(p.end - p.start);
        expect(part.bytes).to.equal(undefined);
        expect(part.md5).to.equal(await md5(p.data.subarray(p.start, p.end)));
      }
      for (const u of uploads) expect(await hasher.digest(u.key)).to.equal(await sha1(u.data), u.key);
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

  it('saves a SHA-1 state that another worker continues (resume after a reload); refuses a foreign state', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17, 9);
    const first = createWorkerHasher();
    const second = createWorkerHasher({ createWorker: () => new Worker(WORKER_URL, { type: 'module' }) });
    try {
      await first.begin('x');
      // An odd cut: the state carries an unfinished block.
      await first.part('x', { blob: new Blob([data]), start: 0, end: (1 << 20) + 33 }, { sha1: true, md5: false, keep: false });
      const state = await first.save('x');
      expect(state).to.be.a('string');
      await second.begin('y', state);
      await second.part('y', { blob: new Blob([data]), start: (1 << 20) + 33, end: data.length }, { sha1: true, md5: true, keep: false });
      expect(await second.digest('y')).to.equal(await sha1(data));
      let error: unknown;
      await second.begin('z', btoa('not a state of this hasher')).catch((e: unknown) => (error = e));
      expect((error as { code?: string }).code).to.equal('hash');
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
        const parts = [];
        for (let start = 0; start < file.size; start += 5 << 20) {
          parts.push(hasher.part('f', { blob: file, start, end: Math.min(file.size, start + (5 << 20)) }, { sha1: true, md5: true, keep: false }));
        }
        await Promise.all(parts);
        expect(await hasher.digest('f')).to.equal(picked.sha1);
      } finally {
        hasher.close();
      }
    } finally {
      input.remove();
    }
  });

  it('fails the queued parts with a HASH error, not a hang, when the worker dies; the next request starts a new one', async () => {
    // The real worker, which throws (uncaught) once its third request has come.
    const dying = URL.createObjectURL(
      new Blob(
        [`let n = 0; self.addEventListener('message', () => { if (++n === 3) setTimeout(() => { throw new Error('worker died'); }); });
import ${JSON.stringify(WORKER_URL)};`],
        { type: 'text/javascript' },
      ),
    );
    let started = 0;
    const createWorker = () => new Worker(started++ === 0 ? dying : WORKER_URL, { type: 'module' });
    const hasher = createWorkerHasher({ createWorker });
    const data = randomBytes(12 << 20, 9);
    const blob = new Blob([data]);
    try {
      await hasher.begin('p');
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => hasher.part('p', { blob, start: i << 20, end: (i + 1) << 20 }, { sha1: true, md5: true, keep: false })),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.length).to.be.greaterThan(0);
      for (const r of failed) expect(((r as PromiseRejectedResult).reason as { code?: string }).code).to.equal('hash');
      // A new worker: the key's SHA-1 went with the old one, so it begins again.
      await hasher.begin('p');
      await hasher.part('p', { blob, start: 0, end: data.length }, { sha1: true, md5: false, keep: false });
      expect(await hasher.digest('p')).to.equal(await sha1(data));
      expect(started).to.equal(2);
    } finally {
      hasher.close();
      URL.revokeObjectURL(dying);
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
