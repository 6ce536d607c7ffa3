/**
 * Request parameters of each VOD action, as the cloud checks them before doing anything: unknown members →
 * `UnknownParameter`, missing required ones → `MissingParameter`, wrong JSON types → `InvalidParameter`.
 * The member lists are those of `tencentcloud-sdk-nodejs-vod` 4.1.287 (`vod_models.d.ts`), so anything the
 * official SDK can send is recognized.
 * @module
 */
import type { VodAction } from '@vod-uploader/tencent';
import { VodError } from '../errors.ts';

type FieldType = 'string' | 'integer' | 'number' | 'string[]' | 'integer[]' | 'object' | 'object[]' | 'any';

interface ActionSchema {
  required: string[];
  fields: Record<string, FieldType>;
}

const common = { SubAppId: 'integer' } as const;

export const SCHEMAS: Record<VodAction, ActionSchema> = {
  ApplyUpload: {
    required: ['MediaType'],
    fields: {
      ...common,
      MediaType: 'string',
      MediaName: 'string',
      CoverType: 'string',
      Procedure: 'string',
      ExpireTime: 'string',
      StorageRegion: 'string',
      ClassId: 'integer',
      SourceContext: 'string',
      SessionContext: 'string',
      ExtInfo: 'string',
      MediaStoragePath: 'string',
    },
  },
  CommitUpload: { required: ['VodSessionKey'], fields: { ...common, VodSessionKey: 'string' } },
  DescribeMediaInfos: { required: ['FileIds'], fields: { ...common, FileIds: 'string[]', Filters: 'string[]' } },
  SearchMedia: {
    required: [],
    fields: {
      ...common,
      FileIds: 'string[]',
      Names: 'string[]',
      NamePrefixes: 'string[]',
      Descriptions: 'string[]',
      ClassIds: 'integer[]',
      Tags: 'string[]',
      Categories: 'string[]',
      SourceTypes: 'string[]',
      StreamIds: 'string[]',
      CreateTime: 'object',
      ExpireTime: 'object',
      StorageRegions: 'string[]',
      StorageClasses: 'string[]',
      MediaTypes: 'string[]',
      Status: 'string[]',
      ReviewResults: 'string[]',
      TrtcSdkAppIds: 'integer[]',
      TrtcRoomIds: 'string[]',
      Filters: 'string[]',
      Sort: 'object',
      Offset: 'integer',
      Limit: 'integer',
      Text: 'string',
      SourceType: 'string',
      StreamId: 'string',
      StartTime: 'string',
      EndTime: 'string',
      Vids: 'string[]',
      Vid: 'string',
      StreamDomains: 'string[]',
      StreamPaths: 'string[]',
      KnowledgeBases: 'string[]',
    },
  },
  ModifyMediaInfo: {
    required: ['FileId'],
    fields: {
      ...common,
      FileId: 'string',
      Name: 'string',
      Description: 'string',
      ClassId: 'integer',
      ExpireTime: 'string',
      CoverData: 'string',
      AddKeyFrameDescs: 'object[]',
      DeleteKeyFrameDescs: 'any',
      ClearKeyFrameDescs: 'integer',
      AddTags: 'string[]',
      DeleteTags: 'string[]',
      ClearTags: 'integer',
      AddSubtitles: 'object[]',
      DeleteSubtitleIds: 'string[]',
      ClearSubtitles: 'integer',
      DeleteKnowledgeBases: 'string[]',
      ClearKnowledgeBases: 'integer',
    },
  },
  DeleteMedia: { required: ['FileId'], fields: { ...common, FileId: 'string', DeleteParts: 'object[]' } },
  PullEvents: { required: [], fields: { ...common, ExtInfo: 'string' } },
  ConfirmEvents: { required: ['EventHandles'], fields: { ...common, EventHandles: 'string[]', ExtInfo: 'string' } },
};

function typeOk(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'integer[]':
      return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
    case 'object':
      return !!v && typeof v === 'object' && !Array.isArray(v);
    case 'object[]':
      return Array.isArray(v) && v.every((x) => !!x && typeof x === 'object' && !Array.isArray(x));
    case 'any':
      return true;
  }
}

const TYPE_NAMES: Record<FieldType, string> = {
  string: 'String',
  integer: 'Integer',
  number: 'Float',
  'string[]': 'Array of String',
  'integer[]': 'Array of Integer',
  object: 'Object',
  'object[]': 'Array of Object',
  any: 'any',
};

/** Checks a parsed body against the action's schema; throws the cloud's error. Null members count as absent. */
export function checkParams(action: VodAction, body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new VodError('InvalidParameter', 'The request body must be a JSON object.');
  }
  const schema = SCHEMAS[action];
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (!Object.hasOwn(schema.fields, name)) throw new VodError('UnknownParameter', `The parameter \`${name}\` is not recognized.`);
    if (value === null) continue;
    const type = schema.fields[name]!;
    if (!typeOk(type, value)) {
      throw new VodError('InvalidParameter', `The value type of parameter \`${name}\` is not valid, expected ${TYPE_NAMES[type]}.`);
    }
    params[name] = value;
  }
  for (const name of schema.required) {
    if (params[name] === undefined) throw new VodError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  }
  return params;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 time (`2030-01-01T00:00:00Z`, offsets allowed) to ms, or undefined. */
export function parseIsoTime(text: string): number | undefined {
  if (!ISO.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
