/**
 * English strings of `<vod-uploader>`: the default, and the shape every other locale follows
 * ({@link VodStrings}). Plain data: a locale is an object of strings and small formatting functions.
 * @module
 */

/** Every string the element shows or announces. Functions take already formatted values. */
export interface VodStrings {
  /** Drop-zone prompt before the file button. */
  drop: string;
  /** The file button (single file / several files). */
  choose: string;
  chooseMany: string;
  /** The list of files. */
  files: string;
  /** Accepted formats and limits under the drop zone. */
  hint: (accept: string, maxSize: string, maxFiles: number) => string;
  start: string;
  startAll: string;
  pause: string;
  resume: string;
  cancel: string;
  retry: string;
  remove: string;
  clear: string;
  play: string;
  /** Cover controls. */
  cover: string;
  coverOf: (name: string) => string;
  coverImage: string;
  coverFrame: string;
  coverMoment: string;
  coverDone: string;
  /** Phases and states of a row. */
  queued: string;
  pending: string;
  hashing: string;
  uploading: string;
  committing: string;
  processing: string;
  uploaded: string;
  ready: string;
  paused: string;
  offline: string;
  cancelled: string;
  failed: string;
  rejected: string;
  instant: string;
  retrying: (attempt: number, seconds: number) => string;
  /** `12.3 MB/s` + `1:05 left`. */
  speed: (speed: string) => string;
  eta: (time: string) => string;
  /** Total line: files, bytes done of total, percent. */
  total: (files: number, done: string, total: string, percent: number) => string;
  progressOf: (name: string) => string;
  /** Live-region announcements. */
  announceStart: (name: string) => string;
  announceProgress: (name: string, percent: number) => string;
  announceDone: (name: string) => string;
  announceError: (name: string, message: string) => string;
  announcePaused: (name: string) => string;
  /** Validation (before any byte is sent). */
  badType: (accept: string) => string;
  tooBig: (max: string) => string;
  empty: string;
  tooMany: (max: number) => string;
  badName: string;
  longName: string;
  /** Form validity. */
  valueMissing: string;
  busy: string;
  failedValidity: string;
  /** Errors of the engine, by code; `detail` is the other side's own message. */
  errNetwork: string;
  errTimeout: string;
  errEtag: string;
  errCors: string;
  errHttp: (status: number) => string;
  errCloud: (code: string) => string;
  errExpired: string;
  errSigner: (message: string) => string;
  errSignerAuth: string;
  errHash: string;
  errFile: string;
  errResume: string;
  errProcessing: string;
  requestId: (id: string) => string;
}

export const en: VodStrings = {
  drop: 'Drop videos here, paste, or',
  choose: 'Choose a file',
  chooseMany: 'Choose files',
  files: 'Uploads',
  hint: (accept, maxSize, maxFiles) =>
    [accept, maxSize && `up to ${maxSize}`, maxFiles && `at most ${maxFiles} files`].filter(Boolean).join(' · '),
  start: 'Start',
  startAll: 'Start all',
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel',
  retry: 'Retry',
  remove: 'Remove',
  clear: 'Clear list',
  play: 'Play',
  cover: 'Cover',
  coverOf: (name) => `Cover of ${name}`,
  coverImage: 'Choose an image',
  coverFrame: 'Use this frame',
  coverMoment: 'Moment of the poster frame',
  coverDone: 'Done',
  queued: 'Ready to upload',
  pending: 'Preparing…',
  hashing: 'Checking…',
  uploading: 'Uploading',
  committing: 'Finishing…',
  processing: 'Processing…',
  uploaded: 'Uploaded',
  ready: 'Ready to play',
  paused: 'Paused',
  offline: 'Waiting for network…',
  cancelled: 'Cancelled',
  failed: 'Failed',
  rejected: 'Not accepted',
  instant: 'Already uploaded',
  retrying: (attempt, seconds) => `Retry ${attempt} in ${seconds} s…`,
  speed: (speed) => `${speed}/s`,
  eta: (time) => `${time} left`,
  total: (files, done, total, percent) => `${files} file${files === 1 ? '' : 's'} · ${done} of ${total} · ${percent}%`,
  progressOf: (name) => `Upload progress of ${name}`,
  announceStart: (name) => `Uploading ${name}.`,
  announceProgress: (name, percent) => `${name}: ${percent}%.`,
  announceDone: (name) => `${name} uploaded.`,
  announceError: (name, message) => `${name} failed: ${message}`,
  announcePaused: (name) => `${name} paused.`,
  badType: (accept) => `Type not accepted (accepted: ${accept}).`,
  tooBig: (max) => `The file is larger than ${max}.`,
  empty: 'The file is empty.',
  tooMany: (max) => `At most ${max} file${max === 1 ? '' : 's'}.`,
  badName: 'The name has no characters VOD accepts.',
  longName: 'The name is over 1024 characters.',
  valueMissing: 'Please upload a video.',
  busy: 'Wait for the upload to finish.',
  failedValidity: 'An upload failed: retry or remove it.',
  errNetwork: 'Network error. Check your connection and retry.',
  errTimeout: 'The server stopped answering. Retry later.',
  errEtag: "Storage hides the ETag header: add ETag to Expose-Headers in the bucket's CORS rule, then retry.",
  errCors: "Storage unreachable. If this persists, check that the bucket's CORS rule allows this origin and PUT, and exposes ETag.",
  errHttp: (status) => `Storage answered HTTP ${status}.`,
  errCloud: (code) => `Storage refused the upload (${code}).`,
  errExpired: 'The upload link expired. Retry to get a new one.',
  errSigner: (message) => `The upload server said: ${message}`,
  errSignerAuth: 'You are not allowed to upload.',
  errHash: 'The file could not be read (moved or changed?).',
  errFile: 'The file cannot be uploaded.',
  errResume: 'Saved progress does not match the file. Retry to start over.',
  errProcessing: 'Uploaded, but VOD could not process it.',
  requestId: (id) => `Request ID: ${id}`,
};
