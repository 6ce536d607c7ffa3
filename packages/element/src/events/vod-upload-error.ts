/**
 * `vod-upload-error`: an upload failed (retries exhausted or not retryable).
 * @module
 */
import type { UploadErrorInfo } from '@vod-uploader/core/upload';
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadErrorDetail {
  readonly item: VodUploadItem;
  /** The engine's error: `code`, `message`, `retryable`, `status`, `cloudCode`, `requestId`. */
  readonly error: UploadErrorInfo;
  /** The human message shown in the row. */
  readonly message: string;
}

export class VodUploadErrorEvent extends VodEvent<VodUploadErrorDetail> {
  constructor(detail: VodUploadErrorDetail) {
    super('vod-upload-error', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-error': VodUploadErrorEvent;
  }
}
