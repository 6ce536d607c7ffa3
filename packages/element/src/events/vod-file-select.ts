/**
 * `vod-file-select`: files were picked, dropped or pasted. Cancelable: `preventDefault()` adds none of them.
 * @module
 */

import { VodEvent } from './vod-event.ts';

export interface VodFileSelectDetail {
  /** The files that passed validation and will be added (when the event is not cancelled). */
  readonly files: File[];
  /** The files that did not pass, with the reason (shown in the list). */
  readonly rejected: { file: File; reason: string }[];
}

export class VodFileSelectEvent extends VodEvent<VodFileSelectDetail> {
  constructor(detail: VodFileSelectDetail) {
    super('vod-file-select', detail, true);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vod-file-select': VodFileSelectEvent;
  }
}
