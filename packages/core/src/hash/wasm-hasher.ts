/**
 * Hashing in the calling thread: the hash service that {@link createWorkerHasher} loads from here where module
 * workers are unavailable, and a {@link Hasher} of its own over it (Node tests).
 * @module
 */
import { createWorkerHasher, inThreadWorker } from './hash-client.ts';
import type { Hasher } from './hasher.ts';

export { createHashService } from './hash-service.ts';

export function createWasmHasher(): Hasher {
  return createWorkerHasher({ createWorker: () => inThreadWorker() });
}
