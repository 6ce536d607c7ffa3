#!/usr/bin/env node
// The one test command (`npm test`): type-check, Node tests (node:test through tsx) and browser tests
// (web-test-runner in Debian's Chromium). Ends with one plain line `N passed, N failed, N skipped` counting
// everything, and exits non-zero on any failure. Never skips the browser half silently.
//
//   node test/run.mjs              everything
//   node test/run.mjs --node       type-check + Node tests only
//   node test/run.mjs --browser    browser tests only
//   node test/run.mjs <path> ...   only the given test files (each goes to its runner)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const wantNode = !args.includes('--browser');
const wantBrowser = !args.includes('--node');

/** A test file runs in Chromium when it says so in its name or lives where only browser code lives. */
function isBrowserTest(path) {
  const p = relative(root, resolve(root, path)).split(sep).join('/');
  return p.endsWith('.browser.test.ts') || p.startsWith('test/browser/') || p.startsWith('packages/element/');
}

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

function run(cmd, argv, opts = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
    child.on('close', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

function chromiumPath() {
  const p = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  return existsSync(p) ? p : undefined;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const all = only.length ? only : [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))];
const nodeFiles = all.filter((f) => !isBrowserTest(f));
const browserFiles = all.filter((f) => isBrowserTest(f));

if (wantBrowser && browserFiles.length && !chromiumPath()) {
  console.error(
    `No Chromium found at ${process.env.CHROMIUM_PATH || '/usr/bin/chromium'}.\n` +
      'The browser tests need Debian\'s Chromium:\n' +
      '  sudo apt-get install -y chromium chromium-driver\n' +
      'or point CHROMIUM_PATH at a Chromium binary.',
  );
  console.log(`${totals.passed} passed, ${browserFiles.length} failed`);
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'vod-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

if (wantNode && !only.length) {
  console.log('\n# type-check (tsc -p .)');
  const code = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  if (code === 0) totals.passed++;
  else {
    totals.failed++;
    console.log('type-check failed');
  }
}

if (wantNode && nodeFiles.length) {
  console.log(`\n# node tests (${nodeFiles.length} files)`);
  const tap = join(tmp, 'node.tap');
  const code = await run(process.execPath, [
    '--import', 'tsx',
    '--conditions=source',
    '--test',
    '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...nodeFiles,
  ], { env: { ...process.env, http_proxy: '', https_proxy: '', HTTP_PROXY: '', HTTPS_PROXY: '' } });
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += count('skipped') + count('todo');
  if (code !== 0 && failed === 0) totals.failed++; // the runner itself failed (crash, bad file)
}

if (wantBrowser && browserFiles.length) {
  console.log(`\n# browser tests (${browserFiles.length} files, Chromium ${chromiumPath()})`);
  const summary = join(tmp, 'wtr.json');
  const code = await run(process.execPath, [
    join(root, 'node_modules/@web/test-runner/dist/bin.js'),
    '--config', 'test/web-test-runner.config.mjs',
    ...browserFiles,
  ], { env: { ...process.env, WTR_SUMMARY_FILE: summary, CHROMIUM_PATH: chromiumPath() } });
  const s = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : { passed: 0, failed: 0, skipped: 0 };
  totals.passed += s.passed;
  totals.failed += s.failed;
  totals.skipped += s.skipped;
  if (code !== 0 && s.failed === 0) totals.failed++;
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed ? 1 : 0);
