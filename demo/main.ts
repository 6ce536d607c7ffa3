// The demo page: <vod-uploader> with its main options, the list of uploaded media (GET /vod/media, the signer's
// api.video-style list) with cover, name, size and status, and a player for a chosen upload from the emulator.
import '@vod-uploader/element';
import type { VodUploader } from '@vod-uploader/element';

const uploader = document.querySelector('vod-uploader')!;
const options = document.querySelector<HTMLFieldSetElement>('#options')!;
const form = document.querySelector<HTMLFormElement>('#form')!;
const player = document.querySelector<HTMLVideoElement>('#player')!;
const table = document.querySelector<HTMLTableElement>('#media')!;
const empty = document.querySelector<HTMLElement>('#media-empty')!;
const signer = uploader.getAttribute('signer')!;

/** One media file as the list shows it. */
interface Media {
  fileId: string;
  name: string;
  size?: number;
  status: string;
  mediaUrl?: string;
  coverUrl?: string;
}

// ── options → element properties ────────────────────────────────────────────────────────────────────────────────
const MB = 1_000_000;
const MIB = 1 << 20;
function applyOptions() {
  const get = (name: string) => options.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
  for (const name of ['multiple', 'cover', 'manual', 'dedupe', 'disabled'] as const) uploader[name] = get(name).checked;
  uploader.maxSize = Number(get('max-size').value) * MB;
  uploader.partSize = Number(get('part-size').value) * MIB;
  uploader.concurrency = Number(get('concurrency').value);
  uploader.lang = get('lang').value;
  document.documentElement.lang = get('lang').value;
}
options.addEventListener('change', applyOptions);
applyOptions();

// ── the form: its value is the FileIds ──────────────────────────────────────────────────────────────────────────
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const ids = new FormData(form).getAll('videos');
  document.querySelector('#submitted')!.textContent = `videos = ${JSON.stringify(ids)}`;
});

// ── the media list ─────────────────────────────────────────────────────────────────────────────────────────────
const local = new Map<string, Media>(); // uploads of this page, when the signer has no list route
let listRoute = true;

/** Reads GET /media in api.video's VideosApi shape ({ data: [...], pagination }), or our own field names. */
function fromApi(raw: Record<string, any>): Media {
  return {
    fileId: String(raw.fileId ?? raw.videoId ?? raw.id),
    name: String(raw.name ?? raw.title ?? raw.fileId ?? ''),
    size: Number(raw.size ?? raw.metadata?.size ?? raw.mediaSize ?? NaN) || undefined,
    status: String(raw.status ?? (raw.ready === false ? 'processing' : 'ready')),
    mediaUrl: raw.mediaUrl ?? raw.assets?.mp4 ?? raw.assets?.mediaUrl,
    coverUrl: raw.coverUrl ?? raw.assets?.thumbnail ?? raw.assets?.coverUrl,
  };
}

async function loadMedia(): Promise<Media[]> {
  if (listRoute) {
    try {
      const res = await fetch(`${signer}/media?pageSize=50&sortBy=createdAt&sortOrder=desc`, { headers: { accept: 'application/json' } });
      if (res.ok) {
        const body = await res.json();
        const rows: Record<string, any>[] = Array.isArray(body) ? body : (body.data ?? body.items ?? body.media ?? []);
        const media = rows.map(fromApi);
        // The list has VOD's distribution status; the processing status is its own route (a few rows only).
        await Promise.all(
          media.slice(0, 20).map(async (m) => {
            const r = await fetch(`${signer}/media/${encodeURIComponent(m.fileId)}/status`).catch(() => null);
            if (r?.ok) m.status = String((await r.json()).status ?? m.status);
          }),
        );
        return media;
      }
      if (res.status === 404 || res.status === 405) listRoute = false;
    } catch {
      // signer not reachable: show what this page uploaded
    }
  }
  return [...local.values()].reverse();
}

const bytes = (n?: number) => (n === undefined ? '' : new Intl.NumberFormat(undefined, { style: 'unit', unit: n >= 1e9 ? 'gigabyte' : n >= 1e6 ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(n / (n >= 1e9 ? 1e9 : n >= 1e6 ? 1e6 : 1e3)));

function render(media: Media[]) {
  const body = table.tBodies[0]!;
  body.replaceChildren(
    ...media.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.fileId = m.fileId;
      const cover = m.coverUrl ? Object.assign(document.createElement('img'), { src: m.coverUrl, alt: `Cover of ${m.name}` }) : Object.assign(document.createElement('span'), { className: 'nocover' });
      const play = document.createElement('button');
      play.type = 'button';
      play.textContent = 'Play';
      play.setAttribute('aria-label', `Play ${m.name}`);
      play.disabled = !m.mediaUrl;
      play.addEventListener('click', () => {
        player.hidden = false;
        player.src = m.mediaUrl!;
        player.poster = m.coverUrl ?? '';
        void player.play().catch(() => {});
      });
      const cells = [cover, m.name, bytes(m.size), m.status, play].map((c) => {
        const td = document.createElement('td');
        td.append(c);
        return td;
      });
      cells[1]!.className = 'name';
      cells[1]!.title = m.name;
      tr.append(...cells);
      return tr;
    }),
  );
  table.hidden = !media.length;
  empty.hidden = !!media.length;
}

let timer: ReturnType<typeof setTimeout> | undefined;
async function refresh() {
  clearTimeout(timer);
  const media = await loadMedia();
  render(media);
  // Poll while VOD is still processing something.
  if (media.some((m) => m.status === 'processing' || m.status === 'uploading')) timer = setTimeout(refresh, 3000);
}

uploader.addEventListener('vod-upload-success', (event) => {
  const { item, fileId, mediaUrl, coverUrl } = event.detail;
  local.set(fileId, { fileId, name: item.file.name, size: item.file.size, status: 'uploaded', mediaUrl, coverUrl });
  void refresh();
});
uploader.addEventListener('vod-complete', () => void refresh());
void refresh();

declare global {
  interface Window {
    vodUploader: VodUploader;
  }
}
window.vodUploader = uploader;
