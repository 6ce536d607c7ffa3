/**
 * `vod-upload-start`: an upload started (also after a retry of a failed one).
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadStartDetail {
  readonly item: VodUploadItem;
}

export class VodUploadStartEvent extends VodEvent<VodUploadStartDetail> {
  constructor(detail: VodUploadStartDetail) {
    super('vod-upload-start', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-start': VodUploadStartEvent;
  }
}
