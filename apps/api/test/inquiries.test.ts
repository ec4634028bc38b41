// Product Q&A (INQ-01..05) on the real stack: secret questions read in full only by their author,
// a SELLER whose shop has an offer on the product and admins — masked (비밀글입니다., no author, no
// answer) for another seller, another member and anonymous readers; answers only by the product's
// seller or an admin, once (409 after); my questions; deletes only by the author before an answer
// (admins any, audited); XSS payloads made harmless; bad input writing nothing.
import { adminAuditLog, productInquiries } from '@pbshop/db';
import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller } from './helpers/catalog.ts';
import { expectHarmless, xssPayloads } from './helpers/community.ts';
import { expectError, missingId } from './helpers/http.ts';
import { createShop, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({
  members: {
    admin: { role: 'ADMIN' },
    asker: {},
    stranger: {},
    seller: { role: 'SELLER' },
    otherSeller: { role: 'SELLER' },
  },
});
const { call } = api;
const db = () => api.deps.database.db;

let productId: number;
let otherProductId: number;

beforeAll(async () => {
  const shop = await createShop(api.app, api.admin.authHeader);
  const mine = await createSeller(api.app, api.admin.authHeader, { ownerUserId: api.seller.user.id });
  const theirs = await createSeller(api.app, api.admin.authHeader, { ownerUserId: api.otherSeller.user.id });
  productId = (await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 5, sellerId: mine.id }))
    .productId;
  otherProductId = (
    await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 5, sellerId: theirs.id })
  ).productId;
});

const ask = async (body: { title: string; content: string; isSecret?: boolean }, who: Member = api.asker) => {
  const answer = await call('POST', `/api/v1/products/${productId}/inquiries`, {
    headers: who.authHeader,
    body,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.data as { id: number; title: string; content: string; status: string };
};

const listAs = async (who: Member | undefined, product = productId) => {
  const answer = await call('GET', `/api/v1/products/${product}/inquiries`, {
    headers: who?.authHeader,
  });
  expect(answer.status).toBe(200);
  return answer.body.data as {
    id: number;
    title: string;
    content: string;
    isSecret: boolean;
    isMasked: boolean;
    userId?: number;
    user: unknown;
    answer: { content: string } | null;
    status: string;
  }[];
};

describe('secret questions', () => {
  it('read in full by their author, the product’s seller and admins; masked for everyone else', async () => {
    const secret = await ask({
      title: '배송 주소 문의',
      content: '서울시 강남구 ... 로 보내 주세요',
      isSecret: true,
    });
    const open = await ask({ title: '색상 문의', content: '검정색도 있나요?' });
    const answered = await call('POST', `/api/v1/inquiries/${secret.id}/answer`, {
      headers: api.seller.authHeader,
      body: { content: '네, 그 주소로 보내 드리겠습니다.' },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.data).toMatchObject({
      status: 'ANSWERED',
      answer: {
        content: '네, 그 주소로 보내 드리겠습니다.',
        responderId: api.seller.user.id,
        responderRole: 'SELLER',
      },
    });

    const full = { title: '배송 주소 문의', isMasked: false, status: 'ANSWERED' };
    for (const who of [api.asker, api.seller, api.admin]) {
      const item = (await listAs(who)).find((row) => row.id === secret.id)!;
      expect(item, who.user.role).toMatchObject({ ...full, userId: api.asker.user.id });
      expect(item.answer?.content).toBe('네, 그 주소로 보내 드리겠습니다.');
    }
    for (const who of [api.otherSeller, api.stranger, undefined]) {
      const item = (await listAs(who)).find((row) => row.id === secret.id)!;
      expect(item, who?.user.role ?? 'anonymous').toMatchObject({
        title: '비밀글입니다.',
        content: '비밀글입니다.',
        isSecret: true,
        isMasked: true,
        status: 'ANSWERED',
        user: null,
        answer: null,
      });
      expect(item.userId).toBeUndefined();
      expect(JSON.stringify(item)).not.toContain('강남구');
      const plain = (await listAs(who)).find((row) => row.id === open.id)!;
      expect(plain).toMatchObject({ title: '색상 문의', isMasked: false });
    }
    const english = await call('GET', `/api/v1/products/${productId}/inquiries`, {
      headers: { 'accept-language': 'en' },
    });
    expect(english.body.data.find((row: { id: number }) => row.id === secret.id).title).toBe(
      'This question is secret.',
    );
  });
});

describe('answers', () => {
  it('are refused to another seller (403) and to a plain member (403), and given once (409 after)', async () => {
    const question = await ask({ title: '재고 문의', content: '언제 입고되나요?' });
    const body = { content: '다음 주 입고 예정입니다.' };
    expectError(
      await call('POST', `/api/v1/inquiries/${question.id}/answer`, {
        headers: api.otherSeller.authHeader,
        body,
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('POST', `/api/v1/inquiries/${question.id}/answer`, {
        headers: api.stranger.authHeader,
        body,
      }),
      403,
      'FORBIDDEN',
    );
    const [pending] = await db().select().from(productInquiries).where(eq(productInquiries.id, question.id));
    expect(pending).toMatchObject({ status: 'PENDING', answerContent: null });

    const concurrent = await Promise.all([
      call('POST', `/api/v1/inquiries/${question.id}/answer`, { headers: api.seller.authHeader, body }),
      call('POST', `/api/v1/inquiries/${question.id}/answer`, {
        headers: api.admin.authHeader,
        body: { content: '관리자 답변' },
      }),
    ]);
    expect(concurrent.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(concurrent.find((answer) => answer.status === 409)!.body.error.code).toBe(
      'INQUIRY_ALREADY_ANSWERED',
    );
    expectError(
      await call('POST', `/api/v1/inquiries/${question.id}/answer`, { headers: api.seller.authHeader, body }),
      409,
      'INQUIRY_ALREADY_ANSWERED',
    );
    expectError(
      await call('POST', `/api/v1/inquiries/${missingId}/answer`, { headers: api.seller.authHeader, body }),
      404,
      'INQUIRY_NOT_FOUND',
    );
  });

  it("let an admin answer any product's question, audited; the other seller answers their own product", async () => {
    const question = await call('POST', `/api/v1/products/${otherProductId}/inquiries`, {
      headers: api.asker.authHeader,
      body: { title: 'AS 문의', content: '보증 기간은요?', isSecret: true },
    });
    const id = question.body.data.id;
    expectError(
      await call('POST', `/api/v1/inquiries/${id}/answer`, {
        headers: api.seller.authHeader,
        body: { content: '1년입니다' },
      }),
      403,
      'FORBIDDEN',
    );
    const byOwner = (await listAs(api.otherSeller, otherProductId)).find((row) => row.id === id)!;
    expect(byOwner).toMatchObject({ title: 'AS 문의', isMasked: false });
    const bySeller = (await listAs(api.seller, otherProductId)).find((row) => row.id === id)!;
    expect(bySeller.isMasked).toBe(true);

    const admin = await call('POST', `/api/v1/inquiries/${id}/answer`, {
      headers: api.admin.authHeader,
      body: { content: '보증 기간은 1년입니다.' },
    });
    expect(admin.body.data.answer).toMatchObject({ responderRole: 'ADMIN', responderId: api.admin.user.id });
    const [audited] = await db()
      .select({ action: adminAuditLog.action, result: adminAuditLog.result })
      .from(adminAuditLog)
      .where(eq(adminAuditLog.target, String(id)));
    expect(audited).toEqual({ action: 'inquiry.answer', result: 'SUCCEEDED' });
  });
});

describe('my questions and deletes', () => {
  it('lists my questions with their answers; I delete mine only before an answer; admins delete any', async () => {
    const me = await api.member();
    const pending = await ask({ title: '내 질문 1', content: '내용 1', isSecret: true }, me);
    const toAnswer = await ask({ title: '내 질문 2', content: '내용 2' }, me);
    await call('POST', `/api/v1/inquiries/${toAnswer.id}/answer`, {
      headers: api.seller.authHeader,
      body: { content: '답변입니다' },
    });
    const mine = await call('GET', '/api/v1/inquiries/me', { headers: me.authHeader });
    expect(mine.body.data.map((row: { id: number }) => row.id)).toEqual([toAnswer.id, pending.id]);
    expect(mine.body.data[0]).toMatchObject({ status: 'ANSWERED', answer: { content: '답변입니다' } });
    expect(mine.body.data[1]).toMatchObject({ title: '내 질문 1', isMasked: false, answer: null });
    expect(mine.body.meta).toMatchObject({ totalCount: 2, page: 1 });

    expectError(
      await call('DELETE', `/api/v1/inquiries/${pending.id}`, { headers: api.stranger.authHeader }),
      404,
      'INQUIRY_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/inquiries/${toAnswer.id}`, { headers: me.authHeader }),
      409,
      'INQUIRY_ALREADY_ANSWERED',
    );
    expect((await call('DELETE', `/api/v1/inquiries/${pending.id}`, { headers: me.authHeader })).status).toBe(
      200,
    );
    expectError(
      await call('DELETE', `/api/v1/inquiries/${pending.id}`, { headers: me.authHeader }),
      404,
      'INQUIRY_NOT_FOUND',
    );
    expect(
      (await call('DELETE', `/api/v1/inquiries/${toAnswer.id}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    const left = await call('GET', '/api/v1/inquiries/me', { headers: me.authHeader });
    expect(left.body.data).toEqual([]);
    const [audited] = await db()
      .select({ action: adminAuditLog.action })
      .from(adminAuditLog)
      .where(eq(adminAuditLog.target, String(toAnswer.id)));
    expect(audited?.action).toBe('inquiry.delete');
  });
});

describe('safety', () => {
  it('makes XSS payloads in questions and answers harmless', async () => {
    for (const payload of xssPayloads) {
      const question = await ask({ title: '질문', content: payload });
      expectHarmless(question.content);
      const answered = await call('POST', `/api/v1/inquiries/${question.id}/answer`, {
        headers: api.seller.authHeader,
        body: { content: payload },
      });
      expectHarmless(answered.body.data.answer.content);
    }
  });

  it('refuses bad questions with 400 (404 for an unknown product) and writes nothing', async () => {
    const before = (await db().select({ n: count() }).from(productInquiries))[0]!.n;
    for (const body of [
      {},
      { title: '제목' },
      { title: '', content: '내용' },
      { title: '제목', content: '<svg onload=x()></svg>' },
      { title: '제목', content: '내용', isSecret: 'yes' },
      { title: 'x'.repeat(201), content: '내용' },
      { title: '제목', content: '내\u0000용' },
    ]) {
      expectError(
        await call('POST', `/api/v1/products/${productId}/inquiries`, {
          headers: api.asker.authHeader,
          body,
        }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('POST', `/api/v1/products/${missingId}/inquiries`, {
        headers: api.asker.authHeader,
        body: { title: '제목', content: '내용' },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(await call('GET', `/api/v1/products/${missingId}/inquiries`), 404, 'PRODUCT_NOT_FOUND');
    expect(
      (
        await call('POST', `/api/v1/products/${productId}/inquiries`, {
          body: { title: '익명', content: '내용' },
        })
      ).status,
    ).toBe(401);
    expect((await db().select({ n: count() }).from(productInquiries))[0]!.n).toBe(before);
  });
});
