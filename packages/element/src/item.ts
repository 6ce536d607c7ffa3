/**
 * One row of `<vod-uploader>`: a picked file, its optional cover, and the engine's state.
 * @module
 */
import type { Upload, UploadState } from '@vod-uploader/core/upload';
import type { Rejection } from './validate.ts';

export interface VodUploadItem {
  /** Unique within the page. */
  readonly id: string;
  readonly file: File;
  /** The cover image to upload with it (picked or grabbed from the video). */
  readonly cover?: File;
  /** Why the file was not accepted (no upload was made). */
  readonly rejection?: Rejection;
  /** The engine's state: status, phase, bytes, speed, ETA, result, error. */
  readonly state: UploadState;
  /** The engine's upload, once started. */
  readonly upload?: Upload;
}
