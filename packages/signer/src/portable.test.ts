import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { build, type Plugin } from 'esbuild';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles `entryPoints` for a neutral platform; returns the code and every Node built-in it tried to import. */
async function bundle(options: { entryPoints?: string[]; stdin?: { contents: string; resolveDir: string; loader: 'ts' } }) {
  const nodeImports: string[] = [];
  const catchNode: Plugin = {
    name: 'catch-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith('node:') || builtins.has(args.path)) {
          nodeImports.push(`${args.path} (from ${args.importer.replace(/^.*\/packages\//, 'packages/')})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
  const result = await build({
    ...options,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
    plugins: [catchNode],
  });
  return { code: result.outputFiles[0]!.text, nodeImports };
}

describe('the signer module is Web-standard', () => {
  it('bundles for a neutral platform without a single node: import', async () => {
    const { code, nodeImports } = await bundle({ entryPoints: [entry] });
    assert.deepEqual(nodeImports, [], `Node built-ins reached from src/index.ts: ${nodeImports.join(', ')}`);
    assert.ok(code.length > 10_000);
    assert.ok(!/\brequire\(/.test(code), 'no CommonJS require');
  });

  it('the check catches a node: import (control)', async () => {
    const { nodeImports } = await bundle({
      stdin: { contents: `import { createSigner } from './index.ts'; import { readFileSync } from 'node:fs'; export { createSigner, readFileSync };`, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    });
    assert.deepEqual(nodeImports, ['node:fs (from <stdin>)']);
  });

  it('the neutral bundle runs on its own', async () => {
    const { code } = await bundle({ entryPoints: [entry] });
    const dir = mkdtempSync(join(tmpdir(), 'signer-bundle-'));
    try {
      const file = join(dir, 'signer.mjs');
      writeFileSync(file, code);
      const mod = (await import(pathToFileURL(file).href)) as typeof import('./index.ts');
      const app = mod.createSigner({ secretId: 'AKIDfake', secretKey: 'fake-secret-key', sessionSecret: 'x'.repeat(32) });
      const res = await app.request('http://x/uploads/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"session":"abc","media":{}}' });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'session_invalid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
