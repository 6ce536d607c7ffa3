import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSpeedMeter, estimateEta, toPercent } from './progress.ts';

describe('createSpeedMeter', () => {
  it('converges to a steady rate whatever the sampling interval', () => {
    for (const step of [250, 500, 1000]) {
      const meter = createSpeedMeter({ halfLife: 1000 });
      let t = 0;
      let bytes = 0;
      for (let i = 0; i < 100; i++) {
        t += step;
        bytes += (1_000_000 * step) / 1000; // 1 MB/s
        meter.sample(t, bytes);
      }
      assert.ok(Math.abs(meter.speed - 1_000_000) < 1, `step ${step}: ${meter.speed}`);
    }
  });

  it('smooths a change of rate with the half-life', () => {
    const meter = createSpeedMeter({ halfLife: 1000 });
    meter.sample(0, 0);
    meter.sample(1000, 1000); // 1000 B/s, first rate taken as is
    assert.equal(meter.speed, 1000);
    meter.sample(2000, 4000); // 3000 B/s for one half-life → halfway
    assert.equal(meter.speed, 2000);
  });

  it('merges samples closer than 250 ms and ignores a falling byte count', () => {
    const meter = createSpeedMeter();
    meter.sample(0, 0);
    assert.equal(meter.sample(100, 5000), 0);
    assert.equal(meter.sample(1000, 1000), 1000);
    assert.equal(meter.sample(1500, 200), 1000, 'a part restarting does not make negative speed');
    meter.reset(2000, 0);
    assert.equal(meter.speed, 0);
  });
});

describe('estimateEta / toPercent', () => {
  it('gives seconds left or null', () => {
    assert.equal(estimateEta(1000, 100), 10);
    assert.equal(estimateEta(1000, 0), null);
    assert.equal(estimateEta(null, 100), null);
    assert.equal(estimateEta(-5, 100), 0);
  });

  it('gives 0–100', () => {
    assert.equal(toPercent(50, 200), 25);
    assert.equal(toPercent(300, 200), 100);
    assert.equal(toPercent(1, null), 0);
    assert.equal(toPercent(0, 0), 0);
  });
});
