// Short-forms (SHRT-01..05) end to end on real parts: uploads through the multipart intake into
// local storage, ffprobe at upload, the video-transcode queue in Redis, worker-transcode's
// processors running real FFmpeg, PostgreSQL. Videos are made here with lavfi.
import { join } from 'node:path';
import { shortforms } from '@pbshop/db';
import type { RunningWorkers } from '@pbshop/queues';
import { waitFor } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import {
  makeClip,
  pathOf,
  probe,
  startTranscodeWorker,
  storedFiles,
  type TranscodeState,
  transcodeOutcome,
  truncatedClip,
  uploadShortform,
} from './shortforms-helpers.ts';

const api = setupApiTest({
  env: { FFMPEG_PRESET: 'ultrafast' },
  members: { admin: { role: 'ADMIN' }, owner: {}, other: {} },
});

const clips: Record<'vertical10' | 'vertical2' | 'long90' | 'horizontal' | 'truncated', Buffer> = {} as never;
let worker: RunningWorkers | undefined;
let productIds: number[];

async function stopWorker() {
  await worker?.close();
  worker = undefined;
}

beforeAll(async () => {
  const folder = join(api.ctx.storageDir, 'clips');
  [clips.vertical10, clips.vertical2, clips.long90, clips.horizontal] = await Promise.all([
    makeClip(join(folder, 'vertical10.mp4'), 10),
    makeClip(join(folder, 'vertical2.mp4'), 2),
    makeClip(join(folder, 'long90.mp4'), 90, '180x320'),
    makeClip(join(folder, 'horizontal.mp4'), 2, '640x360'),
  ]);
  clips.truncated = await truncatedClip(join(folder, 'truncated.mp4'), join(folder, 'vertical10.mp4'));
  const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Shortforms') });
  productIds = [];
  for (const name of ['Phone', 'Case']) {
    const product = await api.call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: { categoryId: category.id, name: uniqueName(name) },
    });
    expect(product.status).toBe(201);
    productIds.push(product.body.data.id);
  }
});

afterAll(stopWorker);

const queue = () => api.deps.producers.queues['video-transcode'];

describe('POST /shortforms and the transcode (SHRT-01, SHRT-05)', () => {
  it('a 10 s vertical clip: 201 PENDING with its tags, a job with the request id, then PROCESSING with rising progress and COMPLETED renditions that probe right', async () => {
    const uploaded = await uploadShortform(
      api.app,
      api.owner.authHeader,
      clips.vertical10,
      { title: '  First clip  ', durationSec: '10', productIds: JSON.stringify(productIds) },
      { requestId: 'upload-request-1' },
    );
    expect(uploaded.status).toBe(201);
    const item = uploaded.body.data;
    expect(item).toMatchObject({
      userId: api.owner.user.id,
      title: 'First clip',
      transcodeStatus: 'PENDING',
      transcodeProgress: 0,
      transcodedVideoUrl: null,
      hlsUrl: null,
      thumbnailUrl: null,
      transcodeError: null,
      transcodedAt: null,
      productIds: [...productIds].sort((a, b) => a - b),
      width: 360,
      height: 640,
      viewCount: 0,
      likeCount: 0,
      commentCount: 0,
      liked: false,
    });
    expect(item.durationSec).toBeGreaterThan(9.9);
    expect(item.durationSec).toBeLessThan(10.2);
    expect(pathOf(item.videoUrl)).toBe(`/api/v1/shortforms/${item.id}/video`);

    // one job for the shortform, carrying the upload's request id
    const job = await queue().getJob(`shortform-${item.id}`);
    expect(job?.data).toEqual({
      requestId: 'upload-request-1',
      shortformId: item.id,
      sourceKey: expect.stringMatching(/^shortforms\/source\/\d{4}\/\d{2}\/[0-9a-f]{32}\.mp4$/),
    });

    // before the transcode, the video URL streams the upload itself
    const source = await api.app.inject({ method: 'GET', url: pathOf(item.videoUrl) });
    expect(source.statusCode).toBe(200);
    expect(source.rawPayload.equals(clips.vertical10)).toBe(true);

    worker = startTranscodeWorker(api.deps, { FFMPEG_PRESET: 'veryfast' });
    const seen = await transcodeOutcome(api.call, item.id);
    const final = seen.at(-1)!;
    expect(final).toMatchObject({ transcodeStatus: 'COMPLETED', progress: 100, transcodeError: null });
    const progress = seen
      .filter((state) => state.transcodeStatus === 'PROCESSING')
      .map((state) => state.progress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBeGreaterThan(1);
    expect(Date.parse(final.transcodedAt!)).toBeGreaterThan(Date.parse(item.createdAt));
    expect((await queue().getJob(`shortform-${item.id}`))?.progress).toBe(100);

    const detail = await api.call('GET', `/api/v1/shortforms/${item.id}`);
    expect(detail.body.data).toMatchObject({
      transcodeStatus: 'COMPLETED',
      transcodedVideoUrl: final.transcodedVideoUrl,
      hlsUrl: final.hlsUrl,
      thumbnailUrl: final.thumbnailUrl,
    });

    // the MP4 rendition: H.264/AAC, 720x1280, streamed with Range
    const video = await api.app.inject({ method: 'GET', url: pathOf(final.transcodedVideoUrl) });
    expect(video.statusCode).toBe(200);
    expect(video.headers['content-type']).toBe('video/mp4');
    expect(video.headers['accept-ranges']).toBe('bytes');
    const renditionFile = join(api.ctx.storageDir, `shortforms/${item.id}/rendition/video.mp4`);
    const { streams } = await probe(renditionFile);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 720,
      height: 1280,
    });
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const ranged = await api.app.inject({
      method: 'GET',
      url: pathOf(final.transcodedVideoUrl),
      headers: { range: 'bytes=100-1099' },
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 100-1099/${video.rawPayload.length}`);
    expect(ranged.rawPayload.equals(video.rawPayload.subarray(100, 1100))).toBe(true);

    // HLS: the playlist (its content type) and a segment it names
    const playlist = await api.app.inject({ method: 'GET', url: pathOf(final.hlsUrl) });
    expect(playlist.statusCode).toBe(200);
    expect(playlist.headers['content-type']).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(playlist.body).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    const segments = playlist.body.split('\n').filter((line) => line.endsWith('.ts'));
    expect(segments).toEqual(['segment-000.ts', 'segment-001.ts', 'segment-002.ts']);
    const segment = await api.app.inject({
      method: 'GET',
      url: `/api/v1/shortforms/${item.id}/hls/${segments[0]}`,
    });
    expect(segment.statusCode).toBe(200);
    expect(segment.headers['content-type']).toBe('video/mp2t');
    expect(segment.rawPayload[0]).toBe(0x47); // an MPEG-TS sync byte
    const missingSegment = await api.app.inject({
      method: 'GET',
      url: `/api/v1/shortforms/${item.id}/hls/segment-099.ts`,
    });
    expect(missingSegment.statusCode).toBe(404);
    const badName = await api.call('GET', `/api/v1/shortforms/${item.id}/hls/..%2Fvideo.mp4`);
    expectError(badName, 400, 'VALIDATION_ERROR');

    const poster = await api.app.inject({ method: 'GET', url: pathOf(final.thumbnailUrl) });
    expect(poster.statusCode).toBe(200);
    expect(poster.headers['content-type']).toBe('image/jpeg');
    expect(poster.rawPayload.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
  });

  it('refuses a 90 s clip (VIDEO_TOO_LONG), a horizontal one (VIDEO_NOT_VERTICAL), a text file named .mp4 (MEDIA_TYPE_NOT_ALLOWED) and a truncated MP4 (INVALID_VIDEO), leaving nothing', async () => {
    const before = await storedFiles(api.ctx.storageDir);
    const rowsBefore = await api.deps.database.db.select({ id: shortforms.id }).from(shortforms);
    const jobsBefore = await queue().getJobCountByTypes(
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    );

    const tooLong = await uploadShortform(api.app, api.owner.authHeader, clips.long90);
    expectError(tooLong, 400, 'VIDEO_TOO_LONG');
    expect(tooLong.body.error.details).toMatchObject({ maxSeconds: 60 });
    expect(tooLong.body.error.details.durationMs).toBeGreaterThan(89_000);

    expectError(
      await uploadShortform(api.app, api.owner.authHeader, clips.horizontal),
      400,
      'VIDEO_NOT_VERTICAL',
    );
    expectError(
      await uploadShortform(
        api.app,
        api.owner.authHeader,
        Buffer.from('just some text, not a video\n'.repeat(200)),
        undefined,
        {
          filename: 'notes.mp4',
        },
      ),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    );
    expectError(await uploadShortform(api.app, api.owner.authHeader, clips.truncated), 400, 'INVALID_VIDEO');

    // fields: a title is required (1..100), product ids must exist
    expectError(
      await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {}),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, { title: 'x'.repeat(101) }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {
        title: 'ok',
        productIds: '[1,"x"]',
      }),
      400,
      'VALIDATION_ERROR',
    );
    const unknownProduct = await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {
      title: 'ok',
      productIds: JSON.stringify([productIds[0], missingId]),
    });
    expectError(unknownProduct, 404, 'PRODUCT_NOT_FOUND');
    expect(unknownProduct.body.error.details).toEqual({ productIds: [missingId] });
    // and an image is not a video
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    expectError(
      await uploadShortform(api.app, api.owner.authHeader, png, undefined, { filename: 'a.png' }),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    );

    expect(await storedFiles(api.ctx.storageDir)).toEqual(before);
    expect(await api.deps.database.db.select({ id: shortforms.id }).from(shortforms)).toEqual(rowsBefore);
    expect(await queue().getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')).toBe(
      jobsBefore,
    );
  });

  it('refuses anonymous uploads (401) and a body that is not multipart (415)', async () => {
    expectError(await uploadShortform(api.app, {}, clips.vertical2), 401, 'UNAUTHORIZED');
    expectError(
      await api.call('POST', '/api/v1/shortforms', {
        headers: api.owner.authHeader,
        body: { title: 'json' },
      }),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    );
  });
});

describe('FAILED transcodes: the reason, the owner retry and the runbook queue retry (SHRT-05, ops runbook §5.3)', () => {
  async function failedShortform(): Promise<number> {
    const uploaded = await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {
      title: 'will fail',
    });
    expect(uploaded.status).toBe(201);
    const seen = await transcodeOutcome(api.call, uploaded.body.data.id);
    expect(seen.at(-1)).toMatchObject({
      transcodeStatus: 'FAILED',
      transcodeError: 'FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)',
      progress: 0,
    });
    return uploaded.body.data.id;
  }

  it("a missing FFMPEG_BIN fails the job with the reason; retry is the owner's, only from FAILED, and completes once FFmpeg is back", async () => {
    await stopWorker();
    worker = startTranscodeWorker(api.deps, { FFMPEG_BIN: '/nonexistent/bin/ffmpeg' });
    const id = await failedShortform();
    // the row turns FAILED just before BullMQ records the job failed
    await waitFor(
      'the job to be recorded failed',
      async () => (await queue().getJobState(`shortform-${id}`)) === 'failed',
      10_000,
    );
    const job = await queue().getJob(`shortform-${id}`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toBe('FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)');
    expect(job?.attemptsMade).toBe(1);

    // someone else's: 404 (ids are guessable); an unknown one too
    expectError(
      await api.call('POST', `/api/v1/shortforms/${id}/transcode/retry`, { headers: api.other.authHeader }),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    expectError(
      await api.call('POST', `/api/v1/shortforms/${missingId}/transcode/retry`, {
        headers: api.owner.authHeader,
      }),
      404,
      'SHORTFORM_NOT_FOUND',
    );

    await stopWorker();
    worker = startTranscodeWorker(api.deps);
    const retried = await api.call('POST', `/api/v1/shortforms/${id}/transcode/retry`, {
      headers: { ...api.owner.authHeader, 'content-type': 'application/json' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ success: true, queued: true });
    expect(retried.body.data.message).toBeTypeOf('string');
    const seen = await transcodeOutcome(api.call, id);
    expect(seen.at(-1)).toMatchObject({ transcodeStatus: 'COMPLETED', transcodeError: null, progress: 100 });

    // COMPLETED (and PENDING, PROCESSING) are not FAILED: 400
    const again = await api.call('POST', `/api/v1/shortforms/${id}/transcode/retry`, {
      headers: api.owner.authHeader,
    });
    expectError(again, 400, 'INVALID_STATUS_TRANSITION');
    expect(again.body.error.details).toEqual({ status: 'COMPLETED', allowedFrom: ['FAILED'] });
    await stopWorker();
    const pending = await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {
      title: 'waiting',
    });
    expectError(
      await api.call('POST', `/api/v1/shortforms/${pending.body.data.id}/transcode/retry`, {
        headers: api.owner.authHeader,
      }),
      400,
      'INVALID_STATUS_TRANSITION',
    );
    worker = startTranscodeWorker(api.deps);
    expect((await transcodeOutcome(api.call, pending.body.data.id)).at(-1)?.transcodeStatus).toBe(
      'COMPLETED',
    );
  });

  it("the operator's POST /admin/queues/video-transcode/failed/retry re-runs a failed transcode to COMPLETED", async () => {
    await stopWorker();
    worker = startTranscodeWorker(api.deps, { FFMPEG_BIN: '/nonexistent/bin/ffmpeg' });
    const id = await failedShortform();
    await stopWorker();
    worker = startTranscodeWorker(api.deps);

    const retried = await api.call('POST', '/api/v1/admin/queues/video-transcode/failed/retry?limit=50', {
      headers: api.admin.authHeader,
    });
    expect(retried.status).toBe(200);
    expect(retried.body.data.jobIds).toContain(`shortform-${id}`);
    // the row stays FAILED until the worker takes the job again
    await waitFor(
      'the retried job to complete',
      async () => (await queue().getJobState(`shortform-${id}`)) === 'completed',
      60_000,
    );
    const status = await api.call('GET', `/api/v1/shortforms/${id}/transcode-status`);
    expect(status.body.data).toMatchObject({
      transcodeStatus: 'COMPLETED',
      progress: 100,
      transcodeError: null,
    });
    const [row] = await api.deps.database.db.select().from(shortforms).where(eq(shortforms.id, id));
    expect(row).toMatchObject({
      transcodeStatus: 'COMPLETED',
      transcodeError: null,
      transcodeJobId: `shortform-${id}`,
    });
  });
});

describe('DELETE /shortforms/:id', () => {
  it("removes the row from every read and the uploaded file and renditions from storage (owner or admin; another member's: 404)", async () => {
    worker ??= startTranscodeWorker(api.deps);
    const uploaded = await uploadShortform(api.app, api.owner.authHeader, clips.vertical2, {
      title: 'to delete',
    });
    const id = uploaded.body.data.id as number;
    expect((await transcodeOutcome(api.call, id)).at(-1)?.transcodeStatus).toBe('COMPLETED');
    const [row] = await api.deps.database.db.select().from(shortforms).where(eq(shortforms.id, id));
    const mine = (await storedFiles(api.ctx.storageDir)).filter(
      (path) => path === row!.sourceKey || path.startsWith(`shortforms/${id}/`),
    );
    expect(mine).toEqual(
      expect.arrayContaining([
        row!.sourceKey,
        `shortforms/${id}/rendition/video.mp4`,
        `shortforms/${id}/rendition/poster.jpg`,
      ]),
    );

    expectError(
      await api.call('DELETE', `/api/v1/shortforms/${id}`, { headers: api.other.authHeader }),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    const deleted = await api.call('DELETE', `/api/v1/shortforms/${id}`, {
      headers: { ...api.owner.authHeader, 'content-type': 'application/json' },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ success: true });

    const left = (await storedFiles(api.ctx.storageDir)).filter(
      (path) => path === row!.sourceKey || path.startsWith(`shortforms/${id}/`),
    );
    expect(left).toEqual([]);
    expectError(await api.call('GET', `/api/v1/shortforms/${id}`), 404, 'SHORTFORM_NOT_FOUND');
    expectError(
      await api.call('GET', `/api/v1/shortforms/${id}/transcode-status`),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/shortforms/${id}/video` })).statusCode).toBe(
      404,
    );
    expectError(
      await api.call('DELETE', `/api/v1/shortforms/${id}`, { headers: api.owner.authHeader }),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    const feed = await api.call('GET', '/api/v1/shortforms?page=1&limit=100');
    expect(feed.body.data.map((entry: { id: number }) => entry.id)).not.toContain(id);

    // an admin may delete anyone's
    const other = await uploadShortform(api.app, api.other.authHeader, clips.vertical2, {
      title: 'moderated',
    });
    const byAdmin = await api.call('DELETE', `/api/v1/shortforms/${other.body.data.id}`, {
      headers: api.admin.authHeader,
    });
    expect(byAdmin.status).toBe(200);
    // a waiting job is removed; one already running stops by itself, as a success with nothing stored
    const settled = await waitFor('the worker to let the deleted one go', async () => {
      const job = await queue().getJob(`shortform-${other.body.data.id}`);
      const state = job ? await job.getState() : 'removed';
      return (state === 'removed' || state === 'completed' || state === 'failed') && { state, job };
    });
    expect(settled.state).not.toBe('failed');
    if (settled.job)
      expect(settled.job.returnvalue).toEqual({ shortformId: other.body.data.id, outcome: 'deleted' });
    const leftovers = (await storedFiles(api.ctx.storageDir)).filter((path) =>
      path.startsWith(`shortforms/${other.body.data.id}/`),
    );
    expect(leftovers).toEqual([]);
  });
});

describe('GET /shortforms/:id/transcode-status', () => {
  it('answers 404 SHORTFORM_NOT_FOUND for an unknown id, and the contract aliases for a known one', async () => {
    expectError(
      await api.call('GET', `/api/v1/shortforms/${missingId}/transcode-status`),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    const uploaded = await uploadShortform(api.app, api.other.authHeader, clips.vertical2, {
      title: 'status',
    });
    const status = await api.call('GET', `/api/v1/shortforms/${uploaded.body.data.id}/transcode-status`);
    const data: TranscodeState & { status: string; errorMessage: string | null } = status.body.data;
    expect(data.status).toBe(data.transcodeStatus);
    expect(data.errorMessage).toBe(data.transcodeError);
    expect(data.shortformId).toBe(uploaded.body.data.id);
  });
});
