/**
 * Speed and ETA: an exponential moving average over time (so bursty part completions and 50 ms XHR progress
 * events give a steady figure), and the ETA from it.
 * @module
 */

export const DEFAULT_SPEED_HALF_LIFE = 3000;
const MIN_SAMPLE_INTERVAL = 250;

export interface SpeedMeter {
  /** Feeds the byte count reached at `now` (ms); returns the smoothed speed in bytes/s. */
  sample(now: number, bytes: number): number;
  /** Current smoothed speed in bytes/s (0 before two samples). */
  readonly speed: number;
  /** Forgets the history (e.g. after a pause); the next sample starts from here. */
  reset(now: number, bytes: number): void;
}

export interface SpeedMeterOptions {
  /** Time for an old rate to lose half its weight, in ms, default {@link DEFAULT_SPEED_HALF_LIFE}. */
  halfLife?: number;
}

/**
 * Creates a {@link SpeedMeter}. Samples closer than 250 ms are merged into the next one. The weight of a new rate
 * over an interval `dt` is `1 − 2^(−dt / halfLife)`, so the average is the same whatever the sampling rate.
 * A byte count that goes down (a part restarting) moves the baseline without counting as negative speed.
 */
export function createSpeedMeter({ halfLife = DEFAULT_SPEED_HALF_LIFE }: SpeedMeterOptions = {}): SpeedMeter {
  let lastTime: number | undefined;
  let lastBytes = 0;
  let speed = 0;
  let primed = false;
  return {
    sample(now, bytes) {
      const dt = now - lastTime!;
      if (lastTime !== undefined && bytes >= lastBytes) {
        if (dt < MIN_SAMPLE_INTERVAL) return speed;
        // The first rate is taken whole (weight 1).
        speed += (primed ? 1 - 2 ** (-dt / halfLife) : 1) * (((bytes - lastBytes) / dt) * 1000 - speed);
        primed = true;
      }
      lastTime = now;
      lastBytes = bytes;
      return speed;
    },
    get speed() {
      return speed;
    },
    reset(now, bytes) {
      lastTime = now;
      lastBytes = bytes;
      speed = 0;
      primed = false;
    },
  };
}

/** Seconds left at `speed` bytes/s, or `null` when unknown (no speed yet, or an unknown total). */
export function estimateEta(remaining: number | null, speed: number): number | null {
  if (remaining === null || !(speed > 0)) return null;
  return Math.max(0, remaining / speed);
}

/** 0–100, or 0 for an unknown or empty total. */
export function toPercent(loaded: number, total: number | null): number {
  if (total === null || total <= 0) return 0;
  return Math.min(100, (loaded / total) * 100);
}
