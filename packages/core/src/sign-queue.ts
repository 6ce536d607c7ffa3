/**
 * Presigned URLs on demand: requests made in the same tick go to the signer in one `sign` call (at most 100 parts
 * each), answers are cached until shortly before they expire, and an expired one is dropped to be signed again.
 * @module
 */
import { type Clock, raceSignal } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import { MAX_SIGN_BATCH, type SignPartRequest, type SignRequest, type SignTarget, type SignedUrl, type SignerClient, expiryMs } from './signer-client.ts';

/** A URL is signed again when less than this is left of it, in ms. */
export const SIGN_MARGIN = 30_000;

export type SignItem =
  | { target: 'part'; partNumber: number; md5?: string; size?: number }
  | { target: 'media' | 'cover'; md5?: string };

export interface SignQueue {
  /** The presigned URL for `item` (cached, or signed with others of this tick). */
  get(item: SignItem, signal?: AbortSignal): Promise<SignedUrl>;
  /** Forgets a cached URL (after storage said it expired). */
  invalidate(target: SignTarget, partNumber?: number): void;
}

interface Waiter {
  item: SignItem;
  resolve: (url: SignedUrl) => void;
  reject: (error: unknown) => void;
}

const idOf = (target: SignTarget, partNumber?: number) => (target === 'part' ? `part:${partNumber}` : target);

export function createSignQueue({
  signer,
  session,
  clock,
  margin = SIGN_MARGIN,
}: {
  signer: SignerClient;
  session: string;
  clock: Clock;
  margin?: number;
}): SignQueue {
  const cache = new Map<string, { url: SignedUrl; md5?: string }>();
  const inflight = new Map<string, { promise: Promise<SignedUrl>; md5?: string }>();
  let queue: Waiter[] = [];
  let scheduled = false;

  async function send(waiters: Waiter[]): Promise<void> {
    const parts: SignPartRequest[] = [];
    const request: SignRequest = { session };
    for (const { item } of waiters) {
      if (item.target === 'part') parts.push({ partNumber: item.partNumber, md5: item.md5, size: item.size });
      else request[item.target] = { md5: item.md5 };
    }
    if (parts.length) request.parts = parts;
    try {
      const urls = await signer.sign(request);
      for (const waiter of waiters) {
        const { item } = waiter;
        const partNumber = item.target === 'part' ? item.partNumber : undefined;
        const url = urls.find((u) => u.target === item.target && (partNumber === undefined || u.partNumber === partNumber));
        if (!url) {
          waiter.reject(new UploadError(ErrorCode.SIGNER, `The signer did not sign ${idOf(item.target, partNumber)}.`, { retryable: false }));
          continue;
        }
        cache.set(idOf(item.target, partNumber), { url, md5: item.md5 });
        waiter.resolve(url);
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  function flush(): void {
    scheduled = false;
    const waiters = queue;
    queue = [];
    // One call per batch of parts; `media`/`cover` ride along with the first.
    const batches: Waiter[][] = [];
    let current: Waiter[] = [];
    let partsInCurrent = 0;
    for (const waiter of waiters) {
      if (waiter.item.target === 'part' && partsInCurrent === MAX_SIGN_BATCH) {
        batches.push(current);
        current = [];
        partsInCurrent = 0;
      }
      current.push(waiter);
      if (waiter.item.target === 'part') partsInCurrent++;
    }
    if (current.length) batches.push(current);
    for (const batch of batches) void send(batch);
  }

  return {
    get(item, signal) {
      const partNumber = item.target === 'part' ? item.partNumber : undefined;
      const cached = cache.get(idOf(item.target, partNumber));
      const id = idOf(item.target, partNumber);
      if (cached && cached.md5 === item.md5 && expiryMs(cached.url.expiresAt) - clock.now() > margin) {
        return Promise.resolve(cached.url);
      }
      const pending = inflight.get(id);
      if (pending && pending.md5 === item.md5) return raceSignal(pending.promise, signal);
      const promise = new Promise<SignedUrl>((resolve, reject) => {
        // The same target twice in one tick is signed once (the signer refuses duplicates in a call).
        const same = queue.find((w) => idOf(w.item.target, w.item.target === 'part' ? w.item.partNumber : undefined) === idOf(item.target, partNumber));
        if (same && same.item.md5 === item.md5) {
          const { resolve: first, reject: firstReject } = same;
          same.resolve = (url) => (first(url), resolve(url));
          same.reject = (error) => (firstReject(error), reject(error));
          return;
        }
        queue.push({ item, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      });
      const entry = { promise, md5: item.md5 };
      inflight.set(id, entry);
      const clear = () => {
        if (inflight.get(id) === entry) inflight.delete(id);
      };
      promise.then(clear, clear);
      return raceSignal(promise, signal);
    },
    invalidate(target, partNumber) {
      cache.delete(idOf(target, partNumber));
    },
  };
}
