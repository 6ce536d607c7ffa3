/**
 * `@vod-uploader/tencent` — the Tencent Cloud protocol and nothing else: TC3-HMAC-SHA256 and COS q-sign
 * signing and verification (a synchronous batch presigner over a pure-JS SHA-1/HMAC-SHA1, and async wrappers),
 * typed VOD 2018-07-17 actions with a small client, a small COS XML client.
 * Web-standard code only (Web Crypto, fetch): runs in browsers, Node, Deno, Bun and Workers.
 * @module
 */
export * from './crypto.ts';
export * from './sha1.ts';
export * from './tc3.ts';
export * from './cos-sign.ts';
export * from './vod-types.ts';
export * from './errors.ts';
export * from './transport.ts';
export * from './vod-client.ts';
export * from './xml.ts';
export * from './cos-results.ts';
export * from './cos-client.ts';
export * from './md5-wasm.ts';
