/**
 * The module Web Worker that hashes for {@link createWorkerHasher}: the {@link createHashService} of one page,
 * shared by all its uploads (one SHA-1 state per upload).
 * @module
 */
import { type HashWorkerRequest, type HashWorkerResponse, createHashService } from './hash-service.ts';

export type { HashWorkerRequest, HashWorkerResponse } from './hash-service.ts';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashWorkerRequest>) => void) | null;
  postMessage(message: HashWorkerResponse, transfer?: Transferable[]): void;
};
const handle = createHashService((answer, transfer) => scope.postMessage(answer, transfer));
scope.onmessage = (event) => handle(event.data);
