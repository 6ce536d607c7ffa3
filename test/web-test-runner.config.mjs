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
 * `executeServerCommand('pick-file', { selector, mib })`: writes `mib` MiB of random bytes to a temp file,
 * puts it into the page's <input type=file> (a disk-backed File, as a real user pick) and returns its SHA-1.
 */
function pickFilePlugin() {
  let dir;
  let n = 0;
  return {
    name: 'pick-file',
    async executeCommand({ command, payload, session }) {
      if (command !== 'pick-file') return undefined;
      dir ??= mkdtempSync(join(tmpdir(), 'vod-wtr-files-'));
      const path = join(dir, payload.name ?? `file-${n++}.bin`);
      const hash = createHash('sha1');
      const fd = openSync(path, 'w');
      try {
        for (let left = Math.round(payload.mib * 1024 * 1024); left > 0; ) {
          const chunk = randomBytes(Math.min(left, 4 << 20));
          writeSync(fd, chunk);
          hash.update(chunk);
          left -= chunk.length;
        }
      } finally {
        closeSync(fd);
      }
      const page = session.browser.getPage(session.id);
      await page.setInputFiles(payload.selector, path);
      return { sha1: hash.digest('hex'), size: Math.round(payload.mib * 1024 * 1024) };
    },
    serverStop() {
      if (dir) rmSync(dir, { recursive: true, force: true });
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
  plugins: [
    esbuildPlugin({ ts: true, target: 'auto', tsconfig: join(import.meta.dirname, '../tsconfig.json') }),
    emulatorPlugin(),
    pickFilePlugin(),
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
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 600_000,
  testFramework: { config: { timeout: 120_000 } },
};
