/**
 * `@vod-uploader/core` under Node: the same API, with `createUpload` defaulting to node:crypto, fetch and a resume
 * folder, plus the Node-only pieces of `@vod-uploader/core/node`.
 * @module
 */
export * from './index.ts';
export { createUpload } from './create-upload.node.ts';
export * from './node.ts';
