/**
 * `vod-upload-retry`: a request failed and will be tried again after a delay.
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadRetryDetail {
  readonly item: VodUploadItem;
  /** 1 for the first retry. */
  readonly attempt: number;
  /** Wait before the retry, ms. */
  readonly delay: number;
  /** The error code of the failed attempt. */
  readonly code: string;
  readonly partNumber?: number;
}

export class VodUploadRetryEvent extends VodEvent<VodUploadRetryDetail> {
  constructor(detail: VodUploadRetryDetail) {
    super('vod-upload-retry', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-retry': VodUploadRetryEvent;
  }
}
