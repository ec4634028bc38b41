// ADDR-01..04: members' shipping addresses with exactly one default, also under concurrent
// writes; against real PostgreSQL.
import { addresses } from '@pbshop/db';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MAX_ADDRESSES } from '../src/modules/commerce/addresses/schemas.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { owner: {}, other: {} } });
const { call } = api;

let serial = 0;
const addressBody = (fields: Record<string, unknown> = {}) => {
  serial += 1;
  return {
    recipientName: `홍길동 ${serial}`,
    phone: '010-1234-5678',
    zipCode: '06236',
    address: `서울특별시 강남구 테헤란로 ${serial}`,
    addressDetail: `${serial}층`,
    ...fields,
  };
};

async function create(member: Member, fields: Record<string, unknown> = {}) {
  const created = await call('POST', '/api/v1/addresses', {
    headers: member.authHeader,
    body: addressBody(fields),
  });
  expect(created.status).toBe(201);
  return created.body.data as { id: number; isDefault: boolean };
}

async function rowsOf(member: Member) {
  return api.deps.database.db.select().from(addresses).where(eq(addresses.userId, member.user.id));
}

const defaultsOf = async (member: Member) => (await rowsOf(member)).filter((row) => row.isDefault);

describe('addresses (ADDR-01..04)', () => {
  it('creates, lists the default first then newest, updates some fields and deletes', async () => {
    const member = await api.member();
    const created = await call('POST', '/api/v1/addresses', {
      headers: member.authHeader,
      body: addressBody({ recipientName: ' 김배송 ', addressDetail: '' }),
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.any(Number),
      recipientName: '김배송',
      phone: '010-1234-5678',
      zipCode: '06236',
      address: expect.any(String),
      addressDetail: null,
      // the first address is the default
      isDefault: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const second = await create(member);
    const third = await create(member, { isDefault: false });
    expect(second.isDefault).toBe(false);
    const list = await call('GET', '/api/v1/addresses', { headers: member.authHeader });
    expect(list.status).toBe(200);
    expect(list.body.data.map((row: { id: number }) => row.id)).toEqual([
      created.body.data.id,
      third.id,
      second.id,
    ]);
    expect(list.body.meta).toEqual({ page: 1, limit: 20, totalCount: 3, totalPages: 1 });

    const patched = await call('PATCH', `/api/v1/addresses/${second.id}`, {
      headers: member.authHeader,
      body: { phone: '02-123-4567', addressDetail: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      id: second.id,
      phone: '02-123-4567',
      addressDetail: null,
      isDefault: false,
    });
    const emptyPatch = await call('PATCH', `/api/v1/addresses/${second.id}`, {
      headers: member.authHeader,
      body: {},
    });
    expect(emptyPatch.body.data).toMatchObject({ phone: '02-123-4567' });

    const deleted = await call('DELETE', `/api/v1/addresses/${third.id}`, { headers: member.authHeader });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ message: expect.any(String), deleted: true });
    expectError(
      await call('DELETE', `/api/v1/addresses/${third.id}`, { headers: member.authHeader }),
      404,
      'ADDRESS_NOT_FOUND',
    );
    expect((await rowsOf(member)).map((row) => row.id).sort()).toEqual(
      [created.body.data.id, second.id].sort(),
    );
  });

  it('moves the default on create and on update, ignores isDefault: false, promotes the newest on delete', async () => {
    const member = await api.member();
    const first = await create(member);
    const second = await create(member, { isDefault: true });
    expect(second.isDefault).toBe(true);
    expect((await defaultsOf(member)).map((row) => row.id)).toEqual([second.id]);

    const moved = await call('PATCH', `/api/v1/addresses/${first.id}`, {
      headers: member.authHeader,
      body: { isDefault: true },
    });
    expect(moved.body.data.isDefault).toBe(true);
    expect((await defaultsOf(member)).map((row) => row.id)).toEqual([first.id]);

    // the only default stays one: a member with addresses always has a default
    const kept = await call('PATCH', `/api/v1/addresses/${first.id}`, {
      headers: member.authHeader,
      body: { isDefault: false, recipientName: '이름만 바꿈' },
    });
    expect(kept.body.data).toMatchObject({ isDefault: true, recipientName: '이름만 바꿈' });

    const third = await create(member);
    await call('DELETE', `/api/v1/addresses/${first.id}`, { headers: member.authHeader });
    // the most recently created remaining address becomes the default
    expect((await defaultsOf(member)).map((row) => row.id)).toEqual([third.id]);
    await call('DELETE', `/api/v1/addresses/${third.id}`, { headers: member.authHeader });
    expect((await defaultsOf(member)).map((row) => row.id)).toEqual([second.id]);
    await call('DELETE', `/api/v1/addresses/${second.id}`, { headers: member.authHeader });
    expect(await rowsOf(member)).toEqual([]);
    // and with none left, the next one is the default again
    expect((await create(member)).isDefault).toBe(true);
  });

  it('keeps exactly one default under 20 concurrent creates and updates with isDefault: true', async () => {
    const member = await api.member();
    const existing = [await create(member), await create(member), await create(member)];
    const writes = Array.from({ length: 20 }, (_, index) =>
      index % 2 === 0
        ? call('POST', '/api/v1/addresses', {
            headers: member.authHeader,
            body: addressBody({ isDefault: true }),
          })
        : call('PATCH', `/api/v1/addresses/${existing[index % 3]!.id}`, {
            headers: member.authHeader,
            body: { isDefault: true },
          }),
    );
    const answers = await Promise.all(writes);
    expect(answers.map((answer) => answer.status).sort()).toEqual([
      ...Array(10).fill(200),
      ...Array(10).fill(201),
    ]);
    expect(await defaultsOf(member)).toHaveLength(1);
    expect(await rowsOf(member)).toHaveLength(13);

    // concurrent deletions of the default and creations: still one default
    const [theDefault] = await defaultsOf(member);
    const mixed = await Promise.all([
      call('DELETE', `/api/v1/addresses/${theDefault!.id}`, { headers: member.authHeader }),
      ...Array.from({ length: 5 }, () =>
        call('POST', '/api/v1/addresses', {
          headers: member.authHeader,
          body: addressBody({ isDefault: true }),
        }),
      ),
    ]);
    expect(mixed.every((answer) => answer.status < 300)).toBe(true);
    expect(await defaultsOf(member)).toHaveLength(1);
  });

  it(`holds at most ${MAX_ADDRESSES} addresses a member`, async () => {
    const member = await api.member();
    await Promise.all(Array.from({ length: MAX_ADDRESSES }, () => create(member)));
    const refused = await call('POST', '/api/v1/addresses', {
      headers: member.authHeader,
      body: addressBody(),
    });
    expectError(refused, 400, 'VALIDATION_ERROR');
    expect(await rowsOf(member)).toHaveLength(MAX_ADDRESSES);
    expect(await defaultsOf(member)).toHaveLength(1);
  });

  it('refuses malformed fields with 400 VALIDATION_ERROR, writing nothing', async () => {
    const member = await api.member();
    const bad: Record<string, unknown>[] = [
      { phone: '010-1234-567a' },
      { phone: '+82 10 1234 5678' },
      { phone: '1234' },
      { zipCode: '1234' },
      { zipCode: 'abcde' },
      { recipientName: '' },
      { recipientName: '   ' },
      { recipientName: 'x'.repeat(51) },
      { recipientName: 'a\u0000b' },
      { address: 'x'.repeat(201) },
      { addressDetail: 'x'.repeat(201) },
      { isDefault: 'yes' },
      { address: undefined },
      { phone: 1012345678 },
    ];
    for (const fields of bad) {
      expectError(
        await call('POST', '/api/v1/addresses', { headers: member.authHeader, body: addressBody(fields) }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await rowsOf(member)).toEqual([]);
    const kept = await create(member);
    for (const fields of bad.filter((fields) => !('address' in fields && fields.address === undefined))) {
      expectError(
        await call('PATCH', `/api/v1/addresses/${kept.id}`, { headers: member.authHeader, body: fields }),
        400,
        'VALIDATION_ERROR',
      );
    }
    const [row] = await rowsOf(member);
    expect(row?.updatedAt.toISOString()).toBe(row?.createdAt.toISOString());
  });

  it("answers 404 for another member's address and changes nothing", async () => {
    const mine = await create(api.owner);
    const before = await api.deps.database.db
      .select()
      .from(addresses)
      .where(and(eq(addresses.id, mine.id), eq(addresses.userId, api.owner.user.id)));
    expectError(
      await call('PATCH', `/api/v1/addresses/${mine.id}`, {
        headers: api.other.authHeader,
        body: { recipientName: '남의 주소', isDefault: true },
      }),
      404,
      'ADDRESS_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/addresses/${mine.id}`, { headers: api.other.authHeader }),
      404,
      'ADDRESS_NOT_FOUND',
    );
    const list = await call('GET', '/api/v1/addresses', { headers: api.other.authHeader });
    expect(list.body.data.map((row: { id: number }) => row.id)).not.toContain(mine.id);
    const after = await api.deps.database.db.select().from(addresses).where(eq(addresses.id, mine.id));
    expect(after).toEqual(before);
    await expect(api.deps.addresses.addressForOrder(api.other.user.id, mine.id)).rejects.toMatchObject({
      code: 'ADDRESS_NOT_FOUND',
    });
    expect(await api.deps.addresses.addressForOrder(api.owner.user.id, mine.id)).toEqual({
      recipientName: expect.any(String),
      phone: '010-1234-5678',
      zipCode: '06236',
      address: expect.any(String),
      addressDetail: expect.any(String),
    });
  });
});
