/**
 * `@vod-uploader/element`: the `<vod-uploader>` custom element (registered on import), its events, locales and
 * helpers.
 * @example
 * ```html
 * <script type="module">import '@vod-uploader/element';</script>
 * <vod-uploader signer="/vod" multiple></vod-uploader>
 * ```
 * @module
 */
export { VodUploader } from './vod-uploader.ts';
export type { VodUploadItem } from './item.ts';
export { hasLocale, loadLocale, registerLocale, stringsFor } from './localize.ts';
export type { VodStrings } from './locales/en.ts';
export { en } from './locales/en.ts';
export { VodEvent } from './events/vod-event.ts';
export { VodFileSelectEvent, type VodFileSelectDetail } from './events/vod-file-select.ts';
export { VodUploadStartEvent, type VodUploadStartDetail } from './events/vod-upload-start.ts';
export { VodUploadProgressEvent, type VodUploadProgressDetail } from './events/vod-upload-progress.ts';
export { VodUploadRetryEvent, type VodUploadRetryDetail } from './events/vod-upload-retry.ts';
export { VodUploadPauseEvent, type VodUploadPauseDetail } from './events/vod-upload-pause.ts';
export { VodUploadResumeEvent, type VodUploadResumeDetail } from './events/vod-upload-resume.ts';
export { VodUploadErrorEvent, type VodUploadErrorDetail } from './events/vod-upload-error.ts';
export { VodUploadSuccessEvent, type VodUploadSuccessDetail } from './events/vod-upload-success.ts';
export { VodCompleteEvent, type VodCompleteDetail } from './events/vod-complete.ts';
export { type Rejection, VOD_COVER_TYPES, VOD_MEDIA_TYPES, matchesAccept, validateFile } from './validate.ts';
