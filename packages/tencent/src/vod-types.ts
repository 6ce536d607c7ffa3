/**
 * Request and response types of the VOD API 2018-07-17 actions this project uses, with the cloud's own
 * PascalCase field names (from `tencentcloud-sdk-nodejs-vod` `vod_models.d.ts`, 4.1.287).
 *
 * Conventions: request fields are optional unless the cloud requires them. Response fields the cloud always
 * sends are required; fields it documents as "may return null" are `T | null`. Every response carries
 * `RequestId`. Open string sets are typed as known literals plus `(string & {})`, so new cloud values still fit.
 * @module
 */

/** The API version these types describe. */
export const VOD_API_VERSION = '2018-07-17';

/** A string union that still accepts values the cloud adds later. */
type Open<T extends string> = T | (string & {});

// ---------------------------------------------------------------------------------------------------------
// Envelope and errors

/** `Response.Error` of a failed call (HTTP 200). */
export interface VodErrorInfo {
  /** E.g. `AuthFailure.SignatureFailure`, `InvalidParameterValue.VodSessionKey`. */
  Code: string;
  Message: string;
}

/** The `Response` member of a failed call. */
export interface VodErrorResponse {
  Error: VodErrorInfo;
  RequestId: string;
}

/** The JSON body of any API 3.0 reply: `{ "Response": { …fields, "RequestId" } }` or `{ "Response": { "Error", "RequestId" } }`. */
export interface VodEnvelope<T> {
  Response: T | VodErrorResponse;
}

/** Fields every response carries. */
export interface VodResponseBase {
  RequestId: string;
}

// ---------------------------------------------------------------------------------------------------------
// Shared models

/** A temporary COS credential returned by ApplyUpload. */
export interface TempCertificate {
  SecretId: string;
  SecretKey: string;
  /** The session token; sent as `x-cos-security-token`. */
  Token: string;
  /** Expiry, Unix seconds. */
  ExpiredTime: number;
}

/** Where a media file came from. */
export interface MediaSourceData {
  SourceType: Open<'Record' | 'Upload' | 'VideoProcessing' | 'TrtcRecord' | 'WebPageRecord' | 'Unknown'>;
  /** The `SourceContext` given at upload (≤250 chars). */
  SourceContext: string;
}

export type MediaCategory = Open<'Video' | 'Audio' | 'Image'>;
export type MediaStatus = Open<'Normal' | 'SystemForbidden' | 'Forbidden'>;
export type StorageClass = Open<'STANDARD' | 'STANDARD_IA' | 'ARCHIVE' | 'DEEP_ARCHIVE'>;

export interface MediaBasicInfo {
  Name: string;
  Description: string;
  /** ISO 8601, e.g. `2019-01-09T16:36:22Z`. */
  CreateTime: string;
  UpdateTime: string;
  /** ISO 8601; `9999-12-31T23:59:59Z` means never. */
  ExpireTime: string;
  /** 0 = other. */
  ClassId: number;
  ClassName: string;
  ClassPath: string;
  CoverUrl: string;
  /** Container / extension, e.g. `mp4`. */
  Type: string;
  MediaUrl: string;
  SourceInfo: MediaSourceData | null;
  StorageRegion: string;
  StoragePath: string;
  TagSet: string[];
  Vid: string;
  Category: MediaCategory;
  Status: MediaStatus;
  StorageClass: StorageClass;
}

export interface MediaVideoStreamItem {
  /** bps. */
  Bitrate: number;
  Height: number;
  Width: number;
  Codec: string;
  Fps: number;
  CodecTag?: string;
}

export interface MediaAudioStreamItem {
  /** bps. */
  Bitrate: number;
  /** Hz. */
  SamplingRate: number;
  Codec: string;
}

export interface MediaMetaData {
  /** Bytes. */
  Size: number;
  Container: string;
  /** bps, sum of the streams. */
  Bitrate: number;
  Height: number;
  Width: number;
  /** Seconds. */
  Duration: number;
  /** Degrees: 0, 90, 180, 270. */
  Rotate: number;
  VideoStreamSet: MediaVideoStreamItem[];
  AudioStreamSet: MediaAudioStreamItem[];
  VideoDuration: number;
  AudioDuration: number;
  /** MD5 of the original file, when the cloud has it. */
  Md5?: string;
}

export interface MediaTranscodeItem {
  Url: string;
  /** Template ID; 0 = the original file. */
  Definition: number;
  Bitrate: number;
  Height: number;
  Width: number;
  Size: number;
  Duration: number;
  Md5?: string;
  Container: string;
  VideoStreamSet: MediaVideoStreamItem[];
  AudioStreamSet: MediaAudioStreamItem[];
}

export interface MediaTranscodeInfo {
  TranscodeSet: MediaTranscodeItem[];
}

export interface MediaSubtitleItem {
  Id: string;
  Name: string;
  Language: string;
  Format: Open<'vtt' | 'srt'>;
  Url: string;
  Source?: string;
}

export interface MediaSubtitleInfo {
  SubtitleSet: MediaSubtitleItem[];
}

/** `DescribeMediaInfos` `Filters` values (which sections to return). */
export type MediaInfoFilter = Open<
  | 'basicInfo'
  | 'metaData'
  | 'transcodeInfo'
  | 'animatedGraphicsInfo'
  | 'imageSpriteInfo'
  | 'snapshotByTimeOffsetInfo'
  | 'sampleSnapshotInfo'
  | 'keyFrameDescInfo'
  | 'adaptiveDynamicStreamingInfo'
  | 'miniProgramReviewInfo'
  | 'subtitleInfo'
  | 'reviewInfo'
>;

/**
 * One media file. Sections not requested through `Filters` (or not available) are null; sections this
 * project does not model are typed loosely.
 */
export interface MediaInfo {
  FileId: string;
  BasicInfo?: MediaBasicInfo | null;
  MetaData?: MediaMetaData | null;
  TranscodeInfo?: MediaTranscodeInfo | null;
  SubtitleInfo?: MediaSubtitleInfo | null;
  AnimatedGraphicsInfo?: Record<string, unknown> | null;
  SampleSnapshotInfo?: Record<string, unknown> | null;
  ImageSpriteInfo?: Record<string, unknown> | null;
  SnapshotByTimeOffsetInfo?: Record<string, unknown> | null;
  KeyFrameDescInfo?: Record<string, unknown> | null;
  AdaptiveDynamicStreamingInfo?: Record<string, unknown> | null;
  MiniProgramReviewInfo?: Record<string, unknown> | null;
  ReviewInfo?: Record<string, unknown> | null;
}

export interface TimeRange {
  /** ISO 8601, inclusive. */
  After?: string;
  /** ISO 8601, exclusive. */
  Before?: string;
}

export interface SortBy {
  Field: Open<'CreateTime'>;
  Order: 'Asc' | 'Desc';
}

export interface MediaKeyFrameDescItem {
  /** Seconds. */
  TimeOffset: number;
  Content: string;
}

export interface MediaSubtitleInput {
  Name: string;
  /** E.g. `cn`, `en`. */
  Language: string;
  Format: Open<'vtt' | 'srt'>;
  /** Base64 of the subtitle file. */
  Content: string;
  Id?: string;
}

export type MediaDeleteType = Open<
  | 'OriginalFiles'
  | 'TranscodeFiles'
  | 'AdaptiveDynamicStreamingFiles'
  | 'WechatPublishFiles'
  | 'WechatMiniProgramPublishFiles'
>;

export interface MediaDeleteItem {
  Type: MediaDeleteType;
  /** A template ID to delete only that output; 0 or omitted = all of `Type`. */
  Definition?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Events

/** The `NewFileUpload` payload. */
export interface FileUploadTask {
  FileId: string;
  MediaBasicInfo: MediaBasicInfo;
  /** Non-empty when a task flow (`Procedure`) was started. */
  ProcedureTaskId: string;
  ReviewAudioVideoTaskId: string;
  MetaData?: MediaMetaData | null;
}

export interface FileDeleteResultItem {
  FileId: string;
  DeleteParts: MediaDeleteItem[];
}

/** The `FileDeleted` payload. */
export interface FileDeleteTask {
  FileIdSet: string[];
  FileDeleteResultInfo?: FileDeleteResultItem[];
}

/** The `ProcedureStateChanged` payload (only the fields this project reads are typed). */
export interface ProcedureTask {
  TaskId: string;
  Status: Open<'PROCESSING' | 'FINISH'>;
  ErrCode?: number;
  Message?: string;
  FileId: string;
  FileName?: string;
  FileUrl?: string;
  SessionContext?: string;
  SessionId?: string;
  [field: string]: unknown;
}

export type VodEventType = Open<'NewFileUpload' | 'FileDeleted' | 'ProcedureStateChanged'>;

/**
 * One event, as PULL (`PullEvents`) returns it and PUSH posts it. `EventHandle` is only present for PULL;
 * exactly one payload member matching `EventType` is set (the others are null or absent).
 */
export interface EventContent {
  EventHandle?: string;
  EventType: VodEventType;
  FileUploadEvent?: FileUploadTask | null;
  FileDeleteEvent?: FileDeleteTask | null;
  ProcedureStateChangeEvent?: ProcedureTask | null;
}

// ---------------------------------------------------------------------------------------------------------
// Actions

/** Fields every request may carry. */
export interface VodRequestBase {
  /** The sub-application; required for accounts that activated VOD after 2023-12-25. */
  SubAppId?: number;
}

export interface ApplyUploadRequest extends VodRequestBase {
  /** Media extension, e.g. `mp4`. */
  MediaType: string;
  MediaName?: string;
  /** Cover image extension, e.g. `jpg`. */
  CoverType?: string;
  /** Task-flow template to run after upload. */
  Procedure?: string;
  /** ISO 8601. */
  ExpireTime?: string;
  /** E.g. `ap-chongqing`. */
  StorageRegion?: string;
  /** 0 = other. */
  ClassId?: number;
  /** ≤250 chars, echoed in the upload-complete event. */
  SourceContext?: string;
  /** ≤1000 chars, echoed in task-flow events. */
  SessionContext?: string;
  /** Reserved. */
  ExtInfo?: string;
  /** Must start with `/`; only for sub-apps in "FileID + Path" mode. */
  MediaStoragePath?: string;
}

export interface ApplyUploadResponse extends VodResponseBase {
  /** The COS bucket, full `name-APPID` form. */
  StorageBucket: string;
  /** The COS region. */
  StorageRegion: string;
  /** Opaque handle for CommitUpload. */
  VodSessionKey: string;
  /** The media object's key, starting with `/` (the COS key is this without the leading `/`). */
  MediaStoragePath: string;
  /** The cover object's key, when `CoverType` was given. */
  CoverStoragePath: string | null;
  /** Null when uploads must use the permanent key. */
  TempCertificate: TempCertificate | null;
}

export interface CommitUploadRequest extends VodRequestBase {
  VodSessionKey: string;
}

export interface CommitUploadResponse extends VodResponseBase {
  FileId: string;
  /** Playback URL. */
  MediaUrl: string;
  CoverUrl: string | null;
}

export interface DescribeMediaInfosRequest extends VodRequestBase {
  /** ≤20 FileIds. */
  FileIds: string[];
  /** Sections to return; all when omitted. */
  Filters?: MediaInfoFilter[];
}

export interface DescribeMediaInfosResponse extends VodResponseBase {
  MediaInfoSet: MediaInfo[];
  NotExistFileIdSet: string[];
}

export interface SearchMediaRequest extends VodRequestBase {
  /** ≤10 exact FileIds. */
  FileIds?: string[];
  /** Fuzzy name match. */
  Names?: string[];
  NamePrefixes?: string[];
  Descriptions?: string[];
  ClassIds?: number[];
  Tags?: string[];
  Categories?: MediaCategory[];
  SourceTypes?: string[];
  StreamIds?: string[];
  CreateTime?: TimeRange;
  ExpireTime?: TimeRange;
  StorageRegions?: string[];
  StorageClasses?: StorageClass[];
  MediaTypes?: string[];
  Status?: MediaStatus[];
  ReviewResults?: string[];
  Vids?: string[];
  /** Sections to return in `MediaInfoSet` (as DescribeMediaInfos `Filters`). */
  Filters?: MediaInfoFilter[];
  Sort?: SortBy;
  /** Offset + Limit ≤ 5000. */
  Offset?: number;
  /** Default 10. */
  Limit?: number;
  /** @deprecated Use `Names`/`Descriptions`. */
  Text?: string;
  /** @deprecated Use `SourceTypes`. */
  SourceType?: string;
  /** @deprecated Use `StreamIds`. */
  StreamId?: string;
  /** @deprecated Use `CreateTime`. */
  StartTime?: string;
  /** @deprecated Use `CreateTime`. */
  EndTime?: string;
}

export interface SearchMediaResponse extends VodResponseBase {
  /** Capped at 5000. */
  TotalCount: number;
  MediaInfoSet: MediaInfo[];
}

export interface ModifyMediaInfoRequest extends VodRequestBase {
  FileId: string;
  /** ≤64 chars. */
  Name?: string;
  /** ≤128 chars. */
  Description?: string;
  ClassId?: number;
  /** ISO 8601. */
  ExpireTime?: string;
  /** Base64 of a gif/jpeg/png cover. */
  CoverData?: string;
  AddKeyFrameDescs?: MediaKeyFrameDescItem[];
  DeleteKeyFrameDescs?: number[];
  /** 1 = clear all. */
  ClearKeyFrameDescs?: number;
  /** ≤16 tags of ≤32 chars. */
  AddTags?: string[];
  DeleteTags?: string[];
  /** 1 = clear all. */
  ClearTags?: number;
  AddSubtitles?: MediaSubtitleInput[];
  DeleteSubtitleIds?: string[];
  /** 1 = clear all. */
  ClearSubtitles?: number;
  DeleteKnowledgeBases?: string[];
  /** 1 = clear all. */
  ClearKnowledgeBases?: number;
}

export interface ModifyMediaInfoResponse extends VodResponseBase {
  /** Only when `CoverData` was sent. */
  CoverUrl?: string | null;
  AddedSubtitleSet?: MediaSubtitleItem[] | null;
}

export interface DeleteMediaRequest extends VodRequestBase {
  FileId: string;
  /** What to delete; omitted or `[]` deletes everything. */
  DeleteParts?: MediaDeleteItem[];
}

export interface DeleteMediaResponse extends VodResponseBase {}

export interface PullEventsRequest extends VodRequestBase {
  ExtInfo?: string;
}

export interface PullEventsResponse extends VodResponseBase {
  /** ≤16 events; each must be confirmed within 30 s or it is redelivered. */
  EventSet: EventContent[];
}

export interface ConfirmEventsRequest extends VodRequestBase {
  /** ≤16 `EventHandle`s. */
  EventHandles: string[];
  ExtInfo?: string;
}

export interface ConfirmEventsResponse extends VodResponseBase {}

/** Every typed action: its request and its `Response` (the error form excluded). */
export interface VodActions {
  ApplyUpload: { request: ApplyUploadRequest; response: ApplyUploadResponse };
  CommitUpload: { request: CommitUploadRequest; response: CommitUploadResponse };
  DescribeMediaInfos: { request: DescribeMediaInfosRequest; response: DescribeMediaInfosResponse };
  SearchMedia: { request: SearchMediaRequest; response: SearchMediaResponse };
  ModifyMediaInfo: { request: ModifyMediaInfoRequest; response: ModifyMediaInfoResponse };
  DeleteMedia: { request: DeleteMediaRequest; response: DeleteMediaResponse };
  PullEvents: { request: PullEventsRequest; response: PullEventsResponse };
  ConfirmEvents: { request: ConfirmEventsRequest; response: ConfirmEventsResponse };
}

export type VodAction = keyof VodActions;
export type VodRequest<A extends VodAction> = VodActions[A]['request'];
export type VodResponse<A extends VodAction> = VodActions[A]['response'];

/** The action names, for routing (e.g. in an emulator). */
export const VOD_ACTIONS = [
  'ApplyUpload',
  'CommitUpload',
  'DescribeMediaInfos',
  'SearchMedia',
  'ModifyMediaInfo',
  'DeleteMedia',
  'PullEvents',
  'ConfirmEvents',
] as const satisfies ReadonlyArray<VodAction>;
