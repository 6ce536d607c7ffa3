// The page of test/bench/browser-upload.ts (bundled by esbuild with the engine; the hash worker is its own
// bundle at /hash-worker.js). Everything runs on the File picked into #file (disk-backed). Each function returns
// its own timings; `trace` wraps the engine's injectable parts (hasher, transport, signer fetch) to time them.
import {
  type Hasher,
  type Transport,
  type UploadState,
  createSignerClient,
  createUpload,
  createWorkerHasher,
  createXhrTransport,
} from '@vod-uploader/core';

interface Span {
  kind: 'hash' | 'put' | 'sign' | 'signer';
  part?: number;
  path?: string;
  start: number;
  end: number;
}

const file = () => (document.querySelector('#file') as HTMLInputElement).files![0]!;
const workerHasher = () => createWorkerHasher({ createWorker: () => new Worker('/hash-worker.js', { type: 'module' }) });

/** hasher, transport and signer fetch that record spans (ms, performance.now()). */
function traced(spans: Span[]): { hasher: Hasher; transport: Transport; fetch: typeof fetch } {
  const inner = workerHasher();
  const hasher: Hasher = {
    ...inner,
    async part(key, input, options) {
      const start = performance.now();
      const r = await inner.part(key, input, options);
      spans.push({ kind: 'hash', part: 'blob' in input ? input.start : -1, start, end: performance.now() });
      return r;
    },
  };
  const xhr = createXhrTransport();
  const transport: Transport = async (request) => {
    const start = performance.now();
    try {
      return await xhr(request);
    } finally {
      spans.push({ kind: 'put', part: Number(new URL(request.url).searchParams.get('partNumber')), start, end: performance.now() });
    }
  };
  const tracedFetch: typeof fetch = async (input, init) => {
    const start = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      const path = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).pathname;
      spans.push({ kind: path.endsWith('/sign') ? 'sign' : 'signer', path, start, end: performance.now() });
    }
  };
  return { hasher, transport, fetch: tracedFetch };
}

/** The file's SHA-1 through the hasher in `partSize` parts, `depth` at a time (MD5s too with `md5`). */
async function hash(partSize: number, depth: number, md5 = false): Promise<{ ms: number; sha1: string }> {
  const f = file();
  const hasher = workerHasher();
  try {
    await hasher.sha1({ bytes: new Uint8Array(1) }); // the worker and its wasm are up before the clock starts
    const t0 = performance.now();
    await hasher.begin('bench');
    const pending: Promise<unknown>[] = [];
    for (let start = 0; start < f.size; start += partSize) {
      pending.push(hasher.part('bench', { blob: f, start, end: Math.min(f.size, start + partSize) }, { sha1: true, md5, keep: false }));
      if (pending.length >= depth) await pending.shift();
    }
    await Promise.all(pending);
    const sha1 = await hasher.digest('bench');
    return { ms: performance.now() - t0, sha1 };
  } finally {
    hasher.end('bench');
    hasher.close();
  }
}

async function engine(opts: { signer: string; partSize: number; concurrency: number; trace: boolean }) {
  const spans: Span[] = [];
  const parts = opts.trace ? traced(spans) : { hasher: workerHasher(), transport: undefined, fetch: undefined };
  await parts.hasher.sha1({ bytes: new Uint8Array(1) }); // warm worker, as on a page that has been open a while
  const upload = createUpload({
    file: file(),
    signer: opts.signer,
    partSize: opts.partSize,
    concurrency: opts.concurrency,
    resume: false,
    hasher: parts.hasher,
    transport: parts.transport,
    fetch: parts.fetch,
  });
  let last: UploadState | undefined;
  upload.subscribe((s) => (last = s));
  const t0 = performance.now();
  const result = await upload.start();
  const ms = performance.now() - t0;
  parts.hasher.close();
  return { ms, t0, sha1: last!.sha1, parts: last!.partsTotal, mediaUrl: result.mediaUrl, spans };
}

/** Plain XHR PUTs of File slices to presigned part URLs, `concurrency` at a time, no hashing. */
async function plain(opts: { urls: string[]; headers?: Record<string, string>[]; partSize: number; concurrency: number; bytes?: boolean }) {
  const f = file();
  const spans: Span[] = [];
  let next = 0;
  const put = async (n: number) => {
    const slice = f.slice((n - 1) * opts.partSize, Math.min(f.size, n * opts.partSize));
    const body = opts.bytes ? new Uint8Array(await slice.arrayBuffer()) : slice;
    return new Promise<string>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', opts.urls[n - 1]!);
      for (const [name, value] of Object.entries(opts.headers?.[n - 1] ?? {})) xhr.setRequestHeader(name, value);
      xhr.onload = () => (xhr.status === 200 ? resolve(xhr.getResponseHeader('etag') ?? '') : reject(new Error(`part ${n}: ${xhr.status} ${xhr.responseText}`)));
      xhr.onerror = () => reject(new Error(`part ${n}: network error`));
      xhr.send(body);
    });
  };
  const etags: string[] = [];
  const lane = async () => {
    while (next < opts.urls.length) {
      const n = ++next;
      const start = performance.now();
      etags[n - 1] = await put(n);
      spans.push({ kind: 'put', part: n, start, end: performance.now() });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  return { ms: performance.now() - t0, t0, etags, spans };
}

declare global {
  interface Window {
    bench: { hash: typeof hash; engine: typeof engine; plain: typeof plain; ready: true };
  }
}
window.bench = { hash, engine, plain, ready: true };
