import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignerError } from './errors.ts';
import { createSessionSealer, randomId, type SessionData } from './session.ts';

const SECRET = 'test-session-secret-0123456789abcdef';
const OTHER = 'another-session-secret-0123456789abcdef';

const data: SessionData = {
  sid: randomId(),
  scope: 'user:1',
  iat: 1000,
  exp: 2000,
  strategy: 'multipart',
  bucket: 'vodbucket-1250000000',
  region: 'ap-guangzhou',
  key: 'vod/a/f0.mp4',
  uploadId: 'u1',
  vsk: 'vsk-1',
  cred: { id: 'AKIDtmpFAKE', key: 'TmpSecretKeyFAKE', token: 'token-1', exp: 3000 },
  size: 100,
  partSize: 10,
  partCount: 10,
  maxPart: 10,
  mediaType: 'mp4',
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'opened';
  } catch (e) {
    assert.ok(e instanceof SignerError, String(e));
    assert.equal(e.status, 401);
    return e.code;
  }
}

describe('session sealing', () => {
  it('round-trips and hides its content', async () => {
    const s = createSessionSealer(SECRET);
    const token = await s.seal(data);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.ok(!token.includes('TmpSecretKeyFAKE') && !atob(token.replace(/-/g, '+').replace(/_/g, '/')).includes('TmpSecretKey'));
    assert.deepEqual(await s.open(token, 'user:1', 1500), data);
    assert.notEqual(await s.seal(data), token, 'a fresh IV each time');
  });

  it('refuses tampered sessions (any flipped bit)', async () => {
    const s = createSessionSealer(SECRET);
    const token = await s.seal(data);
    for (const i of [0, 1, 5, 20, token.length - 2]) {
      const c = token[i] === 'A' ? 'B' : 'A';
      assert.equal(await codeOf(s.open(token.slice(0, i) + c + token.slice(i + 1), 'user:1', 1500)), 'session_invalid', `at ${i}`);
    }
    assert.equal(await codeOf(s.open(token.slice(0, -5), 'user:1', 1500)), 'session_invalid');
    assert.equal(await codeOf(s.open('', 'user:1', 1500)), 'session_invalid');
    assert.equal(await codeOf(s.open('not base64!', 'user:1', 1500)), 'session_invalid');
    assert.equal(await codeOf(s.open('x'.repeat(9000), 'user:1', 1500)), 'session_invalid');
  });

  it('refuses expired sessions', async () => {
    const s = createSessionSealer(SECRET);
    const token = await s.seal(data);
    assert.equal(await codeOf(s.open(token, 'user:1', 2000)), 'session_expired');
    assert.equal(await codeOf(s.open(token, 'user:1', 1999)), 'opened');
  });

  it('refuses foreign sessions: another secret, another scope', async () => {
    const token = await createSessionSealer(OTHER).seal(data);
    assert.equal(await codeOf(createSessionSealer(SECRET).open(token, 'user:1', 1500)), 'session_invalid');
    const mine = await createSessionSealer(SECRET).seal(data);
    assert.equal(await codeOf(createSessionSealer(SECRET).open(mine, 'user:2', 1500)), 'session_scope');
  });

  it('opens with any secret of a rotation list, seals with the first', async () => {
    const old = await createSessionSealer(OTHER).seal(data);
    const rotated = createSessionSealer([SECRET, OTHER]);
    assert.equal((await rotated.open(old, 'user:1', 1500)).sid, data.sid);
    const fresh = await rotated.seal(data);
    assert.equal((await createSessionSealer(SECRET).open(fresh, 'user:1', 1500)).sid, data.sid);
  });

  it('refuses short secrets', () => {
    assert.throws(() => createSessionSealer('short'), /at least 32 bytes/);
    assert.throws(() => createSessionSealer([]), /required/);
  });
});
