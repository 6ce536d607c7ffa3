/**
 * Waits for VOD to finish processing an uploaded media file, polling the signer's `GET /media/:fileId/status`
 * through a @tanstack/query-core `QueryObserver` (so a host's `QueryClient` shares and caches the status).
 * The refetch timer runs on the injected clock, so it also polls on servers, where query-core's own
 * `refetchInterval` is off. Loaded on demand by the engine (keeps query-core out of the main bundle), and handed
 * the clock and how to fail, so it imports nothing from the engine at run time; `processing.ts` is the public
 * entry around it.
 * @module
 */
import { QueryClient, QueryObserver } from '@tanstack/query-core';
import type { Clock } from './clock.ts';
import type { Failures } from './errors.ts';
import type { Job } from './job.ts';
import type { MediaStatus, SignerClient } from './signer-client.ts';

export const DEFAULT_PROCESSING_INTERVAL = 3000;
export const DEFAULT_PROCESSING_TIMEOUT = 30 * 60_000;
/** Failed status requests in a row before giving up. */
const MAX_STATUS_ERRORS = 5;

export interface ProcessingOptions {
  /** Between two status requests, in ms, default {@link DEFAULT_PROCESSING_INTERVAL}. */
  interval?: number;
  /** Give up after this many ms, default {@link DEFAULT_PROCESSING_TIMEOUT}. */
  timeout?: number;
  /** A host's client, to share the cache; default a private one. */
  queryClient?: QueryClient;
}

export interface WaitForProcessingOptions extends ProcessingOptions {
  signer: SignerClient;
  fileId: string;
  /** Default the runtime's clock. */
  clock?: Clock;
  signal?: AbortSignal;
  /** Every status seen. */
  onStatus?: (status: MediaStatus) => void;
}

/** The query key of a media status (for hosts sharing a `QueryClient`). */
export function mediaStatusKey(fileId: string): readonly ['vod-uploader', 'media-status', string] {
  return ['vod-uploader', 'media-status', fileId];
}

/** The engine's processing step after the commit: polls with the upload's `processing` options, each status into its state. */
export function processJob(job: Job, signal: AbortSignal, failures: Failures): Promise<MediaStatus> {
  const { processing } = job.options;
  return pollProcessing(
    {
      ...(processing === true ? {} : processing),
      signer: job.signer,
      fileId: job.result!.fileId,
      clock: job.clock,
      signal,
      onStatus: ({ status }) => job.set({ phase: 'processing', processing: status }),
    },
    failures,
  );
}

/**
 * `waitForProcessing` with the clock and the failures handed in: resolves with the status once it is `ready`;
 * rejects with a `PROCESSING` error when it is `failed` or the time is up, with the signer's error after
 * {@link MAX_STATUS_ERRORS} failed requests in a row (or one that is not retryable), or with the signal's reason.
 */
export function pollProcessing(
  {
    signer,
    fileId,
    interval = DEFAULT_PROCESSING_INTERVAL,
    timeout = DEFAULT_PROCESSING_TIMEOUT,
    queryClient,
    clock,
    signal,
    onStatus,
  }: WaitForProcessingOptions & { clock: Clock },
  { error: fail, aborted, wrap }: Failures,
): Promise<MediaStatus> {
  if (signal?.aborted) return Promise.reject(aborted(signal));
  const client = queryClient ?? new QueryClient();
  const observer = new QueryObserver<MediaStatus, unknown>(client, {
    queryKey: mediaStatusKey(fileId),
    queryFn: ({ signal: querySignal }) => signer.getMediaStatus(fileId, { signal: querySignal }),
    retry: false,
    staleTime: 0,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });

  return new Promise<MediaStatus>((resolve, reject) => {
    let timer: unknown;
    let errors = 0;
    let lastSeen = -1;
    let settled = false;
    const finish = (error: unknown, status?: MediaStatus) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      if (timer !== undefined) clock.clearTimeout(timer);
      clock.clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      if (!queryClient) client.clear();
      if (status) resolve(status);
      else reject(error);
    };
    const onAbort = () => finish(aborted(signal!));
    const deadline = clock.setTimeout(
      () => finish(fail('processing', `Processing of ${fileId} did not finish in ${timeout} ms.`)),
      timeout,
    );
    const schedule = () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = clock.setTimeout(() => {
        timer = undefined;
        void observer.refetch();
      }, interval);
    };
    const unsubscribe = observer.subscribe((result) => {
      if (settled || result.fetchStatus === 'fetching') return;
      const { dataUpdateCount, errorUpdateCount } = observer.getCurrentQuery().state;
      const seen = dataUpdateCount + errorUpdateCount;
      if (seen === lastSeen) return;
      lastSeen = seen;
      if (result.isError) {
        const error = wrap(result.error);
        errors++;
        if (!error.retryable || errors >= MAX_STATUS_ERRORS) return finish(error);
        return schedule();
      }
      const status = result.data;
      if (!status) return;
      errors = 0;
      onStatus?.(status);
      if (status.status === 'ready') return finish(undefined, status);
      if (status.status === 'failed') {
        return finish(fail('processing', `Processing of ${fileId} failed.`, { retryable: false }));
      }
      schedule();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
