// FAQ-01..06: FAQ by category with search, notices with pinning and a publish window, admin CRUD
// of both (audited), public lists served from the cache and invalidated by every admin write;
// markup sanitised. Against real PostgreSQL and Redis.
import { adminAuditLog, faqs, notices } from '@pbshop/db';
import { count, eq, inArray, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
const asAdmin = () => ({ headers: api.admin.authHeader });

async function createFaq(body: Record<string, unknown>) {
  const created = await call('POST', '/api/v1/admin/faq', { ...asAdmin(), body });
  expect(created.status).toBe(201);
  return created.body.data as { id: number; question: string; answer: string };
}

async function createNotice(body: Record<string, unknown>, url = '/api/v1/notices') {
  const created = await call('POST', url, { ...asAdmin(), body });
  expect(created.status).toBe(201);
  return created.body.data as { id: number; title: string; content: string };
}

const ids = (body: { data: { id: number }[] }) => body.data.map((item) => item.id);
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('FAQ (FAQ-01..03)', () => {
  it('lists active FAQ by category on both paths, searches question and answer, admins see inactive ones', async () => {
    const order = await createFaq({
      category: 'ORDER',
      question: '주문을 취소하려면?',
      answer: '<p>마이페이지에서 취소합니다.</p>',
    });
    const ship = await createFaq({
      category: 'DELIVERY',
      question: '배송은 얼마나 걸리나요?',
      answer: '보통 2~3일 (50% 빠른 배송)',
    });
    const hidden = await createFaq({
      category: 'ORDER',
      question: '숨긴 질문',
      answer: '보이지 않음',
      isActive: false,
    });

    for (const url of ['/api/v1/faq', '/api/v1/faqs']) {
      const all = await call('GET', url);
      expect(all.status).toBe(200);
      expect(ids(all.body)).toEqual(expect.arrayContaining([order.id, ship.id]));
      expect(ids(all.body)).not.toContain(hidden.id);
      const byCategory = await call('GET', `${url}?category=ORDER&page=1&limit=30`);
      expect(ids(byCategory.body)).toEqual([order.id]);
      expect(byCategory.body.meta).toMatchObject({ page: 1, limit: 30, totalCount: 1 });
    }
    // keyword (the storefront's) and search (the contract's) both match question and answer text
    expect(ids((await call('GET', `/api/v1/faq?keyword=${encodeURIComponent('취소')}`)).body)).toEqual([
      order.id,
    ]);
    expect(ids((await call('GET', `/api/v1/faqs?search=${encodeURIComponent('2~3일')}`)).body)).toEqual([
      ship.id,
    ]);
    // LIKE wildcards are text: "%" matches only the answer holding a percent sign
    expect(ids((await call('GET', '/api/v1/faq?keyword=%25')).body)).toEqual([ship.id]);
    expect(ids((await call('GET', `/api/v1/faq?keyword=${encodeURIComponent('숨긴')}`)).body)).toEqual([]);

    const adminList = await call('GET', '/api/v1/admin/faq?category=ORDER', asAdmin());
    expect(ids(adminList.body).sort()).toEqual([order.id, hidden.id].sort());
    expectError(await call('GET', '/api/v1/admin/faq', { headers: api.user.authHeader }), 403, 'FORBIDDEN');
  });

  it('updates and deletes on both paths, audited; a missing FAQ is 404 FAQ_NOT_FOUND', async () => {
    const faq = await createFaq({
      category: 'ACCOUNT',
      question: '비밀번호를 잊었어요',
      answer: '재설정 메일을 보냅니다.',
    });
    const updated = await call('PATCH', `/api/v1/admin/faq/${faq.id}`, {
      ...asAdmin(),
      body: { question: '비밀번호 재설정' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      id: faq.id,
      question: '비밀번호 재설정',
      answer: '재설정 메일을 보냅니다.',
    });
    const viaContract = await call('PATCH', `/api/v1/faqs/${faq.id}`, {
      ...asAdmin(),
      body: { isActive: false },
    });
    expect(viaContract.body.data.isActive).toBe(false);
    expectError(
      await call('PATCH', `/api/v1/faqs/${missingId}`, { ...asAdmin(), body: { isActive: true } }),
      404,
      'FAQ_NOT_FOUND',
    );

    const removed = await call('DELETE', `/api/v1/faqs/${faq.id}`, asAdmin());
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    expectError(await call('DELETE', `/api/v1/admin/faq/${faq.id}`, asAdmin()), 404, 'FAQ_NOT_FOUND');

    const trail = await api.deps.database.db
      .select({ action: adminAuditLog.action, result: adminAuditLog.result, target: adminAuditLog.target })
      .from(adminAuditLog)
      .where(eq(adminAuditLog.target, `faq/${faq.id}`));
    expect(trail).toEqual(
      expect.arrayContaining([
        { action: 'faq.update', result: 'SUCCEEDED', target: `faq/${faq.id}` },
        { action: 'faq.delete', result: 'SUCCEEDED', target: `faq/${faq.id}` },
        { action: 'faq.delete', result: 'FAILED', target: `faq/${faq.id}` },
      ]),
    );
  });

  it('refuses hostile and invalid bodies with 400 and writes nothing', async () => {
    const db = api.deps.database.db;
    const before = await db.select({ value: count() }).from(faqs);
    for (const body of [
      {},
      { category: '', question: 'q', answer: 'a' },
      { category: 'ORDER', question: 'q\u0000', answer: 'a' },
      { category: 'ORDER', question: 'q', answer: '<script>alert(1)</script>' },
      { category: 'ORDER', question: 'q', answer: 'a'.repeat(10_001) },
      { category: 'ORDER', question: 'q', answer: 'a', isActive: 'yes' },
      { category: ['ORDER'], question: 'q', answer: 'a' },
    ]) {
      expectError(await call('POST', '/api/v1/admin/faq', { ...asAdmin(), body }), 400, 'VALIDATION_ERROR');
    }
    expectError(await call('GET', '/api/v1/faq?limit=1000'), 400, 'VALIDATION_ERROR');
    expect(await db.select({ value: count() }).from(faqs)).toEqual(before);
  });
});

describe('notices (FAQ-04..06)', () => {
  it('lists published notices inside their window, pinned first; others are 404 publicly and listed for admins', async () => {
    const older = await createNotice({ title: '오래된 공지', content: '내용', isPublished: true });
    const pinned = await createNotice(
      { title: '고정 공지', content: '내용', isPinned: true, isPublished: true },
      '/api/v1/admin/notices',
    );
    const newer = await createNotice({
      title: '새 공지',
      content: '내용',
      isPublished: true,
      publishFrom: minutesFromNow(-5),
      publishUntil: minutesFromNow(60),
    });
    const draft = await createNotice({ title: '초안', content: '내용', isPublished: false });
    const later = await createNotice({ title: '예약', content: '내용', publishFrom: minutesFromNow(60) });
    const expired = await createNotice({ title: '만료', content: '내용', publishUntil: minutesFromNow(-1) });

    const listed = await call('GET', '/api/v1/notices?page=1&limit=50');
    expect(listed.status).toBe(200);
    expect(ids(listed.body)).toEqual([pinned.id, newer.id, older.id]);
    expect(listed.body.data[0]).toMatchObject({ title: '고정 공지', isPublished: true, isPinned: true });

    for (const hidden of [draft, later, expired]) {
      expectError(await call('GET', `/api/v1/notices/${hidden.id}`), 404, 'NOTICE_NOT_FOUND');
      const forAdmin = await call('GET', `/api/v1/admin/notices/${hidden.id}`, asAdmin());
      expect(forAdmin.body.data.id).toBe(hidden.id);
    }
    const adminList = await call('GET', '/api/v1/admin/notices?limit=50', asAdmin());
    expect(ids(adminList.body)).toEqual(expect.arrayContaining([draft.id, later.id, expired.id, older.id]));
    expect(ids(adminList.body)[0]).toBe(pinned.id);

    const read = await call('GET', `/api/v1/notices/${older.id}`);
    expect(read.body.data).toMatchObject({ id: older.id, viewCount: 1 });
    expect((await call('GET', `/api/v1/notices/${older.id}`)).body.data.viewCount).toBe(2);
  });

  it('keeps a window in order, on create and when an update moves one end past the stored other', async () => {
    const db = api.deps.database.db;
    const [before] = await db.select({ value: count() }).from(notices);
    expectError(
      await call('POST', '/api/v1/notices', {
        ...asAdmin(),
        body: {
          title: '거꾸로',
          content: '내용',
          publishFrom: minutesFromNow(10),
          publishUntil: minutesFromNow(5),
        },
      }),
      400,
      'VALIDATION_ERROR',
    );
    expect(await db.select({ value: count() }).from(notices)).toEqual([before]);
    const notice = await createNotice({ title: '창', content: '내용', publishUntil: minutesFromNow(10) });
    expectError(
      await call('PATCH', `/api/v1/admin/notices/${notice.id}`, {
        ...asAdmin(),
        body: { publishFrom: minutesFromNow(20) },
      }),
      400,
      'VALIDATION_ERROR',
    );
    const reopened = await call('PATCH', `/api/v1/notices/${notice.id}`, {
      ...asAdmin(),
      body: { publishFrom: minutesFromNow(20), publishUntil: null },
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body.data.publishUntil).toBeNull();
    expectError(await call('DELETE', `/api/v1/notices/${missingId}`, asAdmin()), 404, 'NOTICE_NOT_FOUND');
    expect((await call('DELETE', `/api/v1/admin/notices/${notice.id}`, asAdmin())).status).toBe(200);
  });
});

describe('cached public reads', () => {
  it('serve the cached list until an admin write invalidates it', async () => {
    const db = api.deps.database.db;
    const faq = await createFaq({ category: 'CACHE', question: '캐시 질문', answer: '처음 답' });
    const notice = await createNotice({ title: '캐시 공지', content: '처음' });
    const faqList = () => call('GET', '/api/v1/faq?category=CACHE');
    const noticeList = () => call('GET', '/api/v1/notices?limit=100');
    expect((await faqList()).body.data[0].answer).toBe('처음 답');
    expect((await noticeList()).body.data.map((item: { title: string }) => item.title)).toContain(
      '캐시 공지',
    );

    // a change behind the API's back is not seen: the lists come from the cache
    await db.update(faqs).set({ answer: '몰래 바꾼 답' }).where(eq(faqs.id, faq.id));
    await db.update(notices).set({ title: '몰래 바꾼 제목' }).where(eq(notices.id, notice.id));
    expect((await faqList()).body.data[0].answer).toBe('처음 답');
    const keys = await api.deps.redis.keys(`${api.deps.env.REDIS_KEY_PREFIX}:help:cache:list:*`);
    expect(keys.length).toBeGreaterThan(0);

    // any admin write invalidates both lists
    await call('PATCH', `/api/v1/admin/faq/${faq.id}`, { ...asAdmin(), body: { question: '캐시 질문 2' } });
    const fresh = await faqList();
    expect(fresh.body.data[0]).toMatchObject({ question: '캐시 질문 2', answer: '몰래 바꾼 답' });
    const notices2 = await noticeList();
    expect(notices2.body.data.map((item: { title: string }) => item.title)).toContain('몰래 바꾼 제목');

    await call('DELETE', `/api/v1/faqs/${faq.id}`, asAdmin());
    expect((await faqList()).body.data).toEqual([]);
  });
});

describe('markup is sanitised on write', () => {
  it('drops scripts, event handlers, javascript: URLs and SVG; links get rel="nofollow ugc"', async () => {
    const payload = [
      '<p onclick="steal()">안녕<script>alert(1)</script></p>',
      '<img src="x" onerror="alert(2)">',
      '<a href="javascript:alert(3)">click</a>',
      '<svg><script>alert(4)</script><circle onload="alert(5)"/></svg>',
      '<a href="https://example.com/a" target="_blank">link</a>',
    ].join('');
    const faq = await createFaq({ category: 'XSS', question: '<b>질문</b>', answer: payload });
    const notice = await createNotice({ title: 'XSS', content: payload });
    const faqRead = (await call('GET', '/api/v1/faq?category=XSS')).body.data[0];
    const noticeRead = (await call('GET', `/api/v1/notices/${notice.id}`)).body.data;
    for (const body of [faq.answer, faqRead.answer, notice.content, noticeRead.content]) {
      expect(body).not.toMatch(/<script|onerror|onclick|onload|javascript:|<svg|alert\(4\)/i);
      expect(body).toContain('<p>안녕</p>');
      expect(body).toContain('<a href="https://example.com/a" rel="nofollow ugc">link</a>');
    }
    const stored = await api.deps.database.db
      .select({ answer: faqs.answer })
      .from(faqs)
      .where(inArray(faqs.id, [faq.id]));
    expect(stored[0]!.answer).toBe(faq.answer);
    // the question is one line of text: kept as text, rendered escaped by any client
    expect(faq.question).toBe('<b>질문</b>');
    const trail = await api.deps.database.db
      .select({ value: count() })
      .from(adminAuditLog)
      .where(like(adminAuditLog.action, 'notice.%'));
    expect(trail[0]!.value).toBeGreaterThan(0);
  });
});
