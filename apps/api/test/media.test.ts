// Media (API §36, RES-01..04): multipart uploads of every kind through the upload intake (type by
// magic number, whitelist and size limits from the admin settings, quotas), pre-signed uploads and
// their completion, Range streaming, metadata from probing, deletion. Real files made by FFmpeg and
// sharp at test time; the app on real PostgreSQL, Redis and the local storage folder.
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { mediaFiles } from '@pbshop/db';
import { pollUntil } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { testMedia } from './helpers/media-files.ts';
import { type FormPart, multipartBody } from './helpers/multipart.ts';
import type { Member } from './helpers/users.ts';

const PUBLIC_BASE_URL = 'http://media.pbshop.test:8000';

const api = setupApiTest({
  env: { PUBLIC_BASE_URL, UPLOAD_QUOTA_FILES_PER_HOUR: '30', UPLOAD_QUOTA_MB_PER_DAY: '30' },
  members: { uploader: {}, other: {}, admin: { role: 'ADMIN' } },
});

let video: Buffer;
beforeAll(async () => {
  video = await testMedia.mp4({ width: 720, height: 1280, seconds: 2 });
});

async function upload(member: Member, parts: FormPart[], owner = { ownerType: 'PRODUCT', ownerId: '7' }) {
  const body = multipartBody([...parts, ...Object.entries(owner).map(([name, value]) => ({ name, value }))]);
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/media/upload',
    headers: { ...member.authHeader, 'content-type': body.contentType },
    payload: body.payload,
  });
  return { status: response.statusCode, body: response.json() };
}

const file = (name: string, value: Buffer): FormPart => ({ name: 'files', filename: name, value });

/** Every file the storage holds under media/ and in its temporary folder (nothing else is ours). */
async function storedFiles(): Promise<string[]> {
  const list = async (folder: string) =>
    (
      await readdir(join(api.ctx.storageDir, folder), { recursive: true, withFileTypes: true }).catch(
        () => [],
      )
    )
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  return [...(await list('media')), ...(await list('.tmp'))];
}

const rowsOf = (member: Member) =>
  api.deps.database.db.select().from(mediaFiles).where(eq(mediaFiles.uploaderId, member.user.id));

const adminCall = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  api.call(method, `/api/v1${url}`, { headers: api.admin.authHeader, body });

const DEFAULT_EXTENSIONS = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'mp4',
  'mov',
  'webm',
  'mp3',
  'm4a',
  'wav',
  'pdf',
];

afterEach(async () => {
  // each test leaves the settings as it found them
  await adminCall('POST', '/admin/settings/extensions', { extensions: DEFAULT_EXTENSIONS });
  await adminCall('PATCH', '/admin/settings/upload-limits', { image: 5, video: 100, audio: 20 });
});

describe('POST /media/upload', () => {
  it('takes one file of each kind, typed by magic number, probed, recorded and stored', async () => {
    const [png, jpeg, mp3, wav] = await Promise.all([
      testMedia.png({ width: 64, height: 48 }),
      testMedia.jpeg({ width: 30, height: 20 }),
      testMedia.mp3(),
      testMedia.wav(),
    ]);
    const pdf = testMedia.pdf();
    // names and declared types that lie: the bytes decide
    const result = await upload(api.uploader, [
      file('photo.dat', png),
      file('photo.jpeg', jpeg),
      file('clip.bin', video),
      file('song.mp3', mp3),
      file('tone.wav', wav),
      file('manual.pdf', pdf),
    ]);
    expect(result.status).toBe(201);
    const assets = result.body.data as Record<string, unknown>[];
    expect(assets.map((asset) => [asset.type, asset.mime, asset.extension, asset.size])).toEqual([
      ['IMAGE', 'image/png', 'png', png.length],
      ['IMAGE', 'image/jpeg', 'jpg', jpeg.length],
      ['VIDEO', 'video/mp4', 'mp4', video.length],
      ['AUDIO', 'audio/mpeg', 'mp3', mp3.length],
      ['AUDIO', 'audio/wav', 'wav', wav.length],
      ['DOCUMENT', 'application/pdf', 'pdf', pdf.length],
    ]);
    expect(assets[0]).toMatchObject({
      ownerType: 'PRODUCT',
      ownerId: 7,
      resolution: '64x48',
      duration: null,
    });
    expect(assets[2]).toMatchObject({ resolution: '720x1280' });
    expect(assets[2]!.duration).toBeCloseTo(2, 0);
    expect(assets[3]!.duration).toBeCloseTo(1, 0);
    expect(assets[2]!.fileUrl).toBe(`${PUBLIC_BASE_URL}/api/v1/media/stream/${assets[2]!.id}`);

    const rows = await rowsOf(api.uploader);
    const stored = rows.find((row) => row.id === assets[2]!.id)!;
    expect(stored).toMatchObject({ status: 'READY', kind: 'VIDEO', width: 720, height: 1280 });
    expect(await readFile(join(api.ctx.storageDir, stored.storageKey))).toEqual(video);
    expect(stored.metadata).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
  });

  it('refuses a text file named .mp4 (415), and keeps nothing of the request', async () => {
    const member = await api.member();
    const before = await storedFiles();
    const png = await testMedia.png();
    const result = await upload(member, [
      file('fine.png', png),
      {
        name: 'files',
        filename: 'movie.mp4',
        contentType: 'video/mp4',
        value: 'not a video at all\n'.repeat(500),
      },
    ]);
    expectError(result, 415, 'MEDIA_TYPE_NOT_ALLOWED');
    expect(await storedFiles()).toEqual(before);
    expect(await rowsOf(member)).toEqual([]);
  });

  it('refuses a file past its kind limit mid-stream (413): no temporary file, no object, no row', async () => {
    const member = await api.member();
    const limits = await adminCall('PATCH', '/admin/settings/upload-limits', { image: 1 });
    expect(limits.body.data).toEqual({ image: 1, video: 100, audio: 20 });
    const before = await storedFiles();
    const result = await upload(member, [file('huge.png', await testMedia.paddedPng(3 * 1024 * 1024))]);
    expectError(result, 413, 'FILE_TOO_LARGE');
    expect(result.body.error.details).toMatchObject({ kind: 'IMAGE', maxMb: 1 });
    expect(await storedFiles()).toEqual(before);
    expect(await rowsOf(member)).toEqual([]);
    // the same file passes once the limit is raised again: no restart in between
    await adminCall('PATCH', '/admin/settings/upload-limits', { image: 5 });
    expect(
      (await upload(member, [file('huge.png', await testMedia.paddedPng(3 * 1024 * 1024))])).status,
    ).toBe(201);
  });

  it('refuses a type the whitelist no longer holds, at once after the admin changes it', async () => {
    const member = await api.member();
    expect((await upload(member, [file('a.mp4', video)])).status).toBe(201);
    await adminCall('POST', '/admin/settings/extensions', { extensions: ['jpg', 'png'] });
    const refused = await upload(member, [file('a.mp4', video)]);
    expectError(refused, 415, 'MEDIA_TYPE_NOT_ALLOWED');
    expect(refused.body.error.details.allowedExtensions).toEqual(['jpg', 'png']);
    // jpeg is the same format as jpg: a JPEG passes with only `jpg` listed
    expect((await upload(member, [file('b.jpeg', await testMedia.jpeg())])).status).toBe(201);
    expect(await rowsOf(member)).toHaveLength(2);
  });

  it('answers 429 UPLOAD_QUOTA_EXCEEDED past the files per hour', async () => {
    const member = await api.member();
    const png = await testMedia.png();
    for (let round = 0; round < 3; round += 1) {
      const batch = Array.from({ length: 10 }, (_, index) => file(`p${round}-${index}.png`, png));
      expect((await upload(member, batch)).status).toBe(201);
    }
    const over = await upload(member, [file('one-more.png', png)]);
    expectError(over, 429, 'UPLOAD_QUOTA_EXCEEDED');
    expect(await rowsOf(member)).toHaveLength(30);
    // another member's quota is their own
    expect((await upload(api.other, [file('mine.png', png)])).status).toBe(201);
  });

  it('answers 429 past the bytes per day, mid-stream, keeping nothing of the refused file', async () => {
    const member = await api.member();
    // 65 s of 48 kHz stereo PCM: about 12 MB, under the 20 MB audio limit
    const wav = await testMedia.wav({ seconds: 65 });
    expect((await upload(member, [file('one.wav', wav)])).status).toBe(201);
    expect((await upload(member, [file('two.wav', wav)])).status).toBe(201);
    const before = await storedFiles();
    const over = await upload(member, [file('three.wav', wav)]);
    expectError(over, 429, 'UPLOAD_QUOTA_EXCEEDED');
    expect(await storedFiles()).toEqual(before);
    expect(await rowsOf(member)).toHaveLength(2);
  });

  it('refuses a body that is not multipart (415), a missing owner (400) and no file (400)', async () => {
    const json = await api.call('POST', '/api/v1/media/upload', {
      headers: api.uploader.authHeader,
      body: { files: [] },
    });
    expectError(json, 415, 'MEDIA_TYPE_NOT_ALLOWED');
    const member = await api.member();
    const noOwner = await upload(member, [file('a.png', await testMedia.png())], {
      ownerType: 'PLANET',
      ownerId: 'x',
    });
    expectError(noOwner, 400, 'VALIDATION_ERROR');
    expect(await rowsOf(member)).toEqual([]);
    expectError(await upload(member, []), 400, 'VALIDATION_ERROR');
  });

  it('a client that disconnects mid-upload leaves no file and no row', async () => {
    const member = await api.member();
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    // a real MP4's head, then more bytes than are ever sent
    const body = multipartBody([
      { name: 'ownerType', value: 'PRODUCT' },
      { name: 'ownerId', value: '1' },
      file('big.mp4', Buffer.concat([video, Buffer.alloc(20 * 1024 * 1024, 1)])),
    ]);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/v1/media/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${member.authHeader.authorization}\r\n` +
        `Content-Type: ${body.contentType}\r\nContent-Length: ${body.payload.length}\r\n\r\n`,
    );
    socket.write(body.payload.subarray(0, 6 * 1024 * 1024));
    // the upload is under way: a temporary file is being written
    const writing = await pollUntil(storedFiles, (files) => files.some((path) => path.includes('.tmp')));
    expect(writing.some((path) => path.includes('.tmp'))).toBe(true);
    socket.destroy();
    const after = await pollUntil(storedFiles, (files) => !files.some((path) => path.includes('.tmp')));
    expect(after.filter((path) => path.includes('.tmp'))).toEqual([]);
    expect(await rowsOf(member)).toEqual([]);
  });
});

describe('GET /media/stream/:id', () => {
  let id: number;
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = video;
    const result = await upload(api.uploader, [file('stream.mp4', bytes)]);
    id = result.body.data[0].id;
  });

  const stream = (headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'GET', url: `/api/v1/media/stream/${id}`, headers });

  it('200 without Range: the whole file, typed, with ETag, Last-Modified, Accept-Ranges', async () => {
    const response = await stream();
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload).toEqual(bytes);
    expect(response.headers).toMatchObject({
      'content-type': 'video/mp4',
      'content-length': String(bytes.length),
      'accept-ranges': 'bytes',
    });
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);
    expect(new Date(String(response.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    // a cached copy is still good
    const again = await stream({ 'if-none-match': String(response.headers.etag) });
    expect(again.statusCode).toBe(304);
  });

  it('206 with the exact bytes and Content-Range: first, middle, suffix, open-ended', async () => {
    const size = bytes.length;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${size - 500}-`, size - 500, size - 1],
      // an end past the file is cut to its last byte
      [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await stream({ range });
      expect(response.statusCode, range).toBe(206);
      expect(response.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(response.headers['content-length'], range).toBe(String(end - start + 1));
      expect(response.rawPayload.equals(bytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('416 RANGE_NOT_SATISFIABLE with Content-Range bytes */size: past the end, several, malformed, reversed', async () => {
    for (const range of [
      `bytes=${bytes.length}-`,
      'bytes=0-1,5-6',
      'bytes=abc',
      'bytes=5-2',
      'items=0-1',
      'bytes=-0',
    ]) {
      const response = await stream({ range });
      expect(response.statusCode, range).toBe(416);
      expect(response.headers['content-range'], range).toBe(`bytes */${bytes.length}`);
      expect(response.json().error.code, range).toBe('RANGE_NOT_SATISFIABLE');
    }
  });

  it('If-Range: the current ETag or Last-Modified keeps the range; a stale one gets the whole file', async () => {
    const { etag, 'last-modified': lastModified } = (await stream()).headers;
    const fresh = await stream({ range: 'bytes=0-9', 'if-range': String(etag) });
    expect(fresh.statusCode).toBe(206);
    expect(fresh.rawPayload).toEqual(bytes.subarray(0, 10));
    const byDate = await stream({ range: 'bytes=0-9', 'if-range': String(lastModified) });
    expect(byDate.statusCode).toBe(206);
    for (const stale of ['"another-version"', `W/${etag}`, 'Tue, 01 Jan 2002 00:00:00 GMT']) {
      const whole = await stream({ range: 'bytes=0-9', 'if-range': stale });
      expect(whole.statusCode, stale).toBe(200);
      expect(whole.rawPayload.length, stale).toBe(bytes.length);
    }
  });

  it('answers the stream info as JSON to a JSON client (the storefront), bytes to a player', async () => {
    const info = await stream({ 'content-type': 'application/json' });
    expect(info.statusCode).toBe(200);
    expect(info.json().data).toEqual({
      id,
      fileUrl: `${PUBLIC_BASE_URL}/api/v1/media/stream/${id}`,
      mime: 'video/mp4',
      size: bytes.length,
      duration: expect.closeTo(2, 0),
      resolution: '720x1280',
    });
    const player = await stream({ 'content-type': 'application/json', range: 'bytes=0-1' });
    expect(player.statusCode).toBe(206);
  });

  it('404 MEDIA_NOT_FOUND for an id that names no file', async () => {
    expectError(await api.call('GET', `/api/v1/media/stream/${missingId}`), 404, 'MEDIA_NOT_FOUND');
  });
});

describe('GET /media/:id/metadata', () => {
  it("a real video's width, height, duration and codecs, from ffprobe at upload", async () => {
    const wide = await testMedia.mp4({ width: 640, height: 360, seconds: 3 });
    const id = (await upload(api.uploader, [file('wide.mp4', wide)])).body.data[0].id;
    const result = await api.call('GET', `/api/v1/media/${id}/metadata`);
    expect(result.status).toBe(200);
    expect(result.body.data).toMatchObject({
      id,
      mime: 'video/mp4',
      size: wide.length,
      type: 'VIDEO',
      width: 640,
      height: 360,
      resolution: '640x360',
      ownerType: 'PRODUCT',
      ownerId: 7,
      details: { videoCodec: 'h264', audioCodec: 'aac' },
    });
    expect(result.body.data.duration).toBeCloseTo(3, 0);
    expectError(await api.call('GET', `/api/v1/media/${missingId}/metadata`), 404, 'MEDIA_NOT_FOUND');
  });
});

describe('DELETE /media/:id', () => {
  it('the uploader deletes the file and its row; another member cannot (404); an admin can', async () => {
    const png = await testMedia.png();
    const [mine, theirs] = (await upload(api.uploader, [file('a.png', png), file('b.png', png)])).body.data;
    const [row] = await api.deps.database.db.select().from(mediaFiles).where(eq(mediaFiles.id, mine.id));
    const path = join(api.ctx.storageDir, row!.storageKey);
    expect(await readFile(path)).toEqual(png);

    expectError(
      await api.call('DELETE', `/api/v1/media/${mine.id}`, { headers: api.other.authHeader }),
      404,
      'MEDIA_NOT_FOUND',
    );
    const deleted = await api.call('DELETE', `/api/v1/media/${mine.id}`, {
      headers: api.uploader.authHeader,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ success: true });
    await expect(readFile(path)).rejects.toThrow('ENOENT');
    expect(await api.deps.database.db.select().from(mediaFiles).where(eq(mediaFiles.id, mine.id))).toEqual(
      [],
    );
    expectError(await api.call('GET', `/api/v1/media/stream/${mine.id}`), 404, 'MEDIA_NOT_FOUND');

    const byAdmin = await api.call('DELETE', `/api/v1/media/${theirs.id}`, { headers: api.admin.authHeader });
    expect(byAdmin.status).toBe(200);
  });
});

describe('pre-signed uploads (local driver)', () => {
  const presign = (member: Member, body: unknown) =>
    api.call('POST', '/api/v1/media/presigned-url', { headers: member.authHeader, body });
  const complete = (member: Member, fileKey: string) =>
    api.call('POST', '/api/v1/media/presigned-url/complete', {
      headers: member.authHeader,
      body: { fileKey },
    });
  const putTo = (uploadUrl: string, headers: Record<string, string>, payload: Buffer) => {
    const url = new URL(uploadUrl);
    expect(url.origin).toBe(PUBLIC_BASE_URL);
    return api.app.inject({ method: 'PUT', url: url.pathname + url.search, headers, payload });
  };

  it('issue, PUT the bytes, complete: READY, probed, streamable', async () => {
    const member = await api.member();
    const issued = await presign(member, {
      fileName: 'big.mp4',
      fileType: 'video/mp4',
      fileSize: video.length,
    });
    expect(issued.status).toBe(201);
    const { uploadUrl, fileKey, headers, expiresInSec } = issued.body.data;
    expect(expiresInSec).toBe(900);
    expect((await rowsOf(member))[0]).toMatchObject({ status: 'PENDING_UPLOAD', storageKey: fileKey });
    // nothing arrived yet
    expectError(await complete(member, fileKey), 400, 'VALIDATION_ERROR');
    // a PENDING upload is not served
    expectError(await api.call('GET', `/api/v1/media/stream/${issued.body.data.id}`), 404, 'MEDIA_NOT_FOUND');

    const put = await putTo(uploadUrl, headers, video);
    expect(put.statusCode).toBe(200);
    const done = await complete(member, fileKey);
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({
      type: 'VIDEO',
      mime: 'video/mp4',
      size: video.length,
      resolution: '720x1280',
    });
    // a retried completion answers the same
    expect((await complete(member, fileKey)).body.data.id).toBe(done.body.data.id);
    const streamed = await api.app.inject({
      method: 'GET',
      url: `/api/v1/media/stream/${done.body.data.id}`,
    });
    expect(streamed.rawPayload).toEqual(video);
    // the URL is spent: the key is no longer a pending upload
    expect((await putTo(uploadUrl, headers, video)).statusCode).toBe(404);
  });

  it('refuses at issue: an extension not allowed (415), a size past the limit (413)', async () => {
    const member = await api.member();
    expectError(
      await presign(member, { fileName: 'run.exe', fileType: 'application/x-msdownload', fileSize: 10 }),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    );
    expectError(
      await presign(member, { fileName: 'a.png', fileType: 'image/png', fileSize: 6 * 1024 * 1024 }),
      413,
      'FILE_TOO_LARGE',
    );
    expect(await rowsOf(member)).toEqual([]);
  });

  it('refuses at completion what is not what it claimed: the object and the row deleted', async () => {
    const member = await api.member();
    const text = Buffer.from('this is not a video\n'.repeat(100));
    const issued = await presign(member, {
      fileName: 'fake.mp4',
      fileType: 'video/mp4',
      fileSize: text.length,
    });
    const { uploadUrl, fileKey, headers } = issued.body.data;
    expect((await putTo(uploadUrl, headers, text)).statusCode).toBe(200);
    expect(await readFile(join(api.ctx.storageDir, fileKey))).toEqual(text);
    expectError(await complete(member, fileKey), 415, 'MEDIA_TYPE_NOT_ALLOWED');
    await expect(readFile(join(api.ctx.storageDir, fileKey))).rejects.toThrow('ENOENT');
    expect(await rowsOf(member)).toEqual([]);
  });

  it('the PUT takes exactly the granted bytes of the granted type; a forged or altered token is 403', async () => {
    const member = await api.member();
    const png = await testMedia.png();
    const issued = await presign(member, { fileName: 'a.png', fileType: 'image/png', fileSize: png.length });
    const { uploadUrl, fileKey, headers } = issued.body.data;
    expect((await putTo(uploadUrl, { 'content-type': 'text/html' }, png)).statusCode).toBe(403);
    expect((await putTo(uploadUrl, headers, Buffer.concat([png, png]))).statusCode).toBe(400);
    const forged = new URL(uploadUrl);
    forged.searchParams.set('token', `${forged.searchParams.get('token')}x`);
    expect((await putTo(forged.toString(), headers, png)).statusCode).toBe(403);
    expect(await storedFiles()).not.toContain(join(api.ctx.storageDir, fileKey));
    expect((await putTo(uploadUrl, headers, png)).statusCode).toBe(200);
  });

  it('the sweep deletes pre-signed uploads never completed within the bound, row and object', async () => {
    const member = await api.member();
    const png = await testMedia.png();
    const issued = await presign(member, {
      fileName: 'late.png',
      fileType: 'image/png',
      fileSize: png.length,
    });
    const { uploadUrl, fileKey, headers } = issued.body.data;
    await putTo(uploadUrl, headers, png);
    // not yet due
    await api.deps.mediaFiles.sweepPending();
    expect(await rowsOf(member)).toHaveLength(1);
    const later = new Date(Date.now() + 61 * 60_000);
    expect((await api.deps.mediaFiles.sweepPending(later)).removed).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(member)).toEqual([]);
    await expect(readFile(join(api.ctx.storageDir, fileKey))).rejects.toThrow('ENOENT');
  });
});
