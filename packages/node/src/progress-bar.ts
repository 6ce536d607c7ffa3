/**
 * The CLI's progress output: a one-line bar (bytes, percent, speed, ETA) redrawn at most 10 times a second on a
 * TTY, or a plain line every 10 % elsewhere. Pure formatting plus a small throttled writer.
 * @module
 */
import type { VodUploadProgress } from './client.ts';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** Seconds → `0:07`, `12:03`, `1:02:03`; `--:--` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const PHASES: Partial<Record<VodUploadProgress['phase'], string>> = {
  pending: 'preparing',
  hashing: 'reading',
  committing: 'committing',
  uploaded: 'done',
};

/** One line of at most `width` columns: `name [█████░░░░░]  45%  460.2 MiB/1.0 GiB  215.3 MiB/s  ETA 0:03`. */
export function renderBar(name: string, p: VodUploadProgress, width = 80): string {
  const percent = `${Math.floor(p.percent).toString().padStart(3)}%`;
  const bytes = `${formatBytes(p.bytesUploaded)}/${formatBytes(p.bytesTotal)}`;
  const phase = PHASES[p.phase];
  const speed = phase && p.phase !== 'uploaded' ? phase : `${formatBytes(p.speed)}/s`;
  const eta = `ETA ${formatDuration(p.phase === 'uploaded' ? 0 : p.eta)}`;
  const tail = `  ${percent}  ${bytes}  ${speed}  ${eta}`;
  const room = width - tail.length - 1;
  // Name and bar share what is left: the bar gets 10–40 columns, the name the rest (cut with an ellipsis).
  const barWidth = Math.max(0, Math.min(40, room - 14));
  let label = name;
  const labelRoom = room - (barWidth ? barWidth + 3 : 0);
  if (labelRoom <= 0) label = '';
  else if (label.length > labelRoom) label = `${label.slice(0, Math.max(0, labelRoom - 1))}…`;
  if (barWidth < 10) return `${label}${tail}`.slice(0, Math.max(0, width - 1));
  const filled = Math.round((Math.min(100, Math.max(0, p.percent)) / 100) * barWidth);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`;
  return `${label}${label ? ' ' : ''}${bar}${tail}`;
}

/** A plain progress line (for logs). */
export function renderLine(name: string, p: VodUploadProgress): string {
  return `${name}: ${Math.floor(p.percent)}% (${formatBytes(p.bytesUploaded)} of ${formatBytes(p.bytesTotal)}, ${formatBytes(p.speed)}/s, ETA ${formatDuration(p.eta)})`;
}

export interface ProgressWriter {
  update(p: VodUploadProgress): void;
  /** Draws the last state (the bar stays on screen) and ends the line. */
  done(): void;
  /** Prints a message on its own line, keeping the bar below it. */
  note(message: string): void;
}

export interface ProgressWriterOptions {
  name: string;
  write: (text: string) => void;
  /** A TTY gets the redrawn bar; anything else plain lines every 10 %. */
  tty: boolean;
  columns?: () => number;
  /** Least time between two redraws, ms. Default 100 (≤ 10 per second). */
  interval?: number;
  now?: () => number;
}

/** Draws progress to `write`: the throttled bar on a TTY, a line per 10 % step otherwise. */
export function createProgressWriter({ name, write, tty, columns = () => 80, interval = 100, now = Date.now }: ProgressWriterOptions): ProgressWriter {
  let last: VodUploadProgress | undefined;
  let drawnAt = -Infinity;
  let drawn = false;
  let step = -1;
  let resumedNoted = false;
  const draw = () => {
    if (!last) return;
    write(`\r\x1b[2K${renderBar(name, last, columns())}`);
    drawn = true;
    drawnAt = now();
  };
  return {
    update(p) {
      last = p;
      if (p.resumed && !resumedNoted && p.partsTotal) {
        resumedNoted = true;
        this.note(`Resuming: ${p.partsDone} of ${p.partsTotal} parts were already uploaded.`);
      }
      if (tty) {
        if (now() - drawnAt >= interval) draw();
        return;
      }
      if (p.phase !== 'uploading' && p.phase !== 'committing') return;
      const s = Math.floor(p.percent / 10);
      if (s > step) {
        step = s;
        write(`${renderLine(name, p)}\n`);
      }
    },
    done() {
      if (tty && last) {
        draw();
        write('\n');
        drawn = false;
      }
    },
    note(message) {
      if (tty && drawn) write('\r\x1b[2K');
      write(`${message}\n`);
      if (tty && drawn) draw();
    },
  };
}
