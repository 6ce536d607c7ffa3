/**
 * Request counters for tests: how often each op was called, how often each UploadPart part number was sent
 * (overall and per upload, so a test can assert that no finished part was uploaded twice), and how many body
 * bytes arrived.
 * @module
 */

export interface StatsSnapshot {
  /** Requests per op (COS op, VOD action, `Media`), counted on arrival whatever their outcome. */
  ops: Record<string, number>;
  /** UploadPart requests per part number, all uploads together. */
  uploadParts: Record<string, number>;
  /** UploadPart requests per upload id, then per part number. */
  uploadPartsByUpload: Record<string, Record<string, number>>;
  /** UploadPart requests that stored their part, per part number. */
  uploadPartsStored: Record<string, number>;
  /** Request body bytes read by COS operations. */
  bytesReceived: number;
}

export interface Stats {
  snapshot(): StatsSnapshot;
  reset(): void;
  op(name: string): void;
  uploadPart(uploadId: string, partNumber: number): void;
  partStored(partNumber: number): void;
  bytes(n: number): void;
}

export function createStats(): Stats {
  let s: StatsSnapshot;
  const reset = () => {
    s = { ops: {}, uploadParts: {}, uploadPartsByUpload: {}, uploadPartsStored: {}, bytesReceived: 0 };
  };
  reset();
  const inc = (r: Record<string, number>, k: string | number) => {
    r[k] = (r[k] ?? 0) + 1;
  };
  return {
    snapshot: () => structuredClone(s),
    reset,
    op: (name) => inc(s.ops, name),
    uploadPart(uploadId, partNumber) {
      inc(s.uploadParts, partNumber);
      inc((s.uploadPartsByUpload[uploadId] ??= {}), partNumber);
    },
    partStored: (partNumber) => inc(s.uploadPartsStored, partNumber),
    bytes(n) {
      s.bytesReceived += n;
    },
  };
}
