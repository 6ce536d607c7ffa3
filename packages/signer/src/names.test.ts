import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basename, safeFileName, safeMediaName, truncateUtf8, utf8Length } from './names.ts';

describe('safeFileName', () => {
  it('keeps only the basename of any path', () => {
    assert.deepEqual(safeFileName('../../etc/passwd.mp4'), { fileName: 'passwd.mp4', stem: 'passwd', extension: 'mp4' });
    assert.equal(safeFileName('C:\\Users\\me\\Videos\\clip.MOV').fileName, 'clip.MOV');
    assert.equal(safeFileName('..').fileName, '');
    assert.equal(safeFileName('../').fileName, '');
    assert.equal(basename('a/b\\c'), 'c');
  });

  it('strips control characters, bidi overrides and forbidden characters', () => {
    const r = safeFileName('a\u0000b\u0007c\r\n\u202Egnp.mp4');
    assert.equal(r.fileName, 'abcgnp.mp4');
    assert.equal(safeFileName('what?*:<>|".mp4').fileName, 'what.mp4');
    assert.equal(safeFileName('  .hidden.mp4  ').fileName, 'hidden.mp4');
  });

  it('keeps non-ASCII and lower-cases the extension', () => {
    assert.deepEqual(safeFileName('我的视频 🎬.MP4'), { fileName: '我的视频 🎬.MP4', stem: '我的视频 🎬', extension: 'mp4' });
    // NFD (macOS) becomes NFC.
    assert.equal(safeFileName('Cafe\u0301.mov').fileName, 'Caf\u00e9.mov');
  });

  it('caps 300-byte names at the limit without splitting a code point, keeping the extension', () => {
    const name = `${'视'.repeat(100)}.mp4`; // 304 bytes
    const r = safeFileName(name, 120);
    assert.ok(utf8Length(r.fileName) <= 120, `${utf8Length(r.fileName)} bytes`);
    assert.equal(r.stem, '视'.repeat(38)); // 114 bytes + ".mp4"
    assert.equal(r.extension, 'mp4');
    const emoji = safeFileName(`${'🎬'.repeat(80)}.mov`, 120);
    assert.equal(emoji.stem, '🎬'.repeat(29)); // 116 bytes + ".mov": whole emoji only
  });

  it('does not take odd suffixes for extensions', () => {
    assert.equal(safeFileName('archive.tar gz').extension, '');
    assert.equal(safeFileName('noext').extension, '');
    assert.equal(safeFileName('.mp4').fileName, 'mp4');
  });
});

describe('truncateUtf8', () => {
  it('counts bytes, not UTF-16 units', () => {
    assert.equal(truncateUtf8('aé视🎬', 1), 'a');
    assert.equal(truncateUtf8('aé视🎬', 3), 'aé');
    assert.equal(truncateUtf8('aé视🎬', 6), 'aé视');
    assert.equal(truncateUtf8('aé视🎬', 9), 'aé视');
    assert.equal(truncateUtf8('aé视🎬', 10), 'aé视🎬');
  });
});

describe('safeMediaName', () => {
  it('cleans and caps', () => {
    assert.equal(safeMediaName(' My / clip\u0000 '), 'My clip');
    assert.equal(safeMediaName('x'.repeat(300), 40), 'x'.repeat(40));
    assert.equal(safeMediaName('x'.repeat(300)), 'x'.repeat(64), "VOD's 64-character cap");
    assert.equal(safeMediaName('🎬'.repeat(40)), '🎬'.repeat(30), 'whole surrogate pairs only');
  });
});
