#!/usr/bin/env node
// vod-emulator: runs the TypeScript sources without a build step (see `vod-emulator --help`).
//
// The sources (and the TypeScript of workspace packages they import) are bundled by esbuild into one plain
// JavaScript file, cached under node_modules/.cache/vod-emulator and rebuilt whenever one of them changes, so
// the running emulator needs no TypeScript loader (in Node 20 a loader runs in a thread of its own, ~30 MB).
// Packages from node_modules stay external. If bundling is not possible (no esbuild, read-only install), the
// sources run through tsx instead.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(pkg, 'src', 'cli.ts');
const cacheDir = join(pkg, 'node_modules', '.cache', 'vod-emulator');
// One bundle per package location (several checkouts may share a node_modules).
const bundle = join(cacheDir, `cli-${createHash('sha1').update(pkg).digest('hex').slice(0, 12)}.mjs`);
const STAMP_PREFIX = '// vod-emulator inputs: ';

const stampOf = (file) => {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
};

/** The inputs recorded in the bundle's first line, if every one is unchanged. */
function isFresh() {
  let fd;
  try {
    fd = openSync(bundle, 'r');
    const head = Buffer.alloc(256 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.subarray(0, n).toString('utf8').split('\n', 1)[0];
    if (!line.startsWith(STAMP_PREFIX)) return false;
    const inputs = JSON.parse(line.slice(STAMP_PREFIX.length));
    return Object.entries(inputs).every(([file, stamp]) => stampOf(file) === stamp);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Stamps of the TypeScript files under a directory, taken before bundling (a later edit triggers a rebuild). */
function stampTree(dir, out) {
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of names) {
    if (d.name === 'node_modules' || d.name.startsWith('.')) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) stampTree(p, out);
    else if (/\.[cm]?tsx?$/.test(d.name)) out[p] = stampOf(p);
  }
  return out;
}

async function build() {
  const esbuild = await import('esbuild');
  const before = stampTree(join(pkg, 'src'), {});
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  // Bare imports that resolve to JavaScript stay external; TypeScript (workspace packages) is bundled.
  const externals = {
    name: 'externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        if (builtins.has(args.path)) return { path: args.path, external: true };
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
        if (r.errors.length) return { errors: r.errors };
        if (/\.[cm]?tsx?$/.test(r.path)) {
          stampTree(dirname(r.path), before);
          return { path: r.path };
        }
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [externals],
  });
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = resolve(input.replace(/^[a-z-]+:/, ''));
    inputs[file] = before[file] ?? stampOf(file);
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${STAMP_PREFIX}${JSON.stringify(inputs)}\n${result.outputFiles[0].text}`);
    renameSync(tmp, bundle); // atomic: a concurrent start sees the old or the new bundle
  } finally {
    rmSync(tmp, { force: true });
  }
}

let bundled = false;
try {
  if (!isFresh()) await build();
  bundled = true;
} catch {
  // fall back to tsx below
}
if (bundled) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
