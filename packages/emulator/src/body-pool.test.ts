import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Blobs } from './blobs.ts';
import { BodyPool } from './body-pool.ts';

const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('body pool MD5 (WebAssembly SIMD lanes)', () => {
  it('the body pool gets every tail length and any number of concurrent bodies right', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vod-emu-md5w-'));
    const pool = new BodyPool({ slotBytes: 65536, slots: 6, threads: 2 });
    const blobs = new Blobs(dir, pool);
    try {
      for (const concurrency of [1, 2, 3, 4, 5, 9]) {
        const sizes = Array.from({ length: concurrency }, (_, i) => [0, 1, 55, 56, 63, 64, 65, 65536, 65536 + 55, 65536 + 56, 200_000 + i][(i * 7 + concurrency) % 11]!);
        const datas = sizes.map((n) => randomBytes(n));
        const results = await Promise.all(
          datas.map((d) =>
            blobs.write(
              (function* () {
                for (let at = 0; at < d.length; at += 7000) yield d.subarray(at, at + 7000);
              })(),
            ),
          ),
        );
        results.forEach((p, i) => assert.equal(p.md5, md5hex(datas[i]!), `concurrency ${concurrency}, ${sizes[i]} bytes`));
        await Promise.all(results.map((p) => p.discard()));
      }
      assert.deepEqual(readdirSync(blobs.tmpDir), []);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
