/**
 * `createUpload` with Node's defaults (node:crypto, fetch, a folder for resume records).
 * @module
 */
import { nodePlatform } from './platform-node.ts';
import { Upload, type UploadInput } from './upload.ts';

/**
 * Creates an {@link Upload} in Node. Pass a disk file as `file: fileSource(path)` (from `@vod-uploader/core/node`).
 */
export function createUpload(input: UploadInput): Upload {
  return new Upload(input, nodePlatform);
}
