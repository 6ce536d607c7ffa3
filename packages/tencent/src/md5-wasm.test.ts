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
