// Shared by the prebuilt bundle's browser tests (test/browser/element-bundle*.test.ts): a page without a bundler
// loads the bundle (packages/element/scripts/bundle.mjs) with one module script, from its own origin or from another
// one (as from a CDN), and uploads through it against a real signer and the emulator. Nothing of the repository's
// sources is imported, so everything the page runs comes from the bundle's folder.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';

interface Uploader extends HTMLElement {
  signer: string;
  value: string;
  addFiles(files: Iterable<File>): void;
}

const MIB = 1024 * 1024;

const sha1 = async (data: BufferSource) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-1', data))].map((b) => b.toString(16).padStart(2, '0')).join('');

async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = probe();
    if (v) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Loads the bundle from this page's origin or (`crossOrigin`) from the other loopback name, uploads a multipart
 * file through the element and checks what a user would see, where hashing ran and where chunks came from.
 */
export async function uploadThroughBundle({ crossOrigin }: { crossOrigin: boolean }): Promise<void> {
  const { base } = await executeServerCommand<{ base: string }, undefined>('element-bundle');
  const origin = crossOrigin ? `${location.protocol}//${location.hostname === 'localhost' ? '127.0.0.1' : 'localhost'}:${location.port}` : location.origin;
  // A plain page has no `process` (the test page defines one for the unbundled sources): the bundle must not need it.
  delete (globalThis as { process?: unknown }).process;
  const workers: string[] = [];
  const Native = globalThis.Worker;
  globalThis.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      workers.push(String(url));
      super(url, options);
    }
  };
  const errors: unknown[] = [];
  addEventListener('error', (e) => errors.push(e.error ?? e.message));
  addEventListener('unhandledrejection', (e) => errors.push(e.reason));

  await import(/* @vite-ignore */ `${origin}${base}vod-uploader.js`);
  expect(customElements.get('vod-uploader'), 'registered on import').to.be.a('function');

  const { url: signer } = await executeServerCommand<{ url: string }, { policy: { singleThreshold: number } }>('signer', { policy: { singleThreshold: MIB } });
  const el = document.createElement('vod-uploader') as Uploader;
  el.setAttribute('part-size', String(MIB));
  el.signer = signer;
  document.body.append(el);
  await until('first render', () => el.shadowRoot?.textContent?.includes('Drop videos here'));

  const bytes = new Uint8Array(3 * MIB + 123);
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  const complete = new Promise<CustomEvent>((resolve) => el.addEventListener('vod-complete', (e) => resolve(e as CustomEvent), { once: true }));
  el.addFiles([new File([bytes], 'from-the-bundle.mp4', { type: 'video/mp4' })]);
  await complete;

  // The row ends ready with a play link to the stored media, which holds the file's bytes.
  const link = await until('the play link', () => el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part~="play-link"]'));
  const stored = await (await fetch(link.href)).arrayBuffer();
  expect(await sha1(stored)).to.equal(await sha1(bytes));
  expect(el.value, 'the form value is the FileId').to.match(/^\d+$/);

  el.lang = 'zh-CN';
  await until('Chinese strings', () => el.shadowRoot?.textContent?.includes('将视频拖到这里'));
  const chunks = performance
    .getEntriesByType('resource')
    .map((r) => new URL(r.name))
    .filter((u) => u.origin === origin && u.pathname.startsWith(base) && u.pathname.endsWith('.js'))
    .map((u) => u.pathname);
  // On demand, from the same folder: the processing poll (the row went ready through it) and the Chinese strings.
  expect(chunks.some((p) => p.startsWith(`${base}processing-poll-`)), chunks.join(', ')).to.equal(true);
  expect(chunks.some((p) => p.startsWith(`${base}zh-cn-`)), chunks.join(', ')).to.equal(true);
  // Hashing ran in the bundle's worker, not in this thread (the fallback would have loaded the hash service here).
  expect(chunks.some((p) => p.startsWith(`${base}hash-service-`)), chunks.join(', ')).to.equal(false);
  if (crossOrigin) {
    // A worker script may not come from another origin: a same-origin blob: module imports the bundle's worker file.
    expect(workers.length).to.equal(1);
    expect(workers[0]).to.match(/^blob:/);
  } else {
    // The bundle's own worker file, resolved next to the chunk that started it.
    expect(workers.map((u) => new URL(u, location.href).href)).to.deep.equal([`${origin}${base}hash-worker.js`]);
  }
  expect(errors, errors.map(String).join('; ')).to.deep.equal([]);
}
