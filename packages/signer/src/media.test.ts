import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SECRET_KEY } from '@vod-uploader/emulator';
import { PROCEDURE_TAG, scopeTag } from './media-scope.ts';
import { MiB } from './policy.ts';
import type { MediaGrant } from './runtime.ts';
import { bytes, PNG, setup, uploadThrough, type Harness, type Reply } from './test-support.ts';

/** Every harness of this file, for the final secret scan. */
const harnesses: Harness[] = [];

const GRANTS: Record<string, MediaGrant | undefined> = { alice: true, bob: true, carol: 'read', admin: 'all', dave: undefined };

/** The host's authorize: `x-user` names the caller; its media grant comes from GRANTS. */
function harness(options: Parameters<typeof setup>[0] = {}): Harness & { clock: { t: number } } {
  const clock = { t: Date.now() };
  const h = setup(
    {
      now: () => clock.t,
      authorize: (c) => {
        const user = c.req.header('x-user');
        return user ? { scope: `user:${user}`, media: GRANTS[user] } : null;
      },
      ...options,
    },
    { clock: () => clock.t },
  );
  harnesses.push(h);
  return Object.assign(h, { clock });
}

const as = (user: string) => ({ 'x-user': user });

/** A request to the signer as `user`. */
function send(h: Harness, user: string, method: string, path: string, init: { json?: unknown; body?: BodyInit; type?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...as(user) };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.type) headers['content-type'] = init.type;
  return h.raw(path, { method, headers, body });
}

/** Uploads a small file as `user` (each one 10 s after the previous, so creation times differ). */
async function upload(h: Harness & { clock: { t: number } }, user: string, name: string, extra: { options?: Record<string, unknown>; size?: number } = {}): Promise<string> {
  h.clock.t += 10_000;
  const r = await uploadThrough(h, bytes(extra.size ?? 2048), { name, headers: as(user), options: extra.options, sha1: null });
  assert.equal(r.completed?.status, 200, r.completed?.text ?? JSON.stringify(r));
  return r.completed!.json.fileId as string;
}

const VIDEO_KEYS = [
  'category', 'classId', 'coverUrl', 'createdAt', 'description', 'durationSeconds', 'expiresAt', 'fileId', 'height', 'mediaUrl',
  'size', 'sourceContext', 'status', 'tags', 'title', 'type', 'updatedAt', 'width',
];

describe('media routes: access', () => {
  let h: ReturnType<typeof harness>;
  let aliceFile: string;
  before(async () => {
    h = harness();
    aliceFile = await upload(h, 'alice', 'alice-1.mp4');
  });
  after(() => h.close());

  it('are off without a media grant (403 forbidden on every route), and read-only with media: "read"', async () => {
    const routes: Array<[string, string, { json?: unknown; body?: BodyInit; type?: string }?]> = [
      ['GET', '/media'],
      ['GET', `/media/${aliceFile}`],
      ['GET', `/media/${aliceFile}/status`],
      ['PATCH', `/media/${aliceFile}`, { json: { title: 'x' } }],
      ['DELETE', `/media/${aliceFile}`],
      ['PUT', `/media/${aliceFile}/cover`, { body: PNG as Uint8Array<ArrayBuffer>, type: 'image/png' }],
    ];
    for (const [method, path, init] of routes) {
      const r = await send(h, 'dave', method, path, init);
      assert.deepEqual([r.status, r.json.error.code, r.json.error.retryable], [403, 'forbidden', false], `${method} ${path}`);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    // carol ('read') may read her own scope's media (none), but not write.
    assert.equal((await send(h, 'carol', 'GET', '/media')).status, 200);
    for (const [method, path, init] of routes.slice(3)) {
      const r = await send(h, 'carol', method, path, init);
      assert.deepEqual([r.status, r.json.error.code, r.json.error.message], [403, 'forbidden', 'This caller may only read media.'], `${method} ${path}`);
    }
    const anonymous = await h.raw('/media', { method: 'GET' });
    assert.deepEqual([anonymous.status, anonymous.json.error.code], [401, 'unauthorized']);
  });

  it('the default authorize (open, scope "public") grants no media', async () => {
    const open = setup();
    harnesses.push(open);
    try {
      const r = await open.raw('/media', { method: 'GET' });
      assert.deepEqual([r.status, r.json.error.code], [403, 'forbidden']);
    } finally {
      await open.close();
    }
  });

  it('isolates scopes: another scope gets 404 on every route, an "all" grant sees and changes everything', async () => {
    const bobFile = await upload(h, 'bob', 'bob-1.mp4');
    for (const [method, path, init] of [
      ['GET', `/media/${aliceFile}`],
      ['GET', `/media/${aliceFile}/status`],
      ['PATCH', `/media/${aliceFile}`, { json: { title: 'stolen' } }],
      ['DELETE', `/media/${aliceFile}`],
      ['PUT', `/media/${aliceFile}/cover`, { body: PNG as Uint8Array<ArrayBuffer>, type: 'image/png' }],
    ] as const) {
      const r = await send(h, 'bob', method, path, init);
      assert.deepEqual([r.status, r.json.error.code], [404, 'not_found'], `${method} ${path}`);
      assert.ok(r.json.error.requestId, 'the 404 carries the cloud RequestId');
    }
    // Nothing was changed by bob's attempts.
    const mine = await send(h, 'alice', 'GET', `/media/${aliceFile}`);
    assert.deepEqual([mine.status, mine.json.title, mine.json.coverUrl], [200, 'alice-1', '']);

    const aliceList = (await send(h, 'alice', 'GET', '/media')).json.data.map((v: { fileId: string }) => v.fileId);
    const bobList = (await send(h, 'bob', 'GET', '/media')).json.data.map((v: { fileId: string }) => v.fileId);
    assert.deepEqual([aliceList, bobList], [[aliceFile], [bobFile]]);
    const all = (await send(h, 'admin', 'GET', '/media')).json.data.map((v: { fileId: string }) => v.fileId);
    assert.deepEqual(all, [bobFile, aliceFile], 'newest first');
    const renamed = await send(h, 'admin', 'PATCH', `/media/${bobFile}`, { json: { title: 'Moderated' } });
    assert.deepEqual([renamed.status, renamed.json.title], [200, 'Moderated']);
    // The admin's change kept bob's ownership.
    assert.equal((await send(h, 'bob', 'GET', `/media/${bobFile}`)).json.title, 'Moderated');
  });

  it('404 for an unknown FileId (with the RequestId), 400 for a malformed one, JSON 404 for unknown routes', async () => {
    const unknown = await send(h, 'admin', 'GET', '/media/5285890799999999999');
    assert.deepEqual([unknown.status, unknown.json.error.code, unknown.json.error.message], [404, 'not_found', 'No media 5285890799999999999.']);
    assert.match(unknown.json.error.requestId, /\S/);
    for (const id of ['abc', '12a', '1'.repeat(33), '-1', '1e5', '%201', '%E4%B8%80']) {
      const r = await send(h, 'admin', 'GET', `/media/${id}`);
      assert.deepEqual([r.status, r.json.error.code], [400, 'invalid_request'], id);
    }
    for (const [method, path] of [['POST', '/media'], ['GET', `/media/${aliceFile}/nope`], ['POST', `/media/${aliceFile}/status`]]) {
      const r = await send(h, 'admin', method!, path!);
      assert.deepEqual([r.status, r.json.error.code], [404, 'not_found'], `${method} ${path}`);
    }
  });

  it('hands scopes reserved tags that no response shows and no client may set', async () => {
    const tag = await scopeTag('user:alice');
    assert.match(tag, /^vu-[a-z2-7]{13}$/);
    assert.notEqual(tag, await scopeTag('user:bob'));
    const video = await send(h, 'alice', 'GET', `/media/${aliceFile}`);
    assert.deepEqual(video.json.tags, []);
    for (const json of [{ tags: [tag] }, { addTags: ['vu-mine'] }, { removeTags: [tag] }]) {
      const r = await send(h, 'alice', 'PATCH', `/media/${aliceFile}`, { json });
      assert.deepEqual([r.status, r.json.error.code], [400, 'invalid_request'], JSON.stringify(json));
      assert.match(r.json.error.message, /reserved/);
    }
    const filtered = await send(h, 'admin', 'GET', `/media?tags=${tag}`);
    assert.deepEqual([filtered.status, filtered.json.error.code], [400, 'invalid_request']);
  });

  it('are rate-limited with the rest', async () => {
    const limited = harness({ rateLimit: { capacity: 2, refillPerSecond: 0.001 } });
    assert.equal((await send(limited, 'alice', 'GET', '/media')).status, 200);
    assert.equal((await send(limited, 'alice', 'GET', '/media/1')).status, 404);
    const r = await send(limited, 'alice', 'GET', '/media');
    assert.deepEqual([r.status, r.json.error.code, r.json.error.retryable], [429, 'rate_limited', true]);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    await limited.close();
  });

  it('CORS preflights allow PATCH, PUT and DELETE', async () => {
    const cors = harness({ corsOrigins: ['https://app.example'] });
    const res = await cors.host.request('http://signer.test/vod/media/1', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH' },
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PATCH.*PUT.*DELETE/);
    await cors.close();
  });
});

describe('media routes: get and status', () => {
  let h: ReturnType<typeof harness>;
  before(() => {
    h = harness();
  });
  after(() => h.close());

  it('GET /media/:fileId answers the Video', async () => {
    const data = bytes(1500 * 1024);
    h.clock.t += 1000;
    const r = await uploadThrough(h, data, { name: 'Holiday.mp4', headers: as('alice'), cover: PNG, options: { classId: 3 }, sha1: null, partSize: MiB });
    const fileId = r.completed!.json.fileId;
    const v = await send(h, 'alice', 'GET', `/media/${fileId}`);
    assert.equal(v.status, 200);
    assert.equal(v.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(v.json).sort(), VIDEO_KEYS);
    const created = new Date(Math.floor(h.clock.t / 1000) * 1000).toISOString();
    assert.deepEqual(v.json, {
      fileId,
      title: 'Holiday',
      description: '',
      tags: [],
      classId: 3,
      createdAt: created,
      updatedAt: v.json.updatedAt,
      expiresAt: null,
      mediaUrl: r.completed!.json.mediaUrl,
      coverUrl: r.completed!.json.coverUrl,
      size: data.length,
      durationSeconds: 0,
      width: 0,
      height: 0,
      type: 'mp4',
      category: 'video',
      status: 'normal',
      sourceContext: '',
    });
    assert.ok(Date.parse(v.json.updatedAt) >= Date.parse(created));
  });

  it('status: ready when playable; processing while a task flow has no output yet; ready after; failed when forbidden', async () => {
    const plain = await upload(h, 'alice', 'plain.mp4');
    h.vodCalls.length = 0;
    const s = await send(h, 'alice', 'GET', `/media/${plain}/status`);
    assert.deepEqual(h.vodCalls.map((c) => c.action), ['DescribeMediaInfos'], 'one cloud call');
    assert.equal(s.status, 200);
    assert.equal(s.headers.get('cache-control'), 'no-store');
    assert.deepEqual(s.json, {
      fileId: plain,
      status: 'ready',
      ingest: { status: 'uploaded', filesize: 2048 },
      encoding: {
        playable: true,
        procedure: false,
        qualities: [],
        outputs: {},
        metadata: { width: 0, height: 0, bitrate: 0, durationSeconds: 0, container: 'mp4', videoCodec: null, audioCodec: null, framerate: null, samplerate: null },
      },
    });

    // A server-forced task flow: the media is stamped `vu-proc` and processing until VOD has an output.
    const flows = harness({ policy: { forced: { procedure: 'LongVideoPreset' } } });
    const fileId = await upload(flows, 'alice', 'flow.mp4');
    const processing = await send(flows, 'alice', 'GET', `/media/${fileId}/status`);
    assert.deepEqual([processing.json.status, processing.json.encoding.playable, processing.json.encoding.procedure], ['processing', true, true]);
    assert.deepEqual((await send(flows, 'alice', 'GET', `/media/${fileId}`)).json.tags, [], `${PROCEDURE_TAG} is not shown`);

    // VOD finishes a transcode (the emulator has none: the answer is rewritten as the cloud would give it).
    const transcode = { Url: 'http://127.0.0.1:9000/t/100010.mp4', Definition: 100010, Bitrate: 800_000, Height: 720, Width: 1280, Size: 10, Duration: 1, Container: 'mp4', VideoStreamSet: [], AudioStreamSet: [] };
    flows.rewrite = (action, response) => {
      if (action !== 'DescribeMediaInfos') return undefined;
      const set = response.MediaInfoSet as Array<{ TranscodeInfo: { TranscodeSet: unknown[] } | null }>;
      for (const m of set) if (m.TranscodeInfo) m.TranscodeInfo.TranscodeSet.push({ ...transcode, Definition: 0 }, transcode);
      return response;
    };
    const ready = await send(flows, 'alice', 'GET', `/media/${fileId}/status`);
    assert.equal(ready.json.status, 'ready');
    assert.deepEqual(ready.json.encoding.qualities, [{ definition: 100010, status: 'encoded', container: 'mp4', width: 1280, height: 720, bitrate: 800_000, url: transcode.Url }]);

    // Snapshots alone also end the processing.
    flows.rewrite = (action, response) => {
      if (action !== 'DescribeMediaInfos') return undefined;
      for (const m of response.MediaInfoSet as Array<Record<string, unknown>>) m.SnapshotByTimeOffsetInfo = { SnapshotByTimeOffsetSet: [{ Definition: 10 }] };
      return response;
    };
    const snap = await send(flows, 'alice', 'GET', `/media/${fileId}/status`);
    assert.deepEqual([snap.json.status, snap.json.encoding.outputs], ['ready', { snapshots: 1 }]);

    flows.rewrite = (action, response) => {
      if (action !== 'DescribeMediaInfos') return undefined;
      for (const m of response.MediaInfoSet as Array<{ BasicInfo: { Status: string } }>) m.BasicInfo.Status = 'SystemForbidden';
      return response;
    };
    const failed = await send(flows, 'alice', 'GET', `/media/${fileId}/status`);
    assert.deepEqual([failed.json.status, failed.json.encoding.playable], ['failed', false]);
    assert.match(failed.json.encoding.reason, /blocked/);
    assert.equal((await send(flows, 'alice', 'GET', `/media/${fileId}`)).json.status, 'systemForbidden');

    // Unrewritten: the emulator's own task flow ends 3 s after the commit with one output (the source's bytes).
    flows.rewrite = undefined;
    assert.equal((await send(flows, 'alice', 'GET', `/media/${fileId}/status`)).json.status, 'processing');
    flows.clock.t += 3000;
    const done = await send(flows, 'alice', 'GET', `/media/${fileId}/status`);
    assert.equal(done.json.status, 'ready');
    assert.deepEqual(done.json.encoding.qualities.map((q: { definition: number }) => q.definition), [100030]);
    await flows.close();
  });

  it('a complete whose tagging failed answers an error, and the next complete tags without committing again', async () => {
    let failTag = true;
    h.rewrite = (action, response) => {
      if (action !== 'ModifyMediaInfo' || !failTag) return undefined;
      failTag = false;
      return { Error: { Code: 'InternalError', Message: 'Tagging hiccup.' }, RequestId: 'req-tag-1' };
    };
    const data = bytes(4000);
    const created = await h.post('/uploads', { file: { name: 'retry.mp4', size: data.length } }, as('alice'));
    const signed = await h.post('/uploads/sign', { session: created.json.session, media: {} }, as('alice'));
    assert.equal((await h.put(signed.json.urls[0].url, data)).status, 200);
    const commits = () => h.emulator.stats.snapshot().ops.CommitUpload ?? 0;
    const before = commits();
    const first = await h.post('/uploads/complete', { session: created.json.session }, as('alice'));
    assert.deepEqual([first.status, first.json.error.code, first.json.error.requestId], [503, 'upstream', 'req-tag-1']);
    assert.equal(first.json.error.retryable, true);
    const second = await h.post('/uploads/complete', { session: created.json.session }, as('alice'));
    assert.equal(second.status, 200, second.text);
    assert.equal(commits() - before, 1, 'committed once');
    assert.equal((await send(h, 'alice', 'GET', `/media/${second.json.fileId}/status`)).json.status, 'ready');
    h.rewrite = undefined;
  });

  it('scopeTags: false leaves uploads untagged: only an "all" grant sees them', async () => {
    const untagged = harness({ media: { scopeTags: false } });
    const fileId = await upload(untagged, 'alice', 'untagged.mp4');
    assert.deepEqual((await send(untagged, 'alice', 'GET', '/media')).json.data, []);
    assert.equal((await send(untagged, 'alice', 'GET', `/media/${fileId}`)).status, 404);
    assert.equal((await send(untagged, 'admin', 'GET', `/media/${fileId}`)).status, 200);
    assert.equal(untagged.emulator.stats.snapshot().ops.ModifyMediaInfo ?? 0, 0);
    await untagged.close();
  });
});

describe('media routes: GET /media', () => {
  let h: ReturnType<typeof harness>;
  const ids: Record<string, string> = {};
  before(async () => {
    h = harness();
    // Five of alice's, oldest first, one of bob's.
    for (const name of ['Beach day', 'alpine lake', 'City night', 'beach party', 'Desert']) ids[name] = await upload(h, 'alice', `${name}.mp4`);
    ids.bob = await upload(h, 'bob', 'Beach bob.mp4');
    const patch = (name: string, json: unknown) => send(h, 'alice', 'PATCH', `/media/${ids[name]}`, { json });
    await patch('Beach day', { tags: ['sea', 'sun'], description: 'Waves in New Zealand', classId: 7 });
    await patch('beach party', { tags: ['sea'], classId: 7 });
    await patch('alpine lake', { tags: ['sun', 'snow'], description: 'Cold water' });
    await patch('City night', { tags: ['a-tag-longer-than-16', 'sun'] });
  });
  after(() => h.close());

  const list = async (query: string, user = 'alice') => {
    const r = await send(h, user, 'GET', `/media${query}`);
    assert.equal(r.status, 200, r.text);
    return r;
  };
  const titles = (r: Reply) => r.json.data.map((v: { title: string }) => v.title);

  it('lists the scope newest first, with api.video pagination (one SearchMedia by the scope tag)', async () => {
    h.vodCalls.length = 0;
    const r = await list('');
    assert.deepEqual(
      h.vodCalls.map((c) => [c.action, c.params.Tags, c.params.Offset, c.params.Limit, c.params.Sort]),
      [['SearchMedia', [await scopeTag('user:alice')], 0, 25, { Field: 'CreateTime', Order: 'Desc' }]],
    );
    assert.deepEqual(titles(r), ['Desert', 'beach party', 'City night', 'alpine lake', 'Beach day']);
    assert.deepEqual(r.json.pagination, {
      currentPage: 1,
      pageSize: 25,
      pagesTotal: 1,
      itemsTotal: 5,
      currentPageItems: 5,
      links: [
        { rel: 'self', uri: '/vod/media?currentPage=1&pageSize=25' },
        { rel: 'first', uri: '/vod/media?currentPage=1&pageSize=25' },
        { rel: 'last', uri: '/vod/media?currentPage=1&pageSize=25' },
      ],
    });
    assert.equal(r.headers.get('cache-control'), 'no-store');
    for (const v of r.json.data) assert.deepEqual(Object.keys(v).sort(), VIDEO_KEYS);
  });

  it('pages, sorts ascending, and keeps the filters in the links', async () => {
    const p2 = await list('?pageSize=2&currentPage=2&sortOrder=asc');
    assert.deepEqual(titles(p2), ['City night', 'beach party']);
    const page = p2.json.pagination;
    assert.deepEqual([page.currentPage, page.pageSize, page.pagesTotal, page.itemsTotal, page.currentPageItems], [2, 2, 3, 5, 2]);
    assert.deepEqual(page.links.map((l: { rel: string }) => l.rel), ['self', 'first', 'previous', 'next', 'last']);
    assert.equal(page.links[3].uri, '/vod/media?pageSize=2&currentPage=3&sortOrder=asc');
    // Filters stay in the links: "e" is in four titles (not "City night").
    const filtered = await list('?title=e&sortOrder=asc&pageSize=2&currentPage=2');
    assert.deepEqual(titles(filtered), ['beach party', 'Desert']);
    assert.deepEqual(filtered.json.pagination.links, [
      { rel: 'self', uri: '/vod/media?title=e&sortOrder=asc&pageSize=2&currentPage=2' },
      { rel: 'first', uri: '/vod/media?title=e&sortOrder=asc&pageSize=2&currentPage=1' },
      { rel: 'previous', uri: '/vod/media?title=e&sortOrder=asc&pageSize=2&currentPage=1' },
      { rel: 'last', uri: '/vod/media?title=e&sortOrder=asc&pageSize=2&currentPage=2' },
    ]);
    const p3 = await list('?pageSize=2&currentPage=3&sortOrder=asc');
    assert.deepEqual(titles(p3), ['Desert']);
    const beyond = await list('?pageSize=2&currentPage=9');
    assert.deepEqual([beyond.json.data, beyond.json.pagination.itemsTotal, beyond.json.pagination.currentPageItems], [[], 5, 0]);
  });

  it('filters by title, description, classId, creation time and tags (all of them)', async () => {
    assert.deepEqual(titles(await list('?title=BEACH')), ['beach party', 'Beach day']);
    assert.deepEqual(titles(await list('?description=new%20zealand')), ['Beach day']);
    assert.deepEqual(titles(await list('?classId=7')), ['beach party', 'Beach day']);
    assert.deepEqual(titles(await list('?tags=sea')), ['beach party', 'Beach day']);
    assert.deepEqual(titles(await list('?tags=sea&tags=sun')), ['Beach day']);
    assert.deepEqual(titles(await list('?tags[]=sun&tags[]=snow')), ['alpine lake']);
    assert.deepEqual(titles(await list('?tags=sun&title=beach')), ['Beach day']);
    const second = (await send(h, 'alice', 'GET', `/media/${ids['alpine lake']}`)).json.createdAt;
    const fourth = (await send(h, 'alice', 'GET', `/media/${ids['beach party']}`)).json.createdAt;
    assert.deepEqual(titles(await list(`?createdAfter=${second}&createdBefore=${fourth}`)), ['City night', 'alpine lake']);
    assert.deepEqual(titles(await list(`?createdAfter=${encodeURIComponent(fourth.replace('Z', '+00:00'))}`)), ['Desert', 'beach party']);
    const paged = await list('?tags=sea&pageSize=1&currentPage=2');
    assert.deepEqual([titles(paged), paged.json.pagination.itemsTotal, paged.json.pagination.pagesTotal], [['Beach day'], 2, 2]);
  });

  it('sorts by title (case-insensitive) both ways', async () => {
    assert.deepEqual(titles(await list('?sortBy=title')), ['alpine lake', 'Beach day', 'beach party', 'City night', 'Desert']);
    assert.deepEqual(titles(await list('?sortBy=title&sortOrder=desc&pageSize=2')), ['Desert', 'City night']);
    assert.deepEqual(titles(await list('?sortBy=publishedAt&sortOrder=asc&pageSize=1')), ['Beach day']);
  });

  it('the "all" grant lists every scope and filters by tags with VOD', async () => {
    h.vodCalls.length = 0;
    assert.deepEqual(titles(await list('?tags=sea', 'admin')), ['beach party', 'Beach day']);
    assert.deepEqual(h.vodCalls.map((c) => [c.action, c.params.Tags, c.params.Offset, c.params.Limit]), [['SearchMedia', ['sea'], 0, 25]], 'one VOD call, paged by VOD');
    assert.equal((await list('', 'admin')).json.pagination.itemsTotal, 6);
    assert.deepEqual(titles(await list('?title=beach', 'admin')), ['Beach bob', 'beach party', 'Beach day']);
    assert.deepEqual(titles(await list('?tags=sea', 'admin')), ['beach party', 'Beach day']);
    assert.deepEqual(titles(await list('?tags=sea&tags=sun', 'admin')), ['Beach day']);
    // VOD's tag filter takes tags of 16 characters at most: a longer one is checked by the signer.
    h.vodCalls.length = 0;
    assert.deepEqual(titles(await list('?tags=a-tag-longer-than-16&tags=sun', 'admin')), ['City night']);
    assert.deepEqual(titles(await list('?tags=a-tag-longer-than-16', 'admin')), ['City night']);
    const searches = h.vodCalls.filter((c) => c.action === 'SearchMedia').map((c) => c.params.Tags);
    assert.deepEqual(searches, [['sun'], undefined]);
  });

  it('refuses malformed queries with 400 invalid_request naming the parameter', async () => {
    for (const [query, what] of [
      ['?pageSize=0', 'pageSize'],
      ['?pageSize=101', 'pageSize'],
      ['?pageSize=1.5', 'pageSize'],
      ['?currentPage=0', 'currentPage'],
      ['?currentPage=51&pageSize=100', 'currentPage × pageSize'],
      ['?sortBy=size', 'sortBy'],
      ['?sortOrder=up', 'sortOrder'],
      ['?classId=-1', 'classId'],
      ['?createdAfter=yesterday', 'createdAfter'],
      ['?createdBefore=2026-13-45T00:00:00Z', 'createdBefore'],
      ['?title=', 'title'],
      [`?title=${'x'.repeat(65)}`, 'title'],
      [`?tags=${'t'.repeat(33)}`, 'tags[0]'],
      [`?${Array.from({ length: 17 }, (_, i) => `tags=t${i}`).join('&')}`, 'tags'],
      ['?pageSize=5&pageSize=6', 'pageSize'],
      ['?owner=bob', 'owner'],
    ]) {
      const r = await send(h, 'alice', 'GET', `/media${query}`);
      assert.deepEqual([r.status, r.json.error.code], [400, 'invalid_request'], query);
      assert.ok(r.json.error.message.startsWith(what!), `${query}: ${r.json.error.message}`);
    }
  });
});

describe('media routes: PATCH, DELETE, PUT cover', () => {
  let h: ReturnType<typeof harness>;
  let fileId: string;
  before(async () => {
    h = harness();
    fileId = await upload(h, 'alice', 'edit-me.mp4');
  });
  after(() => h.close());

  const patch = (json: unknown, user = 'alice') => send(h, user, 'PATCH', `/media/${fileId}`, { json });

  it('updates title, description, classId, expiry and tags, keeping the scope tag', async () => {
    const expires = new Date(h.clock.t + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const r = await patch({ title: 'Edited', description: 'A film about good books.', classId: 4, expiresAt: expires, tags: ['maths', 'video', 'maths'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.json.title, r.json.description, r.json.classId, r.json.expiresAt, r.json.tags], ['Edited', 'A film about good books.', 4, new Date(expires).toISOString(), ['maths', 'video']]);
    const added = await patch({ addTags: ['string theory'], removeTags: ['maths', 'absent'] });
    assert.deepEqual(added.json.tags, ['video', 'string theory']);
    const cleared = await patch({ tags: [], expiresAt: null, description: '' });
    assert.deepEqual([cleared.json.tags, cleared.json.expiresAt, cleared.json.description], [[], null, '']);
    // Still alice's: the reserved tag survived the replacement.
    assert.equal((await send(h, 'alice', 'GET', '/media')).json.data[0].fileId, fileId);
    const unchanged = await patch({ tags: [] });
    assert.deepEqual([unchanged.status, unchanged.json.title], [200, 'Edited']);
  });

  it('validates the body', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'Send at least one field'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(65) }, 'title'],
      [{ title: 'a\u0000b' }, 'title'],
      [{ description: 'x'.repeat(129) }, 'description'],
      [{ classId: -1 }, 'classId'],
      [{ classId: 1.5 }, 'classId'],
      [{ expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      [{ expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ tags: 'sea' }, 'tags'],
      [{ tags: [''] }, 'tags[0]'],
      [{ tags: ['x'.repeat(33)] }, 'tags[0]'],
      [{ tags: Array.from({ length: 16 }, (_, i) => `t${i}`) }, 'A media file has at most 15 tags'],
      [{ tags: ['a'], addTags: ['b'] }, 'Send either tags'],
      [{ owner: 'bob' }, 'body.owner'],
    ];
    for (const [json, what] of cases) {
      const r = await patch(json);
      assert.deepEqual([r.status, r.json.error.code], [400, 'invalid_request'], JSON.stringify(json));
      assert.ok(r.json.error.message.startsWith(what), `${JSON.stringify(json)}: ${r.json.error.message}`);
    }
    const notJson = await send(h, 'alice', 'PATCH', `/media/${fileId}`, { body: 'title=x', type: 'application/x-www-form-urlencoded' });
    assert.deepEqual([notJson.status, notJson.json.error.code], [415, 'unsupported_media_type']);
    const broken = await send(h, 'alice', 'PATCH', `/media/${fileId}`, { body: '{', type: 'application/json' });
    assert.deepEqual([broken.status, broken.json.error.code], [400, 'invalid_json']);
  });

  it('maps a value VOD refuses to 400 with its RequestId', async () => {
    h.rewrite = (action) => (action === 'ModifyMediaInfo' ? { Error: { Code: 'InvalidParameterValue.ClassId', Message: 'The class does not exist.' }, RequestId: 'req-class' } : undefined);
    const r = await patch({ classId: 999 });
    h.rewrite = undefined;
    assert.deepEqual([r.status, r.json.error.code, r.json.error.requestId], [400, 'invalid_request', 'req-class']);
    assert.match(r.json.error.message, /class does not exist/);
  });

  it('PUT /media/:fileId/cover takes a raw image or a form, checks type and size', async () => {
    const raw = await send(h, 'alice', 'PUT', `/media/${fileId}/cover`, { body: PNG as Uint8Array<ArrayBuffer>, type: 'image/png' });
    assert.equal(raw.status, 200, raw.text);
    assert.deepEqual(Object.keys(raw.json).sort(), VIDEO_KEYS);
    assert.match(raw.json.coverUrl, /\.png$/);
    assert.deepEqual(new Uint8Array(await (await h.get(raw.json.coverUrl)).arrayBuffer()), PNG);

    const gif = new Uint8Array([...new TextEncoder().encode('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x3b]);
    const form = new FormData();
    form.append('file', new Blob([gif], { type: 'image/gif' }), 'thumb.gif');
    const fromForm = await send(h, 'alice', 'PUT', `/media/${fileId}/cover`, { body: form });
    assert.equal(fromForm.status, 200, fromForm.text);
    assert.match(fromForm.json.coverUrl, /\.gif$/);
    assert.notEqual(fromForm.json.coverUrl, raw.json.coverUrl);

    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
    const bmp = new Uint8Array([0x42, 0x4d, 0, 0, 0, 0]);
    const cases: Array<[BodyInit, string | undefined, number, string]> = [
      [jpeg as Uint8Array<ArrayBuffer>, 'image/png', 415, 'policy_type'],
      [bmp as Uint8Array<ArrayBuffer>, 'image/png', 415, 'policy_type'],
      [PNG as Uint8Array<ArrayBuffer>, 'image/webp', 415, 'unsupported_media_type'],
      [PNG as Uint8Array<ArrayBuffer>, 'text/plain', 415, 'unsupported_media_type'],
      [new Uint8Array() as Uint8Array<ArrayBuffer>, 'image/png', 400, 'invalid_request'],
      [new Uint8Array(2 * MiB + 1) as Uint8Array<ArrayBuffer>, 'image/png', 413, 'payload_too_large'],
    ];
    for (const [body, type, status, code] of cases) {
      const r = await send(h, 'alice', 'PUT', `/media/${fileId}/cover`, { body, type });
      assert.deepEqual([r.status, r.json.error.code], [status, code], `${type} ${code}`);
    }
    const noFile = new FormData();
    noFile.append('image', new Blob([PNG]), 'x.png');
    assert.deepEqual((await send(h, 'alice', 'PUT', `/media/${fileId}/cover`, { body: noFile })).json.error.code, 'invalid_request');
    // The cover did not change on any refusal.
    assert.equal((await send(h, 'alice', 'GET', `/media/${fileId}`)).json.coverUrl, fromForm.json.coverUrl);
  });

  it('DELETE removes the media (204), then it is 404 everywhere', async () => {
    const other = await upload(h, 'alice', 'delete-me.mp4');
    const mediaUrl = (await send(h, 'alice', 'GET', `/media/${other}`)).json.mediaUrl;
    const r = await send(h, 'alice', 'DELETE', `/media/${other}`);
    assert.deepEqual([r.status, r.text], [204, '']);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    for (const [method, path] of [['GET', `/media/${other}`], ['GET', `/media/${other}/status`], ['DELETE', `/media/${other}`]]) {
      assert.equal((await send(h, 'alice', method!, path!)).status, 404, `${method} ${path}`);
    }
    assert.equal((await h.get(mediaUrl)).status, 404);
    assert.ok(!(await send(h, 'alice', 'GET', '/media')).json.data.some((v: { fileId: string }) => v.fileId === other));
  });
});

describe('media routes: secrets', () => {
  it('no media response carried the SecretKey, a TmpSecretKey or a reserved tag', async () => {
    let scanned = 0;
    for (const h of harnesses) {
      for (const text of h.transcript) {
        scanned++;
        for (const secret of [DEFAULT_SECRET_KEY, ...h.tmpSecretKeys]) assert.ok(!text.includes(secret), 'a secret leaked');
        if (text.includes('"data":') || text.includes('"fileId":')) assert.ok(!/"vu-/.test(text), `a reserved tag leaked: ${text.slice(0, 200)}`);
      }
    }
    assert.ok(scanned > 100, `responses scanned: ${scanned}`);
  });
});
