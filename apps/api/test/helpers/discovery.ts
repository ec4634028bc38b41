// Activity, rankings and recommendations tests: the real activity-log worker with the processor
// main.ts runs (history upserts, the rankings job), products in a category through the admin API,
// and paid orders as fixture rows of the orders module's tables (the signal the rankings read).
import { createLogger } from '@pbshop/config';
import { type RunningWorkers, startWorkers } from '@pbshop/queues';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { activityLogProcessor } from '../../src/jobs/activity-log.ts';
import { recordInHistory } from '../../src/modules/discovery/activity/service.ts';
import type { ApiTest } from './api-test.ts';
import { createCategory, uniqueName } from './catalog.ts';
import type { MemberOptions } from './users.ts';

type AuthHeader = { authorization: string };

/** Starts the activity-log worker for the test file's app (stopped after the file). */
export function withActivityWorker<M extends Record<string, MemberOptions>>(api: ApiTest<M>) {
  let worker: RunningWorkers | undefined;
  beforeAll(() => {
    // its failures and worker errors show in the test output: a wait for its writes that times out
    // then says why
    const logger = createLogger({ LOG_LEVEL: 'warn' }, 'activity-log-test');
    worker = startWorkers(
      'discovery-test',
      { env: api.deps.env, logger, redis: api.deps.workerRedis },
      {
        processors: [
          activityLogProcessor(api.deps.database.db, {
            recordInHistory,
            recalculateRankings: () => api.deps.rankings.recalculate(),
          }),
        ],
      },
    );
  });
  afterAll(async () => {
    await worker?.close();
  });
}

export async function category<M extends Record<string, MemberOptions>>(
  api: ApiTest<M>,
  admin: AuthHeader,
  parentId?: number,
): Promise<number> {
  return (await createCategory(api.app, admin, { name: uniqueName('Discovery'), parentId: parentId ?? null }))
    .id;
}

/** Products in a category through the admin API, their ids in creation order. */
export async function productsIn<M extends Record<string, MemberOptions>>(
  api: ApiTest<M>,
  admin: AuthHeader,
  categoryId: number,
  count: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const created = await api.call('POST', '/api/v1/products', {
      headers: admin,
      body: { categoryId, name: uniqueName('Ranked') },
    });
    if (created.status !== 201) throw new Error(`product not created: ${JSON.stringify(created.body)}`);
    ids.push(created.body.data.id);
  }
  return ids;
}

/** A paid order of `quantity` units of each product for the member, paid at `paidAt` (a fixture row). */
export async function paidOrder<M extends Record<string, MemberOptions>>(
  api: ApiTest<M>,
  userId: number,
  productIds: number[],
  options: { quantity?: number; paidAt?: Date; status?: string } = {},
): Promise<number> {
  const db = api.deps.database.db;
  const quantity = options.quantity ?? 1;
  const paidAt = (options.paidAt ?? new Date()).toISOString();
  const status = options.status ?? 'PAYMENT_CONFIRMED';
  const total = 1000 * quantity * productIds.length;
  const [seller] = await db.execute<{ id: number }>(sql`
    insert into sellers (name, url) values (${uniqueName('Fixture shop')}, 'https://shop.example.com')
    returning id`);
  const [order] = await db.execute<{ id: number }>(sql`
    insert into orders (order_number, user_id, status, total_amount, final_amount, recipient_name,
                        recipient_phone, zip_code, address, paid_at, created_at)
    values (${uniqueName('ORD').replace(' ', '-')}, ${userId}, ${status}::order_status, ${total}, ${total}, '홍길동',
            '010-1234-5678', '06236', '서울', ${paidAt}, ${paidAt})
    returning id`);
  for (const productId of productIds) {
    await db.execute(sql`
      insert into order_items (order_id, product_id, seller_id, product_name, seller_name, quantity, unit_price, total_price)
      values (${order!.id}, ${productId}, ${seller!.id}, 'fixture', 'fixture', ${quantity}, 1000, ${1000 * quantity})`);
  }
  return Number(order!.id);
}
