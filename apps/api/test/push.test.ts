// PUSH-01..07: subscriptions (hostile ones refused with nothing stored), per-type preferences, and
// delivery through the real push-delivery queue and processor to a real push service started here
// (helpers/push-service.ts), which checks the VAPID signature and decrypts the aes128gcm payload
// with the subscription's keys; 404/410 deactivate, 500 is retried, the admin's send reaches ALL
// or a segment, and an offer written under a target price arrives as a push; against real
// PostgreSQL and Redis (BullMQ).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLogger } from '@pbshop/config';
import { adminAuditLog, pushSubscriptions, refreshTokens } from '@pbshop/db';
import { type RunningWorkers, startWorkers } from '@pbshop/queues';
import { pollUntil, waitFor } from '@pbshop/testing';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushDeliveryProcessor } from '../src/modules/realtime/push/delivery-processor.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError } from './helpers/http.ts';
import {
  type BrowserSubscription,
  type PushServiceServer,
  startPushService,
} from './helpers/push-service.ts';
import { buildTestApp, type Member } from './helpers/users.ts';

/** A VAPID key pair as the env takes it (what `pnpm push:vapid-keys` prints). */
function vapidKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  return {
    publicKey: point.toString('base64url'),
    privateKey: privateKey.export({ format: 'jwk' }).d as string,
  };
}

const vapid = vapidKeys();
const VAPID_SUBJECT = 'mailto:push-test@pbshop.example';
let pushService: PushServiceServer;

const api = setupApiTest({
  beforeApp: async () => {
    pushService = await startPushService();
  },
  env: {
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT,
    PUSH_ALLOW_LOOPBACK_HTTP: 'true',
    PUSH_SEND_TIMEOUT_MS: '3000',
  },
  afterApp: () => pushService?.close(),
  members: { admin: { role: 'ADMIN' } },
});
const { call } = api;
const db = () => api.deps.database.db;
let worker: RunningWorkers;
let category: CategoryData;

beforeAll(async () => {
  worker = startWorkers(
    'push-test',
    {
      env: api.deps.env,
      logger: createLogger({ LOG_LEVEL: 'silent' }, 'push-test'),
      redis: api.deps.workerRedis,
    },
    { processors: [pushDeliveryProcessor({ push: api.deps.push, timeoutMs: 3000 })] },
  );
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Push') });
});
afterAll(async () => {
  await worker?.close();
});

const register = (member: Member, body: Record<string, unknown>) =>
  call('POST', '/api/v1/push/subscriptions', { headers: member.authHeader, body });

/** A browser subscription at the test's push service, registered by `member`. */
async function subscribed(member: Member): Promise<BrowserSubscription & { id: number }> {
  const browser = pushService.subscription();
  const created = await register(member, {
    endpoint: browser.endpoint,
    p256dhKey: browser.p256dhKey,
    authKey: browser.authKey,
  });
  expect(created.status).toBe(201);
  return { ...browser, id: created.body.data.id };
}

const subscriptionRow = async (id: number) =>
  (await db().select().from(pushSubscriptions).where(eq(pushSubscriptions.id, id)))[0];

const subscriptionCount = async () => (await db().select({ n: count() }).from(pushSubscriptions))[0]?.n ?? 0;

const pushJobs = (states: ('completed' | 'failed' | 'delayed' | 'waiting' | 'active')[]) =>
  api.deps.producers.queues['push-delivery'].getJobs(states);

/** The pushes the service took (2xx) at the endpoint, once `n` arrived. */
async function delivered(endpoint: string, n = 1) {
  const taken = await waitFor(`${n} push(es) at ${endpoint}`, () => {
    const got = pushService.receivedAt(endpoint).filter((entry) => entry.status < 300);
    return got.length >= n ? got : undefined;
  });
  return taken;
}

describe('subscriptions (PUSH-01..03)', () => {
  it('registers, lists, moves a re-registered endpoint to its new member, and unsubscribes', async () => {
    const [ann, ben] = [await api.member(), await api.member()];
    const browser = pushService.subscription();
    const created = await register(ann, {
      endpoint: browser.endpoint,
      p256dhKey: browser.p256dhKey,
      authKey: browser.authKey,
      expirationTime: String(Date.now() + 86_400_000),
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.any(Number),
      endpoint: browser.endpoint,
      expirationTime: expect.stringMatching(/^\d+$/),
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const listed = await call('GET', '/api/v1/push/subscriptions', { headers: ann.authHeader });
    expect(listed.body.data.map((item: { id: number }) => item.id)).toEqual([created.body.data.id]);

    // the same browser, now signed in as ben: one row, ben's, with the keys he sent
    const moved = await register(ben, {
      endpoint: browser.endpoint,
      p256dhKey: browser.p256dhKey,
      authKey: browser.authKey,
    });
    expect(moved.status).toBe(201);
    expect(moved.body.data.id).toBe(created.body.data.id);
    expect(moved.body.data.expirationTime).toBeNull();
    expect((await call('GET', '/api/v1/push/subscriptions', { headers: ann.authHeader })).body.data).toEqual(
      [],
    );
    expect((await subscriptionRow(created.body.data.id))?.userId).toBe(ben.user.id);

    // ann cannot remove ben's subscription; ben can
    const notHers = await call('POST', '/api/v1/push/subscriptions/unsubscribe', {
      headers: ann.authHeader,
      body: { endpoint: browser.endpoint },
    });
    expect(notHers.status).toBe(200);
    expect(notHers.body.data).toEqual({ success: false, message: expect.any(String) });
    expect(await subscriptionRow(created.body.data.id)).toBeDefined();
    const removed = await call('POST', '/api/v1/push/subscriptions/unsubscribe', {
      headers: ben.authHeader,
      body: { endpoint: browser.endpoint },
    });
    expect(removed.body.data).toEqual({ success: true, message: expect.any(String) });
    expect(await subscriptionRow(created.body.data.id)).toBeUndefined();
  });

  it('refuses hostile subscriptions with 422 PUSH_SUBSCRIPTION_INVALID (or 400 for wrong types) and stores nothing', async () => {
    const member = await api.member();
    const good = pushService.subscription();
    const valid = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def',
      p256dhKey: good.p256dhKey,
      authKey: good.authKey,
    };
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
    const compressed = Buffer.concat([Buffer.from([2]), randomBytes(32)]).toString('base64url');
    const hostile422: [string, Record<string, unknown>][] = [
      ['http endpoint off the loopback', { ...valid, endpoint: 'http://push.example.com/send/1' }],
      ['javascript: endpoint', { ...valid, endpoint: 'javascript:alert(1)' }],
      ['file: endpoint', { ...valid, endpoint: 'file:///etc/passwd' }],
      ['https to an IP literal', { ...valid, endpoint: 'https://169.254.169.254/latest/meta-data' }],
      ['https to localhost', { ...valid, endpoint: 'https://localhost/push' }],
      ['https to an IPv6 literal', { ...valid, endpoint: 'https://[::1]/push' }],
      ['credentials in the endpoint', { ...valid, endpoint: 'https://user:pw@push.example.com/x' }],
      [
        'an endpoint of 3000 characters',
        { ...valid, endpoint: `https://push.example.com/${'a'.repeat(3000)}` },
      ],
      ['not a URL', { ...valid, endpoint: 'not a url' }],
      ['a NUL byte in the endpoint', { ...valid, endpoint: 'https://push.example.com/a\u0000b' }],
      ['a newline in the endpoint', { ...valid, endpoint: 'https://push.example.com/a\nb' }],
      ['p256dh of 64 bytes', { ...valid, p256dhKey: randomBytes(64).toString('base64url') }],
      ['p256dh compressed', { ...valid, p256dhKey: compressed }],
      ['p256dh off the curve', { ...valid, p256dhKey: offCurve }],
      ['p256dh not base64url', { ...valid, p256dhKey: `${good.p256dhKey.slice(0, -2)}+/` }],
      ['auth of 15 bytes', { ...valid, authKey: randomBytes(15).toString('base64url') }],
      ['auth of 32 bytes', { ...valid, authKey: randomBytes(32).toString('base64url') }],
      ['auth with markup', { ...valid, authKey: '<script>alert(1)</script>' }],
      ['expirationTime in the past', { ...valid, expirationTime: '1000' }],
      ['expirationTime not a number', { ...valid, expirationTime: 'tomorrow' }],
    ];
    const before = await subscriptionCount();
    for (const [what, body] of hostile422) {
      const refused = await register(member, body);
      expect({ what, status: refused.status, code: refused.body.error?.code }).toEqual({
        what,
        status: 422,
        code: 'PUSH_SUBSCRIPTION_INVALID',
      });
    }
    for (const body of [
      {},
      { ...valid, endpoint: 42 },
      { ...valid, p256dhKey: null },
      { ...valid, authKey: ['x'] },
      { ...valid, endpoint: 'x'.repeat(10_000) },
      { ...valid, expirationTime: 123 },
    ]) {
      expectError(await register(member, body), 400, 'VALIDATION_ERROR');
    }
    expect(await subscriptionCount()).toBe(before);
    expectError(
      await call('POST', '/api/v1/push/subscriptions/unsubscribe', {
        headers: member.authHeader,
        body: { endpoint: 'https://push.example.com/\u0000' },
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await call('POST', '/api/v1/push/subscriptions', { body: valid }), 401, 'UNAUTHORIZED');
    // a real push service's subscription is admitted
    expect((await register(member, valid)).status).toBe(201);
  });
});

describe('preferences (PUSH-04..05)', () => {
  it('starts with every kind on and changes only the kinds sent', async () => {
    const member = await api.member();
    const first = await call('GET', '/api/v1/push/preferences', { headers: member.authHeader });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({
      id: expect.any(Number),
      userId: member.user.id,
      priceAlertEnabled: true,
      orderStatusEnabled: true,
      chatMessageEnabled: true,
      dealEnabled: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const changed = await call('POST', '/api/v1/push/preferences', {
      headers: member.authHeader,
      body: { priceAlertEnabled: false, dealEnabled: false },
    });
    expect(changed.body.data).toMatchObject({
      id: first.body.data.id,
      priceAlertEnabled: false,
      orderStatusEnabled: true,
      chatMessageEnabled: true,
      dealEnabled: false,
    });
    const again = await call('GET', '/api/v1/push/preferences', { headers: member.authHeader });
    expect(again.body.data).toEqual(changed.body.data);
    expectError(
      await call('POST', '/api/v1/push/preferences', {
        headers: member.authHeader,
        body: { dealEnabled: 'no' },
      }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('delivery (push-delivery queue)', () => {
  it('sends a VAPID-signed aes128gcm push the subscription decrypts', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    const queued = await api.deps.push.deliverPush(
      member.user.id,
      'PRICE_ALERT',
      { title: '최저가 알림', body: '모니터 199,000원', url: '/products/7', data: { productId: 7 } },
      'push-test-1',
    );
    expect(queued).toBe(1);
    const [push] = await delivered(browser.endpoint);
    expect(push?.vapidProblem).toBeUndefined();
    expect(push?.vapidKey).toBe(vapid.publicKey);
    expect(push?.claims).toMatchObject({ aud: pushService.url, sub: VAPID_SUBJECT });
    expect(push?.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push?.headers.ttl)).toBeGreaterThan(0);
    expect(push?.decryptProblem).toBeUndefined();
    expect(push?.message).toEqual({
      type: 'PRICE_ALERT',
      title: '최저가 알림',
      body: '모니터 199,000원',
      url: '/products/7',
      data: { productId: 7 },
    });
  });

  it('a 410 deactivates the subscription at once, without a retry', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    pushService.script(browser.endpoint, [410]);
    await api.deps.push.deliverPush(
      member.user.id,
      'ORDER_STATUS',
      { title: 'order', body: 'shipped' },
      'push-test-410',
    );
    const row = await pollUntil(
      () => subscriptionRow(browser.id),
      (current) => current?.isActive === false,
    );
    expect(row).toMatchObject({
      isActive: false,
      deactivatedAt: expect.any(Date),
      lastError: expect.stringContaining('410'),
    });
    expect(pushService.receivedAt(browser.endpoint).map((entry) => entry.status)).toEqual([410]);
    expect(
      (await call('GET', '/api/v1/push/subscriptions', { headers: member.authHeader })).body.data,
    ).toEqual([]);
    // an inactive subscription is not queued again
    expect(
      await api.deps.push.deliverPush(
        member.user.id,
        'ORDER_STATUS',
        { title: 'o', body: 'b' },
        'push-test-410b',
      ),
    ).toBe(0);
    // the browser subscribing again brings it back
    const again = await register(member, {
      endpoint: browser.endpoint,
      p256dhKey: browser.p256dhKey,
      authKey: browser.authKey,
    });
    expect(again.body.data).toMatchObject({ id: browser.id, isActive: true });
  });

  it('a 404 deactivates too', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    pushService.script(browser.endpoint, [404]);
    await api.deps.push.deliverPush(member.user.id, 'DEAL', { title: 'deal', body: 'now' }, 'push-test-404');
    const row = await pollUntil(
      () => subscriptionRow(browser.id),
      (current) => current?.isActive === false,
    );
    expect(row?.lastError).toContain('404');
  });

  it('a 500 is retried with backoff and the push is delivered once', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    pushService.script(browser.endpoint, [500]);
    await api.deps.push.deliverPush(
      member.user.id,
      'CHAT_MESSAGE',
      { title: 'chat', body: 'hello' },
      'push-test-500',
    );
    const [push] = await delivered(browser.endpoint);
    expect(push?.message).toMatchObject({ type: 'CHAT_MESSAGE', body: 'hello' });
    // the retry's 201 is in; its job completes once the subscription row is written, which a full
    // suite on two cores has delayed past the default 20 s
    const job = await waitFor(
      'the job to complete',
      async () =>
        (await pushJobs(['completed'])).find((candidate) => candidate.data.requestId === 'push-test-500'),
      60_000,
    );
    expect(job.attemptsMade).toBe(2);
    expect(pushService.receivedAt(browser.endpoint).map((entry) => entry.status)).toEqual([500, 201]);
    expect(await subscriptionRow(browser.id)).toMatchObject({
      isActive: true,
      failureCount: 0,
      lastError: null,
    });
  });

  it('another 4xx fails the job with the reason and keeps the subscription', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    pushService.script(browser.endpoint, [400]);
    await api.deps.push.deliverPush(member.user.id, 'DEAL', { title: 'deal', body: 'x' }, 'push-test-400');
    const job = await waitFor('the job to fail', async () =>
      (await pushJobs(['failed'])).find((candidate) => candidate.data.requestId === 'push-test-400'),
    );
    expect(job.failedReason).toContain('push service answered 400');
    expect(job.attemptsMade).toBe(1);
    expect(await subscriptionRow(browser.id)).toMatchObject({ isActive: true, failureCount: 1 });
  });

  it('sends nothing of a kind the member switched off', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    await call('POST', '/api/v1/push/preferences', {
      headers: member.authHeader,
      body: { priceAlertEnabled: false },
    });
    expect(
      await api.deps.push.deliverPush(
        member.user.id,
        'PRICE_ALERT',
        { title: 'off', body: 'off' },
        'push-test-off',
      ),
    ).toBe(0);
    // a kind still on goes out; the one switched off never did
    await api.deps.push.deliverPush(
      member.user.id,
      'ORDER_STATUS',
      { title: 'on', body: 'on' },
      'push-test-on',
    );
    const pushes = await delivered(browser.endpoint);
    expect(pushes.map((entry) => (entry.message as { title: string }).title)).toEqual(['on']);
    expect(
      (await pushJobs(['completed', 'failed', 'waiting', 'delayed', 'active'])).some(
        (job) => job.data.requestId === 'push-test-off',
      ),
    ).toBe(false);
  });

  it('turns a stored notification into its push (the notifications service hook)', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    const queued = await api.deps.push.deliverNotification({
      id: 123,
      userId: member.user.id,
      type: 'PRICE_ALERT',
      payload: { productId: 9, productName: '게이밍 모니터', price: 249000 },
    });
    expect(queued).toBe(1);
    const [push] = await delivered(browser.endpoint);
    expect(push?.message).toMatchObject({
      type: 'PRICE_ALERT',
      title: '최저가 알림',
      body: '게이밍 모니터 249000원',
      url: '/products/9',
      data: { notificationId: 123, productId: 9 },
    });
  });
});

describe('a price alert end to end', () => {
  it('an offer written under a target price reaches the subscribed member as a push, once', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const watcher = await api.member();
    const browser = await subscribed(watcher);
    const product = (
      await call('POST', '/api/v1/products', {
        headers: api.admin.authHeader,
        body: { categoryId: category.id, name: uniqueName('Alert monitor') },
      })
    ).body.data as { id: number; name: string };
    const offer = await call('POST', `/api/v1/products/${product.id}/prices`, {
      headers: api.admin.authHeader,
      body: { sellerId: shop.id, price: 300_000, url: 'https://shop.example.com/item/push' },
    });
    expect(offer.status).toBe(201);
    const alert = await call('POST', '/api/v1/price-alerts', {
      headers: watcher.authHeader,
      body: { productId: product.id, targetPrice: 250_000 },
    });
    expect(alert.status).toBe(201);
    const lowered = await call('PATCH', `/api/v1/prices/${offer.body.data.id}`, {
      headers: api.admin.authHeader,
      body: { price: 249_000 },
    });
    expect(lowered.status).toBe(200);

    const [push] = await delivered(browser.endpoint);
    expect(push?.vapidProblem).toBeUndefined();
    expect(push?.message).toMatchObject({
      type: 'PRICE_ALERT',
      title: '최저가 알림',
      body: `${product.name} 249000원`,
      url: `/products/${product.id}`,
      data: { notificationType: 'PRICE_ALERT', productId: product.id, price: 249_000 },
    });
    // the completed job is the only one for the row: delivered once
    const rowJobs = (await pushJobs(['completed', 'waiting', 'active', 'delayed', 'failed'])).filter(
      (job) => job.data.subscriptionId === browser.id,
    );
    expect(rowJobs).toHaveLength(1);
  });
});

describe('POST /admin/push/send', () => {
  const send = (body: Record<string, unknown>, who: Member = api.admin) =>
    call('POST', '/api/v1/admin/push/send', { headers: who.authHeader, body });

  async function newProduct() {
    const created = await call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: { categoryId: category.id, name: uniqueName('Push product') },
    });
    expect(created.status).toBe(201);
    return created.body.data.id as number;
  }

  /** A member with a session issued now (active) or 40 days ago (inactive for 30d). */
  async function withSession(member: Member, daysAgo: number) {
    await api.deps.tokens.issue({
      id: member.user.id,
      role: member.user.role,
      tokenVersion: member.user.tokenVersion,
    });
    await db()
      .update(refreshTokens)
      .set({ createdAt: sql`now() - make_interval(days => ${daysAgo})` })
      .where(eq(refreshTokens.userId, member.user.id));
  }

  it('sends to a segment (wishlist and activity), leaves out members who switched deals off, audited', async () => {
    const productId = await newProduct();
    const [wisherActive, wisherIdle, wisherNoDeals, other] = [
      await api.member(),
      await api.member(),
      await api.member(),
      await api.member(),
    ];
    const browsers = new Map<Member, BrowserSubscription>();
    for (const member of [wisherActive, wisherIdle, wisherNoDeals, other])
      browsers.set(member, await subscribed(member));
    for (const member of [wisherActive, wisherIdle, wisherNoDeals]) {
      expect(
        (await call('POST', `/api/v1/wishlist/${productId}`, { headers: member.authHeader })).status,
      ).toBeLessThan(300);
    }
    await withSession(wisherActive, 0);
    await withSession(wisherIdle, 40);
    await withSession(wisherNoDeals, 1);
    await withSession(other, 0);
    await call('POST', '/api/v1/push/preferences', {
      headers: wisherNoDeals.authHeader,
      body: { dealEnabled: false },
    });

    const sent = await send({
      title: '오늘의 특가',
      body: '찜한 상품이 할인 중입니다',
      url: `/products/${productId}`,
      iconUrl: 'https://cdn.pbshop.example/icon.png',
      target: 'SEGMENT',
      segmentFilter: { hasWishlistIn: [productId], lastActiveWithin: '30d' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.data).toEqual({ sentCount: 1, scheduledAt: null });
    const [push] = await delivered(browsers.get(wisherActive)!.endpoint);
    expect(push?.message).toEqual({
      type: 'DEAL',
      title: '오늘의 특가',
      body: '찜한 상품이 할인 중입니다',
      url: `/products/${productId}`,
      iconUrl: 'https://cdn.pbshop.example/icon.png',
    });

    // wishlist alone: the idle wisher too, still not the one who switched deals off
    const byWishlist = await send({
      title: 't',
      body: 'b',
      target: 'SEGMENT',
      segmentFilter: { hasWishlistIn: [productId] },
    });
    expect(byWishlist.body.data.sentCount).toBe(2);
    await delivered(browsers.get(wisherIdle)!.endpoint);
    expect(pushService.receivedAt(browsers.get(wisherNoDeals)!.endpoint)).toEqual([]);
    expect(pushService.receivedAt(browsers.get(other)!.endpoint)).toEqual([]);

    const [audit] = await db()
      .select()
      .from(adminAuditLog)
      .where(eq(adminAuditLog.requestId, sent.body.requestId));
    expect(audit).toMatchObject({
      actorId: api.admin.user.id,
      action: 'push.send',
      target: 'SEGMENT',
      result: 'SUCCEEDED',
      details: { outcome: { sentCount: 1 } },
    });
  });

  it('ALL reaches every active subscription with deals on; scheduledAt queues delayed jobs', async () => {
    const member = await api.member();
    const browser = await subscribed(member);
    const reachable = await db().execute<{ n: number }>(sql`
      select count(*)::int as n from push_subscriptions s
      left join push_preferences p on p.user_id = s.user_id
      where s.is_active and coalesce(p.deal_enabled, true)
        and (s.expiration_time is null or s.expiration_time > now())`);
    const scheduledAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const sent = await send({ title: 'later', body: 'in an hour', target: 'ALL', scheduledAt });
    expect(sent.status).toBe(200);
    expect(sent.body.data).toEqual({ sentCount: Number(reachable[0]?.n), scheduledAt });
    const delayed = (await pushJobs(['delayed'])).filter((job) => job.data.requestId === sent.body.requestId);
    expect(delayed).toHaveLength(sent.body.data.sentCount);
    expect(delayed.some((job) => job.data.subscriptionId === browser.id)).toBe(true);
    expect(Math.min(...delayed.map((job) => job.opts.delay ?? 0))).toBeGreaterThan(59 * 60 * 1000);
    expect(pushService.receivedAt(browser.endpoint)).toEqual([]);
    await Promise.all(delayed.map((job) => job.remove()));
  });

  it('refuses bad input with 400 and nothing queued, and anyone but an admin', async () => {
    const before = (await pushJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).length;
    for (const body of [
      { title: 't', body: 'b', target: 'SEGMENT' },
      { title: 't', body: 'b', target: 'SEGMENT', segmentFilter: {} },
      { title: 't', body: 'b', target: 'SOME' },
      { title: '', body: 'b', target: 'ALL' },
      { title: 't', body: 'b', target: 'ALL', url: 'javascript:alert(1)' },
      { title: 't', body: 'b', target: 'ALL', iconUrl: '//evil.example/x.png' },
      { title: 't', body: 'b', target: 'SEGMENT', segmentFilter: { lastActiveWithin: '30 days' } },
      { title: 't', body: 'b', target: 'SEGMENT', segmentFilter: { hasWishlistIn: ['1; drop table users'] } },
      { title: 't', body: 'b', target: 'ALL', scheduledAt: 'tomorrow' },
      {
        title: 't',
        body: 'b',
        target: 'ALL',
        scheduledAt: new Date(Date.now() + 40 * 86_400_000).toISOString(),
      },
    ]) {
      expectError(await send(body), 400, 'VALIDATION_ERROR');
    }
    expectError(await send({ title: 't', body: 'b', target: 'ALL' }, await api.member()), 403, 'FORBIDDEN');
    expect((await pushJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).length).toBe(before);
  });
});

describe('without VAPID keys', () => {
  it('keeps subscriptions but answers 503 PUSH_NOT_CONFIGURED to sending and to the public key', async () => {
    const bare = await buildTestApp(api.ctx, {
      REDIS_KEY_PREFIX: `${api.ctx.redisPrefix}:nokeys`,
      VAPID_PUBLIC_KEY: '',
      VAPID_PRIVATE_KEY: '',
    });
    try {
      const admin = await api.member({ role: 'ADMIN' });
      const inject = (method: 'GET' | 'POST', url: string, body?: object) =>
        bare.app.inject({ method, url, headers: admin.authHeader, ...(body ? { payload: body } : {}) });
      const key = await inject('GET', '/api/v1/push/vapid-public-key');
      expect([key.statusCode, key.json().error.code]).toEqual([503, 'PUSH_NOT_CONFIGURED']);
      const sent = await inject('POST', '/api/v1/admin/push/send', { title: 't', body: 'b', target: 'ALL' });
      expect([sent.statusCode, sent.json().error.code]).toEqual([503, 'PUSH_NOT_CONFIGURED']);
      const browser = pushService.subscription();
      const kept = await inject('POST', '/api/v1/push/subscriptions', {
        endpoint: `https://fcm.googleapis.com/fcm/send/nokeys-${randomBytes(4).toString('hex')}`,
        p256dhKey: browser.p256dhKey,
        authKey: browser.authKey,
      });
      expect(kept.statusCode).toBe(201);
      // nothing is queued for it
      expect(
        await bare.deps.push.deliverPush(admin.user.id, 'DEAL', { title: 't', body: 'b' }, 'nokeys'),
      ).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('serves the public key when configured', async () => {
    const key = await call('GET', '/api/v1/push/vapid-public-key');
    expect(key.body.data).toEqual({ publicKey: vapid.publicKey });
  });
});

describe('queue admin', () => {
  it('lists push-delivery among the supported queues', async () => {
    const supported = await call('GET', '/api/v1/admin/queues/supported', { headers: api.admin.authHeader });
    expect(supported.body.data.items).toContain('push-delivery');
    const stats = await call('GET', '/api/v1/admin/queues/stats', { headers: api.admin.authHeader });
    expect(stats.body.data.items.map((item: { queueName: string }) => item.queueName)).toContain(
      'push-delivery',
    );
  });
});
