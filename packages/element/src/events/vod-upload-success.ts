/**
 * `vod-upload-success`: a file is stored and committed to VOD (processing may still run).
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadSuccessDetail {
  readonly item: VodUploadItem;
  readonly fileId: string;
  readonly mediaUrl: string;
  readonly coverUrl?: string;
  /** Finished without uploading: a verified copy existed. */
  readonly instant: boolean;
}

export class VodUploadSuccessEvent extends VodEvent<VodUploadSuccessDetail> {
  constructor(detail: VodUploadSuccessDetail) {
    super('vod-upload-success', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-success': VodUploadSuccessEvent;
  }
}
