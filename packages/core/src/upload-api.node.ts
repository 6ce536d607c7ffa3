/**
 * `@vod-uploader/core/upload` under Node: the same, with `createUpload` defaulting to Node's platform.
 * @module
 */
export * from './upload-api.ts';
export { createUpload } from './create-upload.node.ts';
