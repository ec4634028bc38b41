import {
  auctionBids,
  categories,
  type Database,
  isUniqueViolation,
  reverseAuctions,
  sellers,
  type Transaction,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import {
  type AuctionDetailResponse,
  type AuctionListQuery,
  type AuctionSummaryResponse,
  type BidResponse,
  type CreateAuctionBody,
  type CreateBidBody,
  DEFAULT_AUCTION_DAYS,
  MAX_AUCTION_DAYS,
  type UpdateBidBody,
} from './schemas.ts';

const DAY_MS = 86_400_000;
/** auctions closed per transaction by the deadline sweep */
const EXPIRE_BATCH = 200;

/** The notification types this module writes (payloads carry `auctionId` and `title`). */
export const AUCTION_NOTIFICATION = {
  /** to the owner: a seller bid */
  bidPlaced: 'AUCTION_BID_PLACED',
  /** to the seller whose bid the owner selected */
  bidSelected: 'AUCTION_BID_SELECTED',
  /** to the sellers whose bids were not selected */
  bidLost: 'AUCTION_BID_LOST',
  /** to the bidders: the owner cancelled the auction */
  cancelled: 'AUCTION_CANCELLED',
  /** to the owner and the bidders: the deadline passed without a selection */
  expired: 'AUCTION_EXPIRED',
} as const;

/** Who acts on an auction: the member and role of the access token. */
export interface Actor {
  id: number;
  role: string;
}

export interface AuctionsDeps {
  db: Database;
  /** the shop a SELLER member manages (the sellers service) */
  shopOf(userId: number): Promise<{ id: number } | undefined>;
  /** a notification row written in the caller's transaction (the notifications service) */
  notifyMember(
    tx: Transaction,
    userId: number,
    type: string,
    payload: Record<string, unknown>,
  ): Promise<void>;
}

type AuctionRow = typeof reverseAuctions.$inferSelect;

/** still taking bids and selections: OPEN and before its deadline (the sweep expires it after) */
const isOpen = sql<boolean>`${reverseAuctions.status} = 'OPEN' and ${reverseAuctions.deadline} > now()`;
/** bids that count: not withdrawn by their seller */
const liveBid = ne(auctionBids.status, 'CANCELLED');

function summaryOf(row: AuctionRow, bidCount: number): AuctionSummaryResponse {
  return {
    id: row.id,
    ownerId: row.userId,
    title: row.title,
    categoryId: row.categoryId,
    budget: row.budget,
    status: row.status,
    deadline: row.deadline.toISOString(),
    bidCount,
    selectedBidId: row.winningBidId,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Reverse auctions (API §43, AUCT-01..02): a member posts wanted specs and a budget; SELLER members
 * bid for their shop (one live bid per shop, the partial unique index) and edit or withdraw it while
 * the auction is open; the owner selects one bid — exactly once, a conditional update on OPEN —
 * or cancels; the deadline sweep expires what nobody closed. Every change that concerns another
 * member writes its notification in the same transaction. Owns `reverse_auctions` and `auction_bids`.
 */
export function auctionsService({ db, shopOf, notifyMember }: AuctionsDeps) {
  const bidColumns = {
    id: auctionBids.id,
    auctionId: auctionBids.auctionId,
    sellerId: auctionBids.sellerId,
    sellerName: sellers.name,
    bidderUserId: auctionBids.bidderUserId,
    price: auctionBids.price,
    description: auctionBids.description,
    deliveryDays: auctionBids.deliveryDays,
    status: auctionBids.status,
    createdAt: auctionBids.createdAt,
    updatedAt: auctionBids.updatedAt,
  };
  type BidRow = { [K in keyof typeof bidColumns]: (typeof bidColumns)[K]['_']['data'] };

  const bidOf = (row: BidRow): BidResponse => ({
    id: row.id,
    auctionId: row.auctionId,
    sellerId: row.sellerId,
    sellerName: row.sellerName,
    price: row.price,
    description: row.description === '' ? null : row.description,
    deliveryDays: row.deliveryDays,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

  async function bidById(executor: Database | Transaction, bidId: number): Promise<BidRow | undefined> {
    const [row] = await executor
      .select(bidColumns)
      .from(auctionBids)
      .innerJoin(sellers, eq(sellers.id, auctionBids.sellerId))
      .where(eq(auctionBids.id, bidId));
    return row;
  }

  /** The shop the actor bids for: a SELLER member's own (an ADMIN manages none, so bids for none). */
  async function biddingShop(actor: Actor): Promise<{ id: number }> {
    const shop = actor.role === 'SELLER' ? await shopOf(actor.id) : undefined;
    if (!shop) {
      throw new AppError('FORBIDDEN', {
        details: [{ field: 'principal', message: 'only a seller member who manages a shop bids' }],
      });
    }
    return shop;
  }

  /** The auction locked against a selection, cancel or expiry until the transaction ends; it must be open. */
  async function lockOpen(tx: Transaction, auctionId: number) {
    const [auction] = await tx
      .select({
        id: reverseAuctions.id,
        userId: reverseAuctions.userId,
        title: reverseAuctions.title,
        open: isOpen,
      })
      .from(reverseAuctions)
      .where(eq(reverseAuctions.id, auctionId))
      .for('share');
    if (!auction) throw new AppError('AUCTION_NOT_FOUND');
    return auction;
  }

  /** The actor's own bid on that auction, for an edit or a withdrawal while the auction is open. */
  async function ownBid(tx: Transaction, actor: Actor, auctionId: number, bidId: number) {
    const shop = await biddingShop(actor);
    const auction = await lockOpen(tx, auctionId);
    const bid = await bidById(tx, bidId);
    if (!bid || bid.auctionId !== auctionId || bid.status === 'CANCELLED')
      throw new AppError('BID_NOT_FOUND');
    if (bid.sellerId !== shop.id) throw new AppError('FORBIDDEN');
    if (!auction.open || bid.status !== 'ACTIVE') throw new AppError('AUCTION_CLOSED');
    return { auction, bid };
  }

  /** Marks the auction's remaining ACTIVE bids LOST; their bidders, for the notifications. */
  async function loseActiveBids(tx: Transaction, auctionIds: number[]) {
    if (auctionIds.length === 0) return [];
    return tx
      .update(auctionBids)
      .set({ status: 'LOST', updatedAt: sql`now()` })
      .where(and(inArray(auctionBids.auctionId, auctionIds), eq(auctionBids.status, 'ACTIVE')))
      .returning({
        id: auctionBids.id,
        auctionId: auctionBids.auctionId,
        bidderUserId: auctionBids.bidderUserId,
      });
  }

  /** Why a write on an auction that matched nothing was refused. */
  async function refusal(auctionId: number, ownerId: number): Promise<AppError> {
    const [auction] = await db
      .select({ userId: reverseAuctions.userId })
      .from(reverseAuctions)
      .where(eq(reverseAuctions.id, auctionId));
    if (!auction) return new AppError('AUCTION_NOT_FOUND');
    if (auction.userId !== ownerId) return new AppError('FORBIDDEN');
    return new AppError('AUCTION_CLOSED');
  }

  async function detail(auctionId: number): Promise<AuctionDetailResponse> {
    const [auction] = await db.select().from(reverseAuctions).where(eq(reverseAuctions.id, auctionId));
    if (!auction) throw new AppError('AUCTION_NOT_FOUND');
    const bids = await db
      .select(bidColumns)
      .from(auctionBids)
      .innerJoin(sellers, eq(sellers.id, auctionBids.sellerId))
      .where(and(eq(auctionBids.auctionId, auctionId), liveBid))
      .orderBy(asc(auctionBids.price), asc(auctionBids.id));
    return {
      ...summaryOf(
        auction,
        bids.filter((bid) => bid.status === 'ACTIVE' || bid.status === 'SELECTED').length,
      ),
      description: auction.description,
      specs: auction.specs,
      closedAt: auction.closedAt?.toISOString() ?? null,
      updatedAt: auction.updatedAt.toISOString(),
      bids: bids.map(bidOf),
    };
  }

  return {
    detail,

    async create(ownerId: number, body: CreateAuctionBody): Promise<AuctionDetailResponse> {
      const now = Date.now();
      const deadline = body.deadline ?? new Date(now + DEFAULT_AUCTION_DAYS * DAY_MS);
      if (deadline.getTime() <= now + 60_000 || deadline.getTime() > now + MAX_AUCTION_DAYS * DAY_MS) {
        throw new AppError('VALIDATION_ERROR', {
          details: [
            { field: 'body.deadline', message: `from a minute to ${MAX_AUCTION_DAYS} days from now` },
          ],
        });
      }
      const [category] = await db
        .select({ id: categories.id })
        .from(categories)
        .where(eq(categories.id, body.categoryId));
      if (!category) throw new AppError('CATEGORY_NOT_FOUND');
      const [row] = await db
        .insert(reverseAuctions)
        .values({
          userId: ownerId,
          categoryId: body.categoryId,
          title: body.title,
          description: body.description,
          specs: body.specs ?? {},
          budget: body.budget,
          deadline,
        })
        .returning({ id: reverseAuctions.id });
      return detail(row!.id);
    },

    /** Newest first; `status` and `categoryId` filter. */
    async list(query: AuctionListQuery): Promise<{ items: AuctionSummaryResponse[]; totalCount: number }> {
      const conditions: SQL[] = [];
      if (query.status) conditions.push(eq(reverseAuctions.status, query.status));
      if (query.categoryId) conditions.push(eq(reverseAuctions.categoryId, query.categoryId));
      const where = and(...conditions);
      const bidCount = sql<number>`(select count(*) from ${auctionBids}
        where ${auctionBids.auctionId} = ${reverseAuctions.id}
          and ${auctionBids.status} in ('ACTIVE', 'SELECTED'))`.mapWith(Number);
      const [rows, [total]] = await Promise.all([
        db
          .select({ auction: reverseAuctions, bidCount })
          .from(reverseAuctions)
          .where(where)
          .orderBy(desc(reverseAuctions.createdAt), desc(reverseAuctions.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(reverseAuctions).where(where),
      ]);
      return {
        items: rows.map((row) => summaryOf(row.auction, row.bidCount)),
        totalCount: total?.value ?? 0,
      };
    },

    /** A SELLER's bid for its shop on an open auction it does not own; its owner is notified. */
    async placeBid(actor: Actor, auctionId: number, body: CreateBidBody): Promise<BidResponse> {
      const shop = await biddingShop(actor);
      const bidId = await db
        .transaction(async (tx) => {
          const auction = await lockOpen(tx, auctionId);
          if (!auction.open) throw new AppError('AUCTION_CLOSED');
          if (auction.userId === actor.id) {
            throw new AppError('FORBIDDEN', {
              details: [{ field: 'principal', message: 'the owner does not bid on their own auction' }],
            });
          }
          const [bid] = await tx
            .insert(auctionBids)
            .values({
              auctionId,
              sellerId: shop.id,
              bidderUserId: actor.id,
              price: body.price,
              description: body.description ?? '',
              deliveryDays: body.deliveryDays,
            })
            .returning({ id: auctionBids.id });
          await notifyMember(tx, auction.userId, AUCTION_NOTIFICATION.bidPlaced, {
            auctionId,
            title: auction.title,
            bidId: bid!.id,
            price: body.price,
          });
          return bid!.id;
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error, 'auction_bids_live_seller_key'))
            throw new AppError('BID_EXISTS', { cause: error });
          throw error;
        });
      return bidOf((await bidById(db, bidId))!);
    },

    async updateBid(
      actor: Actor,
      auctionId: number,
      bidId: number,
      body: UpdateBidBody,
    ): Promise<BidResponse> {
      await db.transaction(async (tx) => {
        await ownBid(tx, actor, auctionId, bidId);
        await tx
          .update(auctionBids)
          .set({
            ...(body.price === undefined ? {} : { price: body.price }),
            ...(body.description === undefined ? {} : { description: body.description }),
            ...(body.deliveryDays === undefined ? {} : { deliveryDays: body.deliveryDays }),
            updatedAt: sql`now()`,
          })
          .where(eq(auctionBids.id, bidId));
      });
      return bidOf((await bidById(db, bidId))!);
    },

    /** The seller withdraws its bid (CANCELLED); it may bid again while the auction is open. */
    async withdrawBid(actor: Actor, auctionId: number, bidId: number): Promise<void> {
      await db.transaction(async (tx) => {
        await ownBid(tx, actor, auctionId, bidId);
        await tx
          .update(auctionBids)
          .set({ status: 'CANCELLED', updatedAt: sql`now()` })
          .where(eq(auctionBids.id, bidId));
      });
    },

    /**
     * The owner selects a live bid: the auction goes from OPEN to CLOSED in one conditional update
     * (of two racing selections, the second finds it CLOSED and is refused), the bid SELECTED, the
     * others LOST, and their sellers notified — all in one transaction.
     */
    async selectBid(ownerId: number, auctionId: number, bidId: number): Promise<void> {
      const refused = await db.transaction(async (tx) => {
        const [auction] = await tx
          .update(reverseAuctions)
          .set({ status: 'CLOSED', winningBidId: bidId, closedAt: sql`now()`, updatedAt: sql`now()` })
          .where(and(eq(reverseAuctions.id, auctionId), eq(reverseAuctions.userId, ownerId), isOpen))
          .returning({ title: reverseAuctions.title });
        if (!auction) return true;
        const [winner] = await tx
          .update(auctionBids)
          .set({ status: 'SELECTED', updatedAt: sql`now()` })
          .where(
            and(
              eq(auctionBids.id, bidId),
              eq(auctionBids.auctionId, auctionId),
              eq(auctionBids.status, 'ACTIVE'),
            ),
          )
          .returning({ bidderUserId: auctionBids.bidderUserId });
        if (!winner) throw new AppError('BID_NOT_FOUND');
        await notifyMember(tx, winner.bidderUserId, AUCTION_NOTIFICATION.bidSelected, {
          auctionId,
          title: auction.title,
          bidId,
        });
        for (const lost of await loseActiveBids(tx, [auctionId])) {
          await notifyMember(tx, lost.bidderUserId, AUCTION_NOTIFICATION.bidLost, {
            auctionId,
            title: auction.title,
            bidId: lost.id,
          });
        }
        return false;
      });
      if (refused) throw await refusal(auctionId, ownerId);
    },

    /** The owner cancels an OPEN auction; its live bids are LOST and their sellers notified. */
    async cancel(ownerId: number, auctionId: number): Promise<void> {
      const refused = await db.transaction(async (tx) => {
        const [auction] = await tx
          .update(reverseAuctions)
          .set({ status: 'CANCELLED', closedAt: sql`now()`, updatedAt: sql`now()` })
          .where(
            and(
              eq(reverseAuctions.id, auctionId),
              eq(reverseAuctions.userId, ownerId),
              eq(reverseAuctions.status, 'OPEN'),
            ),
          )
          .returning({ title: reverseAuctions.title });
        if (!auction) return true;
        for (const lost of await loseActiveBids(tx, [auctionId])) {
          await notifyMember(tx, lost.bidderUserId, AUCTION_NOTIFICATION.cancelled, {
            auctionId,
            title: auction.title,
            bidId: lost.id,
          });
        }
        return false;
      });
      if (refused) throw await refusal(auctionId, ownerId);
    },

    /**
     * The deadline sweep: OPEN auctions past their deadline become EXPIRED, in batches (rows another
     * transaction holds are skipped, the next run takes them); their live bids are LOST, and the
     * owner and the bidders are notified.
     */
    async expireOverdue(): Promise<{ expired: number }> {
      let expired = 0;
      for (;;) {
        const batch = await db.transaction(async (tx) => {
          const rows = await tx
            .update(reverseAuctions)
            .set({ status: 'EXPIRED', closedAt: sql`now()`, updatedAt: sql`now()` })
            .where(
              inArray(
                reverseAuctions.id,
                sql`(select ${reverseAuctions.id} from ${reverseAuctions}
                  where ${reverseAuctions.status} = 'OPEN' and ${reverseAuctions.deadline} <= now()
                  order by ${reverseAuctions.deadline} limit ${EXPIRE_BATCH} for update skip locked)`,
              ),
            )
            .returning({
              id: reverseAuctions.id,
              userId: reverseAuctions.userId,
              title: reverseAuctions.title,
            });
          const titles = new Map(rows.map((row) => [row.id, row.title]));
          for (const row of rows) {
            await notifyMember(tx, row.userId, AUCTION_NOTIFICATION.expired, {
              auctionId: row.id,
              title: row.title,
            });
          }
          const lost = await loseActiveBids(
            tx,
            rows.map((row) => row.id),
          );
          for (const bid of lost) {
            await notifyMember(tx, bid.bidderUserId, AUCTION_NOTIFICATION.expired, {
              auctionId: bid.auctionId,
              title: titles.get(bid.auctionId),
              bidId: bid.id,
            });
          }
          return rows.length;
        });
        expired += batch;
        if (batch < EXPIRE_BATCH) return { expired };
      }
    },
  };
}

export type AuctionsService = ReturnType<typeof auctionsService>;
