import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createHashKernels } from './hash-kernels.ts';
import { type HashWorkerRequest, type HashWorkerResponse, createHashService } from './hash-service.ts';

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** Part sizes around the 64-byte block and the 256 KiB window of each lane. */
const SIZES = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 64_001, (1 << 18) - 1, (1 << 18) + 5, (1 << 20) + 37, 3 << 20];

/** A request without its id (distributes over the union). */
type Request = HashWorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** A service with requests numbered for it; `ask` resolves with the answer; `seen` sees each answer as it is posted. */
function serve(simd: boolean, seen: (answer: HashWorkerResponse) => void = () => {}) {
  let id = 0;
  const waiting = new Map<number, (answer: HashWorkerResponse) => void>();
  const handle = createHashService((answer) => {
    seen(answer);
    waiting.get(answer.id)?.(answer);
  }, createHashKernels(simd));
  return (request: Request) =>
    new Promise<HashWorkerResponse>((resolve) => {
      waiting.set(++id, resolve);
      handle({ ...request, id } as HashWorkerRequest);
    });
}

/**
 * A Blob over `data` whose range reads count themselves: `open` = ranges being read or read and not yet answered
 * (the caller lowers it per answer), `most` = the highest it went.
 */
function countingBlob(data: Uint8Array<ArrayBuffer>, counter: { open: number; most: number }): Blob {
  const blob = {
    size: data.length,
    slice(start: number, end: number) {
      const part = new Blob([data.subarray(start, end)]);
      return {
        size: part.size,
        stream() {
          counter.most = Math.max(counter.most, ++counter.open);
          return part.stream();
        },
        arrayBuffer: () => part.arrayBuffer(),
      };
    },
  };
  return blob as unknown as Blob;
}

for (const simd of [true, false]) {
  describe(`hash service (${simd ? 'MD5s four at a time in SIMD lanes' : 'without SIMD'})`, () => {
    it("computes node:crypto's MD5 of every part and the whole SHA-1, for parts of any size queued together", async () => {
      const ask = serve(simd);
      const data = new Uint8Array(randomBytes(SIZES.reduce((a, b) => a + b, 0)));
      const blob = new Blob([data]);
      for (const [key, input] of [['blob', 'blob'], ['bytes', 'bytes']] as const) {
        await ask({ op: 'begin', key });
        let at = 0;
        const answers = await Promise.all(
          SIZES.map((size) => {
            const [start, end] = [at, (at += size)];
            const fields = input === 'blob' ? { blob, start, end } : { buffer: data.slice(start, end).buffer };
            return ask({ op: 'part', key, ...fields, sha1: true, md5: true, keep: false });
          }),
        );
        at = 0;
        answers.forEach((answer, i) => {
          const part = data.subarray(at, (at += SIZES[i]!));
          assert.deepEqual(answer, { id: answer.id, ok: true, md5: md5(part), size: part.length, buffer: undefined }, `${key}, ${part.length} bytes`);
        });
        assert.equal(((await ask({ op: 'digest', key })) as { hex: string }).hex, sha1(data));
      }
    });

    it(`holds at most ${simd ? 4 : 2} part buffers however many parts of several uploads are queued`, async () => {
      const counter = { open: 0, most: 0 };
      const ask = serve(simd, (answer) => void (answer.ok && answer.md5 && counter.open--));
      const uploads = [1, 2].map((n) => {
        const data = new Uint8Array(randomBytes(12 * (1 << 20) + n * 1000));
        return { key: `u${n}`, data, blob: countingBlob(data, counter) };
      });
      for (const u of uploads) await ask({ op: 'begin', key: u.key });
      const parts: { data: Uint8Array; start: number; end: number; answer: Promise<HashWorkerResponse> }[] = [];
      for (let start = 0; start < uploads[0]!.data.length; start += 1 << 20) {
        for (const u of uploads) {
          const end = Math.min(u.data.length, start + (1 << 20));
          const answer = ask({ op: 'part', key: u.key, blob: u.blob, start, end, sha1: true, md5: true, keep: false });
          parts.push({ data: u.data, start, end, answer });
        }
      }
      for (const p of parts) assert.equal(((await p.answer) as { md5: string }).md5, md5(p.data.subarray(p.start, p.end)));
      for (const u of uploads) assert.equal(((await ask({ op: 'digest', key: u.key })) as { hex: string }).hex, sha1(u.data));
      assert.ok(counter.most <= (simd ? 4 : 2), `part buffers at once: ${counter.most}`);
      assert.ok(counter.most >= 2, 'the next part is read while one is hashed');
    });
  });
}

describe('hash service', () => {
  it('answers a lone part at once (no part waits for parts that are not queued), and keeps its bytes when asked', async () => {
    const ask = serve(true);
    const data = new Uint8Array(randomBytes(100_000));
    await ask({ op: 'begin', key: 'k' });
    for (const [start, end] of [[0, 40_000], [40_000, 100_000]] as const) {
      const answer = (await ask({ op: 'part', key: 'k', blob: new Blob([data]), start, end, sha1: true, md5: true, keep: true })) as { md5: string; buffer: ArrayBuffer };
      assert.equal(answer.md5, md5(data.subarray(start, end)));
      assert.deepEqual(new Uint8Array(answer.buffer), data.subarray(start, end));
    }
    assert.equal(((await ask({ op: 'digest', key: 'k' })) as { hex: string }).hex, sha1(data));
  });

  it('a failed read fails its part; the SHA-1 that missed it cannot be saved or digested until it begins again', async () => {
    const ask = serve(true);
    const data = new Uint8Array(randomBytes(3000));
    const broken = { size: 1000, slice: () => ({ size: 1000, stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('gone')) }) }) };
    await ask({ op: 'begin', key: 'k' });
    const [first, second, third] = await Promise.all([
      ask({ op: 'part', key: 'k', blob: new Blob([data]), start: 0, end: 1000, sha1: true, md5: true, keep: false }),
      ask({ op: 'part', key: 'k', blob: broken as unknown as Blob, start: 1000, end: 2000, sha1: true, md5: true, keep: false }),
      ask({ op: 'part', key: 'k', blob: new Blob([data]), start: 2000, end: 3000, sha1: true, md5: true, keep: false }),
    ]);
    assert.equal((first as { md5: string }).md5, md5(data.subarray(0, 1000)));
    assert.deepEqual(second, { id: second.id, ok: false, message: 'gone' });
    assert.equal((third as { md5: string }).md5, md5(data.subarray(2000)));
    for (const op of ['save', 'digest'] as const) assert.equal((await ask({ op, key: 'k' })).ok, false);
    await ask({ op: 'begin', key: 'k' });
    await ask({ op: 'part', key: 'k', buffer: data.slice().buffer, sha1: true, md5: false, keep: false });
    const { state } = (await ask({ op: 'save', key: 'k' })) as { state: ArrayBuffer };
    await ask({ op: 'begin', key: 'again', state });
    assert.equal(((await ask({ op: 'digest', key: 'again' })) as { hex: string }).hex, sha1(data));
  });

  it('a failed read last in the queue does not keep the parts before it waiting for their MD5', async () => {
    const ask = serve(true);
    const data = new Uint8Array(randomBytes(3000));
    const broken = { size: 1000, slice: () => ({ size: 1000, stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('gone')) }) }) };
    await ask({ op: 'begin', key: 'k' });
    await ask({ op: 'part', key: 'k', blob: new Blob([data]), start: 0, end: 1000, sha1: true, md5: true, keep: false });
    // Not a first part: it waits for partners, and the only one behind it fails to read.
    const [second, third] = await Promise.all([
      ask({ op: 'part', key: 'k', blob: new Blob([data]), start: 1000, end: 2000, sha1: true, md5: true, keep: false }),
      ask({ op: 'part', key: 'k', blob: broken as unknown as Blob, start: 2000, end: 3000, sha1: true, md5: true, keep: false }),
    ]);
    assert.equal((second as { md5: string }).md5, md5(data.subarray(1000, 2000)));
    assert.equal(third.ok, false);
  });

  it("refuses a SHA-1 state it did not save (hash-wasm's message)", async () => {
    const ask = serve(true);
    const answer = await ask({ op: 'begin', key: 'k', state: new Uint8Array(12).buffer });
    assert.equal(answer.ok, false);
    assert.match((answer as { message: string }).message, /state length/);
  });

  it('fails every request when the hash functions cannot be made', async () => {
    const answers: HashWorkerResponse[] = [];
    const handle = createHashService((answer) => answers.push(answer), Promise.reject(new Error('no WebAssembly')));
    handle({ id: 1, op: 'begin', key: 'k' });
    handle({ id: 2, op: 'digest', key: 'k' });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(answers, [1, 2].map((id) => ({ id, ok: false, message: 'no WebAssembly' })));
  });
});
