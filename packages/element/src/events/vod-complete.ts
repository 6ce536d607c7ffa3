/**
 * `vod-complete`: every started upload has settled (succeeded, failed or was cancelled).
 * @module
 */

import { VodEvent } from './vod-event.ts';

export interface VodCompleteDetail {
  /** FileIds of every successful upload in the list. */
  readonly fileIds: string[];
  /** Uploads that failed. */
  readonly failed: number;
}

export class VodCompleteEvent extends VodEvent<VodCompleteDetail> {
  constructor(detail: VodCompleteDetail) {
    super('vod-complete', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-complete': VodCompleteEvent;
  }
}
