// I18N-01..03: translation resources per locale and namespace, admin upsert and delete (audited,
// both the contract's and the storefront's paths), the public list cached and invalidated by each
// write; product and category names on the catalog reads answered in the Accept-Language's
// language where a translation exists. Against real PostgreSQL and Redis.
import { adminAuditLog, translations } from '@pbshop/db';
import { and, count, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
const asAdmin = () => ({ headers: api.admin.authHeader });

interface Translation {
  id: number;
  locale: string;
  namespace: string;
  key: string;
  value: string;
  updatedAt: string;
}

async function upsert(body: Record<string, unknown>, url = '/api/v1/admin/i18n/translations') {
  const saved = await call('POST', url, { ...asAdmin(), body });
  expect(saved.status).toBe(200);
  return saved.body.data as Translation;
}

/** GET with the response headers (Content-Language is under test) */
async function read(url: string, headers: Record<string, string> = {}) {
  const response = await api.app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

describe('translation resources (I18N-01..03)', () => {
  it('upserts on both paths, lists by locale, namespace and key, and each write reaches the cached list', async () => {
    const namespace = `ui-${Date.now()}`;
    const first = await upsert({ locale: 'en', namespace, key: 'cart.title', value: 'Cart' });
    expect(first).toMatchObject({ locale: 'en', namespace, key: 'cart.title', value: 'Cart' });
    await upsert(
      { locale: 'ja', namespace, key: 'cart.title', value: 'カート' },
      '/api/v1/i18n/admin/translations',
    );

    const english = await call('GET', `/api/v1/i18n/translations?locale=en&namespace=${namespace}`);
    expect(english.status).toBe(200);
    expect(english.body.data).toEqual([expect.objectContaining({ id: first.id, value: 'Cart' })]);
    // cached now; the same key upserted again replaces its value (same id) and the list shows it at once
    const replaced = await upsert({ locale: 'en', namespace, key: 'cart.title', value: ' Shopping cart ' });
    expect(replaced).toMatchObject({ id: first.id, value: 'Shopping cart' });
    expect(
      (await call('GET', `/api/v1/i18n/translations?locale=en&namespace=${namespace}`)).body.data,
    ).toEqual([expect.objectContaining({ id: first.id, value: 'Shopping cart' })]);
    const byKey = await call('GET', `/api/v1/i18n/translations?namespace=${namespace}&key=cart.title`);
    expect((byKey.body.data as Translation[]).map((row) => row.locale).sort()).toEqual(['en', 'ja']);
    const [rows] = await api.deps.database.db
      .select({ rows: count() })
      .from(translations)
      .where(eq(translations.namespace, namespace));
    expect(rows!.rows).toBe(2);

    // delete on both paths, audited; the list forgets it at once; a second delete is 404
    const deleted = await call('DELETE', `/api/v1/admin/i18n/translations/${first.id}`, asAdmin());
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ success: true, message: expect.any(String) });
    expect(
      (await call('GET', `/api/v1/i18n/translations?locale=en&namespace=${namespace}`)).body.data,
    ).toEqual([]);
    expectError(
      await call('DELETE', `/api/v1/i18n/admin/translations/${first.id}`, asAdmin()),
      404,
      'TRANSLATION_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/admin/i18n/translations/${missingId}`, asAdmin()),
      404,
      'TRANSLATION_NOT_FOUND',
    );
    const audited = await api.deps.database.db
      .select({ action: adminAuditLog.action, result: adminAuditLog.result })
      .from(adminAuditLog)
      .where(like(adminAuditLog.target, `translation/%${namespace}%`));
    expect(audited.filter((row) => row.action === 'translation.upsert')).toHaveLength(3);
  });

  it('refuses members, anonymous callers and hostile input, writing nothing', async () => {
    const body = { locale: 'en', namespace: 'hostile', key: 'a.b', value: 'x' };
    expectError(
      await call('POST', '/api/v1/admin/i18n/translations', { headers: api.user.authHeader, body }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('POST', '/api/v1/i18n/admin/translations', { body }), 401, 'UNAUTHORIZED');
    for (const bad of [
      { ...body, locale: 'fr' },
      { ...body, namespace: '../../etc' },
      { ...body, key: "1' or 1=1--" },
      { ...body, key: 'k'.repeat(201) },
      { ...body, value: '' },
      { ...body, value: 'v'.repeat(2001) },
      { ...body, value: 42 },
      { ...body, value: 'a\u0000b' },
      { locale: 'en', namespace: 'hostile' },
      [body],
    ]) {
      expectError(
        await call('POST', '/api/v1/admin/i18n/translations', { ...asAdmin(), body: bad }),
        400,
        'VALIDATION_ERROR',
      );
    }
    for (const query of ['locale=xx', 'namespace=%00', `key=${'k'.repeat(300)}`, 'namespace=a%20b']) {
      expectError(await call('GET', `/api/v1/i18n/translations?${query}`), 400, 'VALIDATION_ERROR');
    }
    for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
      expectError(
        await call('DELETE', `/api/v1/admin/i18n/translations/${id}`, asAdmin()),
        400,
        'VALIDATION_ERROR',
      );
    }
    const [rows] = await api.deps.database.db
      .select({ rows: count() })
      .from(translations)
      .where(eq(translations.namespace, 'hostile'));
    expect(rows!.rows).toBe(0);
  });
});

describe('translated names on the catalog reads', () => {
  it('answers product and category names in the Accept-Language, falling back to the stored name', async () => {
    const parent = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('노트북') });
    const child = await createCategory(api.app, api.admin.authHeader, {
      name: uniqueName('게이밍 노트북'),
      parentId: parent.id,
    });
    const created = await call('POST', '/api/v1/products', {
      ...asAdmin(),
      body: { categoryId: child.id, name: '게이밍 노트북 X1' },
    });
    const other = await call('POST', '/api/v1/products', {
      ...asAdmin(),
      body: { categoryId: child.id, name: '번역 없는 노트북' },
    });
    const productId = created.body.data.id as number;
    const untranslatedId = other.body.data.id as number;

    // read before any translation, so the cached bodies exist when translations arrive
    expect((await read(`/api/v1/products/${productId}`, { 'accept-language': 'en' })).body.data.name).toBe(
      '게이밍 노트북 X1',
    );
    await upsert({ locale: 'en', namespace: 'product', key: `${productId}.name`, value: 'Gaming laptop X1' });
    await upsert({
      locale: 'ja',
      namespace: 'product',
      key: `${productId}.name`,
      value: 'ゲーミングノートPC X1',
    });
    await upsert({ locale: 'en', namespace: 'category', key: `${child.id}.name`, value: 'Gaming laptops' });
    await upsert({ locale: 'en', namespace: 'category', key: `${parent.id}.name`, value: 'Laptops' });

    const detail = (language?: string) =>
      read(`/api/v1/products/${productId}`, language ? { 'accept-language': language } : {});
    const english = await detail('en-US,en;q=0.9');
    expect(english.status).toBe(200);
    expect(english.headers['content-language']).toBe('en');
    expect(english.body.data.name).toBe('Gaming laptop X1');
    expect(english.body.data.category).toMatchObject({ id: child.id, name: 'Gaming laptops' });
    expect((await detail('ja')).body.data.name).toBe('ゲーミングノートPC X1');
    // Korean, or no header: the stored names, the body untouched
    const korean = await detail();
    expect(korean.body.data.name).toBe('게이밍 노트북 X1');
    expect(korean.headers['content-language']).toBeUndefined();
    for (const answer of [english, korean]) {
      expect(String(answer.headers.vary).split(/,\s*/)).toEqual(
        expect.arrayContaining(['Origin', 'X-Currency', 'Accept-Language']),
      );
    }
    expect((await detail('ko-KR')).body.data.category.name).toBe(child.name);
    // every field but the names is the same
    const { name: _en, category: _enCategory, ...englishRest } = english.body.data;
    const { name: _ko, category: _koCategory, ...koreanRest } = korean.body.data;
    expect(englishRest).toEqual(koreanRest);

    const list = await read(`/api/v1/products?categoryId=${child.id}`, { 'accept-language': 'en' });
    const names = Object.fromEntries(
      (list.body.data as { id: number; name: string }[]).map((item) => [item.id, item.name]),
    );
    expect(names).toEqual({ [productId]: 'Gaming laptop X1', [untranslatedId]: '번역 없는 노트북' });

    const tree = await read('/api/v1/categories', { 'accept-language': 'en' });
    const root = (
      tree.body.data as { id: number; name: string; children: { id: number; name: string }[] }[]
    ).find((node) => node.id === parent.id)!;
    expect(root.name).toBe('Laptops');
    expect(root.children.find((node) => node.id === child.id)!.name).toBe('Gaming laptops');
    const category = await read(`/api/v1/categories/${child.id}`, { 'accept-language': 'en' });
    expect(category.body.data.name).toBe('Gaming laptops');

    // a deleted translation is forgotten at once (the names' cache is invalidated with the lists)
    const [englishRow] = await api.deps.database.db
      .select({ id: translations.id })
      .from(translations)
      .where(
        and(
          eq(translations.namespace, 'product'),
          eq(translations.key, `${productId}.name`),
          eq(translations.locale, 'en'),
        ),
      );
    expect(
      (await call('DELETE', `/api/v1/admin/i18n/translations/${englishRow!.id}`, asAdmin())).status,
    ).toBe(200);
    expect((await detail('en')).body.data.name).toBe('게이밍 노트북 X1');
    expect((await detail('ja')).body.data.name).toBe('ゲーミングノートPC X1');

    // hostile Accept-Language values are the default language, never an error
    for (const header of ['*', 'xx', ';;;', 'en'.repeat(3000), '\u00e9']) {
      const answer = await read(`/api/v1/products/${productId}`, { 'accept-language': header });
      expect(answer.status, header.slice(0, 10)).toBeLessThan(500);
    }
  });
});
