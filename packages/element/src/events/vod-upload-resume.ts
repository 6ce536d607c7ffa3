/**
 * `vod-upload-resume`: a paused upload continues.
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadResumeDetail {
  readonly item: VodUploadItem;
}

export class VodUploadResumeEvent extends VodEvent<VodUploadResumeDetail> {
  constructor(detail: VodUploadResumeDetail) {
    super('vod-upload-resume', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-resume': VodUploadResumeEvent;
  }
}
