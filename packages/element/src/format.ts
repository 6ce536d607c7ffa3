/**
 * Localized numbers for the UI: bytes, speeds and durations, through `Intl`.
 * @module
 */
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** `1234567` → `1.2 MB` (decimal units, as storage providers count), in `lang`. */
export function formatBytes(bytes: number, lang: string): string {
  let i = 0;
  while (bytes >= 1000 && i < UNITS.length - 1) {
    bytes /= 1000;
    i++;
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: UNITS[i], unitDisplay: 'short', maximumFractionDigits: i ? 1 : 0 }).format(bytes);
}

/** Seconds → `1:05`, `1:02:05`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
