/**
 * `vod-upload-progress`: bytes were stored.
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import { VodEvent } from './vod-event.ts';

export interface VodUploadProgressDetail {
  readonly item: VodUploadItem;
  /** Bytes stored so far. */
  readonly loaded: number;
  readonly total: number;
  /** 0–100. */
  readonly percent: number;
  /** Bytes per second, smoothed. */
  readonly speed: number;
  /** Seconds left, `null` when unknown. */
  readonly eta: number | null;
}

export class VodUploadProgressEvent extends VodEvent<VodUploadProgressDetail> {
  constructor(detail: VodUploadProgressDetail) {
    super('vod-upload-progress', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-upload-progress': VodUploadProgressEvent;
  }
}
