/**
 * Size of what a page ships for <vod-uploader>, min+gz, as a consumer's default build makes it: esbuild
 * `--bundle --minify --format=esm --platform=browser` with code splitting (dynamic imports become chunks), and
 * none of this repository's TypeScript settings (`tsconfigRaw: {}`: a page's bundler compiles our shipped source
 * with its own); gzip -9 per file, as a server sends each file. Also Vite's default build (Rolldown) for comparison.
 *
 * Counted: the element entry and every chunk it imports statically, the hash worker, and any chunk
 * loaded on demand that is not listed below as optional (so a new lazy chunk counts until someone says why not).
 * Printed apart and labelled: the optional chunks, each with when it loads.
 *
 *   node --import tsx test/bench/size.ts [--json]
 *
 * Also printed: the prebuilt bundle a page without a bundler loads (packages/element/scripts/bundle.mjs).
 *
 * Exits 1 when the total is over the budget, or when hashing code leaks into the main bundle.
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
  tsconfigRaw: {},
  logLevel: 'error',
} as const;

/** Chunks loaded on demand that a normal upload does not load: input file → when it loads. */
const OPTIONAL: [RegExp, string][] = [
  [/locales\/zh-cn\.ts$/, 'Chinese strings (only for lang="zh-CN")'],
  [/cover\/cover-chooser\.ts$/, 'cover UI: each row\'s cover button and thumbnail, the chooser, poster frames (only with `cover`)'],
  [/hash\/hash-service\.ts$/, 'hashing on the main thread (only where module workers are missing)'],
  [/upload-restore\.ts$/, 'continuing a saved session (only after a reload or crash mid-upload)'],
  [/upload-stream\.ts$/, 'progressive upload of a ReadableStream (the element never passes one)'],
  [/transport-fetch\.ts$/, 'the fetch transport (only where there is no XHR)'],
  [/src\/processing-poll\.ts$/, 'processing poll after commit (@tanstack/query-core: a required dependency, not a budget item)'],
];

const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

interface Chunk {
  path: string;
  min: number;
  gz: number;
  inputs: Record<string, number>;
}

/** An output and every output it imports statically (what loads with it), by output path. */
function staticClosure(meta: Metafile, from: string, into = new Set<string>()): Set<string> {
  if (!into.has(from)) {
    into.add(from);
    for (const imp of meta.outputs[from]!.imports) if (imp.kind === 'import-statement' && !imp.external) staticClosure(meta, imp.path, into);
  }
  return into;
}

/** When an output built from `inputs` loads, if it is one of the {@link OPTIONAL} chunks. */
const optionalFor = (inputs: Iterable<string>) => OPTIONAL.find(([re]) => [...inputs].some((k) => re.test(k)))?.[1];

/** The chunks of a split build: `main` (the entry and what it imports statically) and the rest (loaded on demand). */
async function bundle(options: { entryPoints?: string[]; stdin?: { contents: string; resolveDir: string; loader: 'ts' } }, outdir: string) {
  const result = await build({ ...common, ...options, splitting: true, outdir: join(root, outdir) });
  const meta: Metafile = result.metafile!;
  const chunks = new Map<string, Chunk>();
  for (const file of result.outputFiles!) {
    if (!file.path.endsWith('.js')) continue;
    const key = relative(root, file.path);
    const inputs = Object.fromEntries(Object.entries(meta.outputs[key]!.inputs).map(([k, v]) => [k, v.bytesInOutput]));
    chunks.set(key, { path: key, min: file.contents.length, gz: gz(file.contents), inputs });
  }
  const main = staticClosure(meta, Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint)!);
  const all = [...chunks.values()];
  return { main: all.filter((c) => main.has(c.path)), lazy: all.filter((c) => !main.has(c.path)) };
}

const sum = (cs: Chunk[], k: 'min' | 'gz') => cs.reduce((n, c) => n + c[k], 0);

const element = await bundle({ entryPoints: [join(root, 'packages/element/src/index.ts')] }, '.size-element');
/** min+gz of the static part of a bundle of `code` (an import list), for the per-package breakdown. */
const alone = async (code: string) => {
  const { main } = await bundle({ stdin: { contents: code, resolveDir: join(root, 'packages/element'), loader: 'ts' } }, '.size-alone');
  return { min: sum(main, 'min'), gz: sum(main, 'gz') };
};
const litAlone = await alone(`export { LitElement, html, css, nothing } from 'lit';`);
const coreAlone = await alone(
  `export { createUpload, createPool, initialUploadState, estimateEta, toPercent } from '@vod-uploader/core/upload';`,
);
const workerBuild = await build({ ...common, entryPoints: [join(root, 'packages/core/src/hash/hash-worker.ts')], outdir: join(root, '.size-worker') });
const workerOut = workerBuild.outputFiles!.find((f) => f.path.endsWith('.js'))!;
const worker = { min: workerOut.contents.length, gz: gz(workerOut.contents) };

const name = (k: string) => {
  if (!k.includes('node_modules/')) return k.startsWith('packages/') ? k.split('/').slice(0, 2).join('/') : k;
  const rest = k.split('node_modules/').pop()!.split('/');
  return rest.slice(0, rest[0]!.startsWith('@') ? 2 : 1).join('/');
};
const group = (inputs: Record<string, number>) => {
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries(inputs)) by[name(k)] = (by[name(k)] ?? 0) + v;
  return Object.entries(by).sort((a, b) => b[1] - a[1]);
};
const mainInputs: Record<string, number> = {};
for (const c of element.main) for (const [k, v] of Object.entries(c.inputs)) mainInputs[k] = (mainInputs[k] ?? 0) + v;
/** Hashing code (WebAssembly SHA-1/MD5) belongs in the worker (or the fallback chunk), never in the main bundle. */
const leak = Object.keys(mainInputs).some((k) => /hash-wasm|md5-wasm|hash-kernels/.test(k));
const optionalOf = (c: Chunk) => optionalFor(Object.keys(c.inputs));
const optional = element.lazy.filter(optionalOf);
const counted = element.lazy.filter((c) => !optionalOf(c));
const describe = (c: Chunk) =>
  Object.entries(c.inputs)
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => (k.includes('node_modules/') ? name(k) : k.split('/').pop()!))
    .filter((k, i, all) => all.indexOf(k) === i)
    .slice(0, 3)
    .join(', ');

/** Vite's default production build (Rolldown): one entry chunk; its dynamic chunks import from it. */
async function viteMain(): Promise<{ min: number; gz: number } | undefined> {
  try {
    const { build: viteBuild } = await import('vite');
    const out = await viteBuild({
      root,
      logLevel: 'silent',
      configFile: false,
      build: { write: false, rollupOptions: { input: join(root, 'packages/element/src/index.ts') } },
    });
    const { output } = (Array.isArray(out) ? out[0] : out) as { output: { type: string; isEntry?: boolean; code?: string }[] };
    const entry = output.find((c) => c.type === 'chunk' && c.isEntry)!;
    return { min: Buffer.byteLength(entry.code!), gz: gz(Buffer.from(entry.code!)) };
  } catch {
    return undefined; // Vite is the demo's dependency; without it the line is left out
  }
}
const vite = await viteMain();

/**
 * The prebuilt bundle (packages/element/scripts/bundle.mjs) a page without a bundler loads with one module script:
 * the entry and the chunks it imports statically, the hash worker, and chunks on demand that are not optional.
 */
async function prebuilt() {
  const { bundle: buildDist } = (await import(join(root, 'packages/element/scripts/bundle.mjs'))) as {
    bundle: (o: { outdir: string; write: boolean }) => Promise<{ outputFiles: { path: string; contents: Uint8Array }[]; metafile: Metafile }>;
  };
  const result = await buildDist({ outdir: join(root, '.size-dist'), write: false });
  const files = new Map(result.outputFiles.map((f) => [relative(root, f.path), f.contents]));
  const outs = result.metafile.outputs;
  const entry = Object.keys(outs).find((k) => outs[k]!.entryPoint?.endsWith('element/src/index.ts'))!;
  const worker = Object.keys(outs).find((k) => outs[k]!.entryPoint?.endsWith('hash-worker.ts'))!;
  const main = staticClosure(result.metafile, entry);
  /** The worker's entry and the chunks it imports (shared with the main-thread fallback, so split out). */
  const workerFiles = [...staticClosure(result.metafile, worker)].filter((k) => !main.has(k));
  const optionalChunk = (k: string) => optionalFor(Object.keys(outs[k]!.inputs)) !== undefined;
  const counted = Object.keys(outs).filter((k) => k.endsWith('.js') && !workerFiles.includes(k) && !main.has(k) && !optionalChunk(k));
  const gzOf = (ks: Iterable<string>) => [...ks].reduce((n, k) => n + gz(files.get(k)!), 0);
  return { main: gzOf(main), worker: gzOf(workerFiles), counted: gzOf(counted) };
}
const dist = await prebuilt();
const distTotal = dist.main + dist.worker + dist.counted;

const mainGz = sum(element.main, 'gz');
const mainMin = sum(element.main, 'min');
const total = mainGz + sum(counted, 'gz') + worker.gz;
const row = (label: string, min: number, gzip: number) => `  ${label.padEnd(44)} ${kb(min).padStart(9)} min ${kb(gzip).padStart(8)} gz`;
const lines = [
  'vod-uploader size (esbuild --bundle --minify --format=esm --platform=browser --splitting, no tsconfig; gzip -9 per file)',
  row(`element + engine (main bundle, ${element.main.length} files)`, mainMin, mainGz),
  ...group(mainInputs).map(([k, v]) => `      ${k.padEnd(40)} ${kb(v).padStart(9)} min`),
  `    each bundled alone: lit ${kb(litAlone.gz)} gz · engine (createUpload) ${kb(coreAlone.gz)} gz · element ≈ ${kb(mainGz - litAlone.gz - coreAlone.gz)} gz`,
  ...(vite ? [`    the same with Vite's default build (Rolldown, one entry chunk): ${kb(vite.min)} min ${kb(vite.gz)} gz`] : []),
  row('hash worker (SHA-1 + MD5)', worker.min, worker.gz),
  ...counted.map((c) => row(`chunk every upload loads: ${describe(c)}`, c.min, c.gz)),
  `  TOTAL element + engine + worker${counted.length ? ' + chunks every upload loads' : ''}: ${kb(total)} gz of ${kb(BUDGET)} budget: ${total <= BUDGET ? 'OK' : `OVER by ${kb(total - BUDGET)}`}`,
  `  prebuilt bundle for one <script type="module"> tag (packages/element/scripts/bundle.mjs): element + engine ${kb(dist.main)} gz, ` +
    `hash worker ${kb(dist.worker)} gz${dist.counted ? `, chunks every upload loads ${kb(dist.counted)} gz` : ''}: ${kb(distTotal)} gz ` +
    `(${distTotal <= BUDGET ? 'within the budget' : `over by ${kb(distTotal - BUDGET)}`})`,
  '  not counted, loaded only when used:',
  ...optional.map((c) => `    ${kb(c.min).padStart(8)} min ${kb(c.gz).padStart(7)} gz  ${optionalOf(c)}`),
  `  hashing code (WebAssembly) in the main bundle: ${leak ? 'YES (it must not be)' : 'no'}`,
  'peers (min+gz, notes/peers.md): <mux-uploader> 16.1 KB · Uppy core + aws-s3 22.7 KB · Uppy Dashboard + S3 86.2 KB · vod-js-sdk-v6 1.8.0 289 KB',
];
if (process.argv.includes('--json')) {
  console.log(
    JSON.stringify({
      main: mainGz,
      worker: worker.gz,
      counted: counted.map((c) => ({ inputs: Object.keys(c.inputs), gz: c.gz })),
      optional: optional.map((c) => ({ inputs: Object.keys(c.inputs), gz: c.gz, when: optionalOf(c) })),
      vite: vite?.gz,
      prebuilt: { ...dist, total: distTotal },
      total,
      budget: BUDGET,
      hashingInMain: leak,
    }),
  );
} else console.log(lines.join('\n'));
process.exitCode = total > BUDGET || leak ? 1 : 0;
