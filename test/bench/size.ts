/**
 * Size of what a page ships for <vod-uploader>, min+gz: the element entry (which pulls the engine), the hash
 * worker (with hash-wasm), and the chunks loaded on demand. esbuild `--bundle --minify --format=esm
 * --platform=browser` (with code splitting, so dynamic imports become their own chunks), gzip -9.
 *
 *   node --import tsx test/bench/size.ts [--json]
 *
 * Exits 1 when element+engine+worker is over the budget, or when hash-wasm leaks into the main bundle.
 */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const BUDGET = 25 * 1024;
const common = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  absWorkingDir: root,
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'error',
} as const;

const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

interface Chunk {
  path: string;
  min: number;
  gz: number;
  inputs: Record<string, number>;
}

async function bundle(entry: string, outdir: string) {
  const result = await build({ ...common, entryPoints: [join(root, entry)], splitting: true, outdir: join(root, outdir) });
  const meta: Metafile = result.metafile!;
  const chunks = new Map<string, Chunk>();
  for (const file of result.outputFiles!) {
    if (!file.path.endsWith('.js')) continue;
    const key = relative(root, file.path);
    const inputs = Object.fromEntries(Object.entries(meta.outputs[key]!.inputs).map(([k, v]) => [k, v.bytesInOutput]));
    chunks.set(key, { path: key, min: file.contents.length, gz: gz(file.contents), inputs });
  }
  // Main = the entry chunk and what it imports statically; the rest is loaded on demand.
  const entryKey = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint)!;
  const main = new Set<string>();
  const visit = (k: string) => {
    if (main.has(k)) return;
    main.add(k);
    for (const imp of meta.outputs[k]!.imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entryKey);
  const all = [...chunks.values()];
  return { main: all.filter((c) => main.has(c.path)), lazy: all.filter((c) => !main.has(c.path)) };
}

/** One bundle of the main chunks (as a single file, the way a page would ship them without splitting). */
async function single(entry: string) {
  const result = await build({ ...common, entryPoints: [join(root, entry)], splitting: false, outdir: join(root, '.size-single') });
  const out = result.outputFiles!.find((f) => f.path.endsWith('.js'))!;
  return { min: out.contents.length, gz: gz(out.contents), meta: result.metafile! };
}

const element = await bundle('packages/element/src/index.ts', '.size-element');

/** min+gz of the static part of a bundle of `code` (an import list), for the per-package breakdown. */
async function alone(code: string) {
  const result = await build({
    ...common,
    stdin: { contents: code, resolveDir: join(root, 'packages/element'), loader: 'ts' },
    splitting: true,
    outdir: join(root, '.size-alone'),
  });
  const meta = result.metafile!;
  const entryKey = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint)!;
  const main = new Set<string>();
  const visit = (k: string) => {
    if (main.has(k)) return;
    main.add(k);
    for (const imp of meta.outputs[k]!.imports) if (imp.kind === 'import-statement') visit(imp.path);
  };
  visit(entryKey);
  const files = result.outputFiles!.filter((f) => main.has(relative(root, f.path)));
  return { min: files.reduce((n, f) => n + f.contents.length, 0), gz: files.reduce((n, f) => n + gz(f.contents), 0) };
}
const litAlone = await alone(`export { LitElement, html, css, nothing } from 'lit'; export { property } from 'lit/decorators/property.js'; export { state } from 'lit/decorators/state.js';`);
const coreAlone = await alone(`export { createUpload, createPool, initialUploadState, estimateEta, toPercent } from '@vod-uploader/core';`);
const worker = await single('packages/core/src/hash/hash-worker.ts');
const sum = (cs: Chunk[], k: 'min' | 'gz') => cs.reduce((n, c) => n + c[k], 0);
const mainGz = sum(element.main, 'gz');
const mainMin = sum(element.main, 'min');

const group = (inputs: Record<string, number>) => {
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const name = k.includes('node_modules/')
      ? k.split('node_modules/')[1]!.split('/').slice(0, k.includes('node_modules/@') ? 2 : 1).join('/')
      : k.startsWith('packages/') ? k.split('/').slice(0, 2).join('/') : k;
    by[name] = (by[name] ?? 0) + v;
  }
  return Object.entries(by).sort((a, b) => b[1] - a[1]);
};
const mainInputs: Record<string, number> = {};
for (const c of element.main) for (const [k, v] of Object.entries(c.inputs)) mainInputs[k] = (mainInputs[k] ?? 0) + v;
const leak = Object.keys(mainInputs).some((k) => k.includes('hash-wasm'));

const total = mainGz + worker.gz;
const lines = [
  'vod-uploader size (esbuild --bundle --minify --format=esm --platform=browser, gzip -9)',
  `  element + engine (main bundle)     ${kb(mainMin).padStart(9)} min  ${kb(mainGz).padStart(8)} gz`,
  ...group(mainInputs).map(([k, v]) => `      ${k.padEnd(30)} ${kb(v).padStart(9)} min`),
  `    of which, each bundled alone: lit ${kb(litAlone.gz)} gz · core engine (createUpload) ${kb(coreAlone.gz)} gz · element ≈ ${kb(mainGz - litAlone.gz - coreAlone.gz)} gz`,
  `  worker (incl. hash-wasm SHA-1+MD5) ${kb(worker.min).padStart(9)} min  ${kb(worker.gz).padStart(8)} gz`,
  ...element.lazy.map((c) => {
    const what = Object.entries(c.inputs)
      .sort((a, b) => b[1] - a[1])
      .map(([k]) => (k.includes('node_modules/') ? group({ [k]: 1 })[0]![0] : k.split('/').pop()!))
      .filter((k, i, all) => all.indexOf(k) === i)
      .slice(0, 2)
      .join(', ');
    return `  lazy: ${what.padEnd(28)} ${kb(c.min).padStart(9)} min  ${kb(c.gz).padStart(8)} gz`;
  }),
  '    (hash-wasm + wasm-core: hashing on the main thread, only where module workers are unavailable)',
  `  lazy chunks (on demand)            ${kb(sum(element.lazy, 'min')).padStart(9)} min  ${kb(sum(element.lazy, 'gz')).padStart(8)} gz`,
  `  TOTAL element + engine + worker    ${kb(total).padStart(24)} gz of ${kb(BUDGET)} budget: ${total <= BUDGET ? 'OK' : `OVER by ${kb(total - BUDGET)}`}`,
  `  hash-wasm in the main bundle: ${leak ? 'YES (it must not be)' : 'no'}`,
  'peers (min+gz, notes/peers.md): <mux-uploader> 16.1 KB · Uppy core + aws-s3 22.7 KB · Uppy Dashboard + S3 86.2 KB · vod-js-sdk-v6 1.8.0 289 KB',
];
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ main: mainGz, worker: worker.gz, lazy: element.lazy.map((c) => ({ inputs: Object.keys(c.inputs), gz: c.gz })), total, budget: BUDGET, hashWasmInMain: leak }));
} else console.log(lines.join('\n'));
process.exitCode = total > BUDGET || leak ? 1 : 0;
