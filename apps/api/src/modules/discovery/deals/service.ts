import {
  type Database,
  dealProducts,
  deals,
  postgresError,
  products,
  productThumbnail,
  type Transaction,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { CreateDealBody, DealListQuery, DealResponse, UpdateDealBody } from './schemas.ts';

type DealRow = typeof deals.$inferSelect;

/** A deal's products an order line may take: the deal price and the deal it came from. */
export interface DealLine {
  productId: number;
  quantity: number;
}

/** A deal is listed only while active and inside [starts_at, ends_at). */
const running = sql`${deals.isActive} and ${deals.startsAt} <= now() and ${deals.endsAt} > now()`;

/** The window and rate CHECKs, and a product deleted meanwhile, as the client's mistakes they are. */
function refusal(error: unknown): AppError | undefined {
  const cause = postgresError(error);
  if (cause.code === '23514' && cause.constraint_name === 'deals_window_check') {
    return new AppError('VALIDATION_ERROR', {
      details: [{ field: 'endAt', message: 'the deal must end after it starts' }],
    });
  }
  if (cause.code === '23503') return new AppError('PRODUCT_NOT_FOUND');
  return undefined;
}

/**
 * Time-limited deals (DEAL-01..05); owns `deals` and `deal_products`. Orders take a running deal's
 * price and stock through `takeDealStock` inside their own transaction, and give it back through
 * `restoreDealStock` when the order is cancelled or refunded.
 */
export function dealsService(db: Database, reads: Database = db) {
  async function withProducts(
    rows: DealRow[],
    executor: Database | Transaction = reads,
  ): Promise<DealResponse[]> {
    if (rows.length === 0) return [];
    const lines = await executor
      .select({
        dealId: dealProducts.dealId,
        productId: dealProducts.productId,
        productName: products.name,
        thumbnailUrl: productThumbnail(),
        lowestPrice: products.lowestPrice,
        dealPrice: dealProducts.dealPrice,
        stock: dealProducts.dealStock,
        soldCount: dealProducts.soldCount,
      })
      .from(dealProducts)
      .innerJoin(products, and(eq(products.id, dealProducts.productId), isNull(products.deletedAt)))
      .where(
        inArray(
          dealProducts.dealId,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(asc(dealProducts.dealId), asc(dealProducts.productId));
    return rows.map((row) => {
      const own = lines.filter((line) => line.dealId === row.id).map(({ dealId: _, ...line }) => line);
      const first = own[0];
      return {
        id: row.id,
        title: row.title,
        type: row.type,
        description: row.description,
        discountRate: row.discountRate,
        bannerUrl: row.bannerUrl,
        startAt: row.startsAt.toISOString(),
        endAt: row.endsAt.toISOString(),
        startDate: row.startsAt.toISOString(),
        endDate: row.endsAt.toISOString(),
        isActive: row.isActive,
        productId: first?.productId ?? null,
        product: first
          ? {
              id: first.productId,
              name: first.productName,
              thumbnailUrl: first.thumbnailUrl,
              lowestPrice: first.lowestPrice,
            }
          : null,
        products: own,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }

  async function listWhere(where: ReturnType<typeof and>, query: DealListQuery, order: 'ending' | 'newest') {
    const filter = and(where, query.type ? eq(deals.type, query.type) : undefined);
    const [rows, [total]] = await Promise.all([
      reads
        .select()
        .from(deals)
        .where(filter)
        .orderBy(...(order === 'ending' ? [asc(deals.endsAt)] : [desc(deals.createdAt)]), desc(deals.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      reads.select({ value: count() }).from(deals).where(filter),
    ]);
    return { items: await withProducts(rows), totalCount: total?.value ?? 0 };
  }

  /** The target products with their deal prices: given ones, else the lowest price less the rate. */
  async function targetsOf(
    tx: Transaction,
    body: Pick<CreateDealBody, 'productId' | 'products'>,
    discountRate: number,
  ): Promise<{ productId: number; dealPrice: number; dealStock: number | null }[] | undefined> {
    const wanted = body.products ?? (body.productId ? [{ productId: body.productId }] : undefined);
    if (!wanted) return undefined;
    const ids = [...new Set(wanted.map((item) => item.productId))];
    if (ids.length !== wanted.length) {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: 'products', message: 'a product is listed twice' }],
      });
    }
    const found =
      ids.length === 0
        ? []
        : await tx
            .select({ id: products.id, lowestPrice: products.lowestPrice })
            .from(products)
            .where(and(inArray(products.id, ids), isNull(products.deletedAt)));
    const lowest = new Map(found.map((row) => [row.id, row.lowestPrice]));
    return wanted.map((item, index) => {
      if (!lowest.has(item.productId))
        throw new AppError('PRODUCT_NOT_FOUND', { details: { productId: item.productId } });
      const base = lowest.get(item.productId);
      const dealPrice =
        item.dealPrice ??
        (base == null ? undefined : Math.max(1, Math.round((base * (100 - discountRate)) / 100)));
      if (dealPrice === undefined) {
        throw new AppError('VALIDATION_ERROR', {
          details: [
            {
              field: `products.${index}.dealPrice`,
              message: 'the product has no price yet: give a deal price',
            },
          ],
        });
      }
      return {
        productId: item.productId,
        dealPrice,
        dealStock: 'stock' in item ? (item.stock ?? null) : null,
      };
    });
  }

  const windowOf = (body: UpdateDealBody) => ({
    startsAt: body.startAt ?? body.startDate,
    endsAt: body.endAt ?? body.endDate,
  });

  /** Product ids of a deal (for the cache invalidation of their comparisons). */
  async function productIdsOf(executor: Database | Transaction, dealId: number): Promise<number[]> {
    const rows = await executor
      .select({ productId: dealProducts.productId })
      .from(dealProducts)
      .where(eq(dealProducts.dealId, dealId));
    return rows.map((row) => row.productId);
  }

  return {
    /** Active deals inside their window, ending soonest first (DEAL-01). */
    listActive: (query: DealListQuery) => listWhere(running, query, 'ending'),

    /** Every deal, newest first (admin). */
    listAll: (query: DealListQuery) => listWhere(undefined, query, 'newest'),

    /** A running deal publicly; any deal for an admin. DEAL_NOT_FOUND otherwise. */
    async detail(id: number, anyState: boolean): Promise<DealResponse> {
      const [row] = await reads
        .select()
        .from(deals)
        .where(and(eq(deals.id, id), anyState ? undefined : running));
      if (!row) throw new AppError('DEAL_NOT_FOUND');
      return (await withProducts([row]))[0]!;
    },

    /** Creates a deal and its products; answers it with the product ids whose comparison changed. */
    async create(body: CreateDealBody): Promise<{ deal: DealResponse; productIds: number[] }> {
      const { startsAt, endsAt } = windowOf(body);
      if (!startsAt || !endsAt) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: startsAt ? 'endAt' : 'startAt', message: 'required (or startDate/endDate)' }],
        });
      }
      try {
        return await db.transaction(async (tx) => {
          const targets = (await targetsOf(tx, body, body.discountRate)) ?? [];
          const [row] = await tx
            .insert(deals)
            .values({
              title: body.title,
              type: body.type ?? 'SPECIAL',
              description: body.description ?? null,
              discountRate: body.discountRate,
              bannerUrl: body.bannerUrl ?? null,
              startsAt,
              endsAt,
              isActive: body.isActive ?? true,
            })
            .returning();
          if (targets.length > 0) {
            await tx.insert(dealProducts).values(targets.map((target) => ({ dealId: row!.id, ...target })));
          }
          const [deal] = await withProducts([row!], tx);
          return { deal: deal!, productIds: targets.map((target) => target.productId) };
        });
      } catch (error) {
        throw refusal(error) ?? error;
      }
    },

    /** Changes a deal; `products` (or `productId`) replaces its product list. */
    async update(id: number, body: UpdateDealBody): Promise<{ deal: DealResponse; productIds: number[] }> {
      try {
        return await db.transaction(async (tx) => {
          const [current] = await tx.select().from(deals).where(eq(deals.id, id)).for('update');
          if (!current) throw new AppError('DEAL_NOT_FOUND');
          const before = await productIdsOf(tx, id);
          const { startsAt, endsAt } = windowOf(body);
          const [row] = await tx
            .update(deals)
            .set({
              title: body.title,
              type: body.type,
              description: body.description,
              discountRate: body.discountRate,
              bannerUrl: body.bannerUrl,
              isActive: body.isActive,
              startsAt,
              endsAt,
              updatedAt: new Date(),
            })
            .where(eq(deals.id, id))
            .returning();
          const targets = await targetsOf(tx, body, body.discountRate ?? current.discountRate);
          if (targets) {
            // the units already sold stay counted for products that remain in the deal
            const sold = new Map(
              (
                await tx
                  .delete(dealProducts)
                  .where(eq(dealProducts.dealId, id))
                  .returning({ productId: dealProducts.productId, soldCount: dealProducts.soldCount })
              ).map((line) => [line.productId, line.soldCount]),
            );
            if (targets.length > 0) {
              await tx.insert(dealProducts).values(
                targets.map((target) => ({
                  dealId: id,
                  ...target,
                  soldCount: sold.get(target.productId) ?? 0,
                })),
              );
            }
          }
          const [deal] = await withProducts([row!], tx);
          const after = targets ? targets.map((target) => target.productId) : before;
          return { deal: deal!, productIds: [...new Set([...before, ...after])] };
        });
      } catch (error) {
        throw refusal(error) ?? error;
      }
    },

    /** Deletes a deal (its products with it); DEAL_NOT_FOUND when there is none. */
    async remove(id: number): Promise<{ productIds: number[] }> {
      return db.transaction(async (tx) => {
        const productIds = await productIdsOf(tx, id);
        const removed = await tx.delete(deals).where(eq(deals.id, id)).returning({ id: deals.id });
        if (removed.length === 0) throw new AppError('DEAL_NOT_FOUND');
        return { productIds };
      });
    },

    /**
     * Inside an order's transaction: each line whose product is in a running deal takes the lowest
     * such deal price (of the deals not sold out, if any), and its deal stock goes down by a guarded UPDATE (re-checked by PostgreSQL on
     * the newest row version after any wait, so it never goes below zero). A sold-out deal is
     * INSUFFICIENT_STOCK. Answers the deal price per product.
     */
    async takeDealStock(tx: Transaction, lines: readonly DealLine[]): Promise<Map<number, number>> {
      const quantities = new Map<number, number>();
      for (const line of lines)
        quantities.set(line.productId, (quantities.get(line.productId) ?? 0) + line.quantity);
      const prices = new Map<number, number>();
      if (quantities.size === 0) return prices;
      const picks = await tx
        .selectDistinctOn([dealProducts.productId], {
          dealId: dealProducts.dealId,
          productId: dealProducts.productId,
          dealPrice: dealProducts.dealPrice,
        })
        .from(dealProducts)
        .innerJoin(deals, eq(deals.id, dealProducts.dealId))
        .where(and(inArray(dealProducts.productId, [...quantities.keys()]), running))
        .orderBy(
          asc(dealProducts.productId),
          // a sold-out deal only when every running deal of the product is sold out
          sql`${dealProducts.dealStock} = 0`,
          asc(dealProducts.dealPrice),
          asc(dealProducts.dealId),
        );
      for (const pick of picks) {
        const quantity = quantities.get(pick.productId)!;
        const taken = await tx
          .update(dealProducts)
          .set({
            dealStock: sql`${dealProducts.dealStock} - ${quantity}`,
            soldCount: sql`${dealProducts.soldCount} + ${quantity}`,
          })
          .where(
            and(
              eq(dealProducts.dealId, pick.dealId),
              eq(dealProducts.productId, pick.productId),
              sql`(${dealProducts.dealStock} is null or ${dealProducts.dealStock} >= ${quantity})`,
            ),
          )
          .returning({ stock: dealProducts.dealStock });
        if (taken.length === 0) {
          throw new AppError('INSUFFICIENT_STOCK', {
            details: { productId: pick.productId, dealId: pick.dealId, reason: 'the deal is sold out' },
          });
        }
        prices.set(pick.productId, pick.dealPrice);
      }
      return prices;
    },

    /**
     * Inside the cancel's or refund's transaction: the order's lines sold at a deal's price (a deal of
     * that product, that price, whose window held the order's placing) give their units back.
     */
    async restoreDealStock(tx: Transaction, orderId: number): Promise<number[]> {
      const restored = await tx.execute<{ product_id: number }>(sql`
        with line as (
          select item.product_id, item.unit_price, sum(item.quantity)::int as quantity, o.created_at
          from order_items item join orders o on o.id = item.order_id
          where item.order_id = ${orderId}
          group by item.product_id, item.unit_price, o.created_at
        ), pick as (
          select distinct on (line.product_id) dp.deal_id, dp.product_id, line.quantity
          from line
          join deal_products dp on dp.product_id = line.product_id and dp.deal_price = line.unit_price
          join deals d on d.id = dp.deal_id and d.starts_at <= line.created_at and d.ends_at > line.created_at
          where dp.sold_count >= line.quantity
          order by line.product_id, dp.deal_id
        )
        update deal_products dp
        set deal_stock = case when dp.deal_stock is null then null else dp.deal_stock + pick.quantity end,
            sold_count = dp.sold_count - pick.quantity
        from pick
        where dp.deal_id = pick.deal_id and dp.product_id = pick.product_id
        returning dp.product_id`);
      return restored.map((row) => Number(row.product_id));
    },

    /** Window boundaries of deals not yet over, for cache keys: [productId|null, startsAt, endsAt]. */
    async upcomingWindows(): Promise<{ productId: number | null; startsAt: Date; endsAt: Date }[]> {
      return reads
        .select({ productId: dealProducts.productId, startsAt: deals.startsAt, endsAt: deals.endsAt })
        .from(deals)
        .leftJoin(dealProducts, eq(dealProducts.dealId, deals.id))
        .where(and(eq(deals.isActive, true), gt(deals.endsAt, sql`now()`)));
    },
  };
}

export type DealsService = ReturnType<typeof dealsService>;
