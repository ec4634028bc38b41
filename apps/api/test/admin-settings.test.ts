// Admin settings (API §45, ops contract §2.B.9, ADMN-10..13): the allowed extensions, the upload
// limits and the review policy: defaults, validation, the audit trail, and a change reaching
// another API instance (its own process-local memo, the same PostgreSQL and Redis) without a
// restart.
import { adminAuditLog, appSettings } from '@pbshop/db';
import { pollUntil } from '@pbshop/testing';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { buildTestApp } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });

const asAdmin = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  api.call(method, `/api/v1/admin/settings${url}`, { headers: api.admin.authHeader, body });

describe('defaults', () => {
  it('answers the contract defaults before any change', async () => {
    expect((await asAdmin('GET', '/extensions')).body.data).toEqual({
      extensions: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'mp4', 'mov', 'webm', 'mp3', 'm4a', 'wav', 'pdf'],
    });
    expect((await asAdmin('GET', '/upload-limits')).body.data).toEqual({ image: 5, video: 100, audio: 20 });
    expect((await asAdmin('GET', '/review-policy')).body.data).toEqual({
      maxImageCount: 10,
      pointAmount: 500,
    });
  });

  it('is ADMIN only', async () => {
    expectError(
      await api.call('GET', '/api/v1/admin/settings/extensions', { headers: api.user.authHeader }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api.call('PATCH', '/api/v1/admin/settings/review-policy', { body: {} }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('changes', () => {
  it('replaces the extensions: lower-cased, dots dropped, duplicates merged; unknown ones refused', async () => {
    const saved = await asAdmin('POST', '/extensions', { extensions: ['JPG', '.png', 'png', 'mp4'] });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toEqual({ extensions: ['jpg', 'png', 'mp4'] });
    expect((await asAdmin('GET', '/extensions')).body.data.extensions).toEqual(['jpg', 'png', 'mp4']);
    for (const extensions of [['exe'], ['php', 'jpg'], [], ['j'.repeat(300)]]) {
      expectError(await asAdmin('POST', '/extensions', { extensions }), 400, 'VALIDATION_ERROR');
    }
    expect((await asAdmin('GET', '/extensions')).body.data.extensions).toEqual(['jpg', 'png', 'mp4']);
  });

  it('changes some limits and keeps the others; refuses limits outside 1..1024 MB', async () => {
    expect((await asAdmin('PATCH', '/upload-limits', { video: 250 })).body.data).toEqual({
      image: 5,
      video: 250,
      audio: 20,
    });
    expect((await asAdmin('PATCH', '/upload-limits', { image: 8, audio: 30 })).body.data).toEqual({
      image: 8,
      video: 250,
      audio: 30,
    });
    for (const body of [{}, { image: 0 }, { video: 1025 }, { audio: 2.5 }, { image: '5' }]) {
      expectError(await asAdmin('PATCH', '/upload-limits', body), 400, 'VALIDATION_ERROR');
    }
    expect((await asAdmin('GET', '/upload-limits')).body.data).toEqual({ image: 8, video: 250, audio: 30 });
  });

  it('changes the review policy; two admins changing different fields at once both hold', async () => {
    await Promise.all([
      asAdmin('PATCH', '/review-policy', { maxImageCount: 4 }),
      asAdmin('PATCH', '/review-policy', { pointAmount: 1200 }),
    ]);
    expect((await asAdmin('GET', '/review-policy')).body.data).toEqual({
      maxImageCount: 4,
      pointAmount: 1200,
    });
    expect(await api.deps.settings.reviewPolicy()).toEqual({ maxImageCount: 4, pointAmount: 1200 });
    for (const body of [{}, { maxImageCount: -1 }, { maxImageCount: 101 }, { pointAmount: 1_000_001 }]) {
      expectError(await asAdmin('PATCH', '/review-policy', body), 400, 'VALIDATION_ERROR');
    }
  });

  it('stores each change in app_settings with who made it, and audits it', async () => {
    await asAdmin('PATCH', '/upload-limits', { audio: 40 });
    const [row] = await api.deps.database.db
      .select()
      .from(appSettings)
      .where(eq(appSettings.key, 'upload.limits'));
    expect(row).toMatchObject({ value: { audio: 40 }, updatedBy: api.admin.user.id });
    const trail = await api.deps.database.db
      .select()
      .from(adminAuditLog)
      .where(like(adminAuditLog.action, 'settings.%'));
    expect(trail.map((entry) => entry.action)).toEqual(
      expect.arrayContaining([
        'settings.extensions.replace',
        'settings.upload-limits.change',
        'settings.review-policy.change',
      ]),
    );
    expect(trail.every((entry) => entry.actorId === api.admin.user.id && entry.result === 'SUCCEEDED')).toBe(
      true,
    );
  });
});

describe('the review policy feeds reviews', () => {
  it('a review with more images than maxImageCount is refused at once; within it, the write goes on', async () => {
    const images = [
      'https://img.example.com/1.jpg',
      'https://img.example.com/2.jpg',
      'https://img.example.com/3.jpg',
    ];
    const write = () =>
      api.call('POST', '/api/v1/products/1/reviews', {
        headers: api.user.authHeader,
        body: { orderId: 999_999_999, rating: 5, content: 'Exactly what I wanted.', imageUrls: images },
      });
    await asAdmin('PATCH', '/review-policy', { maxImageCount: 2 });
    const refused = await write();
    expectError(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details).toEqual([{ field: 'imageUrls', message: 'at most 2 images' }]);
    await asAdmin('PATCH', '/review-policy', { maxImageCount: 3 });
    // past the image check: the review goes on to its product (none in this test's catalog)
    expectError(await write(), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('another API instance', () => {
  let other: { app: App; deps: ApiDeps; close(): Promise<void> };
  beforeAll(async () => {
    other = await buildTestApp(api.ctx);
  });
  afterAll(async () => {
    await other?.close();
  });

  it('sees a change within its memo (2 s), without a restart', async () => {
    // the other instance has read (and memoised) the current value
    const before = await other.deps.settings.uploadPolicy();
    await asAdmin('POST', '/extensions', { extensions: ['webp', 'pdf'] });
    await asAdmin('PATCH', '/upload-limits', { image: 2 });
    const seen = await pollUntil(
      () => other.deps.settings.uploadPolicy(),
      (policy) => policy.extensions.join() === 'webp,pdf' && policy.limitsMb.image === 2,
      // the memo lapses after 2 s; the bound leaves room for a loaded machine
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(before.extensions).not.toEqual(['webp', 'pdf']);
    expect(seen.extensions).toEqual(['webp', 'pdf']);
    expect(seen.limitsMb.image).toBe(2);
    // and its admin endpoint answers the same
    const read = await other.app.inject({
      method: 'GET',
      url: '/api/v1/admin/settings/extensions',
      headers: api.admin.authHeader,
    });
    expect(read.json().data.extensions).toEqual(['webp', 'pdf']);
  });
});
