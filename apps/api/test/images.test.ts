// Images (API §31 IMG-01..05, legacy §24, product images PROD-07): real images made here with
// sharp and zlib, processed by real sharp, stored in the real local storage, rows in PostgreSQL.
// A 12-megapixel JPEG with EXIF orientation 6 and GPS tags, a 30000×30000 PNG bomb, a truncated
// JPEG and a text file named .png.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { images, imageVariants, productImages } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE_CACHE_CONTROL } from '../src/modules/media/images/routes.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { testMedia } from './helpers/media-files.ts';
import type { Member } from './helpers/users.ts';

const PUBLIC_BASE_URL = 'http://cdn.pbshop.test:8000';
const api = setupApiTest({ env: { PUBLIC_BASE_URL }, members: { admin: { role: 'ADMIN' }, user: {} } });

interface FilePart {
  field?: string;
  filename: string;
  contentType: string;
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
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
          `content-type: ${file.contentType}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function post(
  url: string,
  member: Member | undefined,
  files: FilePart[],
  fields: Record<string, string> = {},
) {
  const body = multipart(files, fields);
  const response = await api.app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { ...(member?.authHeader ?? {}), 'content-type': body.contentType },
    payload: body.payload,
  });
  return { status: response.statusCode, body: response.json() };
}

const uploadImage = (
  member: Member | undefined,
  file: FilePart,
  fields: Record<string, string> = { category: 'product' },
) => post('/images/upload', member, [file], fields);

/** A served image URL's bytes through the app, with its headers. */
async function fetchFile(url: string, headers: Record<string, string> = {}) {
  expect(url.startsWith(`${PUBLIC_BASE_URL}/api/v1/images/`)).toBe(true);
  const response = await api.app.inject({ method: 'GET', url: url.slice(PUBLIC_BASE_URL.length), headers });
  return { status: response.statusCode, headers: response.headers, bytes: response.rawPayload };
}

/** Every file under the storage's images/ folder (relative paths). */
async function storedImageFiles(): Promise<string[]> {
  const root = join(api.ctx.storageDir, 'images');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

async function imageRowCount(uploaderId: number) {
  return (await api.deps.database.db.select().from(images).where(eq(images.uploaderId, uploaderId))).length;
}

const jpegPart = (data: Buffer): FilePart => ({ filename: 'photo.jpg', contentType: 'image/jpeg', data });
const smallPng = () =>
  sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 10, g: 160, b: 90 } } })
    .png()
    .toBuffer();

const hasExif = async (bytes: Buffer) => (await sharp(bytes).metadata()).exif !== undefined;

describe('POST /images/upload (IMG-01..05)', () => {
  let camera: Buffer;
  let uploaded: {
    id: number;
    originalUrl: string;
    placeholder: string;
    processingStatus: string;
    variants: {
      id: number;
      type: string;
      url: string;
      width: number;
      height: number;
      format: string;
      size: number;
    }[];
  };

  beforeAll(async () => {
    camera = await testMedia.cameraJpeg();
    const input = await sharp(camera).metadata();
    // the test image is what it claims: 12 MP, orientation 6, EXIF with the camera make and a GPS IFD
    expect(input.width! * input.height!).toBe(12_000_000);
    expect(input.orientation).toBe(6);
    expect(input.exif?.includes(Buffer.from('PBShopCam'))).toBe(true);
    const { status, body } = await uploadImage(api.user, jpegPart(camera), { category: 'community' });
    expect(status, JSON.stringify(body)).toBe(201);
    uploaded = body.data;
  });

  it('answers COMPLETED with THUMBNAIL 200, MEDIUM 600 and LARGE 1200 px WebP variants, oriented (longest side), sizes as stored', async () => {
    expect(uploaded.processingStatus).toBe('COMPLETED');
    expect(uploaded.placeholder).toMatch(/^data:image\/webp;base64,/);
    expect(
      uploaded.variants.map(({ type, width, height, format }) => ({ type, width, height, format })),
    ).toEqual([
      { type: 'THUMBNAIL', width: 150, height: 200, format: 'webp' },
      { type: 'MEDIUM', width: 450, height: 600, format: 'webp' },
      { type: 'LARGE', width: 900, height: 1200, format: 'webp' },
    ]);
    for (const variant of uploaded.variants) {
      const file = await fetchFile(variant.url);
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toBe('image/webp');
      expect(file.bytes.length).toBe(variant.size);
      const probed = await sharp(file.bytes).metadata();
      expect({ format: probed.format, width: probed.width, height: probed.height }).toEqual({
        format: 'webp',
        width: variant.width,
        height: variant.height,
      });
    }
  });

  it('applies the EXIF orientation: the stored left half (red) is on top', async () => {
    const large = uploaded.variants.find((variant) => variant.type === 'LARGE')!;
    const { data, info } = await sharp((await fetchFile(large.url)).bytes)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    const [topR, , topB] = pixel(450, 200);
    const [bottomR, , bottomB] = pixel(450, 1000);
    expect(topR).toBeGreaterThan(180);
    expect(topB).toBeLessThan(80);
    expect(bottomB).toBeGreaterThan(180);
    expect(bottomR).toBeLessThan(80);
  });

  it('keeps the original at full size, oriented, without EXIF (no GPS, no camera) — nor do the variants carry any', async () => {
    const original = await fetchFile(uploaded.originalUrl);
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toBe('image/jpeg');
    const probed = await sharp(original.bytes).metadata();
    expect({ format: probed.format, width: probed.width, height: probed.height }).toEqual({
      format: 'jpeg',
      width: 3000,
      height: 4000,
    });
    expect(probed.orientation).toBeUndefined();
    for (const url of [uploaded.originalUrl, ...uploaded.variants.map((variant) => variant.url)]) {
      const { bytes } = await fetchFile(url);
      expect(await hasExif(bytes), url).toBe(false);
      expect(bytes.includes(Buffer.from('PBShopCam')), url).toBe(false);
    }
  });

  it('stores the files under images/<id>/ and nothing else (the intake copy is gone)', async () => {
    const mine = (await storedImageFiles()).filter(
      (path) => path.startsWith(`${uploaded.id}/`) || path.startsWith('incoming/'),
    );
    expect(mine).toEqual([
      `${uploaded.id}/large.webp`,
      `${uploaded.id}/medium.webp`,
      `${uploaded.id}/original.jpg`,
      `${uploaded.id}/thumbnail.webp`,
    ]);
  });

  it('serves the files with year-long immutable caching, an ETag and 304 for it', async () => {
    const thumbnail = uploaded.variants[0]!;
    const first = await fetchFile(thumbnail.url);
    expect(first.headers['cache-control']).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(IMMUTABLE_CACHE_CONTROL).toBe('public, max-age=31536000, immutable');
    expect(first.headers.etag).toBeTruthy();
    const again = await fetchFile(thumbnail.url, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    const stranger = await api.app.inject({
      method: 'GET',
      url: `/api/v1/images/${uploaded.id}/files/secret.txt`,
    });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error.code).toBe('IMAGE_NOT_FOUND');
  });

  it('GET /images/:id/variants answers the same variants to anyone', async () => {
    const response = await api.call('GET', `/api/v1/images/${uploaded.id}/variants`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((variant: { id: number }) => variant.id)).toEqual(
      uploaded.variants.map((variant) => variant.id),
    );
    expect(response.body.data[0]).toMatchObject({
      type: 'THUMBNAIL',
      format: 'webp',
      createdAt: expect.any(String),
    });
  });

  it('never enlarges a small image: every variant keeps 100×80', async () => {
    const { status, body } = await uploadImage(api.user, {
      filename: 'small.png',
      contentType: 'image/png',
      data: await smallPng(),
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(
      body.data.variants.map((variant: { width: number; height: number }) => [variant.width, variant.height]),
    ).toEqual([
      [100, 80],
      [100, 80],
      [100, 80],
    ]);
    expect(body.data.originalUrl).toMatch(/\/original\.png$/);
  });
});

describe('refused uploads leave no file and no row', () => {
  it.each([
    [
      'a 30000×30000 PNG bomb',
      () => ({ filename: 'bomb.png', contentType: 'image/png', data: testMedia.pngBomb() }),
      413,
      'IMAGE_DIMENSIONS_TOO_LARGE',
    ],
    [
      'a truncated JPEG',
      async () => {
        const noisy = await sharp({
          create: {
            width: 800,
            height: 600,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 128, sigma: 40 },
          },
        })
          .jpeg()
          .toBuffer();
        return jpegPart(noisy.subarray(0, Math.floor(noisy.length / 2)));
      },
      400,
      'INVALID_IMAGE',
    ],
    [
      'a text file named .png',
      () => ({
        filename: 'notes.png',
        contentType: 'image/png',
        data: Buffer.from('just some text, not an image\n'.repeat(20)),
      }),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    ],
  ])('%s is refused', async (_label, make, status, code) => {
    const member = await api.member();
    const before = await storedImageFiles();
    const answer = await uploadImage(member, await make());
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(await storedImageFiles()).toEqual(before);
    expect(await imageRowCount(member.user.id)).toBe(0);
  });

  it('a missing or unknown category: 400, nothing kept', async () => {
    const member = await api.member();
    const before = await storedImageFiles();
    for (const fields of [{}, { category: 'wallpaper' }] as Record<string, string>[]) {
      const answer = await uploadImage(
        member,
        { filename: 'small.png', contentType: 'image/png', data: await smallPng() },
        fields,
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(await storedImageFiles()).toEqual(before);
    expect(await imageRowCount(member.user.id)).toBe(0);
  });

  it('anonymous: 401', async () => {
    const answer = await uploadImage(undefined, {
      filename: 'small.png',
      contentType: 'image/png',
      data: await smallPng(),
    });
    expect(answer.status).toBe(401);
  });
});

describe('DELETE /images/:id (admin)', () => {
  it('deletes the original, the variants and the rows; a second delete is 404; a user is refused', async () => {
    const { body } = await uploadImage(api.user, {
      filename: 'small.png',
      contentType: 'image/png',
      data: await smallPng(),
    });
    const image = body.data;
    const refused = await api.call('DELETE', `/api/v1/images/${image.id}`, { headers: api.user.authHeader });
    expect(refused.status).toBe(403);

    const deleted = await api.call('DELETE', `/api/v1/images/${image.id}`, { headers: api.admin.authHeader });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ success: true, message: expect.any(String) });
    expect((await storedImageFiles()).filter((path) => path.startsWith(`${image.id}/`))).toEqual([]);
    expect((await fetchFile(image.originalUrl)).status).toBe(404);
    const db = api.deps.database.db;
    expect(await db.select().from(images).where(eq(images.id, image.id))).toEqual([]);
    expect(await db.select().from(imageVariants).where(eq(imageVariants.imageId, image.id))).toEqual([]);
    expect((await api.call('GET', `/api/v1/images/${image.id}/variants`)).status).toBe(404);

    const again = await api.call('DELETE', `/api/v1/images/${image.id}`, { headers: api.admin.authHeader });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('IMAGE_NOT_FOUND');
  });
});

describe('POST /upload/image (legacy)', () => {
  it('answers { url }: the LARGE WebP variant, stored through the same path', async () => {
    const { status, body } = await post('/upload/image', api.user, [jpegPart(await testMedia.cameraJpeg())]);
    expect(status).toBe(201);
    expect(Object.keys(body.data)).toEqual(['url']);
    expect(body.data.url).toMatch(/\/files\/large\.webp$/);
    const probed = await sharp((await fetchFile(body.data.url)).bytes).metadata();
    expect([probed.format, probed.width, probed.height]).toEqual(['webp', 900, 1200]);
  });
});

describe('POST /products/:productId/images (PROD-07): multipart upload or JSON URL', () => {
  let productId: number;

  beforeAll(async () => {
    const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Cameras') });
    const created = await api.call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: { categoryId: category.id, name: uniqueName('Mirrorless'), price: 1_200_000 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    productId = created.body.data.id;
  });

  it('stores an uploaded file as an image and keeps its LARGE variant URL on the product', async () => {
    const { status, body } = await post(
      `/products/${productId}/images`,
      api.admin,
      [jpegPart(await testMedia.cameraJpeg())],
      {
        isMain: 'true',
        sortOrder: '2',
      },
    );
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.data).toMatchObject({ isMain: true, sortOrder: 2 });
    expect(body.data.url).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/api/v1/images/\\d+/files/large\\.webp$`));
    const [row] = await api.deps.database.db
      .select()
      .from(productImages)
      .where(eq(productImages.id, body.data.id));
    expect(row?.url).toBe(body.data.url);
    const [image] = await api.deps.database.db
      .select()
      .from(images)
      .where(eq(images.id, Number(body.data.url.split('/').at(-3))));
    expect(image?.category).toBe('product');
    const detail = await api.call('GET', `/api/v1/products/${productId}`);
    expect(detail.body.data.images[0].url).toBe(body.data.url);
  });

  it('still takes a JSON { url }', async () => {
    const url = 'https://img.example.com/mirrorless-side.jpg';
    const { status, body } = await api.call('POST', `/api/v1/products/${productId}/images`, {
      headers: api.admin.authHeader,
      body: { url, sortOrder: 3 },
    });
    expect(status).toBe(201);
    expect(body.data).toMatchObject({ url, isMain: false, sortOrder: 3 });
  });

  it('refuses bad fields before storing, and deletes the image when the product is gone (404)', async () => {
    const before = await storedImageFiles();
    const badField = await post(
      `/products/${productId}/images`,
      api.admin,
      [jpegPart(await testMedia.cameraJpeg())],
      {
        sortOrder: 'first',
      },
    );
    expect(badField.status).toBe(400);
    const missing = await post('/products/999999999/images', api.admin, [
      jpegPart(await testMedia.cameraJpeg()),
    ]);
    expect(missing.status).toBe(404);
    expect(await storedImageFiles()).toEqual(before);
    const empty = await api.call('POST', `/api/v1/products/${productId}/images`, {
      headers: api.admin.authHeader,
    });
    expect(empty.status).toBe(400);
  });

  it('a user is refused (403) before anything is stored', async () => {
    const before = await storedImageFiles();
    const refused = await post(`/products/${productId}/images`, api.user, [
      jpegPart(await testMedia.cameraJpeg()),
    ]);
    expect(refused.status).toBe(403);
    expect(await storedImageFiles()).toEqual(before);
  });
});
