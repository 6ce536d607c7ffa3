/**
 * The one place the signer keeps shared state: the instant-upload index, completed-session results (idempotent
 * complete) and rate-limit buckets. In memory by default; several instances share a Redis (or KV, D1…)
 * implementation of the same small interface.
 * @module
 */

/** A string key-value store with expiry. Values are small JSON strings. */
export interface Store {
  get(key: string): Promise<string | undefined>;
  /** Sets `key`; with `ttlSeconds` it disappears after that long. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets `key` only when it is absent (Redis `SET NX`); resolves true when it did. */
  add(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Optional: takes `cost` tokens from the bucket at `key` atomically (a Redis Lua script, a Durable Object…).
   * Without it the signer does a read-modify-write through get/set, which is exact on one instance only.
   */
  take?(key: string, bucket: TokenBucket, now: number, cost: number): Promise<TakeResult>;
}

/** A token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
export interface TokenBucket {
  capacity: number;
  refillPerSecond: number;
}

export interface TakeResult {
  ok: boolean;
  /** When refused: seconds until `cost` tokens are back (≥ 1). */
  retryAfter: number;
  /** Tokens left after this take. */
  remaining: number;
}

interface BucketState {
  tokens: number;
  /** Milliseconds. */
  at: number;
}

/** One token-bucket step: pure, so every store can use it. */
export function stepBucket(state: BucketState | undefined, bucket: TokenBucket, now: number, cost: number): { state: BucketState; result: TakeResult } {
  const prev = state ?? { tokens: bucket.capacity, at: now };
  const elapsed = Math.max(0, now - prev.at) / 1000;
  const tokens = Math.min(bucket.capacity, prev.tokens + elapsed * bucket.refillPerSecond);
  if (tokens >= cost) {
    return { state: { tokens: tokens - cost, at: now }, result: { ok: true, retryAfter: 0, remaining: Math.floor(tokens - cost) } };
  }
  const retryAfter = Math.max(1, Math.ceil((cost - tokens) / bucket.refillPerSecond));
  return { state: { tokens, at: now }, result: { ok: false, retryAfter, remaining: Math.floor(tokens) } };
}

/** Seconds a bucket's state is worth keeping: the time to refill it from empty. */
function bucketTtl(bucket: TokenBucket): number {
  return Math.max(1, Math.ceil(bucket.capacity / bucket.refillPerSecond));
}

/** Takes tokens through `store.take` when it has one, else through get/set. `now` in milliseconds. */
export async function takeToken(store: Store, key: string, bucket: TokenBucket, now: number, cost = 1): Promise<TakeResult> {
  if (store.take) return store.take(key, bucket, now, cost);
  const raw = await store.get(key);
  let state: BucketState | undefined;
  if (raw) {
    const [t, a] = raw.split(',').map(Number);
    if (Number.isFinite(t) && Number.isFinite(a)) state = { tokens: t!, at: a! };
  }
  const step = stepBucket(state, bucket, now, cost);
  await store.set(key, `${step.state.tokens},${step.state.at}`, bucketTtl(bucket));
  return step.result;
}

export interface MemoryStoreOptions {
  /** Most entries kept; the oldest go first. Default 100,000. */
  maxEntries?: number;
  /** Clock in milliseconds. */
  now?: () => number;
}

/**
 * An in-memory {@link Store} for one process (the default). Bounded: expired entries are swept as new ones
 * arrive, and beyond `maxEntries` the oldest are dropped.
 */
export class MemoryStore implements Store {
  readonly #map = new Map<string, { value: string; expires: number }>();
  readonly #buckets = new Map<string, BucketState>();
  readonly #max: number;
  readonly #now: () => number;
  #writes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.maxEntries ?? 100_000;
    this.#now = options.now ?? (() => Date.now());
  }

  /** Entries currently held (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#map.size + this.#buckets.size;
  }

  #live(key: string): { value: string; expires: number } | undefined {
    const e = this.#map.get(key);
    if (e && e.expires <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e;
  }

  #put(key: string, value: string, ttlSeconds?: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expires: ttlSeconds === undefined ? Infinity : this.#now() + ttlSeconds * 1000 });
    if (++this.#writes % 1024 === 0) this.#sweep();
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, e] of this.#map) if (e.expires <= now) this.#map.delete(k);
    for (const [k, b] of this.#buckets) if (now - b.at > 3_600_000) this.#buckets.delete(k);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.#put(key, value, ttlSeconds);
  }

  async add(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#put(key, value, ttlSeconds);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#map.delete(key);
  }

  async take(key: string, bucket: TokenBucket, now: number, cost: number): Promise<TakeResult> {
    const step = stepBucket(this.#buckets.get(key), bucket, now, cost);
    this.#buckets.delete(key);
    this.#buckets.set(key, step.state);
    while (this.#buckets.size > this.#max) this.#buckets.delete(this.#buckets.keys().next().value!);
    return step.result;
  }
}
