import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MD5_INIT, md5WasmBytes } from './md5-wasm.ts';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** MD5 padding of a whole message (what the body thread does for a body's last block). */
function padded(data: Uint8Array): Buffer {
  const total = Math.ceil((data.length + 9) / 64) * 64;
  const out = Buffer.alloc(total);
  out.set(data);
  out[data.length] = 0x80;
  out.writeUInt32LE((data.length * 8) >>> 0, total - 8);
  out.writeUInt32LE(Math.floor((data.length * 8) / 2 ** 32), total - 4);
  return out;
}

describe('MD5 in WebAssembly SIMD', () => {
  const pages = 4;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const { md5x4, md5x1 } = new WebAssembly.Instance(new WebAssembly.Module(md5WasmBytes(pages)), { env: { memory } }).exports as {
    md5x4: (state: number, p0: number, p1: number, p2: number, p3: number, n: number) => void;
    md5x1: (state: number, p: number, n: number) => void;
  };
  const view = new DataView(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const STATE = 3 * 65536;
  const digest = (lane: number, stride: number) => {
    const out = Buffer.alloc(16);
    for (let r = 0; r < 4; r++) out.writeUInt32LE(view.getUint32(STATE + r * stride + lane * 4, true), r * 4);
    return out.toString('hex');
  };

  it('md5x4 hashes four streams at once, md5x1 one, both equal to node:crypto', () => {
    for (const len of [0, 1, 55, 56, 63, 64, 119, 120, 1000, 10_000]) {
      const datas = [0, 1, 2, 3].map(() => randomBytes(len));
      const blocks = padded(datas[0]!).length / 64;
      datas.forEach((d, i) => u8.set(padded(d), i * 16384));
      for (let r = 0; r < 4; r++) for (let l = 0; l < 4; l++) view.setUint32(STATE + r * 16 + l * 4, MD5_INIT[r]!, true);
      md5x4(STATE, 0, 16384, 32768, 49152, blocks);
      for (let l = 0; l < 4; l++) assert.equal(digest(l, 16), md5hex(datas[l]!), `md5x4 lane ${l}, ${len} bytes`);
      for (let r = 0; r < 4; r++) view.setUint32(STATE + r * 4, MD5_INIT[r]!, true);
      md5x1(STATE, 16384, blocks);
      assert.equal(digest(0, 4), md5hex(datas[1]!), `md5x1, ${len} bytes`);
    }
  });
});

describe('MD5 module without SIMD, growable memory (a browser worker without SIMD or cross-origin isolation)', () => {
  it('exports md5x1 alone, equal to node:crypto', async () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { instance } = await WebAssembly.instantiate(md5WasmBytes(undefined, false), { env: { memory } });
    assert.deepEqual(Object.keys(instance.exports), ['md5x1']);
    const md5x1 = instance.exports.md5x1 as (state: number, p: number, n: number) => void;
    const view = new DataView(memory.buffer);
    for (const len of [0, 55, 56, 1000]) {
      const data = randomBytes(len);
      const block = padded(data);
      new Uint8Array(memory.buffer).set(block, 1024);
      MD5_INIT.forEach((w, r) => view.setUint32(r * 4, w, true));
      md5x1(0, 1024, block.length / 64);
      assert.equal(Buffer.from(memory.buffer, 0, 16).toString('hex'), md5hex(data), `${len} bytes`);
    }
  });
});

describe('MD5 module bytes', () => {
  // The generator is written for size; the code it writes is what the MD5 benchmark figures measured. A change
  // to these bytes is a change to that code: measure it, then update the digests.
  it('are the measured ones (SHA-256 of each variant)', () => {
    const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha256(md5WasmBytes()), 'eca35282feb53912c1f794aa96ac3f1dcf179c11669a7e9a5cae663b04b6e4be');
    assert.equal(sha256(md5WasmBytes(undefined, false)), 'fafdcaee85a5df3db57d3534af9f9d2b4de93d7d479380b797273749f7efa9d6');
    assert.equal(sha256(md5WasmBytes(16)), 'b7bbe777b4ea8a065aa521f7ff2730650628a997612d31c8a25d70e6b8f6e5a9');
  });
});
