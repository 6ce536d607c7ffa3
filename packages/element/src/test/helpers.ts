/** Shared helpers of the element's browser tests (not shipped). */
import { executeServerCommand } from '@web/test-runner-commands';
import 'axe-core';
import type { Result } from 'axe-core';

declare const axe: typeof import('axe-core');
import '@vod-uploader/element';
import type { VodUploader } from '@vod-uploader/element';

const mounted: HTMLElement[] = [];

/** Mounts `markup` (one element, or a wrapper whose `vod-uploader` is returned) and waits for its first render. */
export async function fixture<T extends Element = VodUploader>(markup: string): Promise<T> {
  const host = document.createElement('div');
  host.innerHTML = markup;
  document.body.append(host);
  mounted.push(host);
  const el = (host.querySelector('vod-uploader') ?? host.firstElementChild) as unknown as T;
  await (host.querySelector('vod-uploader') as VodUploader | null)?.updateComplete;
  return el;
}

/** Removes what {@link fixture} mounted, cancelling uploads left running. */
export function cleanup(): void {
  for (const host of mounted.splice(0)) {
    for (const el of host.querySelectorAll('vod-uploader')) (el as VodUploader).clear();
    host.remove();
  }
}

/** Waits until `check()` is truthy (polled every 20 ms), at most `ms`. */
export async function until<T>(check: () => T, ms = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The next `type` event on `target`, at most `ms`. */
export function oneEvent<E extends Event = Event>(target: EventTarget, type: string, ms = 30_000): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No ${type} event in ${ms} ms`)), ms);
    target.addEventListener(type, (e) => (clearTimeout(timer), resolve(e as E)), { once: true });
  });
}

/** Records every `vod-*` event type (in order) on `target`. */
export function recordEvents(target: EventTarget, types: string[]): Event[] {
  const seen: Event[] = [];
  for (const t of types) target.addEventListener(t, (e) => seen.push(e));
  return seen;
}

export const ALL_EVENTS = [
  'vod-file-select', 'vod-upload-start', 'vod-upload-progress', 'vod-upload-retry', 'vod-upload-pause',
  'vod-upload-resume', 'vod-upload-error', 'vod-upload-success', 'vod-complete',
];

/** Random bytes as a File (in memory; keep it small). */
export function makeFile(size: number, name = 'clip.mp4', type = 'video/mp4'): File {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
  return new File([data], name, { type });
}

/** A real signer (createSigner on loopback, wired to the emulator). */
export async function signerUrl(payload: { policy?: Record<string, unknown>; basePath?: string; token?: string } = {}): Promise<string> {
  const { url } = await executeServerCommand<{ url: string }, typeof payload>('signer', payload);
  return url;
}

export async function emulatorUrl(): Promise<string> {
  return (await executeServerCommand<{ url: string }, undefined>('emulator')).url;
}

/** Emulator fault injection over its control route. */
export async function addFault(rule: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${await emulatorUrl()}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  if (!res.ok) throw new Error(`fault: ${res.status} ${await res.text()}`);
}

export async function clearFaults(): Promise<void> {
  await fetch(`${await emulatorUrl()}/__emulator/faults`, { method: 'DELETE' });
}

/** A part of the element's shadow DOM. */
export function part<T extends Element = HTMLElement>(el: Element, name: string, scope?: Element): T | null {
  return (scope ?? el.shadowRoot!).querySelector<T>(`[part~="${name}"]`);
}

export function parts<T extends Element = HTMLElement>(el: Element, name: string, scope?: Element): T[] {
  return [...(scope ?? el.shadowRoot!).querySelectorAll<T>(`[part~="${name}"]`)];
}

/** The buttons of row `i`, by visible text. */
export function rowButton(el: VodUploader, text: string, row = 0): HTMLElement | undefined {
  const li = parts(el, 'file')[row];
  return li ? [...li.querySelectorAll<HTMLElement>('button, a')].find((b) => b.textContent!.trim() === text) : undefined;
}

/** axe-core over the element (shadow DOM included); returns the violations. */
export async function axeViolations(el: Element): Promise<Result[]> {
  const result = await axe.run(el, { resultTypes: ['violations'] });
  return result.violations;
}

export function describeViolations(v: Result[]): string {
  return v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join('; ')})`).join('\n');
}

/** A small real video (WebM, VP8) recorded from a canvas: `seconds` long, frames colored by time. */
export async function recordVideo(seconds = 1.2, name = 'recorded.webm'): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 90;
  const ctx = canvas.getContext('2d')!;
  const stream = canvas.captureStream(25);
  const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8' });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const start = performance.now();
  let frame = 0;
  const draw = () => {
    const t = (performance.now() - start) / 1000;
    ctx.fillStyle = `hsl(${(t * 300) % 360} 80% 50%)`;
    ctx.fillRect(0, 0, 160, 90);
    ctx.fillStyle = '#fff';
    ctx.fillText(`frame ${frame++}`, 10, 50);
  };
  draw();
  recorder.start(100);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      draw();
      if (performance.now() - start > seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 40);
  });
  const stopped = new Promise((r) => (recorder.onstop = r));
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((t) => t.stop());
  return new File(chunks, name, { type: 'video/webm' });
}
