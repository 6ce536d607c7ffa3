// web-test-runner: Debian Chromium through playwright-core, TypeScript through esbuild, Node 20.
// Plugins give the browser tests a real emulator on loopback and disk-backed files in <input type=file>.
// Run through `npm test` (test/run.mjs), which also passes the file list.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';
import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';

register(); // lets this config import the TypeScript sources of the emulator

/** What plugins share: the running emulator (the signer plugin wires itself to it). */
const shared = {};

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Starts one emulator (fresh temp data dir) for the run. Browser tests reach it with
 * `executeServerCommand('emulator')` → its start-up info plus `url`; faults and stats go through
 * its `/__emulator/*` control routes (CORS-enabled) so tests can drive them with fetch.
 */
function emulatorPlugin() {
  let emulator;
  let dir;
  return {
    name: 'vod-emulator',
    async serverStart() {
      const { startEmulator } = await import('../packages/emulator/src/index.ts');
      dir = mkdtempSync(join(tmpdir(), 'vod-wtr-emulator-'));
      emulator = await startEmulator({ dataDir: dir, port: 0, log: () => {} });
      shared.emulator = emulator;
    },
    async executeCommand({ command, payload }) {
      if (command === 'emulator') return { ...emulator.info, url: emulator.url };
      if (command === 'emulator-apply') {
        // ApplyUpload signed in Node (the browser never sees the account key); returns the session and
        // the bucket's base URL. Only tests that exercise storage directly use the temporary key.
        const { createVodClient } = await import('../packages/tencent/src/index.ts');
        const vod = createVodClient({ ...emulator.info, endpoint: emulator.info.vodEndpoint, region: 'ap-guangzhou' });
        const r = await vod.applyUpload({ MediaType: 'mp4', ...(payload ?? {}) });
        return { ...r, cosBase: `http://${emulator.info.cosDomain.replace('{Bucket}', r.StorageBucket)}` };
      }
      return undefined;
    },
    async serverStop() {
      await emulator?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `executeServerCommand('pick-file', { selector, mib, name?, frame?, path? })`: writes `mib` MiB of random bytes
 * (an AES-CTR keystream) to a temp file, puts it into the page's <input type=file> (a disk-backed File, as a real
 * user pick) and returns `{ sha1, size, path }`.
 * - `frame`: CSS selector of an <iframe> of the test page whose document holds the input.
 * - `path`: put a file made earlier (a `path` this command returned) into the input again, e.g. after a reload.
 * - A big file may take longer than a server command may (20 s): then the answer is `{ pending: true, name }`
 *   and the same call (same `name`) goes on waiting for it. `pick-file-remove` { path } deletes a file early.
 */
function pickFilePlugin() {
  let dir;
  let n = 0;
  /** name → { path, done: Promise<{ sha1, size, path }>, settled } */
  const making = new Map();
  /** path → { sha1, size, path } */
  const made = new Map();
  const make = async (path, size) => {
    const { createCipheriv } = await import('node:crypto');
    const { open } = await import('node:fs/promises');
    const hash = createHash('sha1');
    const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
    const zeros = Buffer.alloc(4 << 20);
    const file = await open(path, 'w');
    try {
      for (let left = size; left > 0; ) {
        const chunk = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
        await file.write(chunk); // async: the emulator in this process keeps serving meanwhile
        hash.update(chunk);
        left -= chunk.length;
      }
    } finally {
      await file.close();
    }
    const info = { sha1: hash.digest('hex'), size, path };
    made.set(path, info);
    return info;
  };
  const setInput = async (session, payload, path) => {
    const page = session.browser.getPage(session.id);
    if (!payload.frame) return page.setInputFiles(payload.selector, path);
    const frame = await (await page.waitForSelector(payload.frame)).contentFrame();
    await frame.setInputFiles(payload.selector, path);
  };
  return {
    name: 'pick-file',
    async executeCommand({ command, payload, session }) {
      if (command === 'pick-file-remove') {
        if (!made.has(payload.path)) return false;
        made.delete(payload.path);
        rmSync(payload.path, { force: true });
        return true;
      }
      if (command !== 'pick-file') return undefined;
      dir ??= mkdtempSync(join(tmpdir(), 'vod-wtr-files-'));
      if (payload.path !== undefined) {
        const info = made.get(payload.path);
        if (!info) throw new Error(`pick-file: ${payload.path} was not made by pick-file`);
        await setInput(session, payload, info.path);
        return info;
      }
      const name = payload.name ?? `file-${n++}.bin`;
      let job = making.get(name);
      if (!job || job.settled) {
        const size = Math.round(payload.mib * 1024 * 1024);
        job = { settled: false };
        job.done = make(join(dir, name), size).finally(() => (job.settled = true));
        job.done.catch(() => {});
        making.set(name, job);
      }
      const ready = await Promise.race([job.done, new Promise((r) => setTimeout(r, 15_000, undefined))]);
      if (!ready) return { pending: true, name };
      await setInput(session, payload, ready.path);
      return ready;
    },
    serverStop() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `executeServerCommand('expose-headers', { pattern, headers })`: answers to the page's requests matching `pattern`
 * (a Playwright URL glob) also expose `headers` to scripts (Access-Control-Expose-Headers), as a bucket whose CORS
 * rule lists them would; `expose-headers-off` { pattern } removes it. Used by the core engine's browser tests.
 */
function exposeHeadersPlugin() {
  const handlers = new Map();
  return {
    name: 'expose-headers',
    async executeCommand({ command, payload, session }) {
      if (command !== 'expose-headers' && command !== 'expose-headers-off') return undefined;
      const page = session.browser.getPage(session.id);
      const key = `${session.id} ${payload.pattern}`;
      if (handlers.has(key)) await page.unroute(payload.pattern, handlers.get(key));
      handlers.delete(key);
      if (command === 'expose-headers-off') return true;
      const handler = async (route) => {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        const name = Object.keys(headers).find((k) => k.toLowerCase() === 'access-control-expose-headers') ?? 'access-control-expose-headers';
        headers[name] = [headers[name], ...payload.headers].filter(Boolean).join(', ');
        await route.fulfill({ response, headers });
      };
      handlers.set(key, handler);
      await page.route(payload.pattern, handler);
      return true;
    },
  };
}

/**
 * Real signers for the element tests: `executeServerCommand('signer', { policy?, basePath?, token? })` → `{ url }`, a
 * createSigner app (wired to the emulator, CORS for any origin) on @hono/node-server at 127.0.0.1:0, one per
 * distinct payload. `page-route` { pattern, stripExposeHeader?, status?, body? } intercepts matching requests of the
 * page through Playwright (e.g. storage answers whose CORS rule does not expose ETag); `page-unroute` removes them.
 */
function signerPlugin() {
  const signers = new Map();
  return {
    name: 'vod-signer',
    async executeCommand({ command, payload, session }) {
      if (command === 'signer') {
        const key = JSON.stringify(payload ?? {});
        if (!signers.has(key)) {
          signers.set(key, (async () => {
            const [{ createSigner }, { serve }, { Hono }] = await Promise.all([
              import('../packages/signer/src/index.ts'), import('@hono/node-server'), import('hono'),
            ]);
            const { info } = shared.emulator;
            const app = createSigner({
              secretId: info.secretId,
              secretKey: info.secretKey,
              sessionSecret: randomBytes(32).toString('base64'),
              vodEndpoint: info.vodEndpoint,
              cosEndpoint: `http://${info.cosDomain}`,
              corsOrigins: ['*'],
              rateLimit: false,
              // With `token`, only `Authorization: Bearer <token>` may upload (the signer's own 401 otherwise).
              authorize: (c) =>
                !payload?.token || c.req.header('authorization') === `Bearer ${payload.token}` ? { scope: 'public', media: 'read' } : null,
              ...(payload?.policy ? { policy: payload.policy } : {}),
            });
            const base = payload?.basePath ?? '/vod';
            const host = new Hono();
            host.route(base, app);
            const server = await new Promise((resolve) => {
              const s = serve({ fetch: host.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
            });
            return { server, app, url: `http://127.0.0.1:${server.address().port}${base}` };
          })());
        }
        return { url: (await signers.get(key)).url };
      }
      if (command === 'page-route') {
        const page = session.browser.getPage(session.id);
        await page.route(payload.pattern, async (route) => {
          if (payload.status) return route.fulfill({ status: payload.status, body: payload.body ?? '', headers: { 'access-control-allow-origin': '*' } });
          const response = await route.fetch();
          const headers = { ...response.headers() };
          if (payload.stripExposeHeader) {
            const name = payload.stripExposeHeader.toLowerCase();
            for (const k of Object.keys(headers)) {
              if (k.toLowerCase() === 'access-control-expose-headers') {
                headers[k] = headers[k].split(',').map((h) => h.trim()).filter((h) => h.toLowerCase() !== name).join(', ');
              }
            }
          }
          return route.fulfill({ response, headers });
        });
        return true;
      }
      if (command === 'page-unroute') {
        await session.browser.getPage(session.id).unrouteAll({ behavior: 'ignoreErrors' });
        return true;
      }
      return undefined;
    },
    async serverStop() {
      for (const pending of signers.values()) {
        const { server, app } = await pending;
        server.closeAllConnections?.();
        await new Promise((resolve) => server.close(resolve));
        await app.idle();
      }
    },
  };
}

/**
 * The demo end to end, as a user would run it, in steps (a server command must answer within 20 s):
 * `demo-start` { mib } starts `npm start`'s stack (test/start.mjs: emulator and signer bins, Vite) on free ports,
 * opens the page in a new tab of the test's browser and picks two disk-backed files (a `mib` MiB random .mp4 and a
 * recorded WebM); `demo-wait` polls for the media list (call again while it returns `null`); `demo-finish` plays
 * the WebM, submits the form, stops the stack and returns what it saw (the browser test asserts).
 */
function demoPlugin() {
  let run;
  const stop = async () => {
    const r = run;
    run = undefined;
    if (!r) return;
    await r.page?.close().catch(() => {});
    await r.demo?.stop();
    rmSync(r.dir, { recursive: true, force: true });
  };
  return {
    name: 'vod-demo',
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('demo-')) return undefined;
      const driver = await import('./browser/demo-driver.mjs');
      if (command === 'demo-start') {
        await stop();
        const dir = mkdtempSync(join(tmpdir(), 'vod-wtr-demo-'));
        run = { dir, errors: [] };
        run.demo = await driver.startDemo({ dataDir: join(dir, 'data'), timeout: 18_000 });
        const page = (run.page = await session.browser.getPage(session.id).context().newPage());
        page.on('pageerror', (e) => run?.errors.push(String(e)));
        await page.goto(run.demo.url);
        await page.waitForFunction(() => customElements.get('vod-uploader') && document.querySelector('vod-uploader')?.shadowRoot);
        const webm = await driver.recordWebm(page, { seconds: 1.5 });
        const big = randomBytes(Math.round((payload?.mib ?? 20) * 1024 * 1024));
        run.expectedSha1 = driver.sha1(big);
        writeFileSync(join(dir, 'big-upload.mp4'), big);
        writeFileSync(join(dir, 'sunrise.webm'), webm);
        await driver.pickFiles(page, [join(dir, 'big-upload.mp4'), join(dir, 'sunrise.webm')]);
        return { url: run.demo.url };
      }
      if (!run) throw new Error('demo-start first');
      const page = run.page;
      if (command === 'demo-wait') {
        try {
          // Ready: the demo's task flow has ended (processing, then ready, in the list and in the element).
          return { rows: await driver.waitForMedia(page, ['big-upload.mp4', 'sunrise.webm'], 15_000, 'ready') };
        } catch {
          return { rows: null }; // not yet (null/undefined would mean "unknown command")
        }
      }
      if (command === 'demo-finish') {
        try {
          // The element polls processing on its own schedule: let each item settle (done, or an error to report).
          await page
            .waitForFunction(() => window.vodUploader.items.every((i) => i.state.status === 'done' || i.state.status === 'error'), undefined, { timeout: 30_000, polling: 200 })
            .catch(() => {});
          const items = await page.evaluate(() => window.vodUploader.items.map((i) => ({ name: i.file.name, status: i.state.status, result: i.state.result, partsTotal: i.state.partsTotal, hasCover: !!i.cover, error: i.state.error })));
          const bigItem = items.find((i) => i.name === 'big-upload.mp4');
          const stored = bigItem?.result ? Buffer.from(await (await fetch(bigItem.result.mediaUrl)).arrayBuffer()) : Buffer.alloc(0);
          await page.click('#media tr:has(td.name:text-is("sunrise")) button');
          const played = await page
            .waitForFunction(() => {
              const v = document.querySelector('#player');
              return !v.hidden && v.readyState >= 2 && v.videoWidth > 0 ? { src: v.currentSrc, width: v.videoWidth } : null;
            }, undefined, { timeout: 10_000 })
            .then((h) => h.jsonValue());
          await page.click('#form button[type=submit]');
          const submitted = await page.textContent('#submitted');
          return { items, expectedSha1: run.expectedSha1, storedSha1: driver.sha1(stored), storedSize: stored.length, played, submitted, errors: run.errors };
        } finally {
          await stop();
        }
      }
      return undefined;
    },
    serverStop: stop,
  };
}

/**
 * `executeServerCommand('element-bundle')` → `{ base }`: builds the prebuilt bundle (packages/element/scripts/bundle.mjs,
 * what a page without a bundler loads) once per run into test/.tmp/element-dist/, served by the test server at `base`.
 */
function elementBundlePlugin() {
  const out = join(import.meta.dirname, '.tmp/element-dist');
  let built;
  return {
    name: 'element-bundle',
    async executeCommand({ command }) {
      if (command !== 'element-bundle') return undefined;
      built ??= (async () => {
        rmSync(out, { recursive: true, force: true });
        const { bundle } = await import('../packages/element/scripts/bundle.mjs');
        await bundle({ outdir: out });
      })();
      await built;
      return { base: '/test/.tmp/element-dist/' };
    },
    serverStop() {
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** Counts results across sessions and writes them where test/run.mjs reads them; prints a plain line. */
function summaryReporter() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const walk = (suite) => {
    if (!suite) return;
    for (const t of suite.tests ?? []) t.skipped ? totals.skipped++ : t.passed ? totals.passed++ : totals.failed++;
    for (const s of suite.suites ?? []) walk(s);
  };
  return {
    onTestRunFinished({ sessions }) {
      totals.passed = totals.failed = totals.skipped = 0;
      for (const s of sessions) {
        walk(s.testResults);
        const noTests = !s.testResults?.tests?.length && !s.testResults?.suites?.length;
        if (!s.passed && noTests) totals.failed++; // a file that failed to load counts as a failure
      }
      if (process.env.WTR_SUMMARY_FILE) writeFileSync(process.env.WTR_SUMMARY_FILE, JSON.stringify(totals));
    },
    stop() {
      console.log(`wtr: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    },
  };
}

export default {
  rootDir: join(import.meta.dirname, '..'),
  files: ['test/browser/**/*.test.ts', 'packages/**/*.browser.test.ts', 'packages/element/src/**/*.test.ts', '!**/node_modules/**'],
  nodeResolve: true,
  // The prebuilt bundle is also loaded from the other loopback name (another origin, as from a CDN): CORS on it.
  middleware: [
    (ctx, next) => {
      if (ctx.path.startsWith('/test/.tmp/element-dist/')) ctx.set('Access-Control-Allow-Origin', '*');
      return next();
    },
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'auto', tsconfig: join(import.meta.dirname, '../tsconfig.json') }),
    emulatorPlugin(),
    pickFilePlugin(),
    exposeHeadersPlugin(),
    signerPlugin(),
    demoPlugin(),
    elementBundlePlugin(),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
      },
    }),
  ],
  concurrency: 1,
  reporters: [defaultReporter(), summaryReporter()],
  // Unbundled ESM in the browser: @tanstack/query-core reads process.env.NODE_ENV, which bundlers replace.
  testRunnerHtml: (framework) =>
    `<!doctype html><html><head><script>globalThis.process ??= { env: { NODE_ENV: 'development' } };</script></head><body><script type="module" src="${framework}"></script></body></html>`,
  // Lit's one-time dev-mode notice is not a test log line.
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 600_000,
  testFramework: { config: { timeout: 120_000 } },
};
