import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PART_SIZE, MAX_PARTS, MIB, MIN_PART_SIZE, choosePartSize, countParts, partRange, planParts } from './plan.ts';

describe('choosePartSize', () => {
  it('defaults to 8 MiB and rounds a preferred size up to whole MiB, at least 1 MiB', () => {
    assert.equal(choosePartSize(100 * MIB), DEFAULT_PART_SIZE);
    assert.equal(choosePartSize(100 * MIB, 3 * MIB + 1), 4 * MIB);
    assert.equal(choosePartSize(100 * MIB, 1000), MIN_PART_SIZE);
    assert.equal(choosePartSize(0, 5 * MIB), 5 * MIB);
  });

  it('doubles until the file fits in 10,000 parts', () => {
    const size = 100 * 1024 * MIB; // 100 GiB: 8 MiB parts would be 12,800
    const partSize = choosePartSize(size);
    assert.equal(partSize, 16 * MIB);
    assert.ok(Math.ceil(size / partSize) <= MAX_PARTS);
    assert.equal(choosePartSize(MAX_PARTS * MIB, MIB), MIB);
    assert.equal(choosePartSize(MAX_PARTS * MIB + 1, MIB), 2 * MIB);
  });

  it('rejects sizes that cannot fit and invalid sizes', () => {
    assert.throws(() => choosePartSize(6 * 1024 ** 4 * 10), RangeError);
    assert.throws(() => choosePartSize(-1), RangeError);
    assert.throws(() => choosePartSize(Number.NaN), RangeError);
  });
});

describe('planParts', () => {
  it('covers the file exactly with 1-based contiguous parts, the last one shorter', () => {
    const parts = planParts(5 * MIB + 123, 2 * MIB);
    assert.deepEqual(parts, [
      { partNumber: 1, start: 0, end: 2 * MIB },
      { partNumber: 2, start: 2 * MIB, end: 4 * MIB },
      { partNumber: 3, start: 4 * MIB, end: 5 * MIB + 123 },
    ]);
    assert.equal(countParts(5 * MIB + 123, 2 * MIB), 3);
    assert.deepEqual(partRange(5 * MIB + 123, 2 * MIB, 3), parts[2]);
  });

  it('makes an exact multiple into full parts and an empty file into one empty part', () => {
    assert.equal(planParts(4 * MIB, MIB).length, 4);
    assert.deepEqual(planParts(4 * MIB, MIB).at(-1), { partNumber: 4, start: 3 * MIB, end: 4 * MIB });
    assert.deepEqual(planParts(0, MIB), [{ partNumber: 1, start: 0, end: 0 }]);
  });

  it('agrees with countParts for many sizes', () => {
    for (const size of [1, MIB - 1, MIB, MIB + 1, 7 * MIB + 5, 64 * MIB]) {
      const parts = planParts(size, MIB);
      assert.equal(parts.length, countParts(size, MIB));
      assert.equal(parts.reduce((sum, p) => sum + p.end - p.start, 0), size);
    }
    assert.throws(() => planParts(10, 0), RangeError);
  });
});
