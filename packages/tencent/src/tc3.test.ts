import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostWithoutPort, parseTc3Authorization, signTc3, verifyTc3 } from './tc3.ts';

// The official CVM example of the TC3 documentation (notes/tencent-protocol.md §1.2). Keys are the doc's own redacted literals.
const CVM = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
  service: 'cvm',
  host: 'cvm.tencentcloudapi.com',
  timestamp: 1551113065,
  contentType: 'application/json; charset=utf-8',
  body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
};

describe('TC3-HMAC-SHA256', () => {
  it('matches the official CVM known-answer vector', async () => {
    const s = await signTc3(CVM);
    assert.equal(s.canonicalRequest.split('\n').at(-1), '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    assert.equal(s.stringToSign.split('\n').at(-1), '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    assert.equal(s.signature, '2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c');
    assert.equal(
      s.authorization,
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
    );
  });

  it('signs the host without its port', async () => {
    const a = await signTc3({ ...CVM, host: 'cvm.tencentcloudapi.com:8443' });
    assert.equal(a.signature, '2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c');
    assert.equal(hostWithoutPort('127.0.0.1:9000'), '127.0.0.1');
    assert.equal(hostWithoutPort('[::1]:9000'), '[::1]');
  });

  const request = async (over: { host?: string; timestamp?: number; body?: string; secretKey?: string; service?: string } = {}) => {
    const s = await signTc3({ ...CVM, ...over });
    const headers = new Headers({
      authorization: s.authorization,
      'content-type': CVM.contentType,
      host: `${over.host ?? CVM.host}`,
      'x-tc-timestamp': String(over.timestamp ?? CVM.timestamp),
    });
    return headers;
  };
  const lookupSecret = (id: string) => (id === CVM.secretId ? CVM.secretKey : undefined);

  it('verifies a signed request, reading the service from the credential scope and dropping the host port', async () => {
    const headers = await request({ host: '127.0.0.1:8787', service: '127' });
    const r = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret, now: CVM.timestamp + 299 });
    assert.deepEqual(r, { ok: true, secretId: CVM.secretId, service: '127', timestamp: CVM.timestamp });
  });

  it('rejects a changed body, a wrong key, an unknown id and an old timestamp with the cloud codes', async () => {
    const headers = await request();
    const now = CVM.timestamp + 10;
    const tampered = await verifyTc3({ method: 'POST', headers, body: CVM.body.replace('1', '2'), lookupSecret, now });
    assert.equal(tampered.ok || tampered.code, 'AuthFailure.SignatureFailure');
    const wrongKey = await verifyTc3({ method: 'POST', headers: await request({ secretKey: 'not-the-key' }), body: CVM.body, lookupSecret, now });
    assert.equal(wrongKey.ok || wrongKey.code, 'AuthFailure.SignatureFailure');
    const unknown = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret: () => undefined, now });
    assert.equal(unknown.ok || unknown.code, 'AuthFailure.SecretIdNotFound');
    const expired = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret, now: CVM.timestamp + 301 });
    assert.equal(expired.ok || expired.code, 'AuthFailure.SignatureExpire');
    const future = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret, now: CVM.timestamp - 301 });
    assert.equal(future.ok || future.code, 'AuthFailure.SignatureExpire');
  });

  it('rejects missing or malformed authorization without throwing', async () => {
    const headers = await request();
    headers.delete('authorization');
    const none = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret, now: CVM.timestamp });
    assert.equal(none.ok, false);
    headers.set('authorization', 'TC3-HMAC-SHA256 Credential=x, Signature=zz');
    const bad = await verifyTc3({ method: 'POST', headers, body: CVM.body, lookupSecret, now: CVM.timestamp });
    assert.equal(bad.ok || bad.code, 'AuthFailure.InvalidAuthorization');
    assert.equal(parseTc3Authorization('Bearer x'), null);
  });
});
