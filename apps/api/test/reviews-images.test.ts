// Review images through the image service (REV, API §12): a review shows images its author
// uploaded through POST /images/upload (`imageIds`, with their WebP variants), beside the URLs it
// took before; another member's image is refused with nothing written; an edit replaces them and
// deletes the ones left out; deleting the review deletes its images, rows and stored files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { images, pointTransactions, reviewImages, reviews } from '@pbshop/db';
import { count, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { multipartBody } from './helpers/multipart.ts';
import { addressOf, createShop, type Shop, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, buyer: {}, other: {} } });
const { call } = api;
const db = () => api.deps.database.db;
let shop: Shop;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
});

const content = '포장이 꼼꼼하고 사진과 똑같아서 만족합니다.';

/** An image the member uploaded through POST /images/upload (a PNG made by sharp); its id. */
async function uploadImage(member: Member, shade = 120): Promise<number> {
  const png = await sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: 20, g: shade, b: 200 } },
  })
    .png()
    .toBuffer();
  const form = multipartBody([
    { name: 'category', value: 'product' },
    { name: 'file', filename: 'review.png', value: png, contentType: 'image/png' },
  ]);
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/images/upload',
    headers: { ...member.authHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().data.id;
}

/** A product the buyer has a purchase-confirmed order of (the order's status set as a fixture). */
async function boughtProduct(buyer: Member): Promise<{ productId: number; orderId: number }> {
  const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 20_000, stock: 50 });
  const placed = await call('POST', '/api/v1/orders', {
    headers: buyer.authHeader,
    body: {
      addressId: await addressOf(api.deps, buyer.user.id),
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
    },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await db().execute(sql`update orders set status = 'CONFIRMED' where id = ${placed.body.data.id}`);
  return { productId: offer.productId, orderId: placed.body.data.id };
}

const postReview = (buyer: Member, productId: number, body: object) =>
  call('POST', `/api/v1/products/${productId}/reviews`, { headers: buyer.authHeader, body });

const imageFolderExists = (imageId: number) =>
  existsSync(join(api.ctx.storageDir, 'images', String(imageId)));

async function imageRows(ids: number[]) {
  return (await db().select({ id: images.id }).from(images).where(inArray(images.id, ids))).map(
    (row) => row.id,
  );
}

interface ShownImage {
  id: number;
  variants: { type: string; url: string; width: number; height: number }[];
}

describe('review images', () => {
  it('shows the images its author uploaded, in the order given, with their variants, beside image URLs', async () => {
    const { productId, orderId } = await boughtProduct(api.buyer);
    const [first, second] = [await uploadImage(api.buyer, 60), await uploadImage(api.buyer, 180)];
    const created = await postReview(api.buyer, productId, {
      orderId,
      rating: 5,
      content,
      imageIds: [second, first, second],
      imageUrls: ['https://img.example.com/unboxing.jpg'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const review = created.body.data;
    expect(review.imageUrls).toEqual(['https://img.example.com/unboxing.jpg']);
    expect((review.images as ShownImage[]).map((image) => image.id)).toEqual([second, first]);
    for (const image of review.images as ShownImage[]) {
      expect(image.variants.map((variant) => variant.type)).toEqual(['THUMBNAIL', 'MEDIUM', 'LARGE']);
      for (const variant of image.variants) {
        const file = await api.app.inject({ method: 'GET', url: new URL(variant.url).pathname });
        expect(file.statusCode, variant.url).toBe(200);
        expect(file.headers['content-type']).toBe('image/webp');
        const { width, height } = await sharp(file.rawPayload).metadata();
        expect({ width, height }).toEqual({ width: variant.width, height: variant.height });
      }
    }
    // the list shows them as the write answered them
    const listed = await call('GET', `/api/v1/products/${productId}/reviews`);
    expect(listed.status).toBe(200);
    expect(listed.body.data[0].images).toEqual(review.images);
  });

  it('the storefront body (orderId, rating, content) is still a review, without images', async () => {
    const { productId, orderId } = await boughtProduct(api.buyer);
    const created = await postReview(api.buyer, productId, { orderId, rating: 4, content });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data).toMatchObject({ imageUrls: [], images: [], rating: 4 });
  });

  it("refuses another member's image, an unknown one or one already on a review with 400, writing nothing", async () => {
    const { productId, orderId } = await boughtProduct(api.buyer);
    const mine = await uploadImage(api.buyer);
    const theirs = await uploadImage(api.other);
    const reviewsBefore = (await db().select({ n: count() }).from(reviews))[0]!.n;
    const pointsBefore = (await db().select({ n: count() }).from(pointTransactions))[0]!.n;
    for (const imageIds of [[mine, theirs], [missingId]]) {
      const refused = await postReview(api.buyer, productId, { orderId, rating: 3, content, imageIds });
      expectError(refused, 400, 'ATTACHMENT_NOT_ALLOWED');
      expect(refused.body.error.details.imageIds).toEqual(imageIds.slice(-1));
    }
    expect((await db().select({ n: count() }).from(reviews))[0]!.n).toBe(reviewsBefore);
    expect((await db().select({ n: count() }).from(pointTransactions))[0]!.n).toBe(pointsBefore);
    expect(await db().select().from(reviewImages).where(eq(reviewImages.imageId, mine))).toEqual([]);
    // their image is untouched
    expect(await imageRows([theirs])).toEqual([theirs]);

    const created = await postReview(api.buyer, productId, { orderId, rating: 3, content, imageIds: [mine] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // an image shows on one review at most
    const other = await boughtProduct(api.buyer);
    expectError(
      await postReview(api.buyer, other.productId, {
        orderId: other.orderId,
        rating: 3,
        content,
        imageIds: [mine],
      }),
      400,
      'ATTACHMENT_NOT_ALLOWED',
    );
    // nor on an edit: another member's image
    expectError(
      await call('PATCH', `/api/v1/reviews/${created.body.data.id}`, {
        headers: api.buyer.authHeader,
        body: { imageIds: [mine, theirs] },
      }),
      400,
      'ATTACHMENT_NOT_ALLOWED',
    );
    const [kept] = await db()
      .select({ imageId: reviewImages.imageId })
      .from(reviewImages)
      .where(eq(reviewImages.reviewId, created.body.data.id));
    expect(kept).toEqual({ imageId: mine });
    // more than the review policy's maxImageCount (10 by default), URLs and ids together
    expectError(
      await call('PATCH', `/api/v1/reviews/${created.body.data.id}`, {
        headers: api.buyer.authHeader,
        body: {
          imageIds: [mine],
          imageUrls: Array.from({ length: 10 }, (_, index) => `https://img.example.com/${index}.jpg`),
        },
      }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('an edit replaces the images and deletes the ones left out; deleting the review deletes the rest', async () => {
    const { productId, orderId } = await boughtProduct(api.buyer);
    const [a, b, c] = [
      await uploadImage(api.buyer),
      await uploadImage(api.buyer),
      await uploadImage(api.buyer),
    ];
    const created = await postReview(api.buyer, productId, { orderId, rating: 5, content, imageIds: [a, b] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const reviewId = created.body.data.id;

    const edited = await call('PATCH', `/api/v1/reviews/${reviewId}`, {
      headers: api.buyer.authHeader,
      body: { imageIds: [c, a] },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect((edited.body.data.images as ShownImage[]).map((image) => image.id)).toEqual([c, a]);
    expect(await imageRows([a, b, c])).toEqual(expect.arrayContaining([a, c]));
    expect((await imageRows([a, b, c])).length).toBe(2);
    expect([a, b, c].map(imageFolderExists)).toEqual([true, false, true]);

    // an edit without imageIds leaves them
    const rated = await call('PATCH', `/api/v1/reviews/${reviewId}`, {
      headers: api.buyer.authHeader,
      body: { rating: 4 },
    });
    expect((rated.body.data.images as ShownImage[]).map((image) => image.id)).toEqual([c, a]);

    const deleted = await call('DELETE', `/api/v1/reviews/${reviewId}`, { headers: api.buyer.authHeader });
    expect(deleted.status).toBe(200);
    expect(await imageRows([a, b, c])).toEqual([]);
    expect([a, b, c].map(imageFolderExists)).toEqual([false, false, false]);
  });

  it("an ADMIN's deletion deletes the review's images too", async () => {
    const { productId, orderId } = await boughtProduct(api.buyer);
    const image = await uploadImage(api.buyer);
    const created = await postReview(api.buyer, productId, {
      orderId,
      rating: 2,
      content,
      imageIds: [image],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const deleted = await call('DELETE', `/api/v1/reviews/${created.body.data.id}`, {
      headers: api.admin.authHeader,
    });
    expect(deleted.status).toBe(200);
    expect(await imageRows([image])).toEqual([]);
    expect(imageFolderExists(image)).toBe(false);
  });
});
