import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex as hex } from './crypto.ts';
import { hmacSha1, Sha1, sha1 } from './sha1.ts';

describe('sha1', () => {
  it('matches the FIPS 180 vectors', () => {
    assert.equal(hex(sha1('')), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(hex(sha1('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(hex(sha1('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
  });

  it('matches node:crypto at every length around the block and padding boundaries', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) {
      const d = data.subarray(0, n);
      assert.equal(hex(sha1(d)), createHash('sha1').update(d).digest('hex'), `length ${n}`);
    }
  });

  it('streams over variable chunk boundaries to the one-shot digest', () => {
    const data = randomBytes(5 * 1024 * 1024 + 77);
    const h = new Sha1();
    let off = 0;
    for (let step = 1; off < data.length; step = (step * 7 + 3) % 70_001) {
      h.update(data.subarray(off, off + step));
      off += step;
    }
    assert.equal(hex(h.digest()), createHash('sha1').update(data).digest('hex'));
  });

  it('hashes UTF-8 strings like node:crypto', () => {
    const text = '/exampleobject(腾讯云) 🎬 é';
    assert.equal(hex(sha1(text)), createHash('sha1').update(text, 'utf8').digest('hex'));
  });

  it('refuses misuse loudly', () => {
    const h = new Sha1();
    h.digest();
    assert.throws(() => h.update(new Uint8Array(1)), /after digest/);
    assert.throws(() => h.digest(), /twice/);
    assert.throws(() => new Sha1().update(new Uint8Array(3)).state(), /block boundary/);
  });
});

describe('hmacSha1', () => {
  it('matches node:crypto for short, 64-byte and long keys, reusably', () => {
    for (const keyLength of [0, 20, 40, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const mac = hmacSha1(key);
      for (const msgLength of [0, 1, 55, 64, 150]) {
        const msg = randomBytes(msgLength);
        assert.equal(hex(mac.sign(msg)), createHmac('sha1', key).update(msg).digest('hex'), `key ${keyLength}, msg ${msgLength}`);
      }
    }
  });

  it('takes string keys and messages as UTF-8', () => {
    assert.equal(hex(hmacSha1('key').sign('The quick brown fox jumps over the lazy dog')), 'de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9');
  });
});
