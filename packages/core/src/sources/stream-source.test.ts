import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createStreamChunker } from './stream-source.ts';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>, partSize: number): Promise<Uint8Array[]> {
  const chunker = createStreamChunker(stream, partSize);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    const part = await chunker.next();
    if (!part) break;
    parts.push(part);
  }
  return parts;
}

describe('createStreamChunker', () => {
  it('cuts odd-sized chunks into exact parts, the last one shorter', async () => {
    const data = randomBytes(10_000);
    const chunks: Uint8Array[] = [];
    for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7) % 1234 + 1) chunks.push(data.subarray(at, at + n));
    chunks.splice(3, 0, new Uint8Array(0));
    const parts = await drain(streamOf(chunks), 3000);
    assert.deepEqual(parts.map((p) => p.byteLength), [3000, 3000, 3000, 1000]);
    assert.deepEqual(Buffer.concat(parts), data);
    for (const part of parts) assert.equal(part.byteOffset === 0 && part.byteLength === part.buffer.byteLength, true);
  });

  it('ends on a part boundary without an empty part, and gives nothing for an empty stream', async () => {
    assert.deepEqual((await drain(streamOf([randomBytes(2000), randomBytes(2000)]), 2000)).map((p) => p.byteLength), [2000, 2000]);
    assert.deepEqual(await drain(streamOf([]), 10), []);
  });

  it('counts bytes and cancels the stream', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(100)),
      cancel: () => {
        cancelled = true;
      },
    });
    const chunker = createStreamChunker(stream, 250);
    assert.equal((await chunker.next())!.byteLength, 250);
    assert.equal(chunker.bytesRead, 300);
    await chunker.cancel();
    assert.equal(cancelled, true);
    assert.equal(await chunker.next(), undefined, 'nothing after cancel');
  });
});
