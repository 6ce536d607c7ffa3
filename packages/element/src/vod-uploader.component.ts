/**
 * The `<vod-uploader>` class (no side effects: register it with `vod-uploader.ts`).
 * @module
 */
import { LitElement, type PropertyDeclarations, html, nothing } from 'lit';
import { type Pool, type TokenSource, type UploadState, createPool, createUpload, estimateEta, initialUploadState, toPercent } from '@vod-uploader/core/upload';
import type { CoverRows } from './cover/cover-chooser.ts';
import { VodCompleteEvent } from './events/vod-complete.ts';
import { VodFileSelectEvent } from './events/vod-file-select.ts';
import { VodUploadErrorEvent } from './events/vod-upload-error.ts';
import { VodUploadPauseEvent } from './events/vod-upload-pause.ts';
import { VodUploadProgressEvent } from './events/vod-upload-progress.ts';
import { VodUploadResumeEvent } from './events/vod-upload-resume.ts';
import { VodUploadRetryEvent } from './events/vod-upload-retry.ts';
import { VodUploadStartEvent } from './events/vod-upload-start.ts';
import { VodUploadSuccessEvent } from './events/vod-upload-success.ts';
import { formatBytes, formatDuration } from './format.ts';
import type { VodUploadItem } from './item.ts';
import { type VodStrings, en } from './locales/en.ts';
import { hasLocale, loadLocale, stringsFor } from './localize.ts';
import { errorText, rejectionText, statusText } from './messages.ts';
import { type Rejection, validateFile } from './validate.ts';
import styles from './vod-uploader.styles.ts';

/** The cover UI (thumbnails, Cover buttons, chooser) and poster frames: their own chunk, loaded only with `cover`. */
const coverTool = () => import('./cover/cover-chooser.ts');

/** A row as the element keeps it: the public item, writable, with its engine subscription and last announced step. */
type Item = { -readonly [K in keyof VodUploadItem]: VodUploadItem[K] } & { off?: () => void; step?: number };

let ids = 0;
const active = (i: VodUploadItem) => i.state.status === 'running' || i.state.status === 'paused';

type Attributes = [names: string, type?: typeof Number | typeof Boolean, value?: unknown, reflect?: true];

/**
 * The reactive properties, by attribute (the property is its camelCase name), with their type, default and whether
 * they reflect. The fields below carry the same as JSDoc (`@attr`, `@default`, `@reflect`) for the manifest. `lang`
 * stays the native property (`''` when unset); its attribute is observed so the UI follows it.
 */
const ATTRIBUTES: Attributes[] = [
  ['signer accept procedure source-context storage-region', undefined, ''],
  ['token'],
  ['name', undefined, undefined, true],
  ['max-files max-size part-size concurrency', Number, 0],
  ['class-id sub-app-id', Number],
  ['multiple cover manual dedupe', Boolean, false],
  ['required disabled', Boolean, false, true],
];
const properties: Record<string, PropertyDeclarations[string]> = {};
const defaults: Record<string, unknown> = {};
for (const [names, type, value, reflect] of ATTRIBUTES) {
  for (const attribute of names.split(' ')) {
    const name = attribute.replace(/-./g, (m) => m[1]!.toUpperCase());
    properties[name] = { type, attribute, reflect };
    if (value !== undefined) defaults[name] = value;
  }
}

/** A progress track labelled `label`, `percent` (whole) filled. */
const progress = (percent: number, label: string) =>
  html`<div part="progress" class="progress" role="progressbar" aria-label=${label} aria-valuenow=${percent}><div part="progress-bar" class="bar" style="width:${percent}%"></div></div>`;

/** An action button; `name` (a row's file-name id) describes it with the file. */
const button = (label: string, click: () => void, primary?: boolean, name?: string) =>
  html`<button part="button" class=${primary ? 'primary' : ''} aria-describedby=${name ?? nothing} @click=${click}>${label}</button>`;

/** `12 MB/s · 1:05 left`. */
const rate = (t: VodStrings, size: (n: number) => string, speed: number, eta: number | null) =>
  t.speed(size(speed)) + (eta === null ? '' : ` · ${t.eta(formatDuration(eta))}`);

/**
 * Uploads videos from the browser straight to Tencent Cloud VOD through a signer: a drop zone (drag and drop,
 * paste, file button), a row per file with progress, speed, ETA, pause/resume/cancel/retry, an optional cover
 * (an image, or a poster frame grabbed from the video), and a total. A form control: its value is the FileIds.
 *
 * @summary Upload videos to Tencent Cloud VOD.
 *
 * @attr lang - Language of the UI (`en`, `zh-CN`, or any registered with `registerLocale`); default the nearest `lang` of an ancestor, then the browser's.
 *
 * @slot hint - Replaces the line under the drop zone that lists accepted types and limits.
 *
 * @event {VodFileSelectEvent} vod-file-select - Files were picked, dropped or pasted (cancelable: `preventDefault()` adds none).
 * @event {VodUploadStartEvent} vod-upload-start - An upload started (also after a retry).
 * @event {VodUploadProgressEvent} vod-upload-progress - Bytes were stored: `loaded`, `total`, `percent`, `speed`, `eta`.
 * @event {VodUploadRetryEvent} vod-upload-retry - A request failed and will be retried: `attempt`, `delay`, `code`.
 * @event {VodUploadPauseEvent} vod-upload-pause - An upload was paused.
 * @event {VodUploadResumeEvent} vod-upload-resume - A paused upload continues.
 * @event {VodUploadErrorEvent} vod-upload-error - An upload failed: `error` (code, status, cloud code, request id) and the shown `message`.
 * @event {VodUploadSuccessEvent} vod-upload-success - A file is stored and committed: `fileId`, `mediaUrl`, `coverUrl`.
 * @event {VodCompleteEvent} vod-complete - Every started upload has settled: `fileIds`, `failed`.
 *
 * @csspart base - The wrapper of everything.
 * @csspart drop-zone - The area that takes dropped and pasted files.
 * @csspart file-button - The button that opens the file picker.
 * @csspart hint - Accepted types and limits.
 * @csspart list - The list of files.
 * @csspart file - One row.
 * @csspart file-name - The file's name.
 * @csspart file-size - The file's size.
 * @csspart status - The phase or state of a row.
 * @csspart error - An error or rejection message.
 * @csspart progress - A progress track (row or total).
 * @csspart progress-bar - The filled part of a progress track.
 * @csspart speed - Speed and time left of a row.
 * @csspart actions - The buttons of a row.
 * @csspart button - Every action button.
 * @csspart play-link - The link that plays an upload.
 * @csspart cover - The cover thumbnail of a row.
 * @csspart cover-panel - The cover chooser (video, moment slider, buttons).
 * @csspart total - The total line.
 *
 * @cssproperty --vod-accent - Accent color (buttons, progress), default `#0b57d0` (dark: `#a8c7fa`).
 * @cssproperty --vod-text - Text color, default `#1f1f1f` (dark: `#e3e3e3`).
 * @cssproperty --vod-muted - Secondary text color, default `#5e5e5e` (dark: `#b4b4b4`).
 * @cssproperty --vod-background - Background, default `#fff` (dark: `#1f1f1f`).
 * @cssproperty --vod-border - Border color, default `#c4c7c5` (dark: `#5f6368`).
 * @cssproperty --vod-danger - Error color, default `#b3261e` (dark: `#ffb4ab`).
 * @cssproperty --vod-success - Success color, default `#146c2e` (dark: `#6dd58c`).
 * @cssproperty --vod-radius - Corner radius, default `8px`.
 * @cssproperty --vod-gap - Base spacing, default `0.5rem`.
 * @cssproperty --vod-font - Font, default `inherit`.
 * @cssproperty --vod-progress-height - Height of progress bars, default `6px`.
 */
export class VodUploader extends LitElement {
  static override styles = styles;
  static formAssociated = true;
  // `static properties` rather than decorators: the shipped source compiles the same under any TypeScript settings
  // (field semantics, decorator flavour) of the bundler that builds the page.
  static override properties = properties;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
  }

  /**
   * Base URL of the signer's routes (absolute or relative), e.g. `/vod`.
   * @attr signer
   * @default ''
   */
  declare signer: string;
  /**
   * Bearer token for the signer (a string, or as a property a function returning the current one).
   * @attr token
   */
  declare token?: TokenSource;
  /**
   * Accepted types, like `<input accept>` (`video/*,.mkv`); default the media types VOD takes.
   * @attr accept
   * @default ''
   */
  declare accept: string;
  /**
   * Allow several files.
   * @attr multiple
   * @default false
   */
  declare multiple: boolean;
  /**
   * Most files in the list (with `multiple`); 0 = no limit.
   * @attr max-files
   * @default 0
   */
  declare maxFiles: number;
  /**
   * Largest file, in bytes; 0 = no limit.
   * @attr max-size
   * @default 0
   */
  declare maxSize: number;
  /**
   * Preferred part size in bytes (the signer decides; default 8 MiB).
   * @attr part-size
   * @default 0
   */
  declare partSize: number;
  /**
   * Parts in flight across all files, default 4.
   * @attr concurrency
   * @default 0
   */
  declare concurrency: number;
  /**
   * VOD task flow run after the upload (`Procedure`).
   * @attr procedure
   * @default ''
   */
  declare procedure: string;
  /**
   * VOD category id (`ClassId`).
   * @attr class-id
   */
  declare classId?: number;
  /**
   * Passed through to VOD's upload callback (`SourceContext`, ≤ 250 characters).
   * @attr source-context
   * @default ''
   */
  declare sourceContext: string;
  /**
   * Storage region (`StorageRegion`, e.g. `ap-chongqing`).
   * @attr storage-region
   * @default ''
   */
  declare storageRegion: string;
  /**
   * VOD sub-application id (`SubAppId`).
   * @attr sub-app-id
   */
  declare subAppId?: number;
  /**
   * Offer a cover per file: pick an image, or grab a poster frame from the video.
   * @attr cover
   * @default false
   */
  declare cover: boolean;
  /**
   * Don't start on select: wait for Start (or `start()`).
   * @attr manual
   * @default false
   */
  declare manual: boolean;
  /**
   * Instant upload: skip files the signer already has a verified copy of (same SHA-1 and size).
   * @attr dedupe
   * @default false
   */
  declare dedupe: boolean;
  /**
   * Form field name; the form gets one entry per FileId.
   * @attr name
   * @reflect
   */
  declare name?: string;
  /**
   * The form is invalid until at least one file is uploaded.
   * @attr required
   * @reflect
   * @default false
   */
  declare required: boolean;
  /**
   * Takes no new files (running uploads go on).
   * @attr disabled
   * @reflect
   * @default false
   */
  declare disabled: boolean;

  private readonly internals: ElementInternals = this.attachInternals();
  private list: Item[] = [];
  /** One part pool for every row (parts in flight across files), and the `concurrency` it was made for. */
  private pool?: Pool;
  private poolSize?: number;
  /** An upload started since the last `vod-complete`. */
  private batch = false;
  private strings: VodStrings = en;
  private locale = 'en';
  private formDisabled = false;
  /** The rows' cover UI, once its chunk is loaded (with `cover`). */
  private covers?: CoverRows;
  private dragging = false;
  private announcement = '';
  private connection?: AbortController;
  private wakeLock?: Promise<{ release(): Promise<void> } | undefined>;

  constructor() {
    super();
    Object.assign(this, defaults);
  }

  /** The rows: files with their state (read-only). */
  get items(): readonly VodUploadItem[] {
    return this.list;
  }

  /** The FileIds of the finished uploads, comma-separated (the form value). */
  get value(): string {
    return this.fileIds.join();
  }

  /** The FileIds of the finished uploads, in list order. */
  get fileIds(): string[] {
    return this.list.flatMap((i) => i.state.result?.fileId ?? []);
  }

  get form(): HTMLFormElement | null {
    return this.internals.form;
  }

  get validity(): ValidityState {
    return this.internals.validity;
  }

  get validationMessage(): string {
    return this.internals.validationMessage;
  }

  get willValidate(): boolean {
    return this.internals.willValidate;
  }

  checkValidity(): boolean {
    return this.internals.checkValidity();
  }

  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /** Starts every file waiting in the list (with `manual`). */
  start(): void {
    this.each('idle', this.run);
  }

  pause(): void {
    this.each('', (item) => item.upload?.pause());
  }

  resume(): void {
    this.each('paused', this.run);
  }

  /** Cancels every file not finished yet. */
  cancel(): void {
    this.each('', this.stop);
  }

  /** Retries every failed upload. */
  retry(): void {
    this.each('error', this.run);
  }

  /** Cancels what runs and empties the list (the value becomes empty). */
  clear(): void {
    for (const item of this.list) this.discard(item);
  }

  /** Adds files as if the user picked them (validation and `vod-file-select` included). */
  addFiles(files: Iterable<File>): void {
    this.select([...files]);
  }

  /** Calls `action` for every row in `status` (every row for `''`). */
  private each(status: string, action: (item: Item) => void): void {
    for (const item of this.list) if (!status || item.state.status === status) action.call(this, item);
  }

  // ── rows ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Starts a queued row, or continues a paused or failed one (an engine upload per row, made on its first start). */
  private run(item: Item): void {
    if (item.rejection || !this.list.includes(item)) return;
    if (!item.upload) {
      const size = this.concurrency;
      if (!this.pool || (size !== this.poolSize && !this.list.some(active))) {
        this.pool = createPool({ concurrency: size || 4 });
        this.poolSize = size;
      }
      item.upload = createUpload({ ...this.uploadOptions(), file: item.file, cover: item.cover, pool: this.pool });
      item.off = item.upload.subscribe((state) => this.changed(item, state));
    }
    if (/idle|paused|error/.test(item.state.status)) {
      this.batch = true;
      item.upload.start().catch(() => {});
    }
  }

  /** Cancels a row (one not started yet too). */
  private stop(item: Item): void {
    if (item.upload) item.upload.cancel();
    else if (!item.rejection && item.state.status === 'idle') this.changed(item, { ...item.state, status: 'cancelled' });
  }

  /** Removes a row; an upload still running is cancelled. */
  private discard(item: Item): void {
    if (active(item)) item.upload?.cancel();
    item.off?.();
    this.list = this.list.filter((i) => i !== item);
    this.requestUpdate();
    this.settle();
  }

  private setCover(item: Item, cover: File | undefined): void {
    if (item.upload) return; // the session already has (or has not) a cover
    item.cover = cover;
    this.requestUpdate();
  }

  /** Whether a row waits for Start. */
  private waiting(): boolean {
    return this.list.some((i) => !i.rejection && i.state.status === 'idle');
  }

  /**
   * A row's engine state changed: fires the `vod-*` events and announces starts, pauses, every 25 %, successes
   * and failures.
   */
  private changed(item: Item, next: UploadState): void {
    // Stored and committed, but the signer does not tell processing status (no route, or not for this caller):
    // that is a success without processing news.
    const e = next.error;
    if (next.status === 'error' && next.result && e?.code === 'signer' && [403, 404, 405].includes(e.status!)) {
      next = { ...next, status: 'done', phase: 'uploaded', error: null };
    }
    const prev = item.state;
    item.state = next;
    const t = this.strings;
    const name = item.file.name;
    const fire = (event: Event) => this.dispatchEvent(event);
    const entered = (status: string) => next.status === status && prev.status !== status;
    const res = next.result;
    const r = next.retry;
    let text = '';
    if (entered('running')) {
      text = t.announceStart(name);
      fire(prev.status === 'paused' ? new VodUploadResumeEvent({ item }) : new VodUploadStartEvent({ item }));
    }
    if (entered('paused')) {
      text ||= t.announcePaused(name);
      fire(new VodUploadPauseEvent({ item }));
    }
    if (next.bytesUploaded !== prev.bytesUploaded && next.status === 'running') {
      const { bytesUploaded: loaded, bytesTotal, percent, speed, eta } = next;
      fire(new VodUploadProgressEvent({ item, loaded, total: bytesTotal ?? item.file.size, percent, speed, eta }));
    }
    if (r && (r.attempt !== prev.retry?.attempt || r.partNumber !== prev.retry?.partNumber)) {
      fire(new VodUploadRetryEvent({ item, ...r }));
    }
    if (res && !prev.result) {
      text ||= t.announceDone(name);
      fire(new VodUploadSuccessEvent({ item, ...res, instant: next.instant }));
    }
    if (entered('error') && e) {
      const message = this.errorText(item);
      text ||= t.announceError(name, message);
      fire(new VodUploadErrorEvent({ item, error: e, message }));
    }
    if (!text && next.status === 'running') {
      // Every 25 % (each step once).
      const step = Math.floor(next.percent / 25) * 25;
      if (step > (item.step ?? 0) && step < 100) text = t.announceProgress(name, (item.step = step));
    }
    if (text) this.announcement = text;
    this.requestUpdate();
    this.settle();
  }

  /** Fires `vod-complete` once every started upload has settled. */
  private settle(): void {
    if (!this.batch || this.list.some(active)) return;
    this.batch = false;
    const complete = new VodCompleteEvent({ fileIds: this.fileIds, failed: this.list.filter((i) => i.state.status === 'error').length });
    this.dispatchEvent(complete);
  }

  /** The language of the UI: own `lang`, an ancestor's, the browser's. */
  private get uiLang(): string {
    return this.lang || this.closest('[lang]')?.getAttribute('lang') || navigator.language || 'en';
  }

  /** Renders only once the strings of the language are loaded (Chinese is its own chunk). */
  protected override async scheduleUpdate(): Promise<void> {
    const lang = this.uiLang;
    if (!hasLocale(lang)) await loadLocale(lang);
    super.scheduleUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.connection = new AbortController();
    // Leaving the page stops the uploads: ask the browser to confirm while one runs.
    addEventListener('beforeunload', (e) => this.hasAttribute('uploading') && e.preventDefault(), { signal: this.connection.signal });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connection?.abort();
    this.covers?.close();
    this.keepAwake(false);
  }

  /** Keeps the screen on while uploading (Screen Wake Lock, where the browser grants it). */
  private keepAwake(on: boolean): void {
    if (on === !this.wakeLock) {
      const wl = (navigator as { wakeLock?: { request(type: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
      if (on) this.wakeLock = Promise.resolve(wl?.request('screen')).catch(() => undefined);
      else {
        void this.wakeLock!.then((lock) => lock?.release().catch(() => {}));
        this.wakeLock = undefined;
      }
    }
  }

  formResetCallback(): void {
    this.clear();
  }

  formDisabledCallback(disabled: boolean): void {
    this.formDisabled = disabled;
    this.requestUpdate();
  }

  /** @internal Engine options of a new upload. */
  uploadOptions() {
    const media = {
      procedure: this.procedure || undefined,
      classId: this.classId,
      sourceContext: this.sourceContext || undefined,
      storageRegion: this.storageRegion || undefined,
      subAppId: this.subAppId,
    };
    return {
      signer: this.signer || '.',
      // Read before every signer request, so a new token (or a refreshed one) applies to a retry.
      token: () => (typeof this.token === 'function' ? this.token() : this.token),
      partSize: this.partSize || undefined,
      dedupe: this.dedupe ? ('parallel' as const) : ('off' as const),
      media: Object.values(media).some((v) => v !== undefined) ? media : undefined,
      processing: true,
    };
  }

  /** @internal The human message of a row's error or rejection. */
  errorText(item: VodUploadItem): string {
    return item.rejection ? this.reason(item.rejection) : errorText(item.state.error!, this.strings);
  }

  private reason(r: Rejection): string {
    return rejectionText(r, this.strings, this.locale);
  }

  private get isDisabled(): boolean {
    return this.disabled || this.formDisabled;
  }

  /** New rows in the order picked: accepted files (queued) and rejected ones (shown with their reason). */
  private select(files: File[]): void {
    if (this.isDisabled || !files.length) return;
    const { multiple } = this;
    const max = multiple ? this.maxFiles || Infinity : 1;
    let count = multiple ? this.list.filter((i) => !i.rejection && i.state.status !== 'cancelled').length : 0;
    const added = files.map((file): Item => {
      const rejection = validateFile(file, this) ?? (count < max ? undefined : { reason: 'count', max });
      if (!rejection) count++;
      return { id: `vod-${++ids}`, file, rejection, state: initialUploadState(file.name, file.size) };
    });
    const accepted = added.filter((i) => !i.rejection);
    const event = new VodFileSelectEvent({
      files: accepted.map((i) => i.file),
      rejected: added.flatMap((i) => (i.rejection ? [{ file: i.file, reason: this.reason(i.rejection) }] : [])),
    });
    if (!this.dispatchEvent(event)) return;
    for (const item of this.list) if (item.rejection || (!multiple && accepted.length)) this.discard(item);
    this.list = [...this.list, ...added];
    this.requestUpdate();
    if (!this.manual) for (const item of accepted) void this.autoStart(item);
  }

  private async autoStart(item: Item): Promise<void> {
    if (this.cover && item.file.type.startsWith('video/')) {
      try {
        this.setCover(item, await (await coverTool()).grabPosterFrame(item.file));
      } catch {
        // no frame (codec not playable here): upload without a cover
      }
    }
    if (item.state.status === 'idle') this.run(item);
  }

  // ── drop zone ────────────────────────────────────────────────────────────────────────────────────────────────

  /** dragenter, dragover, dragleave and drop of files. */
  private onDrag(event: DragEvent): void {
    const data = event.dataTransfer;
    if (!data?.types.includes('Files')) return;
    event.preventDefault();
    const { type } = event;
    const over = type !== 'drop' && !this.isDisabled;
    if (type === 'dragleave' && (event.currentTarget as Element).contains(event.relatedTarget as Node | null)) return;
    if (type === 'dragenter' || type === 'dragover') data.dropEffect = over ? 'copy' : 'none';
    this.dragging = over && type !== 'dragleave';
    this.requestUpdate();
    if (type === 'drop') this.select([...data.files]);
  }

  private onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    this.select(files);
  }

  private onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...input.files!];
    input.value = '';
    this.select(files);
  }

  /** Removes a row; focus stays in the element: on the next row's first button, else the file button. */
  private async removeRow(item: Item): Promise<void> {
    const index = this.list.indexOf(item);
    this.discard(item);
    await this.updateComplete;
    const rows = this.renderRoot.querySelectorAll('li');
    ((rows[index] ?? rows[rows.length - 1])?.querySelector<HTMLElement>('button, a') ?? this.fileButton())?.focus();
  }

  /** The file button (the first button). */
  private fileButton(): HTMLElement | undefined {
    return this.renderRoot.querySelector('button') ?? undefined;
  }

  protected override willUpdate(): void {
    this.covers?.prune(this.list); // removed rows let go of their thumbnails
    if (this.cover && !this.covers) {
      coverTool().then(({ coverRows }) => {
        this.covers ??= coverRows({ set: (item, file) => this.setCover(item as Item, file), update: () => this.requestUpdate() });
        this.requestUpdate();
      }, () => {});
    }
  }

  // ── form state and host attributes ───────────────────────────────────────────────────────────────────────────

  protected override updated(): void {
    const items = this.items;
    const has = (status: string) => items.some((i) => i.state.status === status && !i.state.result);
    const running = has('running');
    const busy = running || has('paused');
    const failed = has('error');
    const ids = this.fileIds;
    this.keepAwake(running);
    this.toggleAttribute('uploading', running);
    this.toggleAttribute('paused', has('paused'));
    this.toggleAttribute('error', items.some((i) => i.rejection || i.state.status === 'error'));
    this.toggleAttribute('complete', items.some((i) => i.state.result) && !busy && !this.waiting());
    let data: FormData | null = null;
    if (this.name && ids.length) {
      data = new FormData();
      for (const id of ids) data.append(this.name, id);
    }
    this.internals.setFormValue(data);
    const t = this.strings;
    const message = busy ? t.busy : failed ? t.failedValidity : this.required && !ids.length ? t.valueMissing : '';
    this.internals.setValidity(message ? { [busy || failed ? 'customError' : 'valueMissing']: true } : {}, message, this.fileButton());
  }

  // ── render ───────────────────────────────────────────────────────────────────────────────────────────────────

  protected override render() {
    const lang = (this.locale = this.uiLang);
    const t = (this.strings = stringsFor(lang));
    const items = this.list;
    const disabled = this.isDisabled;
    let files = 0;
    let loaded = 0;
    let total = 0;
    let speed = 0;
    for (const { rejection, state, file } of items) {
      if (rejection || state.status === 'cancelled') continue;
      files++;
      total += file.size;
      loaded += state.bytesUploaded;
      speed += state.speed;
    }
    const size = (n: number) => formatBytes(n, lang);
    const whole = Math.floor(toPercent(loaded, total));
    const drag = this.onDrag;
    return html`<div part="base" class="base" @paste=${this.onPaste}><div part="drop-zone" class="drop ${this.dragging ? 'over' : ''} ${disabled ? 'disabled' : ''}" @dragenter=${drag} @dragover=${drag} @dragleave=${drag} @drop=${drag}><svg aria-hidden="true" viewBox="0 0 24 24"><path d="M9 16h6v-6h4l-7-7-7 7h4zm-4 2h14v2H5z"/></svg><span>${t.drop}</span><button part="file-button button" class="primary" ?disabled=${disabled} @click=${() => this.renderRoot.querySelector('input')!.click()}>${this.multiple ? t.chooseMany : t.choose}</button><input id="pick" type="file" hidden accept=${this.accept || 'video/*,audio/*'} ?multiple=${this.multiple} @change=${this.onPick}><div part="hint" class="hint"><slot name="hint">${t.hint(this.accept, this.maxSize ? size(this.maxSize) : '', this.multiple ? this.maxFiles : 0)}</slot></div></div><ul part="list" aria-label=${t.files} ?hidden=${!items.length}>${items.map((item) => this.renderItem(item, t, size))}</ul><div part="total" class="total" ?hidden=${!files}>${progress(whole, t.files)}<span>${t.total(files, size(loaded), size(total), whole)}${speed ? ` · ${rate(t, size, speed, estimateEta(total - loaded, speed))}` : ''}</span><span class="actions">${this.waiting() ? button(t.startAll, () => this.start(), true) : nothing}${button(t.clear, () => this.clear())}</span></div><div class="sr" role="status" aria-live="polite">${this.announcement}</div></div>`;
  }

  private renderItem(item: Item, t: VodStrings, size: (n: number) => string) {
    const { state: s, file, id, rejection } = item;
    const { status, phase, result } = s;
    const percent = Math.floor(s.percent);
    const running = status === 'running' && !result;
    const name = `${id}-name`;
    const [thumb, coverButton, chooser] = (this.cover && this.covers?.row(item, t, name)) || [];
    const act = (label: string, action: (item: Item) => void, primary?: boolean) => button(label, () => action.call(this, item), primary, name);
    // Start, Resume or Retry (the engine's start() does all three), else Pause while it runs.
    const go = rejection ? '' : status === 'idle' ? t.start : status === 'paused' ? t.resume : status === 'error' ? t.retry : '';
    return html`<li part="file" data-status=${rejection ? 'rejected' : status}>${thumb}<div class="main"><div class="line"><span part="file-name" class="name" id=${name} title=${file.name}>${file.name}</span><span part="file-size" class="muted">${size(file.size)}</span></div>${rejection ? nothing : progress(percent, t.progressOf(file.name))}<div class="line small"><span part="status" class="status">${statusText(s, !!rejection, t)}${running && phase === 'uploading' ? ` · ${percent}%` : ''}</span>${running && s.speed ? html`<span part="speed" class="muted">${rate(t, size, s.speed, s.eta)}</span>` : nothing}</div>${rejection || status === 'error' ? html`<div part="error" class="error">${this.errorText(item)}</div>` : nothing}</div><div part="actions" class="actions">${result && (phase === 'ready' || phase === 'uploaded' || status === 'error')
      ? html`<a part="play-link button" class="button" href=${result.mediaUrl} target="_blank" aria-describedby=${name}>${t.play}</a>`
      : nothing}${coverButton}${go ? act(go, this.run, true) : running ? act(t.pause, () => item.upload!.pause()) : nothing}${running || (go && status !== 'error') ? act(t.cancel, this.stop) : nothing}${status === 'running' ? nothing : button(t.remove, () => this.removeRow(item), false, name)}</div>${chooser}</li>`;
  }
}
