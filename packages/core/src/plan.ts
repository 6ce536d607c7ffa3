/**
 * Pure part planning: file size → part size and byte ranges, within COS's multipart limits.
 * @module
 */

export const MIB = 1024 * 1024;
/** COS's smallest part (all but the last part must be at least this big). */
export const MIN_PART_SIZE = MIB;
/** COS's largest part. */
export const MAX_PART_SIZE = 5 * 1024 * MIB;
/** COS's most parts per multipart upload. */
export const MAX_PARTS = 10_000;
/** The default part size (Tencent's own SDK choice). */
export const DEFAULT_PART_SIZE = 8 * MIB;

/** One part: 1-based number and its byte range `[start, end)`. */
export interface PartRange {
  partNumber: number;
  start: number;
  end: number;
}

/**
 * The part size to ask for: the preferred size rounded up to whole MiB and at least {@link MIN_PART_SIZE}, doubled
 * until the file fits in {@link MAX_PARTS} parts. Throws a `RangeError` when even {@link MAX_PART_SIZE} is too small.
 * @param size file size in bytes
 * @param preferred part size in bytes, default {@link DEFAULT_PART_SIZE}
 */
export function choosePartSize(size: number, preferred: number = DEFAULT_PART_SIZE): number {
  if (!(size >= 0) || !Number.isFinite(size)) throw new RangeError(`Invalid file size: ${size}`);
  let partSize = Math.max(MIN_PART_SIZE, Math.ceil(preferred / MIB) * MIB);
  while (partSize < MAX_PART_SIZE && size / partSize > MAX_PARTS) partSize *= 2;
  partSize = Math.min(partSize, MAX_PART_SIZE);
  if (size / partSize > MAX_PARTS) throw new RangeError(`A file of ${size} bytes does not fit in ${MAX_PARTS} parts.`);
  return partSize;
}

/** How many parts a file of `size` bytes has with `partSize` (at least 1: an empty file is one empty part). */
export function countParts(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** The range of part `partNumber` (1-based). */
export function partRange(size: number, partSize: number, partNumber: number): PartRange {
  const start = (partNumber - 1) * partSize;
  return { partNumber, start, end: Math.min(size, start + partSize) };
}

/** All parts of a file, in order (at least one: an empty file is one empty part). */
export function planParts(size: number, partSize: number): PartRange[] {
  if (!(partSize > 0)) throw new RangeError(`Invalid part size: ${partSize}`);
  const parts: PartRange[] = [];
  for (let start = 0; !parts.length || start < size; start += partSize) {
    parts.push({ partNumber: parts.length + 1, start, end: Math.min(size, start + partSize) });
  }
  return parts;
}
