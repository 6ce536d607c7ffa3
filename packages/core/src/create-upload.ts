/**
 * `createUpload` with the browser's defaults (also the fallback entry for other runtimes).
 * @module
 */
import { browserPlatform } from './platform-browser.ts';
import { Upload, type UploadInput } from './upload.ts';

/**
 * Creates an {@link Upload} of a File/Blob (or a `ReadableStream` of unknown length) through the signer.
 * @example
 * const upload = createUpload({ file: input.files[0], signer: '/vod', token });
 * upload.subscribe((state) => console.log(state.phase, state.percent));
 * const { fileId, mediaUrl } = await upload.start();
 */
export function createUpload(input: UploadInput): Upload {
  return new Upload(input, browserPlatform);
}
