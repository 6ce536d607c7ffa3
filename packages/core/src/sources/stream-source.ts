/**
 * Cuts a `ReadableStream` of unknown length (e.g. from `MediaRecorder`) into parts of exactly `partSize` bytes
 * (the last one shorter), as they fill. Holds at most one part being filled.
 * @module
 */

export interface StreamChunker {
  /** The next part, or `undefined` at the end of the stream. Call again only after the previous call settled. */
  next(): Promise<Uint8Array<ArrayBuffer> | undefined>;
  /** Bytes read from the stream so far. */
  readonly bytesRead: number;
  /** Stops reading and cancels the stream. */
  cancel(reason?: unknown): Promise<void>;
}

export function createStreamChunker(stream: ReadableStream<Uint8Array>, partSize: number): StreamChunker {
  if (!(partSize > 0)) throw new RangeError(`Invalid part size: ${partSize}`);
  const reader = stream.getReader();
  let leftover: Uint8Array | undefined;
  let ended = false;
  let bytesRead = 0;

  async function next(): Promise<Uint8Array<ArrayBuffer> | undefined> {
    let part: Uint8Array<ArrayBuffer> | undefined;
    let filled = 0;
    // Each round consumes one chunk of the stream, so the loop ends with the stream.
    while (filled < partSize) {
      let chunk = leftover;
      leftover = undefined;
      if (!chunk) {
        if (ended) break;
        const result = await reader.read();
        if (result.done) {
          ended = true;
          break;
        }
        chunk = result.value;
        bytesRead += chunk.byteLength;
      }
      if (chunk.byteLength === 0) continue;
      part ??= new Uint8Array(partSize);
      const take = Math.min(chunk.byteLength, partSize - filled);
      part.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.byteLength) leftover = chunk.subarray(take);
    }
    if (!part) return undefined;
    return filled === partSize ? part : part.slice(0, filled);
  }

  return {
    next,
    get bytesRead() {
      return bytesRead;
    },
    async cancel(reason) {
      ended = true;
      leftover = undefined;
      await reader.cancel(reason).catch(() => {});
    },
  };
}
