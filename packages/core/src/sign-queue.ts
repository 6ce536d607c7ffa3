/**
 * Presigned URLs on demand: requests made in the same tick go to the signer in one `sign` call (at most 100 parts
 * each), answers are cached until shortly before they expire, and an expired one is dropped to be signed again.
 * @module
 */
import { type Clock, raceSignal } from './clock.ts';
import { ErrorCode, UploadError } from './errors.ts';
import { MAX_SIGN_BATCH, type SignRequest, type SignTarget, type SignedUrl, type SignerClient, expiryMs } from './signer-client.ts';

/** A URL is signed again when less than this is left of it, in ms. */
export const SIGN_MARGIN = 30_000;

/** One presigned request to ask for: a part (with its size for stream sessions), the single media PUT or the cover. */
export interface SignItem {
  target: SignTarget;
  partNumber?: number;
  /** Base64 MD5, signed in as `Content-MD5`. */
  md5?: string;
  size?: number;
}

export interface SignQueue {
  /** The presigned URL for `item` (cached, or signed with others of this tick). */
  get(item: SignItem, signal?: AbortSignal): Promise<SignedUrl>;
  /** Forgets a cached URL (after storage said it expired, or once it is used). */
  invalidate(target: SignTarget, partNumber?: number): void;
}

interface Waiter {
  item: SignItem;
  resolve: (url: SignedUrl) => void;
  reject: (error: unknown) => void;
}

const idOf = ({ target, partNumber }: { target: SignTarget; partNumber?: number }) => (target === 'part' ? `part ${partNumber}` : target);

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
  /** The latest signing of each target: in flight, or done with its URL. */
  const entries = new Map<string, { md5?: string; url?: SignedUrl; promise: Promise<SignedUrl> }>();
  let queue: Waiter[] = [];

  async function send(waiters: Waiter[]): Promise<void> {
    const request: SignRequest = { session };
    for (const { item } of waiters) {
      const { target, partNumber, md5, size } = item;
      if (target === 'part') (request.parts ??= []).push({ partNumber: partNumber!, md5, size });
      else request[target] = { md5 };
    }
    try {
      const urls = await signer.sign(request);
      for (const { item, resolve, reject } of waiters) {
        const url = urls.find((u) => idOf(u) === idOf(item));
        if (url) resolve(url);
        else reject(new UploadError(ErrorCode.SIGNER, `The signer did not sign ${idOf(item)}.`, { retryable: false }));
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  /** The waiters of this tick, {@link MAX_SIGN_BATCH} to a `sign` call. */
  function flush(): void {
    for (let i = 0; i < queue.length; i += MAX_SIGN_BATCH) void send(queue.slice(i, i + MAX_SIGN_BATCH));
    queue = [];
  }

  return {
    get(item, signal) {
      const id = idOf(item);
      let entry = entries.get(id);
      // The same target asked for again (in this tick, while in flight, or cached) is signed once.
      if (!entry || entry.md5 !== item.md5 || (entry.url && expiryMs(entry.url.expiresAt) - clock.now() <= margin)) {
        const promise = new Promise<SignedUrl>((resolve, reject) => {
          if (!queue.length) queueMicrotask(flush);
          queue.push({ item, resolve, reject });
        });
        const fresh: typeof entry = { md5: item.md5, promise };
        entries.set(id, (entry = fresh));
        promise.then(
          (url) => void (fresh.url = url),
          () => entries.get(id) === fresh && entries.delete(id),
        );
      }
      return raceSignal(entry.promise, signal);
    },
    invalidate(target, partNumber) {
      entries.delete(idOf({ target, partNumber }));
    },
  };
}
