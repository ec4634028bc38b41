// USER-08/09: profile image upload (magic-number check, sharp re-encode to WebP ≤ 512 px,
// decompression-bomb refusal), replacement, deletion and serving; real files, real sharp.
import { randomBytes } from 'node:crypto';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { users } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { pngDeclaring } from './helpers/media-files.ts';
import type { Member } from './helpers/users.ts';

const PUBLIC_BASE_URL = 'http://cdn.pbshop.test:8000';

const api = setupApiTest({ env: { PUBLIC_BASE_URL } });

interface FilePart {
  field?: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function multipart(files: FilePart[], fields: Record<string, string> = {}) {
  const boundary = `----pbshop-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const file of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'avatar.png'}"\r\n` +
          `content-type: ${file.contentType ?? 'image/png'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(member: Member | undefined, files: FilePart[], fields: Record<string, string> = {}) {
  const body = multipart(files, fields);
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/users/me/profile-image',
    headers: { ...(member?.authHeader ?? {}), 'content-type': body.contentType },
    payload: body.payload,
  });
  return { status: response.statusCode, body: response.json() };
}

function userFolder(userId: number) {
  return join(api.ctx.storageDir, 'profile-images', String(userId));
}

/** The user's stored image files (no temporary leftovers either: every entry counts). */
async function storedFiles(userId: number): Promise<string[]> {
  return readdir(userFolder(userId)).catch(() => []);
}

async function imagePathOf(userId: number) {
  const [row] = await api.deps.database.db
    .select({ path: users.profileImagePath })
    .from(users)
    .where(eq(users.id, userId));
  return row?.path ?? null;
}

function mediaPath(imageUrl: string): string {
  expect(imageUrl.startsWith(`${PUBLIC_BASE_URL}/media/profile-images/`)).toBe(true);
  return imageUrl.slice(PUBLIC_BASE_URL.length);
}

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 30 } } });

const pngOf = (width: number, height: number) => solid(width, height).png().toBuffer();
const jpegOf = (width: number, height: number) => solid(width, height).jpeg().toBuffer();
const gifOf = (width: number, height: number) => solid(width, height).gif().toBuffer();
const webpOf = (width: number, height: number) => solid(width, height).webp().toBuffer();

describe('POST /users/me/profile-image (USER-08)', () => {
  it.each([
    ['a PNG', () => pngOf(1024, 768), 'image/png', { width: 512, height: 384 }],
    ['a JPEG', () => jpegOf(3000, 4000), 'image/jpeg', { width: 384, height: 512 }],
    ['a GIF', () => gifOf(300, 200), 'image/gif', { width: 300, height: 200 }],
    ['a WebP', () => webpOf(2000, 100), 'image/webp', { width: 512, height: 26 }],
  ])('stores %s as a WebP of at most 512×512 and serves it', async (_label, make, contentType, size) => {
    const member = await api.member();
    const { status, body } = await upload(member, [{ data: await make(), contentType }]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, data: { imageUrl: expect.stringMatching(/\.webp$/) } });
    const { imageUrl } = body.data;
    expect(imageUrl).toMatch(
      new RegExp(`^${PUBLIC_BASE_URL}/media/profile-images/${member.user.id}/[0-9a-f]{32}\\.webp$`),
    );

    const files = await storedFiles(member.user.id);
    expect(files).toHaveLength(1);
    const stored = await readFile(join(userFolder(member.user.id), files[0]!));
    const metadata = await sharp(stored).metadata();
    expect(metadata.format).toBe('webp');
    expect({ width: metadata.width, height: metadata.height }).toEqual(size);
    expect(await imagePathOf(member.user.id)).toBe(`profile-images/${member.user.id}/${files[0]}`);

    // the URL serves exactly that WebP, to other origins too
    const served = await api.app.inject({ method: 'GET', url: mediaPath(imageUrl) });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(served.headers['cache-control']).toContain('immutable');
    expect(served.rawPayload.equals(stored)).toBe(true);
    const head = await api.app.inject({ method: 'HEAD', url: mediaPath(imageUrl) });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('image/webp');

    // and my account and public profile point at it
    const me = await api.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: member.authHeader });
    expect(me.json().data.profileImageUrl).toBe(imageUrl);
    const profile = await api.app.inject({ method: 'GET', url: `/api/v1/users/${member.user.id}/profile` });
    expect(profile.json().data.profileImageUrl).toBe(imageUrl);
  });

  it('applies the EXIF orientation and strips every metadata', async () => {
    const member = await api.member();
    const jpeg = await solid(300, 200)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Artist: 'Secret Artist', Copyright: 'GPS and more' } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const { status } = await upload(member, [{ data: jpeg, contentType: 'image/jpeg', filename: 'me.jpg' }]);
    expect(status).toBe(200);
    const [file] = await storedFiles(member.user.id);
    const stored = await readFile(join(userFolder(member.user.id), file!));
    const metadata = await sharp(stored).metadata();
    // 300×200 turned by 90°
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: 200, height: 300 });
    expect(metadata.exif).toBeUndefined();
    expect(metadata.icc).toBeUndefined();
    expect(metadata.xmp).toBeUndefined();
    expect(stored.includes(Buffer.from('Secret Artist'))).toBe(false);
  });

  it('trusts the magic number, not the declared type or the file name', async () => {
    const member = await api.member();
    const { status } = await upload(member, [
      { data: await pngOf(64, 64), contentType: 'application/octet-stream', filename: 'photo.exe' },
    ]);
    expect(status).toBe(200);
  });

  it('replaces: the old file is deleted, only the new one stays', async () => {
    const member = await api.member();
    const first = await upload(member, [{ data: await pngOf(100, 100) }]);
    const [firstFile] = await storedFiles(member.user.id);
    const second = await upload(member, [{ data: await jpegOf(200, 100), contentType: 'image/jpeg' }]);
    expect(second.status).toBe(200);
    expect(second.body.data.imageUrl).not.toBe(first.body.data.imageUrl);
    const files = await storedFiles(member.user.id);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toBe(firstFile);
    expect(second.body.data.imageUrl.endsWith(files[0]!)).toBe(true);
    const old = await api.app.inject({ method: 'GET', url: mediaPath(first.body.data.imageUrl) });
    expect(old.statusCode).toBe(404);
    expect(old.json().error.code).toBe('NOT_FOUND');
  });

  it('keeps exactly one file when uploads of one member race', async () => {
    const member = await api.member();
    const images = await Promise.all([pngOf(80, 80), jpegOf(90, 90), gifOf(70, 70), webpOf(60, 60)]);
    const results = await Promise.all(images.map((data) => upload(member, [{ data }])));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200]);
    const files = await storedFiles(member.user.id);
    expect(files).toHaveLength(1);
    expect(await imagePathOf(member.user.id)).toBe(`profile-images/${member.user.id}/${files[0]}`);
  });

  it('accepts a large, incompressible image under 5 MB', async () => {
    const member = await api.member();
    const noise = await sharp(randomBytes(1200 * 1200 * 3), {
      raw: { width: 1200, height: 1200, channels: 3 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(noise.length).toBeLessThan(5 * 1024 * 1024);
    const { status } = await upload(member, [{ data: noise }]);
    expect(status).toBe(200);
    const [file] = await storedFiles(member.user.id);
    const metadata = await sharp(join(userFolder(member.user.id), file!)).metadata();
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: 512, height: 512 });
  });

  describe('refuses, and stores nothing, leaving the current image in place', () => {
    const cases: [string, () => Promise<FilePart[]>, number, string][] = [
      [
        'a text file named .png',
        async () => [{ data: Buffer.from('just some text, honestly a PNG\n'), filename: 'fake.png' }],
        415,
        'MEDIA_TYPE_NOT_ALLOWED',
      ],
      [
        'an SVG (script-capable) image',
        async () => [
          {
            data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
            contentType: 'image/svg+xml',
            filename: 'x.svg',
          },
        ],
        415,
        'MEDIA_TYPE_NOT_ALLOWED',
      ],
      [
        'a BMP',
        async () => [
          { data: Buffer.concat([Buffer.from('BM'), randomBytes(200)]), contentType: 'image/bmp' },
        ],
        415,
        'MEDIA_TYPE_NOT_ALLOWED',
      ],
      ['an empty file', async () => [{ data: Buffer.alloc(0) }], 415, 'MEDIA_TYPE_NOT_ALLOWED'],
      [
        'a truncated JPEG',
        async () => {
          const jpeg = await sharp(randomBytes(400 * 300 * 3), {
            raw: { width: 400, height: 300, channels: 3 },
          })
            .jpeg()
            .toBuffer();
          return [{ data: jpeg.subarray(0, Math.floor(jpeg.length / 2)), contentType: 'image/jpeg' }];
        },
        400,
        'INVALID_IMAGE',
      ],
      [
        'a PNG header over garbage',
        async () => [{ data: Buffer.concat([(await pngOf(10, 10)).subarray(0, 8), randomBytes(4000)]) }],
        400,
        'INVALID_IMAGE',
      ],
      [
        'a truncated PNG',
        async () => {
          const png = await sharp(randomBytes(300 * 300 * 3), {
            raw: { width: 300, height: 300, channels: 3 },
          })
            .png()
            .toBuffer();
          return [{ data: png.subarray(0, Math.floor(png.length * 0.6)) }];
        },
        400,
        'INVALID_IMAGE',
      ],
      [
        'a 6 MB file',
        async () => [
          { data: Buffer.concat([(await pngOf(10, 10)).subarray(0, 8), randomBytes(6 * 1024 * 1024)]) },
        ],
        413,
        'FILE_TOO_LARGE',
      ],
      [
        'a PNG declaring 50000×50000 pixels',
        async () => [{ data: pngDeclaring(50_000, 50_000) }],
        413,
        'IMAGE_DIMENSIONS_TOO_LARGE',
      ],
      [
        'a PNG declaring 8000×8000 pixels',
        async () => [{ data: pngDeclaring(8000, 8000) }],
        413,
        'IMAGE_DIMENSIONS_TOO_LARGE',
      ],
    ];

    it.each(cases)('%s', async (_label, parts, status, code) => {
      const member = await api.member();
      const kept = await upload(member, [{ data: await pngOf(32, 32) }]);
      expect(kept.status).toBe(200);
      const before = await storedFiles(member.user.id);

      const result = await upload(member, await parts());
      expect({ status: result.status, code: result.body.error?.code }).toEqual({ status, code });
      expect(result.body.success).toBe(false);

      expect(await storedFiles(member.user.id)).toEqual(before);
      expect(await imagePathOf(member.user.id)).toBe(`profile-images/${member.user.id}/${before[0]}`);
    });

    it('and a first upload that fails leaves no folder content and no path', async () => {
      const member = await api.member();
      const result = await upload(member, [{ data: pngDeclaring(50_000, 50_000) }]);
      expect(result.status).toBe(413);
      expect(await storedFiles(member.user.id)).toEqual([]);
      expect(await imagePathOf(member.user.id)).toBeNull();
    });
  });

  it('needs a file part', async () => {
    const member = await api.member();
    const result = await upload(member, [], { note: 'no file here' });
    expect({ status: result.status, code: result.body.error.code }).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
  });

  it('refuses a second file in the same request', async () => {
    const member = await api.member();
    const result = await upload(member, [{ data: await pngOf(20, 20) }, { data: await pngOf(30, 30) }]);
    expect({ status: result.status, code: result.body.error.code }).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(result.body.error.details).toEqual([{ field: 'file', message: 'send exactly one file' }]);
    expect(await storedFiles(member.user.id)).toEqual([]);
  });

  it('refuses a JSON body and a multipart body without a boundary', async () => {
    const member = await api.member();
    const json = await api.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/profile-image',
      headers: member.authHeader,
      payload: { image: 'data:image/png;base64,iVBORw0KGgo=' },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('MEDIA_TYPE_NOT_ALLOWED');
    const broken = await api.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/profile-image',
      headers: { ...member.authHeader, 'content-type': 'multipart/form-data' },
      payload: 'garbage',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('VALIDATION_ERROR');
    const cut = await api.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/profile-image',
      headers: { ...member.authHeader, 'content-type': 'multipart/form-data; boundary=abc' },
      payload: '--abc\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG',
    });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error.code).toBe('VALIDATION_ERROR');
    expect(await storedFiles(member.user.id)).toEqual([]);
  });

  it('is 401 anonymously, before reading the body', async () => {
    const result = await upload(undefined, [{ data: await pngOf(20, 20) }]);
    expect({ status: result.status, code: result.body.error.code }).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });
});

describe('DELETE /users/me/profile-image (USER-09)', () => {
  it('deletes the file and clears the image; a second delete is harmless', async () => {
    const member = await api.member();
    const uploaded = await upload(member, [{ data: await pngOf(50, 50) }]);
    expect((await storedFiles(member.user.id)).length).toBe(1);

    const response = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me/profile-image',
      headers: { ...member.authHeader, 'accept-language': 'en' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      success: true,
      data: { message: expect.stringMatching(/deleted/i) },
    });
    expect(await storedFiles(member.user.id)).toEqual([]);
    expect(await imagePathOf(member.user.id)).toBeNull();
    const me = await api.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: member.authHeader });
    expect(me.json().data.profileImageUrl).toBeNull();
    expect(
      (await api.app.inject({ method: 'GET', url: mediaPath(uploaded.body.data.imageUrl) })).statusCode,
    ).toBe(404);

    const again = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me/profile-image',
      headers: member.authHeader,
    });
    expect(again.statusCode).toBe(200);
  });

  it('is 401 anonymously', async () => {
    const response = await api.app.inject({ method: 'DELETE', url: '/api/v1/users/me/profile-image' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHORIZED');
  });
});

describe('withdrawal and images', () => {
  it('deletes the profile image file of a withdrawing member', async () => {
    const member = await api.member();
    const uploaded = await upload(member, [{ data: await pngOf(50, 50) }]);
    expect(uploaded.status).toBe(200);
    const response = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: member.authHeader,
    });
    expect(response.statusCode).toBe(200);
    expect(await storedFiles(member.user.id)).toEqual([]);
    expect(
      (await api.app.inject({ method: 'GET', url: mediaPath(uploaded.body.data.imageUrl) })).statusCode,
    ).toBe(404);
  });
});

describe('GET /media/profile-images/:userId/:file', () => {
  it('is 404 for a well-formed name that does not exist', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/media/profile-images/999999999/${'a'.repeat(32)}.webp`,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });

  it('never leaves the image folder', async () => {
    // a file beside the store that a traversal would reach
    await writeFile(join(api.ctx.storageDir, 'secret.webp'), 'secret');
    await access(join(api.ctx.storageDir, 'secret.webp'));
    const member = await api.member();
    for (const url of [
      '/media/profile-images/../secret.webp',
      '/media/profile-images/..%2F..%2Fsecret.webp',
      `/media/profile-images/${member.user.id}/..%2F..%2Fsecret.webp`,
      `/media/profile-images/${member.user.id}/%2e%2e%2f%2e%2e%2fsecret.webp`,
      `/media/profile-images/..%2F${member.user.id}/${'a'.repeat(32)}.webp`,
      `/media/profile-images/${member.user.id}/${'a'.repeat(32)}.webp%00.png`,
      `/media/profile-images/${member.user.id}/${'A'.repeat(32)}.webp`,
      '/media/profile-images/%2e%2e/%2e%2e/secret.webp',
    ]) {
      const response = await api.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.headers['content-type'], url).toMatch(/^application\/json/);
      expect(response.body, url).not.toBe('secret');
    }
  });
});
