import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc64, crc64Combine, crc64Concat } from './crc64.ts';
import { bytes } from './testing.ts';

describe('crc64 (CRC-64/XZ, as x-cos-hash-crc64ecma)', () => {
  it('has the CRC-64/XZ check value, as an unsigned decimal', async () => {
    assert.equal(await crc64('123456789'), '11051210869376104954');
    assert.equal(await crc64(''), '0');
  });

  it('combines the CRCs of pieces into the CRC of their concatenation', async () => {
    const a = bytes(100_003, 1);
    const b = bytes(65_536, 2);
    const c = bytes(1, 3);
    const whole = new Uint8Array([...a, ...b, ...c]);
    const expected = await crc64(whole);
    assert.equal(crc64Combine(crc64Combine(await crc64(a), await crc64(b), b.length), await crc64(c), c.length), expected);
    const pieces = await Promise.all([a, b, c].map(async (p) => ({ crc64: await crc64(p), size: p.length })));
    assert.equal(crc64Concat(pieces), expected);
    assert.equal(crc64Combine(await crc64(a), '0', 0), await crc64(a));
    assert.equal(crc64Concat([]), '0');
  });
});
