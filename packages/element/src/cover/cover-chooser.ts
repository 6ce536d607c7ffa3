/**
 * The cover chooser of a row, loaded on demand (only with `cover`, when a row's Cover button is pressed, or to
 * grab a poster frame without asking): the video at a moment chosen with a slider and "Use this frame", or an
 * image instead. Brings its own styles, so the main bundle carries none of it.
 * @module
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { VodUploadItem } from '../item.ts';
import type { VodStrings } from '../locales/en.ts';
import { VOD_COVER_TYPES, extensionOf } from '../validate.ts';
import { captureFrame, loadVideo, seekVideo } from './poster-frame.ts';

export { grabPosterFrame } from './poster-frame.ts';

export interface CoverChooserHost {
  /** Use `file` as the row's cover. */
  set(file: File): void;
  /** Render again (the video has loaded). */
  update(): void;
  /** Close the chooser (Done). */
  close(): void;
}

export interface CoverChooser {
  render(t: VodStrings): TemplateResult;
  /** Frees the video. */
  close(): void;
}

const STYLE = html`<style>
.cover-panel{flex-basis:100%;display:flex;flex-wrap:wrap;align-items:center;gap:var(--_g)}
.cover-panel video{flex-basis:100%;max-height:14rem;border-radius:calc(var(--_r)/2);background:#000}
.moment{display:flex;flex:1 1 12rem;gap:var(--_g);align-items:center;font-size:.875em}
.moment input{flex:1}
</style>`;

/** Whether a cover image is one VOD takes (type and 10 MiB cap). */
export function validCover(file: File): boolean {
  const ext = extensionOf(file.name) || file.type.split('/')[1] || '';
  return VOD_COVER_TYPES.split(' ').includes(ext) && file.size > 0 && file.size <= 10 << 20;
}

/** Opens the chooser of `item`: loads its video (if the browser plays it; else only an image can be picked). */
export function openCoverChooser(item: VodUploadItem, host: CoverChooserHost): CoverChooser {
  let video: HTMLVideoElement | undefined;
  let closed = false;
  if (item.file.type.startsWith('video/')) {
    loadVideo(item.file).then(
      (v) => {
        if (closed) return URL.revokeObjectURL(v.src);
        v.setAttribute('part', 'cover-video');
        v.setAttribute('aria-hidden', 'true');
        video = v;
        host.update();
      },
      () => {},
    );
  }
  const seek = (event: Event) => {
    if (video) seekVideo(video, Number((event.target as HTMLInputElement).value)).catch(() => {});
  };
  const useFrame = async () => {
    if (video) host.set(await captureFrame(video));
  };
  const pick = (event: Event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file && validCover(file)) host.set(file);
  };
  return {
    close() {
      closed = true;
      if (video) URL.revokeObjectURL(video.src);
    },
    render: (t) => html`${STYLE}<div part="cover-panel" class="cover-panel">${video
      ? html`${video}<label class="moment">${t.coverMoment}<input type="range" min="0" max=${video.duration} step="0.1" .value=${String(video.currentTime)} @input=${seek}></label><button part="button" type="button" class="primary" @click=${useFrame}>${t.coverFrame}</button>`
      : nothing}<label part="button" class="button">${t.coverImage}<input type="file" class="sr" accept=${`.${VOD_COVER_TYPES.replace(/ /g, ',.')}`} @change=${pick}></label><button part="button" type="button" @click=${host.close}>${t.coverDone}</button></div>`,
  };
}
