/**
 * Hashing in the calling thread: a {@link Hasher} over the hash service run in-thread (as {@link createWorkerHasher}
 * does by itself where module workers are unavailable, loading hash-service.ts on demand), for Node and tests.
 * @module
 */
import { createWorkerHasher, inThreadWorker } from './hash-client.ts';
import type { Hasher } from './hasher.ts';

export { createHashService } from './hash-service.ts';

export function createWasmHasher(): Hasher {
  return createWorkerHasher({ createWorker: () => inThreadWorker() });
}
