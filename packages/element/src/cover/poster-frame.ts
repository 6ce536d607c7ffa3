/**
 * Poster frames grabbed in the browser: a `<video>` of the picked file, seeked to a moment, drawn on a canvas and
 * encoded as JPEG — uploaded as the VOD cover with the video. Loaded on demand (only with `cover`).
 * @module
 */

export interface PosterFrameOptions {
  /** Seconds into the video; default 10 % of the duration, at most 5 s. */
  time?: number;
  /** Widest side of the image in px, default 1280. */
  maxSize?: number;
  /** Give up after this many ms, default 8000. */
  timeout?: number;
}

function once(target: EventTarget, type: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (ok: boolean) => () => {
      clearTimeout(timer);
      target.removeEventListener(type, onOk);
      target.removeEventListener('error', onError);
      ok ? resolve() : reject(new Error(`The video could not be read (${type}).`));
    };
    const onOk = done(true);
    const onError = done(false);
    const timer = setTimeout(onError, ms);
    target.addEventListener(type, onOk);
    target.addEventListener('error', onError);
  });
}

/**
 * A muted, paused `<video>` of `file` with its metadata loaded and a finite `duration` (recordings from
 * `MediaRecorder` report `Infinity` until the end is sought once). The caller revokes `video.src`.
 */
export async function loadVideo(file: Blob, timeout = 8000): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = URL.createObjectURL(file);
  try {
    await once(video, 'loadeddata', timeout);
    if (!Number.isFinite(video.duration)) {
      video.currentTime = 1e9;
      await once(video, 'seeked', timeout);
      video.currentTime = 0;
      await once(video, 'seeked', timeout);
    }
    return video;
  } catch (error) {
    URL.revokeObjectURL(video.src);
    throw error;
  }
}

/** Seeks `video` to `time` (clamped) and waits for the frame. */
export async function seekVideo(video: HTMLVideoElement, time: number, timeout = 8000): Promise<void> {
  const t = Math.min(Math.max(0, time), Number.isFinite(video.duration) ? video.duration : 0);
  if (Math.abs(video.currentTime - t) < 0.001 && video.readyState >= 2) return;
  video.currentTime = t;
  await once(video, 'seeked', timeout);
}

/** The frame `video` shows now, as a JPEG `File` named `cover.jpg`. */
export async function captureFrame(video: HTMLVideoElement, maxSize = 1280): Promise<File> {
  const scale = Math.min(1, maxSize / Math.max(video.videoWidth, video.videoHeight, 1));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  if (!blob) throw new Error('The frame could not be encoded.');
  return new File([blob], 'cover.jpg', { type: 'image/jpeg' });
}

/**
 * A poster frame of `file` at `time` (default 10 % in, at most 5 s).
 * @example
 * const cover = await grabPosterFrame(file, { time: 12.5 });
 * createUpload({ file, cover, signer: '/vod' });
 */
export async function grabPosterFrame(file: Blob, { time, maxSize, timeout = 8000 }: PosterFrameOptions = {}): Promise<File> {
  const video = await loadVideo(file, timeout);
  try {
    await seekVideo(video, time ?? Math.min(5, video.duration * 0.1), timeout);
    return await captureFrame(video, maxSize);
  } finally {
    URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
    video.load();
  }
}
