/**
 * `@vod-uploader/core/processing`: waits for VOD to finish processing an uploaded media file, polling the signer's
 * `GET /media/:fileId/status` through a @tanstack/query-core `QueryObserver` (see `processing-poll.ts`).
 * @module
 */
import { systemClock } from './clock.ts';
import { failures } from './errors.ts';
import { type WaitForProcessingOptions, pollProcessing } from './processing-poll.ts';
import type { MediaStatus } from './signer-client.ts';

export { DEFAULT_PROCESSING_INTERVAL, DEFAULT_PROCESSING_TIMEOUT, mediaStatusKey } from './processing-poll.ts';
export type { ProcessingOptions, WaitForProcessingOptions } from './processing-poll.ts';

/**
 * Resolves with the status once it is `ready`; rejects with a `PROCESSING` error when it is `failed` or the time
 * is up, with the signer's error after five failed requests in a row (or one that is not retryable), or with the
 * signal's reason.
 * @example
 * await waitForProcessing({ signer: createSignerClient({ url: '/vod' }), fileId, onStatus: (s) => show(s.status) });
 */
export function waitForProcessing(options: WaitForProcessingOptions): Promise<MediaStatus> {
  return pollProcessing({ ...options, clock: options.clock ?? systemClock }, failures);
}
