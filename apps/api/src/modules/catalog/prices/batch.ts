import { type Database, offers, priceAlerts, products, sellers, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { and, asc, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { fireAlerts } from '../alerts/service.ts';
import type { CreateOfferBody, UpdateOfferBody } from './schemas.ts';
import { newOfferValues, type OfferRow, priceAggregates, updatedOfferValues } from './service.ts';

/** A seller's offer of a product as collected from the seller's page (the crawler's writes). */
export interface OfferWrite {
  productId: number;
  sellerId: number;
  /** KRW */
  price: number;
  /** KRW shown on the page: 0 ships FREE, above 0 PAID; null: the page did not say */
  shippingFee: number | null;
  stockState: OfferRow['stockState'];
  url: string;
}

/** What became of one write: its outcome, or the catalog's refusal (product or shop gone…). */
export type OfferWriteResult = 'created' | 'updated' | 'unchanged' | AppError;

/** At most this many products per transaction: their rows stay locked until it commits. */
export const MAX_BATCH_PRODUCTS = 500;

/**
 * The shipping a collected fee stands for: 0 FREE, above 0 PAID; unknown (null), or an offer on a
 * FREE_OVER rule, keeps the offer's own (the threshold is the seller's rule, a page showing 0 or a
 * fee does not overturn it).
 */
export function collectedShipping(fee: number | null, current: Pick<OfferRow, 'shippingRule'> | undefined) {
  if (fee === null || current?.shippingRule === 'FREE_OVER') return undefined;
  return fee === 0
    ? ({ shippingRule: 'FREE', shippingCost: 0 } as const)
    : ({ shippingRule: 'PAID', shippingCost: fee } as const);
}

/** The same rule in SQL: whether the offer `o` already shows the collected row `i`. */
const showsCollected = sql`o.price = i.price and o.stock_state = i.stock_state::stock_state and o.url = i.url
  and (i.shipping_fee is null or o.shipping_rule = 'FREE_OVER'
       or (o.shipping_rule = (case when i.shipping_fee = 0 then 'FREE' else 'PAID' end)::shipping_rule
           and o.shipping_cost = i.shipping_fee))`;

/** The writes as one jsonb parameter, each with its index (`at`). */
const collectedRows = (writes: OfferWrite[], indexes: number[]): SQL =>
  sql`jsonb_to_recordset(${JSON.stringify(
    indexes.map((at) => {
      const write = writes[at] as OfferWrite;
      return {
        at,
        product_id: write.productId,
        seller_id: write.sellerId,
        price: write.price,
        shipping_fee: write.shippingFee,
        stock_state: write.stockState,
        url: write.url,
      };
    }),
  )}::jsonb) as i(at int, product_id bigint, seller_id bigint, price bigint, shipping_fee bigint, stock_state text, url text)`;

const sameOffer = (merged: ReturnType<typeof updatedOfferValues>, current: OfferRow) =>
  merged.price === current.price &&
  merged.shippingRule === current.shippingRule &&
  merged.shippingCost === current.shippingCost &&
  merged.freeShippingThreshold === current.freeShippingThreshold &&
  merged.stock === current.stock &&
  merged.stockState === current.stockState &&
  merged.url === current.url;

/**
 * Splits the writes (their indexes, in order) into rounds in which a product appears at most once
 * and at most MAX_BATCH_PRODUCTS products do; a product's later write lands in a later round, so
 * the rounds, applied in order, equal the writes applied one after another.
 */
function roundsOf(writes: OfferWrite[]): number[][] {
  const rounds: { indexes: number[]; products: Set<number> }[] = [];
  const lastRound = new Map<number, number>();
  writes.forEach((write, at) => {
    let round = (lastRound.get(write.productId) ?? -1) + 1;
    while ((rounds[round]?.products.size ?? 0) >= MAX_BATCH_PRODUCTS) round += 1;
    const chosen = rounds[round] ?? { indexes: [], products: new Set<number>() };
    rounds[round] = chosen;
    chosen.indexes.push(at);
    chosen.products.add(write.productId);
    lastRound.set(write.productId, round);
  });
  return rounds.map((round) => round.indexes);
}

/**
 * Writes collected offers in batches, with the results the single offer write (`create` /
 * `update` of the prices service, through the crawler's `writeOffer`) gives them one after
 * another: per round of distinct products (at most MAX_BATCH_PRODUCTS), writes whose offer already
 * shows them are found by one statement and only counted (no lock, no history, no outbox); the
 * rest take their products' locks in id order in one transaction, are merged with the offers
 * read under the locks by the same rules as `update`, and are written by one upsert; then the
 * products' aggregates (once per product), the history rows and the search outbox rows (one
 * statement each) and the price alerts of products that have pending ones. A write of a deleted
 * product or shop gets its error and the rest are written. The search worker is woken once.
 * Answers each write's result, in order, and the products whose offers changed.
 */
export async function writeOfferBatch(
  db: Database,
  writes: OfferWrite[],
  searchSync: SearchSyncSignal = noSearchSync,
): Promise<{ results: OfferWriteResult[]; changedProductIds: number[] }> {
  const results: OfferWriteResult[] = new Array(writes.length);
  const changed = new Set<number>();

  for (const round of roundsOf(writes)) {
    // the writes the offers do not show yet (none on a re-crawl of unchanged pages: no row to read)
    const unshown = await db.execute<{ at: number }>(sql`
      select i.at from ${collectedRows(writes, round)}
      left join offers o on o.product_id = i.product_id and o.seller_id = i.seller_id
      where o.product_id is null or not coalesce(${showsCollected}, false)`);
    const toWrite = new Set<number>();
    for (const { at } of unshown) toWrite.add(at);
    const pending = round.filter((at) => {
      if (toWrite.has(at)) return true;
      results[at] = 'unchanged';
      return false;
    });
    if (pending.length === 0) continue;
    const written = await db.transaction((tx) => writeLocked(tx, writes, pending, results));
    for (const productId of written) changed.add(productId);
  }
  if (changed.size > 0) await searchSync.wake();
  return { results, changedProductIds: [...changed] };
}

/** One round's changed writes under their products' locks; answers the products it changed. */
async function writeLocked(
  tx: Transaction,
  writes: OfferWrite[],
  pending: number[],
  results: OfferWriteResult[],
): Promise<number[]> {
  const productIds = [...new Set(pending.map((at) => (writes[at] as OfferWrite).productId))];
  const sellerIds = [...new Set(pending.map((at) => (writes[at] as OfferWrite).sellerId))];
  const [locked, liveSellers] = await Promise.all([
    // in id order: two batches (or a batch and an order) never wait for each other in a cycle
    tx
      .select({ id: products.id })
      .from(products)
      .where(and(inArray(products.id, productIds), isNull(products.deletedAt)))
      .orderBy(asc(products.id))
      .for('update'),
    tx
      .select({ id: sellers.id })
      .from(sellers)
      .where(and(inArray(sellers.id, sellerIds), isNull(sellers.deletedAt))),
  ]);
  // read once the locks are held: no other offer write of these products runs until we commit
  const current = await tx
    .select()
    .from(offers)
    .where(
      sql`(${offers.productId}, ${offers.sellerId}) in (select i.product_id, i.seller_id from ${collectedRows(writes, pending)})`,
    );
  const lockedIds = new Set(locked.map((row) => row.id));
  const liveIds = new Set(liveSellers.map((row) => row.id));
  const offerOf = new Map(current.map((row) => [`${row.productId}:${row.sellerId}`, row]));

  const rows: (ReturnType<typeof updatedOfferValues> & { productId: number; sellerId: number })[] = [];
  for (const at of pending) {
    const write = writes[at] as OfferWrite;
    // as the single write: a gone shop is said before a gone product
    if (!liveIds.has(write.sellerId)) {
      results[at] = new AppError('SELLER_NOT_FOUND');
      continue;
    }
    if (!lockedIds.has(write.productId)) {
      results[at] = new AppError('PRODUCT_NOT_FOUND');
      continue;
    }
    const offer = offerOf.get(`${write.productId}:${write.sellerId}`);
    if (!offer) {
      const body: CreateOfferBody = {
        sellerId: write.sellerId,
        price: write.price,
        ...(collectedShipping(write.shippingFee, undefined) ?? { shippingRule: 'FREE', shippingCost: 0 }),
        stockState: write.stockState,
        url: write.url,
      };
      rows.push(newOfferValues(write.productId, body));
      results[at] = 'created';
      continue;
    }
    const body: UpdateOfferBody = {
      price: write.price,
      stockState: write.stockState,
      url: write.url,
      ...collectedShipping(write.shippingFee, offer),
    };
    let merged: ReturnType<typeof updatedOfferValues>;
    try {
      merged = updatedOfferValues(offer, body);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results[at] = error;
      continue;
    }
    // changed since the unlocked look (by another write): now as collected
    if (sameOffer(merged, offer)) {
      results[at] = 'unchanged';
      continue;
    }
    rows.push({ productId: write.productId, sellerId: write.sellerId, ...merged });
    results[at] = 'updated';
  }
  if (rows.length === 0) return [];

  const changedIds = [...new Set(rows.map((row) => row.productId))];
  // every changed offer in one statement (the rows travel as one jsonb parameter)
  await tx.execute(sql`
    insert into offers (product_id, seller_id, price, shipping_rule, shipping_cost,
                        free_shipping_threshold, stock, stock_state, url)
    select v.product_id, v.seller_id, v.price, v.shipping_rule::shipping_rule, v.shipping_cost,
           v.free_shipping_threshold, v.stock, v.stock_state::stock_state, v.url
    from jsonb_to_recordset(${JSON.stringify(
      rows.map((row) => ({
        product_id: row.productId,
        seller_id: row.sellerId,
        price: row.price,
        shipping_rule: row.shippingRule,
        shipping_cost: row.shippingCost,
        free_shipping_threshold: row.freeShippingThreshold,
        stock: row.stock,
        stock_state: row.stockState,
        url: row.url,
      })),
    )}::jsonb) as v(product_id bigint, seller_id bigint, price bigint, shipping_rule text,
                    shipping_cost bigint, free_shipping_threshold bigint, stock int, stock_state text, url text)
    on conflict (product_id, seller_id) do update
    set price = excluded.price, shipping_rule = excluded.shipping_rule,
        shipping_cost = excluded.shipping_cost, free_shipping_threshold = excluded.free_shipping_threshold,
        stock = excluded.stock, stock_state = excluded.stock_state, url = excluded.url, updated_at = now()`);
  const aggregates = await priceAggregates(tx, changedIds);
  const lowest = (productId: number) => aggregates.get(productId)?.lowestPrice ?? null;
  // independent of each other: sent together, pipelined on the transaction's connection
  const [, , , alerted] = await Promise.all([
    tx.execute(sql`
      update products p
      set lowest_price = v.lowest_price, highest_price = v.highest_price,
          average_price = v.average_price, seller_count = v.seller_count, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(
        changedIds.map((id) => {
          const aggregate = aggregates.get(id);
          return {
            id,
            lowest_price: aggregate?.lowestPrice ?? null,
            highest_price: aggregate?.highestPrice ?? null,
            average_price: aggregate?.averagePrice ?? null,
            seller_count: aggregate?.sellerCount ?? 0,
          };
        }),
      )}::jsonb) as v(id bigint, lowest_price bigint, highest_price bigint, average_price bigint, seller_count int)
      where p.id = v.id`),
    tx.execute(sql`
      insert into price_history (product_id, seller_id, price, product_lowest_price)
      select v.product_id, v.seller_id, v.price, v.product_lowest_price
      from jsonb_to_recordset(${JSON.stringify(
        rows.map((row) => ({
          product_id: row.productId,
          seller_id: row.sellerId,
          price: row.price,
          product_lowest_price: lowest(row.productId),
        })),
      )}::jsonb) as v(product_id bigint, seller_id bigint, price bigint, product_lowest_price bigint)`),
    // the documents' lowest price and sellers, in the same transaction (transactional outbox)
    recordSearchChange(tx, { eventType: 'PRICE_CHANGED', productIds: changedIds }),
    // alerts are fired only where some wait: the rest would be an UPDATE that matches nothing
    tx
      .selectDistinct({ productId: priceAlerts.productId })
      .from(priceAlerts)
      .where(and(inArray(priceAlerts.productId, changedIds), isNull(priceAlerts.triggeredAt))),
  ]);
  await Promise.all(alerted.map(({ productId }) => fireAlerts(tx, productId, lowest(productId))));
  return changedIds;
}
