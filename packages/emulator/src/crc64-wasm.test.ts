import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCRC64 } from 'hash-wasm';
import { crc64Tables, crc64WasmBytes, type Crc64WasmOptions } from './crc64-wasm.ts';
import { bytes } from './testing.ts';

const PAGE = 65536;

/** An instance over a fresh memory: `data` at 0, the tables on the last page. */
function instance(options: Crc64WasmOptions, data: Uint8Array, shared = false) {
  const pages = Math.ceil(data.length / PAGE) + 1;
  const memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
  const u8 = new Uint8Array(memory.buffer);
  u8.set(data);
  const tables = (pages - 1) * PAGE;
  u8.set(crc64Tables(options), tables);
  const module = new WebAssembly.Module(crc64WasmBytes(tables, shared ? pages : undefined, options));
  const { crc64 } = new WebAssembly.Instance(module, { env: { memory } }).exports as { crc64: (crc: bigint, p: number, n: number) => bigint };
  return (crc: bigint, p: number, n: number) => BigInt.asUintN(64, crc64(crc, p, n));
}

const hashWasm = await createCRC64();
/** hash-wasm's CRC-64 (its default is CRC-64/XZ), as an unsigned BigInt. */
function reference(data: Uint8Array): bigint {
  hashWasm.init();
  hashWasm.update(data);
  return BigInt(`0x${hashWasm.digest('hex')}`);
}

const variants: Crc64WasmOptions[] = [
  {},
  { slices: 8, streams: 1 },
  { slices: 16, streams: 1 },
  { slices: 8, streams: 2, splitAbove: 0 },
  { slices: 16, streams: 3, splitAbove: 0 },
  { slices: 8, streams: 5, splitAbove: 100 },
  { slices: 16, streams: 4, splitAbove: 64 },
];

describe('crc64-wasm (CRC-64/XZ in generated WebAssembly)', () => {
  it('has the CRC-64/XZ check value (COS reports it as an unsigned decimal)', () => {
    for (const options of variants) {
      const crc = instance(options, new TextEncoder().encode('123456789'));
      assert.equal(crc(0n, 0, 9), 0x995dc9bbdf1939fan, JSON.stringify(options));
      assert.equal(crc(0n, 0, 9).toString(), '11051210869376104954');
      assert.equal(crc(0n, 0, 0), 0n, 'no bytes');
    }
  });

  it('matches hash-wasm for every length up to 600 at every alignment, in every variant', () => {
    const data = bytes(1024, 7);
    for (const options of variants) {
      const crc = instance(options, data);
      for (let at = 0; at < 16; at++) {
        for (let n = 0; n <= 600; n++) {
          const got = crc(0n, at, n);
          if (got !== reference(data.subarray(at, at + n))) assert.fail(`${JSON.stringify(options)}: ${n} bytes at ${at}`);
        }
      }
    }
  });

  it('matches hash-wasm on long inputs cut into pieces (every remainder), and up to the end of memory', () => {
    const data = bytes(3 * PAGE, 11);
    for (const options of variants) {
      const crc = instance(options, data, true);
      for (const n of [4095, 4096, 4097, 65536, 65536 + 1, 65536 + 63, 100_003, 2 * PAGE + 17]) {
        for (const at of [0, 1, 8, 13]) assert.equal(crc(0n, at, n), reference(data.subarray(at, at + n)), `${JSON.stringify(options)}: ${n} at ${at}`);
      }
      // The last byte before the tables' page.
      assert.equal(crc(0n, 1, 3 * PAGE - 1), reference(data.subarray(1)));
    }
  });

  it('continues from a previous CRC, so a stream can be hashed slot by slot (pieces of changing lengths)', () => {
    const data = bytes(300_000, 5);
    const expected = reference(data);
    for (const options of variants) {
      const crc = instance(options, data);
      for (const cuts of [[0, 65536, 131072, 196608, 262144], [0, 1, 9, 4096 + 5, 70_000, 70_001, 250_000]]) {
        let c = 0n;
        const ends = [...cuts.slice(1), data.length];
        cuts.forEach((from, i) => (c = crc(c, from, ends[i]! - from)));
        assert.equal(c, expected, `${JSON.stringify(options)}: cut at ${cuts.join(', ')}`);
      }
    }
  });

  it('gives the same CRC from several threads sharing the memory and tables', async () => {
    const { Worker } = await import('node:worker_threads');
    const data = bytes(2 * PAGE, 3);
    const pages = 3;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const u8 = new Uint8Array(memory.buffer);
    u8.set(data);
    u8.set(crc64Tables(), 2 * PAGE);
    const module = new WebAssembly.Module(crc64WasmBytes(2 * PAGE, pages));
    const source = `
      const { parentPort, workerData: { memory, module, at, n } } = require('node:worker_threads');
      const { crc64 } = new WebAssembly.Instance(module, { env: { memory } }).exports;
      let c = 0n;
      for (let i = 0; i < 50; i++) c = crc64(0n, at, n);
      parentPort.postMessage(BigInt.asUintN(64, c).toString(16));
    `;
    const jobs = [[0, 2 * PAGE], [5, 100_000], [4096, 70_001]] as const;
    const results = await Promise.all(
      jobs.map(
        ([at, n]) =>
          new Promise<string>((resolve, reject) => {
            const w = new Worker(source, { eval: true, workerData: { memory, module, at, n } });
            w.once('message', (m: string) => void w.terminate().then(() => resolve(m)));
            w.once('error', reject);
          }),
      ),
    );
    results.forEach((hex, i) => assert.equal(BigInt(`0x${hex}`), reference(data.subarray(jobs[i]![0], jobs[i]![0] + jobs[i]![1]))));
  });

  it('rejects tables that are not 8-byte aligned and stream counts it cannot generate', () => {
    assert.throws(() => crc64WasmBytes(4), RangeError);
    assert.throws(() => crc64WasmBytes(0, undefined, { streams: 0 }), RangeError);
    assert.throws(() => crc64WasmBytes(0, undefined, { streams: 17 }), RangeError);
  });
});
