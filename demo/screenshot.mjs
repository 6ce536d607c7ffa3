#!/usr/bin/env node
// Takes demo/screenshot.png for the README: starts the demo stack (test/start.mjs) in a temp data dir, records
// three short videos in the page, uploads them (two finished, one paused mid-way), and shoots the page.
//   node demo/screenshot.mjs        (needs Debian's Chromium at /usr/bin/chromium or CHROMIUM_PATH)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { pickFiles, recordWebm, startDemo, waitForMedia } from '../test/browser/demo-driver.mjs';

const here = resolve(fileURLToPath(import.meta.url), '..');
const dir = mkdtempSync(join(tmpdir(), 'vod-shot-'));
const demo = await startDemo({ dataDir: join(dir, 'data') });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1, colorScheme: process.env.SCHEME ?? 'light' });
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(demo.url);
  await page.waitForFunction(() => document.querySelector('vod-uploader')?.shadowRoot);
  const names = ['harbour-timelapse.webm', 'team-standup.webm'];
  const paths = [];
  for (const [i, name] of names.entries()) {
    const path = join(dir, name);
    writeFileSync(path, await recordWebm(page, { seconds: 1.5, hue: [200, 20][i], label: name.replace('.webm', '') }));
    paths.push(path);
  }
  await pickFiles(page, paths);
  await waitForMedia(page, names, 120_000, 'ready'); // after the demo's task flow
  // A bigger one, paused at about half, to show a row in progress.
  const big = join(dir, 'conference-keynote.mp4');
  writeFileSync(big, Buffer.alloc(160 * 1024 * 1024, 7));
  await page.evaluate(() => (window.vodUploader.concurrency = 1));
  await pickFiles(page, [big]);
  await page.waitForFunction(() => window.vodUploader.items.some((i) => i.file.name === 'conference-keynote.mp4' && i.state.percent >= 35), undefined, { timeout: 120_000 });
  await page.evaluate(() => window.vodUploader.items.find((i) => i.file.name === 'conference-keynote.mp4').upload.pause());
  await page.click('#media tbody tr:first-child button');
  await page.waitForFunction(() => document.querySelector('#player').readyState >= 2);
  await page.evaluate(() => document.querySelector('#player').pause());
  const out = join(here, process.env.SCHEME === 'dark' ? 'screenshot-dark.png' : 'screenshot.png');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await demo.stop();
  rmSync(dir, { recursive: true, force: true });
}
