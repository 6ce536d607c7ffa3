/**
 * VOD's `MediaInfo` as the media routes answer it: a `Video` in the spirit of api.video's, and the processing
 * status the upload engine polls. Reserved tags never appear; times are ISO 8601 UTC with milliseconds.
 * @module
 */
import type { MediaInfo } from '@vod-uploader/tencent';
import { isReservedTag, PROCEDURE_TAG } from './media-scope.ts';

/** One media file (`GET /media/:fileId`, the items of `GET /media`). */
export interface Video {
  fileId: string;
  title: string;
  description: string;
  /** The client's tags (reserved `vu-…` tags left out). */
  tags: string[];
  /** 0 = other. */
  classId: number;
  createdAt: string | null;
  updatedAt: string | null;
  /** null: never expires. */
  expiresAt: string | null;
  /** Playback URL of the original. */
  mediaUrl: string;
  coverUrl: string;
  /** Bytes; null when VOD has no metadata yet. */
  size: number | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  /** Container, e.g. `mp4`. */
  type: string;
  /** `video`, `audio` or `image`. */
  category: string;
  /** `normal`, `forbidden` or `systemForbidden` (VOD's distribution status). */
  status: string;
  sourceContext: string;
}

export type ProcessingStatus = 'processing' | 'ready' | 'failed';

/** `GET /media/:fileId/status`. */
export interface VideoStatus {
  fileId: string;
  status: ProcessingStatus;
  ingest: { status: 'uploaded'; filesize: number | null };
  encoding: {
    /** The original can be played (`mediaUrl`), whatever the task flow is doing. */
    playable: boolean;
    /** A task flow (`Procedure`) was asked for at upload. */
    procedure: boolean;
    /** Transcoded outputs (template id = definition). */
    qualities: Array<{ definition: number; status: 'encoded'; container: string; width: number; height: number; bitrate: number; url: string }>;
    /** Other outputs of the task flow, by VOD section (adaptive streams, snapshots, sprites…). */
    outputs: Record<string, number>;
    /** Why `failed`, when it is. */
    reason?: string;
    metadata: {
      width: number | null;
      height: number | null;
      bitrate: number | null;
      durationSeconds: number | null;
      container: string | null;
      videoCodec: string | null;
      audioCodec: string | null;
      framerate: number | null;
      samplerate: number | null;
    };
  };
}

/** VOD's "never". */
export const NEVER_EXPIRES = '9999-12-31T23:59:59Z';

function iso(text: string | undefined | null): string | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

const lowerFirst = (s: string) => (s ? s[0]!.toLowerCase() + s.slice(1) : s);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function toVideo(info: MediaInfo): Video {
  const b = info.BasicInfo;
  const m = info.MetaData;
  return {
    fileId: info.FileId,
    title: b?.Name ?? '',
    description: b?.Description ?? '',
    tags: (b?.TagSet ?? []).filter((t) => !isReservedTag(t)),
    classId: b?.ClassId ?? 0,
    createdAt: iso(b?.CreateTime),
    updatedAt: iso(b?.UpdateTime),
    expiresAt: !b?.ExpireTime || b.ExpireTime === NEVER_EXPIRES ? null : iso(b.ExpireTime),
    mediaUrl: b?.MediaUrl ?? '',
    coverUrl: b?.CoverUrl ?? '',
    size: num(m?.Size),
    durationSeconds: num(m?.Duration),
    width: num(m?.Width),
    height: num(m?.Height),
    type: b?.Type ?? '',
    category: (b?.Category ?? '').toLowerCase(),
    status: lowerFirst(b?.Status ?? ''),
    sourceContext: b?.SourceInfo?.SourceContext ?? '',
  };
}

/** The DescribeMediaInfos sections the status needs. */
export const STATUS_FILTERS = [
  'basicInfo',
  'metaData',
  'transcodeInfo',
  'adaptiveDynamicStreamingInfo',
  'snapshotByTimeOffsetInfo',
  'sampleSnapshotInfo',
  'imageSpriteInfo',
  'animatedGraphicsInfo',
] as const;

/** Items of each output section of the task flow (any non-empty array in it counts). */
function outputsOf(info: MediaInfo): Record<string, number> {
  const sections = {
    adaptiveStreams: info.AdaptiveDynamicStreamingInfo,
    snapshots: info.SnapshotByTimeOffsetInfo,
    sampleSnapshots: info.SampleSnapshotInfo,
    imageSprites: info.ImageSpriteInfo,
    animatedGraphics: info.AnimatedGraphicsInfo,
  };
  const out: Record<string, number> = {};
  for (const [name, section] of Object.entries(sections)) {
    if (!section) continue;
    const n = Object.values(section).reduce<number>((sum, v) => sum + (Array.isArray(v) ? v.length : 0), 0);
    if (n > 0) out[name] = n;
  }
  return out;
}

/**
 * The processing state from what VOD has: `failed` when VOD forbids the media (review, or blocked);
 * `processing` while there is no playback URL, or while a requested task flow has produced nothing yet;
 * else `ready`.
 */
export function toStatus(info: MediaInfo): VideoStatus {
  const b = info.BasicInfo;
  const m = info.MetaData;
  const procedure = (b?.TagSet ?? []).includes(PROCEDURE_TAG);
  const qualities = (info.TranscodeInfo?.TranscodeSet ?? [])
    .filter((t) => t.Definition !== 0)
    .map((t) => ({ definition: t.Definition, status: 'encoded' as const, container: t.Container, width: t.Width, height: t.Height, bitrate: t.Bitrate, url: t.Url }));
  const outputs = outputsOf(info);
  const forbidden = b?.Status === 'Forbidden' || b?.Status === 'SystemForbidden';
  const playable = !forbidden && !!b?.MediaUrl;
  let status: ProcessingStatus;
  if (forbidden) status = 'failed';
  else if (!b?.MediaUrl || (procedure && qualities.length === 0 && Object.keys(outputs).length === 0)) status = 'processing';
  else status = 'ready';
  const video = m?.VideoStreamSet?.[0];
  const audio = m?.AudioStreamSet?.[0];
  return {
    fileId: info.FileId,
    status,
    ingest: { status: 'uploaded', filesize: num(m?.Size) },
    encoding: {
      playable,
      procedure,
      qualities,
      outputs,
      ...(forbidden ? { reason: `VOD has ${b!.Status === 'SystemForbidden' ? 'blocked' : 'forbidden'} this media's distribution.` } : {}),
      metadata: {
        width: num(m?.Width),
        height: num(m?.Height),
        bitrate: num(m?.Bitrate),
        durationSeconds: num(m?.Duration),
        container: m?.Container || null,
        videoCodec: video?.Codec || null,
        audioCodec: audio?.Codec || null,
        framerate: num(video?.Fps),
        samplerate: num(audio?.SamplingRate),
      },
    },
  };
}
