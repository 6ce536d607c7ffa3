/**
 * The `<vod-uploader>` class (no side effects: register it with `vod-uploader.ts`).
 * @module
 */
import { LitElement, type PropertyValues, html, nothing } from 'lit';
import { property } from 'lit/decorators/property.js';
import { state } from 'lit/decorators/state.js';
import type { TokenSource, UploadErrorInfo, UploadState } from '@vod-uploader/core';
import type { VodUploadItem } from './item.ts';
import { VodFileSelectEvent } from './events/vod-file-select.ts';
import { formatBytes, formatDuration } from './format.ts';
import type { VodStrings } from './locales/en.ts';
import { hasLocale, loadLocale, stringsFor } from './localize.ts';
import { UploadController } from './upload-controller.ts';
import { type Rejection, VOD_COVER_TYPES, validCover, validateFile } from './validate.ts';
import styles from './vod-uploader.styles.ts';

type PosterFrame = typeof import('./cover/poster-frame.ts');
const posterFrame = (): Promise<PosterFrame> => import('./cover/poster-frame.ts');

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
 * @cssproperty --vod-accent - Accent color (buttons, progress), default a blue that fits light and dark.
 * @cssproperty --vod-text - Text color, default `CanvasText`.
 * @cssproperty --vod-muted - Secondary text color.
 * @cssproperty --vod-background - Background, default `Canvas`.
 * @cssproperty --vod-border - Border color.
 * @cssproperty --vod-danger - Error color.
 * @cssproperty --vod-success - Success color.
 * @cssproperty --vod-radius - Corner radius, default `8px`.
 * @cssproperty --vod-gap - Base spacing, default `0.5rem`.
 * @cssproperty --vod-font - Font, default `inherit`.
 * @cssproperty --vod-progress-height - Height of progress bars, default `6px`.
 */
export class VodUploader extends LitElement {
  static override styles = styles;
  static formAssociated = true;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  private readonly internals: ElementInternals = this.attachInternals();
  private readonly uploads = new UploadController(this);
  private strings: VodStrings = stringsFor('en');
  private locale = 'en';
  private coverUrls = new Map<File, string>();
  private lastPercent = new Map<string, number>();
  private formDisabled = false;
  private coverVideo?: HTMLVideoElement;
  private connection?: AbortController;
  private wakeLock?: Promise<{ release(): Promise<void> } | undefined>;

  @state() private dragging = false;
  @state() private announcement = '';
  @state() private coverFor?: string;

  /** Base URL of the signer's routes (absolute or relative), e.g. `/vod`. */
  @property() signer = '';
  /** Bearer token for the signer (a string, or as a property a function returning the current one). */
  @property() token?: TokenSource;
  /** Accepted types, like `<input accept>` (`video/*,.mkv`); default the media types VOD takes. */
  @property() accept = '';
  /** Allow several files. */
  @property({ type: Boolean }) multiple = false;
  /** Most files in the list (with `multiple`); 0 = no limit. */
  @property({ type: Number, attribute: 'max-files' }) maxFiles = 0;
  /** Largest file, in bytes; 0 = no limit. */
  @property({ type: Number, attribute: 'max-size' }) maxSize = 0;
  /** Preferred part size in bytes (the signer decides; default 8 MiB). */
  @property({ type: Number, attribute: 'part-size' }) partSize = 0;
  /** Parts in flight across all files, default 4. */
  @property({ type: Number }) concurrency = 0;
  /** VOD task flow run after the upload (`Procedure`). */
  @property() procedure = '';
  /** VOD category id (`ClassId`). */
  @property({ type: Number, attribute: 'class-id' }) classId?: number;
  /** Passed through to VOD's upload callback (`SourceContext`, ≤ 250 characters). */
  @property({ attribute: 'source-context' }) sourceContext = '';
  /** Storage region (`StorageRegion`, e.g. `ap-chongqing`). */
  @property({ attribute: 'storage-region' }) storageRegion = '';
  /** VOD sub-application id (`SubAppId`). */
  @property({ type: Number, attribute: 'sub-app-id' }) subAppId?: number;
  /** Offer a cover per file: pick an image, or grab a poster frame from the video. */
  @property({ type: Boolean }) cover = false;
  /** Don't start on select: wait for Start (or `start()`). */
  @property({ type: Boolean }) manual = false;
  /** Instant upload: skip files the signer already has a verified copy of (same SHA-1 and size). */
  @property({ type: Boolean }) dedupe = false;
  /** Form field name; the form gets one entry per FileId. */
  @property({ reflect: true }) name?: string;
  /** The form is invalid until at least one file is uploaded. */
  @property({ type: Boolean, reflect: true }) required = false;
  /** Takes no new files (running uploads go on). */
  @property({ type: Boolean, reflect: true }) disabled = false;

  /** The rows: files with their state (read-only). */
  get items(): readonly VodUploadItem[] {
    return this.uploads.items;
  }

  /** The FileIds of the finished uploads, comma-separated (the form value). */
  get value(): string {
    return this.uploads.fileIds().join(',');
  }

  get fileIds(): string[] {
    return this.uploads.fileIds();
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
    for (const item of this.items) if (item.state.status === 'idle') this.uploads.start(item);
  }

  pause(): void {
    for (const item of this.items) this.uploads.pause(item);
  }

  resume(): void {
    for (const item of this.items) if (item.state.status === 'paused') this.uploads.start(item);
  }

  /** Cancels every file not finished yet. */
  cancel(): void {
    for (const item of this.items) this.uploads.cancel(item);
  }

  /** Retries every failed upload. */
  retry(): void {
    for (const item of this.items) if (item.state.status === 'error') this.uploads.start(item);
  }

  /** Cancels what runs and empties the list (the value becomes empty). */
  clear(): void {
    this.uploads.clear();
  }

  /** Adds files as if the user picked them (validation and `vod-file-select` included). */
  addFiles(files: Iterable<File>): void {
    this.select([...files]);
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

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
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
    this.closeCover();
    this.keepAwake(false);
  }

  /** Keeps the screen on while uploading (Screen Wake Lock, where the browser grants it). */
  private keepAwake(on: boolean): void {
    if (on && !this.wakeLock) {
      const wl = (navigator as { wakeLock?: { request(type: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
      this.wakeLock = wl?.request('screen').catch(() => undefined) ?? Promise.resolve(undefined);
    } else if (!on && this.wakeLock) {
      void this.wakeLock.then((lock) => lock?.release().catch(() => {}));
      this.wakeLock = undefined;
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

  /** @internal */
  itemChanged(item: VodUploadItem, prev: UploadState): void {
    const s = item.state;
    const t = this.strings;
    const name = item.file.name;
    let text = '';
    if (s.status === 'running' && prev.status !== 'running') text = t.announceStart(name);
    else if (s.status === 'paused' && prev.status !== 'paused') text = t.announcePaused(name);
    else if (s.result && !prev.result) text = t.announceDone(name);
    else if (s.status === 'error' && prev.status !== 'error') text = t.announceError(name, this.errorText(item));
    else if (s.status === 'running') {
      const step = Math.floor(s.percent / 25) * 25;
      if (step > (this.lastPercent.get(item.id) ?? 0) && step < 100) text = t.announceProgress(name, step);
      this.lastPercent.set(item.id, Math.max(step, this.lastPercent.get(item.id) ?? 0));
    }
    if (text) this.announcement = text;
  }

  /** @internal The human message of a row's error or rejection. */
  errorText(item: VodUploadItem): string {
    const t = this.strings;
    if (item.rejection) return this.reason(item.rejection);
    const e = item.state.error as UploadErrorInfo;
    const text =
      e.code === 'network'
        ? /CORS/.test(e.message) ? t.errCors : t.errNetwork
        : e.code === 'timeout'
          ? t.errTimeout
          : e.code === 'http'
            ? /ETag/.test(e.message) ? t.errEtag : t.errHttp(e.status ?? 0)
            : e.code === 'cloud'
              ? t.errCloud(e.cloudCode ?? `HTTP ${e.status}`)
              : e.code === 'expired'
                ? t.errExpired
                : e.code === 'signer'
                  ? e.status === 401 || e.status === 403 && e.cloudCode === 'forbidden' ? t.errSignerAuth : t.errSigner(e.message.replace(/^Signer \S+ \S+: /, ''))
                  : e.code === 'hash'
                    ? t.errHash
                    : e.code === 'resume-mismatch'
                      ? t.errResume
                      : e.code === 'processing'
                        ? t.errProcessing
                        : `${t.errFile} (${e.message})`;
    return e.requestId ? `${text} ${t.requestId(e.requestId)}` : text;
  }

  private reason(r: Rejection): string {
    const t = this.strings;
    switch (r.reason) {
      case 'type':
        return t.badType(r.accept.replace(/ /g, ', '));
      case 'size':
        return t.tooBig(formatBytes(r.max, this.locale));
      case 'empty':
        return t.empty;
      case 'count':
        return t.tooMany(r.max);
      case 'name':
        return t.badName;
      default:
        return t.longName;
    }
  }

  private get isDisabled(): boolean {
    return this.disabled || this.formDisabled;
  }

  private select(files: File[]): void {
    if (this.isDisabled || !files.length) return;
    const max = this.multiple ? this.maxFiles || Infinity : 1;
    let count = this.multiple ? this.items.filter((i) => !i.rejection && i.state.status !== 'cancelled').length : 0;
    const accepted: File[] = [];
    const rejected: { file: File; rejection: Rejection }[] = [];
    for (const file of files) {
      let rejection = validateFile(file, { accept: this.accept, maxSize: this.maxSize });
      if (!rejection && count >= max) rejection = { reason: 'count', max };
      if (rejection) rejected.push({ file, rejection });
      else {
        accepted.push(file);
        count++;
      }
    }
    const event = new VodFileSelectEvent({
      files: accepted,
      rejected: rejected.map(({ file, rejection }) => ({ file, reason: this.reason(rejection) })),
    });
    if (!this.dispatchEvent(event)) return;
    for (const item of this.items) if (item.rejection || (!this.multiple && accepted.length)) this.uploads.remove(item);
    const added = this.uploads.add(accepted, rejected);
    if (!this.manual) for (const item of added) void this.autoStart(item);
  }

  private async autoStart(item: VodUploadItem): Promise<void> {
    if (this.cover && item.file.type.startsWith('video/')) {
      try {
        const { grabPosterFrame } = await posterFrame();
        this.uploads.setCover(item, await grabPosterFrame(item.file));
      } catch {
        // no frame (codec not playable here): upload without a cover
      }
    }
    if (item.state.status === 'idle') this.uploads.start(item);
  }

  // ── cover chooser ────────────────────────────────────────────────────────────────────────────────────────────

  private async openCover(item: VodUploadItem): Promise<void> {
    if (this.coverFor === item.id) return this.closeCover();
    this.closeCover();
    this.coverFor = item.id;
    if (!item.file.type.startsWith('video/')) return;
    try {
      const video = await (await posterFrame()).loadVideo(item.file);
      if (this.coverFor !== item.id) return void URL.revokeObjectURL(video.src);
      video.setAttribute('part', 'cover-video');
      video.setAttribute('aria-hidden', 'true');
      this.coverVideo = video;
      this.requestUpdate();
    } catch {
      // not playable here: only an image can be picked
    }
  }

  private closeCover(): void {
    if (this.coverVideo) URL.revokeObjectURL(this.coverVideo.src);
    this.coverVideo = undefined;
    this.coverFor = undefined;
  }

  private async seekCover(event: Event): Promise<void> {
    const video = this.coverVideo;
    const time = Number((event.target as HTMLInputElement).value); // read before awaiting: the target goes away
    if (video) await (await posterFrame()).seekVideo(video, time);
  }

  private async useFrame(item: VodUploadItem): Promise<void> {
    if (!this.coverVideo) return;
    this.uploads.setCover(item, await (await posterFrame()).captureFrame(this.coverVideo));
  }

  private pickCover(item: VodUploadItem, input: HTMLInputElement): void {
    const file = input.files?.[0];
    input.value = '';
    if (file && validCover(file)) this.uploads.setCover(item, file);
  }

  private coverUrl(file: File): string {
    let url = this.coverUrls.get(file);
    if (!url) this.coverUrls.set(file, (url = URL.createObjectURL(file)));
    return url;
  }

  // ── drop zone ────────────────────────────────────────────────────────────────────────────────────────────────

  private onDrag(event: DragEvent): void {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    if (event.type === 'dragleave') {
      if (!(event.currentTarget as Element).contains(event.relatedTarget as Node | null)) this.dragging = false;
      return;
    }
    event.dataTransfer.dropEffect = this.isDisabled ? 'none' : 'copy';
    this.dragging = !this.isDisabled;
  }

  private onDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragging = false;
    this.select([...(event.dataTransfer?.files ?? [])]);
  }

  /** After a row is removed, focus stays in the element: on the next row's first button, else the file button. */
  private async focusNext(): Promise<void> {
    const index = [...this.renderRoot.querySelectorAll('[part~="file"]')].findIndex((li) => li.contains(this.shadowRoot!.activeElement));
    await this.updateComplete;
    const rows = this.renderRoot.querySelectorAll('[part~="file"]');
    const target = rows[Math.min(index, rows.length - 1)]?.querySelector<HTMLElement>('button, a') ?? this.renderRoot.querySelector<HTMLElement>('[part~="file-button"]');
    target?.focus();
  }

  private onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    this.select(files);
  }

  private onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    this.select(files);
  }

  // ── form state and host attributes ───────────────────────────────────────────────────────────────────────────

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const items = this.items;
    const has = (status: string) => items.some((i) => i.state.status === status && !i.state.result);
    const done = items.some((i) => i.state.result);
    const busy = has('running') || has('paused');
    this.toggleAttribute('uploading', has('running'));
    this.keepAwake(has('running'));
    this.toggleAttribute('paused', has('paused'));
    this.toggleAttribute('error', items.some((i) => i.rejection || i.state.status === 'error'));
    this.toggleAttribute('complete', done && !busy && !items.some((i) => !i.rejection && i.state.status === 'idle'));
    const ids = this.fileIds;
    let data: FormData | null = null;
    if (this.name && ids.length) {
      data = new FormData();
      for (const id of ids) data.append(this.name, id);
    }
    this.internals.setFormValue(data);
    const t = this.strings;
    const anchor = this.renderRoot.querySelector<HTMLElement>('[part~="file-button"]') ?? undefined;
    if (busy) this.internals.setValidity({ customError: true }, t.busy, anchor);
    else if (has('error')) this.internals.setValidity({ customError: true }, t.failedValidity, anchor);
    else if (this.required && !ids.length) this.internals.setValidity({ valueMissing: true }, t.valueMissing, anchor);
    else this.internals.setValidity({});
  }

  // ── render ───────────────────────────────────────────────────────────────────────────────────────────────────

  protected override render() {
    const lang = this.uiLang;
    const t = (this.strings = stringsFor(lang));
    this.locale = lang;
    const items = this.items;
    const disabled = this.isDisabled;
    const totals = this.uploads.totals();
    totals.percent = Math.floor(totals.percent);
    const size = (n: number) => formatBytes(n, lang);
    const queued = items.some((i) => !i.rejection && i.state.status === 'idle');
    return html`<div part="base" class="base" @paste=${this.onPaste}>
      <div
        part="drop-zone"
        class="drop ${this.dragging ? 'over' : ''} ${disabled ? 'disabled' : ''}"
        @dragenter=${this.onDrag}
        @dragover=${this.onDrag}
        @dragleave=${this.onDrag}
        @drop=${this.onDrop}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" class="icon"><path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" /></svg>
        <span>${t.drop}</span>
        <button part="file-button button" class="primary" type="button" ?disabled=${disabled} @click=${() => this.renderRoot.querySelector<HTMLInputElement>('#pick')!.click()}>
          ${this.multiple ? t.chooseMany : t.choose}
        </button>
        <input id="pick" type="file" hidden tabindex="-1" accept=${this.accept || 'video/*,audio/*'} ?multiple=${this.multiple} @change=${this.onPick} />
        <div part="hint" class="hint"><slot name="hint">${t.hint(this.accept, this.maxSize ? size(this.maxSize) : '', this.multiple ? this.maxFiles : 0)}</slot></div>
      </div>
      <ul part="list" class="list" aria-label=${t.files} ?hidden=${!items.length}>
        ${items.map((item) => this.renderItem(item, t, size))}
      </ul>
      <div part="total" class="total" ?hidden=${!totals.files}>
        ${this.renderProgress(totals.percent, t.files)}
        <span>${t.total(totals.files, size(totals.loaded), size(totals.total), totals.percent)}${totals.speed ? ` · ${t.speed(size(totals.speed))}` : ''}${totals.eta !== null && totals.speed ? ` · ${t.eta(formatDuration(totals.eta))}` : ''}</span>
        <span class="actions">
          ${queued ? html`<button part="button" type="button" class="primary" @click=${() => this.start()}>${t.startAll}</button>` : nothing}
          <button part="button" type="button" @click=${() => this.clear()}>${t.clear}</button>
        </span>
      </div>
      <div class="sr" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
    </div>`;
  }

  private renderProgress(percent: number, label: string) {
    return html`<div part="progress" class="progress" role="progressbar" aria-label=${label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent}>
      <div part="progress-bar" class="bar" style="--p:${percent / 100}"></div>
    </div>`;
  }

  private renderItem(item: VodUploadItem, t: VodStrings, size: (n: number) => string) {
    const { state: s, file, id, rejection } = item;
    const percent = Math.floor(s.percent);
    const status = rejection ? 'rejected' : s.status;
    const button = (label: string, action: () => void, cls = '') =>
      html`<button part="button" type="button" class=${cls} aria-describedby="${id}-name" @click=${action}>${label}</button>`;
    const u = this.uploads;
    const phase = rejection
      ? t.rejected
      : s.status === 'idle'
        ? t.queued
        : s.status === 'paused'
          ? t.paused
          : s.status === 'cancelled'
            ? t.cancelled
            : s.status === 'error'
              ? t.failed
              : s.instant
                ? t.instant
                : s.offline
                  ? t.offline
                  : s.retry
                    ? t.retrying(s.retry.attempt, Math.ceil(s.retry.delay / 1000))
                    : t[s.phase];
    const error = rejection || s.status === 'error' ? this.errorText(item) : '';
    const running = s.status === 'running' && !s.result;
    const canCover = this.cover && !rejection && !item.upload;
    return html`<li part="file" class="file" data-status=${status} data-phase=${s.phase}>
      ${item.cover ? html`<img part="cover" class="thumb" alt=${t.coverOf(file.name)} src=${this.coverUrl(item.cover)} />` : nothing}
      <div class="main">
        <div class="line">
          <span part="file-name" class="name" id="${id}-name" title=${file.name}>${file.name}</span>
          <span part="file-size" class="muted">${size(file.size)}</span>
        </div>
        ${rejection ? nothing : this.renderProgress(percent, t.progressOf(file.name))}
        <div class="line small">
          <span part="status" class="status">${phase}${running && s.phase === 'uploading' ? ` · ${percent}%` : ''}</span>
          ${running && s.speed
            ? html`<span part="speed" class="muted">${t.speed(size(s.speed))}${s.eta !== null ? ` · ${t.eta(formatDuration(s.eta))}` : ''}</span>`
            : nothing}
        </div>
        ${error ? html`<div part="error" class="error">${error}</div>` : nothing}
      </div>
      <div part="actions" class="actions">
        ${s.result && (s.phase === 'ready' || s.phase === 'uploaded' || s.status === 'error')
          ? html`<a part="play-link button" class="button" href=${s.result.mediaUrl} target="_blank" rel="noopener" aria-describedby="${id}-name">${t.play}</a>`
          : nothing}
        ${canCover ? html`<button part="button" type="button" aria-expanded=${this.coverFor === id} aria-describedby="${id}-name" @click=${() => this.openCover(item)}>${t.cover}</button>` : nothing}
        ${!rejection && s.status === 'idle' ? button(t.start, () => u.start(item), 'primary') : nothing}
        ${running ? button(t.pause, () => u.pause(item)) : nothing}
        ${s.status === 'paused' ? button(t.resume, () => u.start(item), 'primary') : nothing}
        ${s.status === 'error' ? button(t.retry, () => u.start(item), 'primary') : nothing}
        ${running || s.status === 'paused' || (s.status === 'idle' && !rejection) ? button(t.cancel, () => u.cancel(item)) : nothing}
        ${s.status === 'running' ? nothing : button(t.remove, () => (u.remove(item), this.focusNext()))}
      </div>
      ${canCover && this.coverFor === id ? this.renderCoverPanel(item, t) : nothing}
    </li>`;
  }

  private renderCoverPanel(item: VodUploadItem, t: VodStrings) {
    const video = this.coverVideo;
    return html`<div part="cover-panel" class="cover-panel">
      ${video
        ? html`${video}
            <label class="moment">${t.coverMoment}
              <input type="range" min="0" max=${video.duration} step="0.1" .value=${String(video.currentTime)} @input=${this.seekCover} />
            </label>
            <button part="button" type="button" class="primary" @click=${() => this.useFrame(item)}>${t.coverFrame}</button>`
        : nothing}
      <label part="button" class="button file-label">${t.coverImage}
        <input type="file" class="visually-hidden" accept=${VOD_COVER_TYPES.split(' ').map((e) => `.${e}`).join(',')} @change=${(e: Event) => this.pickCover(item, e.target as HTMLInputElement)} />
      </label>
      <button part="button" type="button" @click=${() => this.closeCover()}>${t.coverDone}</button>
    </div>`;
  }
}
