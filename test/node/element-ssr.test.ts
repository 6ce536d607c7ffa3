// @vod-uploader/element is import-safe under SSR: importing it in Node (no DOM) does not throw, defines nothing
// twice, and exposes the class, locales and helpers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('@vod-uploader/element in Node (SSR)', () => {
  it('imports without a DOM, twice, and exposes its API', async () => {
    assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined');
    const mod = await import('@vod-uploader/element');
    await import('@vod-uploader/element/vod-uploader.js');
    assert.equal(typeof mod.VodUploader, 'function');
    assert.equal(mod.hasLocale('zh-CN'), false, 'Chinese is its own chunk, loaded on first use');
    assert.equal((await mod.loadLocale('zh-CN')).start, '开始');
    assert.equal(mod.stringsFor('zh-Hans').start, '开始');
    assert.equal(mod.stringsFor('zh-TW').start, '开始', 'any zh falls back to the built-in Chinese');
    assert.equal(mod.stringsFor('de').start, 'Start');
    mod.registerLocale('de', { start: 'Starten' });
    assert.equal(mod.stringsFor('de-AT').start, 'Starten');
    assert.equal(mod.matchesAccept({ name: 'a.MKV', type: '' }, 'video/*,.mkv'), true);
    const ce = (globalThis as { customElements?: CustomElementRegistry }).customElements;
    if (ce) assert.equal(ce.get('vod-uploader'), mod.VodUploader);
  });

  it('validates files the same way as in the browser', async () => {
    const { validateFile } = await import('@vod-uploader/element');
    const file = (name: string, size: number, type = '') => new File([new Uint8Array(size)], name, { type });
    assert.equal(validateFile(file('a.mp4', 10), {}), null);
    assert.deepEqual(validateFile(file('a.exe', 10), {})?.reason, 'type');
    assert.deepEqual(validateFile(file('a.mp4', 0), {}), { reason: 'empty' });
    assert.deepEqual(validateFile(file('a.mp4', 11), { maxSize: 10 }), { reason: 'size', max: 10 });
    assert.deepEqual(validateFile(file('<>|', 1, 'video/mp4'), {}), { reason: 'name' });
  });
});
