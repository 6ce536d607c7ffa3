/**
 * The cover UI of the rows, loaded on demand (only with `cover`): each row's thumbnail and Cover button, and the
 * chooser the button opens (the video at a moment chosen with a slider and "Use this frame", or an image instead);
 * also the poster frame grabbed without asking. Plain DOM that the element renders as nodes, with its own styles,
 * so this chunk shares no module with the main bundle (a bundler then splits off no chunk for them both).
 * @module
 */
import type { VodUploadItem } from '../item.ts';
import type { VodStrings } from '../locales/en.ts';
import { captureFrame, loadVideo, seekVideo } from './poster-frame.ts';

export { grabPosterFrame } from './poster-frame.ts';

/** Cover image types VOD accepts: `VOD_COVER_TYPES` (kept here too, so this chunk imports nothing from the main one; a test checks they agree). */
export const COVER_TYPES = ['bmp', 'gif', 'jpeg', 'jpg', 'png', 'webp'];

const STYLE = `.cover-panel{flex-basis:100%;display:flex;flex-wrap:wrap;align-items:center;gap:var(--_g)}
.cover-panel video{flex-basis:100%;max-height:14rem;border-radius:calc(var(--_r)/2);background:#000}
.moment{display:flex;flex:1 1 12rem;gap:var(--_g);align-items:center;font-size:.875em}
.moment input{flex:1}`;

export interface CoverRowsHost {
  /** Use `file` as the cover of `item` (the element ignores it once the upload started). */
  set(item: VodUploadItem, file: File): void;
  /** Render again (a chooser opened, closed or loaded its video). */
  update(): void;
}

export interface CoverRows {
  /**
   * The nodes of a row, kept across renders (focus stays): its thumbnail (once it has a cover), and while no upload
   * started its Cover button (described by the element `describedBy`) and, when open, its chooser.
   */
  row(item: VodUploadItem, t: VodStrings, describedBy: string): [thumb?: Node, button?: Node, chooser?: Node];
  /** Closes the open chooser (frees its video). */
  close(): void;
  /** Lets go of the rows not in `items` (removed or cleared): their thumbnails' object URLs are revoked. */
  prune(items: readonly VodUploadItem[]): void;
}

export interface CoverChooserHost {
  /** Use `file` as the row's cover. */
  set(file: File): void;
  /** Render again (the video has loaded). */
  update(): void;
  /** Close the chooser (Done). */
  close(): void;
}

export interface CoverChooser {
  /** The panel, with its words in the UI's language. */
  render(t: VodStrings): HTMLElement;
  /** Frees the video. */
  close(): void;
}

/** Whether a cover image is one VOD takes (type and 10 MiB cap). */
export function validCover(file: File): boolean {
  const ext = (/.\.([^.]+)$/.exec(file.name)?.[1] ?? file.type.split('/')[1] ?? '').toLowerCase();
  return COVER_TYPES.includes(ext) && file.size > 0 && file.size <= 10 << 20;
}

/** An element with attributes and a handler for one event. */
function make<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string>, on?: [string, (event: Event) => void]) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (on) node.addEventListener(...on);
  return node;
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
  const slider = make('input', { type: 'range', min: '0', step: '0.1' }, [
    'input',
    () => video && seekVideo(video, Number(slider.value)).catch(() => {}),
  ]);
  const moment = make('label', { class: 'moment' });
  const useFrame = make('button', { part: 'button', type: 'button', class: 'primary' }, [
    'click',
    async () => video && host.set(await captureFrame(video)),
  ]);
  const picker = make('input', { type: 'file', class: 'sr', accept: COVER_TYPES.map((e) => `.${e}`).join() }, [
    'change',
    () => {
      const file = picker.files?.[0];
      picker.value = '';
      if (file && validCover(file)) host.set(file);
    },
  ]);
  const image = make('label', { part: 'button', class: 'button' });
  const done = make('button', { part: 'button', type: 'button' }, ['click', () => host.close()]);
  const style = make('style', {});
  style.textContent = STYLE;
  const panel = make('div', { part: 'cover-panel', class: 'cover-panel' });
  /** What the panel was last built with (its words, its video): rebuilt only when that changes, since moving a node loses its focus. */
  let built: [string, HTMLVideoElement | undefined] | undefined;
  return {
    render(t) {
      const words = [t.coverMoment, t.coverFrame, t.coverImage, t.coverDone].join('\n');
      if (built?.[0] === words && built[1] === video) return panel;
      built = [words, video];
      moment.replaceChildren(t.coverMoment, slider);
      useFrame.textContent = t.coverFrame;
      image.replaceChildren(t.coverImage, picker);
      done.textContent = t.coverDone;
      if (video) {
        slider.max = String(video.duration);
        slider.value = String(video.currentTime);
      }
      panel.replaceChildren(style, ...(video ? [video, moment, useFrame] : []), image, done);
      return panel;
    },
    close() {
      closed = true;
      if (video) URL.revokeObjectURL(video.src);
    },
  };
}

/** The cover UI of an element's rows: one chooser open at a time. */
export function coverRows(host: CoverRowsHost): CoverRows {
  let open: { item: VodUploadItem; chooser: CoverChooser } | undefined;
  const rows = new Map<VodUploadItem, { img: HTMLImageElement; button: HTMLElement; cover?: File }>();
  const close = () => {
    open?.chooser.close();
    open = undefined;
  };
  const toggle = (item: VodUploadItem) => {
    const was = open?.item === item;
    close();
    if (!was) {
      const chooser = openCoverChooser(item, {
        set: (file) => host.set(item, file),
        update: host.update,
        close: () => {
          close();
          host.update();
        },
      });
      open = { item, chooser };
    }
    host.update();
  };
  return {
    row(item, t, describedBy) {
      let r = rows.get(item);
      if (!r) {
        const button = make('button', { part: 'button', 'aria-describedby': describedBy }, ['click', () => toggle(item)]);
        rows.set(item, (r = { img: make('img', { part: 'cover' }), button }));
      }
      const { img, button } = r;
      if (r.cover !== item.cover) {
        if (r.cover) URL.revokeObjectURL(img.src);
        r.cover = item.cover;
        if (item.cover) img.src = URL.createObjectURL(item.cover);
      }
      img.alt = t.coverOf(item.file.name);
      button.textContent = t.cover;
      button.setAttribute('aria-expanded', String(open?.item === item));
      const offer = !item.rejection && !item.upload;
      return [item.cover && img, offer ? button : undefined, offer && open?.item === item ? open.chooser.render(t) : undefined];
    },
    close,
    prune(items) {
      for (const [item, { img, cover }] of rows) {
        if (items.includes(item)) continue;
        if (cover) URL.revokeObjectURL(img.src);
        rows.delete(item);
        if (open?.item === item) close();
      }
    },
  };
}
