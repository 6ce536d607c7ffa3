/**
 * Media records as VOD returns them (`MediaInfo`, `MediaBasicInfo`, `MediaMetaData`, events), with URLs under
 * the emulator's `/media/{FileId}/…` route.
 * @module
 */
import type { EventContent, MediaBasicInfo, MediaInfo, MediaMetaData, MediaTranscodeItem } from '@vod-uploader/tencent';
import type { EventRecord, MediaRecord } from '../store.ts';

/** `MediaUrl`/`CoverUrl` of media records, relative to an origin. */
export interface MediaUrls {
  media(m: MediaRecord): string;
  cover(m: MediaRecord): string;
}

export function mediaUrls(origin: string): MediaUrls {
  return {
    media: (m) => `${origin}/media/${m.fileId}/${encodeURIComponent(fileName(m.mediaKey))}`,
    cover: (m) => (m.cover ? `${origin}/media/${m.fileId}/${encodeURIComponent(m.cover.name)}` : ''),
  };
}

export const fileName = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

export function basicInfo(m: MediaRecord, urls: MediaUrls): MediaBasicInfo {
  return {
    Name: m.name,
    Description: m.description,
    CreateTime: m.createTime,
    UpdateTime: m.updateTime,
    ExpireTime: m.expireTime,
    ClassId: m.classId,
    ClassName: m.classId === 0 ? 'Other' : `Class ${m.classId}`,
    ClassPath: m.classId === 0 ? 'Other' : `Class ${m.classId}`,
    CoverUrl: urls.cover(m),
    Type: m.type,
    MediaUrl: urls.media(m),
    SourceInfo: { SourceType: 'Upload', SourceContext: m.sourceContext },
    StorageRegion: m.storageRegion,
    StoragePath: `/${m.mediaKey}`,
    TagSet: [...m.tags],
    Vid: '',
    Category: m.category,
    Status: 'Normal',
    StorageClass: 'STANDARD',
  };
}

export function metaData(m: MediaRecord): MediaMetaData {
  return {
    Size: m.size,
    Container: m.type,
    Bitrate: 0,
    Height: 0,
    Width: 0,
    Duration: 0,
    Rotate: 0,
    VideoStreamSet: [],
    AudioStreamSet: [],
    VideoDuration: 0,
    AudioDuration: 0,
    Md5: m.md5,
  };
}

/** The `Filters` names VOD knows; the emulator has content for `basicInfo` and `metaData` only. */
const SECTIONS = {
  basicInfo: 'BasicInfo',
  metaData: 'MetaData',
  transcodeInfo: 'TranscodeInfo',
  animatedGraphicsInfo: 'AnimatedGraphicsInfo',
  sampleSnapshotInfo: 'SampleSnapshotInfo',
  imageSpriteInfo: 'ImageSpriteInfo',
  snapshotByTimeOffsetInfo: 'SnapshotByTimeOffsetInfo',
  keyFrameDescInfo: 'KeyFrameDescInfo',
  adaptiveDynamicStreamingInfo: 'AdaptiveDynamicStreamingInfo',
  miniProgramReviewInfo: 'MiniProgramReviewInfo',
  subtitleInfo: 'SubtitleInfo',
  reviewInfo: 'ReviewInfo',
} as const;

export const isSectionFilter = (name: string): boolean => Object.hasOwn(SECTIONS, name);

/** The template of the one transcode a finished task flow produces (a preset MP4 definition). */
export const PROCEDURE_DEFINITION = 100030;

/**
 * What a finished task flow left: one transcode of the source. The emulator does not transcode, so its bytes and
 * URL are the source's; what matters to clients is that the output appears when the flow ends.
 */
function transcodes(m: MediaRecord, urls: MediaUrls, now: number): MediaTranscodeItem[] {
  if (!m.procedure || now < m.procedure.doneAt) return [];
  const item = { Url: urls.media(m), Bitrate: 0, Height: 0, Width: 0, Size: m.size, Duration: 0, Md5: m.md5, Container: m.type, VideoStreamSet: [], AudioStreamSet: [] };
  return [{ ...item, Definition: PROCEDURE_DEFINITION }];
}

/**
 * A `MediaInfo` at time `now` (ms); with `filters`, only those sections are filled (the rest null), as the cloud
 * does.
 */
export function mediaInfo(m: MediaRecord, urls: MediaUrls, now: number, filters?: string[]): MediaInfo {
  const want = (name: keyof typeof SECTIONS) => !filters?.length || filters.includes(name);
  const info: MediaInfo = { FileId: m.fileId };
  for (const [filter, member] of Object.entries(SECTIONS) as Array<[keyof typeof SECTIONS, (typeof SECTIONS)[keyof typeof SECTIONS]]>) {
    (info as unknown as Record<string, unknown>)[member] = null;
    if (!want(filter)) continue;
    if (filter === 'basicInfo') info.BasicInfo = basicInfo(m, urls);
    else if (filter === 'metaData') info.MetaData = metaData(m);
    else if (filter === 'transcodeInfo') info.TranscodeInfo = { TranscodeSet: transcodes(m, urls, now) };
    else if (filter === 'subtitleInfo') info.SubtitleInfo = { SubtitleSet: [] };
  }
  return info;
}

/** An event as PullEvents returns it. */
export function eventContent(e: EventRecord, urls: MediaUrls): EventContent {
  if (e.type === 'NewFileUpload') {
    const m = e.media!;
    return {
      EventHandle: e.handle,
      EventType: 'NewFileUpload',
      FileUploadEvent: {
        FileId: m.fileId,
        MediaBasicInfo: basicInfo(m, urls),
        ProcedureTaskId: m.procedure?.taskId ?? '',
        ReviewAudioVideoTaskId: '',
        MetaData: metaData(m),
      },
    };
  }
  if (e.type === 'ProcedureStateChanged') {
    const m = e.media!;
    return {
      EventHandle: e.handle,
      EventType: 'ProcedureStateChanged',
      ProcedureStateChangeEvent: {
        TaskId: m.procedure!.taskId,
        Status: 'FINISH',
        ErrCode: 0,
        Message: 'SUCCESS',
        FileId: m.fileId,
        FileName: m.name,
        FileUrl: urls.media(m),
        MetaData: metaData(m),
        MediaProcessResultSet: [{ Type: 'Transcode', TranscodeTask: { Status: 'SUCCESS', ErrCode: 0, Message: 'SUCCESS', Output: transcodes(m, urls, m.procedure!.doneAt)[0] } }],
        SessionContext: m.sessionContext,
        SessionId: '',
      },
    };
  }
  const ids = e.fileIds ?? [];
  return {
    EventHandle: e.handle,
    EventType: 'FileDeleted',
    FileDeleteEvent: { FileIdSet: ids, FileDeleteResultInfo: ids.map((FileId) => ({ FileId, DeleteParts: [] })) },
  };
}
