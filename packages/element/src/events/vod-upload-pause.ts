/**
 * `vod-upload-pause`: an upload was paused.
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadPauseDetail {
  readonly item: VodUploadItem;
}

export class VodUploadPauseEvent extends VodEvent<VodUploadPauseDetail> {
  constructor(detail: VodUploadPauseDetail) {
    super('vod-upload-pause', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-pause': VodUploadPauseEvent;
  }
}
