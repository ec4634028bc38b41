import type { Database, Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type SQL, sql } from 'drizzle-orm';
import type { FriendFeedItem, FriendListItem } from './schemas.ts';

/**
 * The activity types the friends' feed shows: what a member does in the open (a friendship, a
 * badge). Searches and clicks in the same log are private and never reach a friend.
 */
export const FEED_ACTIVITY_TYPES = ['friend_added', 'badge_granted'] as const;

/** An activity entry for the activity-log queue; failing to enqueue it must not fail the write. */
export interface ActivityEntry {
  userId: number;
  type: (typeof FEED_ACTIVITY_TYPES)[number];
  data: Record<string, unknown>;
  requestId: string;
}

export interface FriendsServiceOptions {
  db: Database;
  /** the public URL of a stored profile image path */
  profileImageUrl(path: string | null): string | null;
  logActivity(entry: ActivityEntry): void;
}

export interface Paging {
  page: number;
  limit: number;
}

/** What a request did: sent a new one, or accepted the one the other member had sent me. */
export type RequestOutcome = 'sent' | 'accepted';

const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Either member blocked the other. */
const blockedBetween = (a: SQL, b: SQL) => sql`exists (
  select 1 from user_blocks
  where (blocker_id = ${a} and blocked_id = ${b}) or (blocker_id = ${b} and blocked_id = ${a}))`;

type ListRow = {
  friendship_id: number;
  user_id: number;
  nickname: string | null;
  profile_image_path: string | null;
  status: 'PENDING' | 'ACCEPTED';
  since: string | null;
  requested_at: string;
  total: number;
};

type FeedRow = {
  id: number;
  user_id: number;
  nickname: string | null;
  profile_image_path: string | null;
  type: string;
  payload: Record<string, unknown> | null;
  created_at: string;
  total: number;
};

/**
 * Friends (FRND-01..05): requests, friendships and blocks between two members. Every change of a
 * pair runs under a transaction-level advisory lock on the pair, so a request, an accept and a
 * block of the same two members never interleave; the unique index on the ordered pair
 * (`friendships_live_pair_key`) keeps one live row per pair regardless.
 *
 * A request to a member who already sent me one accepts theirs (both asked: they are friends). A
 * block removes the friendship and any pending request both ways; while it stands neither may
 * send the other a request (USER_BLOCKED_BY_MEMBER) and neither sees the other in the feed.
 */
export function friendsService({ db, profileImageUrl, logActivity }: FriendsServiceOptions) {
  async function lockPair(tx: Transaction, a: number, b: number) {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`friendship:${Math.min(a, b)}:${Math.max(a, b)}`}, 0))`,
    );
  }

  /** 400 for myself, 404 USER_NOT_FOUND for an unknown or withdrawn member. */
  async function checkOther(tx: Transaction | Database, me: number, other: number) {
    if (me === other) {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: 'userId', message: 'not possible with yourself' }],
      });
    }
    const [row] = await tx.execute<{ id: number }>(
      sql`select id from users where id = ${other} and deleted_at is null`,
    );
    if (!row) throw new AppError('USER_NOT_FOUND');
  }

  function toListItem(row: ListRow): FriendListItem {
    return {
      friendshipId: Number(row.friendship_id),
      userId: Number(row.user_id),
      nickname: row.nickname,
      profileImageUrl: profileImageUrl(row.profile_image_path),
      status: row.status,
      since: row.since,
      requestedAt: row.requested_at,
    };
  }

  /** One page of my friendships matching `condition` (on `f`), the other member as `other`, ordered by `order`. */
  async function listOf(me: number, condition: SQL, order: SQL, paging: Paging) {
    const rows = await db.execute<ListRow>(sql`
      select f.id as friendship_id, other.id as user_id, other.nickname, other.profile_image_path,
             f.status, ${isoText(sql`f.responded_at`)} as since, ${isoText(sql`f.created_at`)} as requested_at,
             count(*) over ()::int as total
      from friendships f
      join users other on other.id = case when f.requester_id = ${me} then f.addressee_id else f.requester_id end
      where ${condition} and other.deleted_at is null
      order by ${order}, f.id desc
      limit ${paging.limit} offset ${(paging.page - 1) * paging.limit}`);
    return { items: rows.map(toListItem), totalCount: totalOf(rows, paging) };
  }

  /** The window count of a page, or, past the last page, the count without the page. */
  function totalOf(rows: { total: number }[], paging: Paging): number {
    if (rows.length > 0) return Number(rows[0]!.total);
    return paging.page === 1 ? 0 : -1;
  }

  async function countWhere(from: SQL): Promise<number> {
    const [row] = await db.execute<{ total: number }>(sql`select count(*)::int as total ${from}`);
    return Number(row?.total ?? 0);
  }

  return {
    /**
     * `POST /friends/request/:userId`. 409 FRIEND_REQUEST_EXISTS when we are friends or my request
     * is pending; when theirs to me is pending, it is accepted instead ('accepted').
     */
    async request(me: number, other: number, requestId: string): Promise<RequestOutcome> {
      const outcome = await db.transaction(async (tx) => {
        await checkOther(tx, me, other);
        await lockPair(tx, me, other);
        const [blocked] = await tx.execute<{ blocked: boolean }>(
          sql`select ${blockedBetween(sql`${me}::bigint`, sql`${other}::bigint`)} as blocked`,
        );
        if (blocked?.blocked) throw new AppError('USER_BLOCKED_BY_MEMBER');
        const [live] = await tx.execute<{ id: number; requester_id: number; status: string }>(sql`
          select id, requester_id, status from friendships
          where least(requester_id, addressee_id) = ${Math.min(me, other)}
            and greatest(requester_id, addressee_id) = ${Math.max(me, other)}
            and status in ('PENDING', 'ACCEPTED')`);
        if (live && (live.status === 'ACCEPTED' || Number(live.requester_id) === me)) {
          throw new AppError('FRIEND_REQUEST_EXISTS');
        }
        if (live) {
          await tx.execute(sql`
            update friendships set status = 'ACCEPTED', responded_at = now(), updated_at = now()
            where id = ${live.id}`);
          return 'accepted' as const;
        }
        await tx.execute(sql`
          insert into friendships (requester_id, addressee_id) values (${me}, ${other})`);
        return 'sent' as const;
      });
      if (outcome === 'accepted') await announceFriendship(me, other, requestId);
      return outcome;
    },

    /** `PATCH /friends/request/:id/accept`: only the addressee of a pending request; anyone else 404. */
    async accept(me: number, friendshipId: number, requestId: string): Promise<void> {
      const requester = await respond(me, friendshipId, 'ACCEPTED');
      await announceFriendship(me, requester, requestId);
    },

    /** `PATCH /friends/request/:id/reject`: only the addressee of a pending request; anyone else 404. */
    async reject(me: number, friendshipId: number): Promise<void> {
      await respond(me, friendshipId, 'REJECTED');
    },

    /** `DELETE /friends/:userId`: FRIEND_NOT_FOUND unless we are friends. */
    async remove(me: number, other: number): Promise<void> {
      const removed = await db.execute<{ id: number }>(sql`
        delete from friendships
        where least(requester_id, addressee_id) = ${Math.min(me, other)}
          and greatest(requester_id, addressee_id) = ${Math.max(me, other)}
          and status = 'ACCEPTED'
        returning id`);
      if (removed.length === 0) throw new AppError('FRIEND_NOT_FOUND');
    },

    /** `POST /friends/block/:userId`: ends our friendship and pending requests both ways; blocking twice is a no-op. */
    async block(me: number, other: number): Promise<void> {
      await db.transaction(async (tx) => {
        await checkOther(tx, me, other);
        await lockPair(tx, me, other);
        await tx.execute(sql`
          insert into user_blocks (blocker_id, blocked_id) values (${me}, ${other})
          on conflict do nothing`);
        await tx.execute(sql`
          delete from friendships
          where least(requester_id, addressee_id) = ${Math.min(me, other)}
            and greatest(requester_id, addressee_id) = ${Math.max(me, other)}
            and status in ('PENDING', 'ACCEPTED')`);
      });
    },

    /** `DELETE /friends/block/:userId`: USER_NOT_FOUND unless I block that member. Their block of me stays. */
    async unblock(me: number, other: number): Promise<void> {
      const removed = await db.execute<{ blocked_id: number }>(sql`
        delete from user_blocks where blocker_id = ${me} and blocked_id = ${other} returning blocked_id`);
      if (removed.length === 0) throw new AppError('USER_NOT_FOUND');
    },

    /** My friends, the most recent friendship first. */
    friends(me: number, paging: Paging) {
      return withTotal(
        listOf(
          me,
          sql`f.status = 'ACCEPTED' and (f.requester_id = ${me} or f.addressee_id = ${me})`,
          sql`f.responded_at desc nulls last`,
          paging,
        ),
        sql`from friendships f join users other on other.id = case when f.requester_id = ${me} then f.addressee_id else f.requester_id end
            where f.status = 'ACCEPTED' and (f.requester_id = ${me} or f.addressee_id = ${me}) and other.deleted_at is null`,
      );
    },

    /** Pending requests sent to me, newest first. */
    received(me: number, paging: Paging) {
      return withTotal(
        listOf(me, sql`f.status = 'PENDING' and f.addressee_id = ${me}`, sql`f.created_at desc`, paging),
        sql`from friendships f join users other on other.id = f.requester_id
            where f.status = 'PENDING' and f.addressee_id = ${me} and other.deleted_at is null`,
      );
    },

    /** My pending requests, newest first. */
    sent(me: number, paging: Paging) {
      return withTotal(
        listOf(me, sql`f.status = 'PENDING' and f.requester_id = ${me}`, sql`f.created_at desc`, paging),
        sql`from friendships f join users other on other.id = f.addressee_id
            where f.status = 'PENDING' and f.requester_id = ${me} and other.deleted_at is null`,
      );
    },

    /**
     * My friends' public activity (FEED_ACTIVITY_TYPES) from the activity log, newest first; the
     * message is left to the caller (it is in the request's language).
     */
    async feed(
      me: number,
      paging: Paging,
    ): Promise<{ items: Omit<FriendFeedItem, 'message'>[]; totalCount: number }> {
      const friendsOfMe = sql`(
        select case when requester_id = ${me} then addressee_id else requester_id end
        from friendships where status = 'ACCEPTED' and (requester_id = ${me} or addressee_id = ${me}))`;
      const types = sql`array[${sql.join(
        FEED_ACTIVITY_TYPES.map((type) => sql`${type}`),
        sql`, `,
      )}]::text[]`;
      const from = sql`from activity_logs entry join users friend on friend.id = entry.user_id
        where entry.user_id in ${friendsOfMe} and entry.type = any(${types}) and friend.deleted_at is null
          and not ${blockedBetween(sql`${me}::bigint`, sql`entry.user_id`)}`;
      const rows = await db.execute<FeedRow>(sql`
        select entry.id, entry.user_id, friend.nickname, friend.profile_image_path, entry.type, entry.payload,
               ${isoText(sql`entry.occurred_at`)} as created_at, count(*) over ()::int as total
        ${from}
        order by entry.occurred_at desc, entry.id desc
        limit ${paging.limit} offset ${(paging.page - 1) * paging.limit}`);
      const total = totalOf(rows, paging);
      return {
        items: rows.map((row) => ({
          id: Number(row.id),
          userId: Number(row.user_id),
          nickname: row.nickname,
          profileImageUrl: profileImageUrl(row.profile_image_path),
          type: row.type,
          metadata: row.payload,
          createdAt: row.created_at,
        })),
        totalCount: total >= 0 ? total : await countWhere(from),
      };
    },
  };

  /** A page with its total; past the last page the total is counted on its own. */
  async function withTotal(
    listed: Promise<{ items: FriendListItem[]; totalCount: number }>,
    from: SQL,
  ): Promise<{ items: FriendListItem[]; totalCount: number }> {
    const result = await listed;
    return result.totalCount >= 0 ? result : { items: result.items, totalCount: await countWhere(from) };
  }

  /** Answers a pending request addressed to me; FRIEND_REQUEST_NOT_FOUND otherwise. Returns the requester. */
  async function respond(me: number, friendshipId: number, status: 'ACCEPTED' | 'REJECTED'): Promise<number> {
    const [row] = await db.execute<{ requester_id: number }>(sql`
      update friendships set status = ${status}, responded_at = now(), updated_at = now()
      where id = ${friendshipId} and addressee_id = ${me} and status = 'PENDING'
      returning requester_id`);
    if (!row) throw new AppError('FRIEND_REQUEST_NOT_FOUND');
    return Number(row.requester_id);
  }

  /** Each new friend's feed entry names the other. */
  async function announceFriendship(a: number, b: number, requestId: string) {
    const rows = await db.execute<{ id: number; nickname: string | null }>(
      sql`select id, nickname from users where id in (${a}, ${b})`,
    );
    const nicknameOf = new Map(rows.map((row) => [Number(row.id), row.nickname]));
    for (const [userId, friendId] of [
      [a, b],
      [b, a],
    ] as const) {
      logActivity({
        userId,
        type: 'friend_added',
        data: { friendUserId: friendId, friendNickname: nicknameOf.get(friendId) ?? null },
        requestId,
      });
    }
  }
}

export type FriendsService = ReturnType<typeof friendsService>;
