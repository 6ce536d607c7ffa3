/**
 * The prebuilt `<vod-uploader>` for a page without a bundler: one `<script type="module">` tag.
 *
 *   node packages/element/scripts/bundle.mjs [outdir]     (default packages/element/dist)
 *
 * Writes `vod-uploader.js` (the element, Lit and the engine, minified ESM), `hash-worker.js` (the hash worker,
 * started by the engine from `new URL('./hash-worker.js', import.meta.url)`), the chunks loaded on demand next to
 * them, and the third-party licences in `vod-uploader.js.LEGAL.txt`. Served together from one folder (a CDN or the
 * page's own server):
 *
 * ```html
 * <script type="module" src="/assets/vod-uploader/vod-uploader.js"></script>
 * <vod-uploader signer="/vod"></vod-uploader>
 * ```
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The engine names its worker by its source file; in the bundle it is the `hash-worker.js` beside the chunk. A page
 * may load the bundle from another origin (a CDN), where a worker script may not come from: then the worker is a
 * same-origin `blob:` module that imports it (the CDN answers with CORS, as it must for the module script itself).
 */
const workerUrl = {
  name: 'hash-worker-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]hash[\\/]hash-client\.ts$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const from = "new Worker(new URL('./hash-worker.ts', import.meta.url)";
      if (!source.includes(from)) throw new Error(`${path} no longer starts its worker with ${from}: update scripts/bundle.mjs`);
      const contents =
        source.replaceAll(from, "new Worker(sameOrigin(new URL('./hash-worker.js', import.meta.url))") +
        `
function sameOrigin(url: URL): URL | string {
  return url.origin === location.origin ? url : URL.createObjectURL(new Blob([\`import \${JSON.stringify(url.href)};\`], { type: 'text/javascript' }));
}
`;
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Builds the bundle into `outdir` (or in memory with `write: false`): the files written (with `write: false`) and
 * esbuild's metafile of both builds.
 * @param {{ outdir?: string, write?: boolean }} [options]
 */
export async function bundle({ outdir = here('../dist'), write = true } = {}) {
  const common = {
    outdir,
    write,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'external',
    metafile: true,
    logLevel: 'error',
  };
  const [page, worker] = await Promise.all([
    build({
      ...common,
      entryPoints: { 'vod-uploader': here('../src/index.ts') },
      splitting: true,
      chunkNames: '[name]-[hash]',
      // @tanstack/query-core (the processing poll) reads it; a page has no `process`.
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [workerUrl],
    }),
    // The worker in one file of its own: one request when the first upload starts.
    build({ ...common, entryPoints: { 'hash-worker': here('../../core/src/hash/hash-worker.ts') } }),
  ]);
  return {
    outputFiles: [...(page.outputFiles ?? []), ...(worker.outputFiles ?? [])],
    metafile: { inputs: { ...page.metafile.inputs, ...worker.metafile.inputs }, outputs: { ...page.metafile.outputs, ...worker.metafile.outputs } },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  const result = await bundle(outdir ? { outdir } : {});
  for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) console.log(`${String(bytes).padStart(8)}  ${file}`);
}
