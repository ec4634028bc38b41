import type { Logger } from '@pbshop/config';
import type { Database, Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type SQL, sql } from 'drizzle-orm';
import type {
  Badge,
  BadgeMetric,
  CreateBadgeBody,
  HeldBadge,
  UpdateBadgeBody,
  UserBadge,
} from './schemas.ts';

/** A metric's value for each of `userIds` (a member missing from the map has 0). */
export type MetricCounter = (userIds: readonly number[]) => Promise<Map<number, number>>;

/** A badge grant for the activity log (the friends' feed shows it). */
export interface BadgeActivity {
  userId: number;
  badgeId: number;
  badgeName: string;
  rarity: string;
  requestId: string;
}

export interface BadgesServiceOptions {
  db: Database;
  /** the metrics other modules own, counted through their services */
  metrics: Record<Exclude<BadgeMetric, 'login_streak'>, MetricCounter>;
  logActivity(entry: BadgeActivity): void;
  logger: Logger;
  /** members per batch of the sweep */
  sweepBatch?: number;
}

type BadgeRow = {
  id: number;
  name: string;
  description: string;
  icon_url: string;
  type: 'AUTO' | 'MANUAL';
  metric: string | null;
  threshold: number | null;
  rarity: Badge['rarity'];
  holder_count: number;
  created_at: string;
  updated_at: string;
};

const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const badgeColumns = sql`id, name, description, icon_url, type, metric, threshold, rarity, holder_count,
  ${isoText(sql`created_at`)} as created_at, ${isoText(sql`updated_at`)} as updated_at`;
/** Today in Seoul, the day a login counts for. */
const seoulToday = sql`(now() at time zone 'Asia/Seoul')::date`;

function toBadge(row: BadgeRow): Badge {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    iconUrl: row.icon_url,
    type: row.type,
    condition:
      row.type === 'AUTO' && row.metric !== null && row.threshold !== null
        ? { metric: row.metric, threshold: row.threshold }
        : null,
    rarity: row.rarity,
    holderCount: row.holder_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const userBadgeJson = sql`json_build_object(
  'id', held.id, 'userId', held.user_id, 'badgeId', held.badge_id,
  'grantedByAdminId', held.granted_by_admin_id, 'reason', held.reason,
  'grantedAt', ${isoText(sql`held.granted_at`)},
  'badge', json_build_object('id', b.id, 'name', b.name, 'description', b.description,
    'iconUrl', b.icon_url, 'type', b.type, 'rarity', b.rarity))`;

const pgCode = (error: unknown): string | undefined => {
  for (let current = error; current && typeof current === 'object'; ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/**
 * Badges (BADGE-01..06): definitions, grants and revokes, and the AUTO grants. A grant inserts
 * `user_badges` with ON CONFLICT DO NOTHING and moves `holder_count` by the rows it inserted, in one
 * statement, so a badge is held at most once and its count stays exact however many evaluations
 * race (the unique index on user and badge settles them). AUTO badges are evaluated for one member
 * after a write that moves a metric (`evaluateMember`) and for every member by the sweep.
 * A badge once granted stays: raising a threshold takes nothing back (an admin may revoke).
 */
export function badgesService(options: BadgesServiceOptions) {
  const { db, logActivity, logger } = options;
  const sweepBatch = options.sweepBatch ?? 1000;

  /** login_streak: consecutive Seoul days with a login, ending today (0 without a login today). */
  const loginStreak: MetricCounter = async (userIds) => {
    if (userIds.length === 0) return new Map();
    const rows = await db.execute<{ user_id: number; streak: number }>(sql`
      select user_id, count(*)::int as streak from (
        select user_id, ${seoulToday} - day as back,
               row_number() over (partition by user_id order by day desc) - 1 as position
        from user_login_days
        where user_id = any(${idArray(userIds)}) and day <= ${seoulToday}
      ) days
      where back = position
      group by user_id`);
    return new Map(rows.map((row) => [Number(row.user_id), Number(row.streak)]));
  };
  const counters: Record<BadgeMetric, MetricCounter> = { ...options.metrics, login_streak: loginStreak };

  async function autoBadges(): Promise<BadgeRow[]> {
    return db.execute<BadgeRow>(sql`select ${badgeColumns} from badges where type = 'AUTO' order by id`);
  }

  /**
   * Grants `badge` to those of `userIds` who do not hold it: the rows inserted move holder_count.
   * Answers the members it was granted to now.
   */
  async function grantMany(
    executor: Database | Transaction,
    badge: { id: number },
    userIds: readonly number[],
    grant: { adminId: number | null; reason: string | null },
  ): Promise<number[]> {
    if (userIds.length === 0) return [];
    const rows = await executor.execute<{ user_id: number }>(sql`
      with granted as (
        insert into user_badges (user_id, badge_id, granted_by_admin_id, reason)
        select member.id, ${badge.id}, ${grant.adminId}, ${grant.reason}
        from users member where member.id = any(${idArray(userIds)}) and member.deleted_at is null
        on conflict (user_id, badge_id) do nothing
        returning user_id
      ), counted as (
        update badges set holder_count = holder_count + (select count(*) from granted)
        where id = ${badge.id} and exists (select 1 from granted)
      )
      select user_id from granted`);
    return rows.map((row) => Number(row.user_id));
  }

  function announce(badge: BadgeRow, userIds: number[], requestId: string) {
    for (const userId of userIds) {
      logActivity({
        userId,
        badgeId: Number(badge.id),
        badgeName: badge.name,
        rarity: badge.rarity,
        requestId,
      });
    }
  }

  /** The AUTO badges among `candidates` each of `userIds` qualifies for, granted; answers the grants made. */
  async function evaluate(candidates: BadgeRow[], userIds: readonly number[], requestId: string) {
    let granted = 0;
    const byMetric = Map.groupBy(candidates, (badge) => badge.metric as BadgeMetric);
    for (const [metric, ofMetric] of byMetric) {
      const counter = counters[metric];
      if (!counter) continue;
      const values = await counter(userIds);
      for (const badge of ofMetric) {
        const qualified = userIds.filter((id) => (values.get(id) ?? 0) >= (badge.threshold ?? Infinity));
        try {
          const now = await grantMany(db, badge, qualified, { adminId: null, reason: null });
          granted += now.length;
          announce(badge, now, requestId);
        } catch (error) {
          // the badge was deleted meanwhile (its user_badges would go with it)
          if (pgCode(error) !== '23503') throw error;
        }
      }
    }
    return granted;
  }

  /**
   * The AUTO badges this member does not hold yet, granted where a metric reached its threshold.
   * Called after a committed write that moved the member's metrics (a review, a confirmed order,
   * points, a login); an error is logged, not thrown (the write stands, the sweep catches up).
   */
  async function evaluateMember(userId: number, requestId: string): Promise<number> {
    try {
      const candidates = await db.execute<BadgeRow>(sql`
        select ${badgeColumns} from badges
        where type = 'AUTO' and not exists (
          select 1 from user_badges held where held.badge_id = badges.id and held.user_id = ${userId})
        order by id`);
      if (candidates.length === 0) return 0;
      return await evaluate(candidates, [userId], requestId);
    } catch (error) {
      logger.warn({ err: error, userId, requestId }, 'badges not evaluated after a write; the sweep will');
      return 0;
    }
  }

  async function findBadge(id: number): Promise<BadgeRow> {
    const [row] = await db.execute<BadgeRow>(sql`select ${badgeColumns} from badges where id = ${id}`);
    if (!row) throw new AppError('BADGE_NOT_FOUND');
    return row;
  }

  /** 409 CONFLICT for a name another badge has (any case); the row's CHECK is met by the schemas. */
  async function writeBadge(write: () => Promise<BadgeRow[]>): Promise<BadgeRow[]> {
    try {
      return await write();
    } catch (error) {
      if (pgCode(error) === '23505') {
        throw new AppError('CONFLICT', {
          details: [{ field: 'name', message: 'another badge has this name' }],
        });
      }
      throw error;
    }
  }

  async function heldOf(userId: number): Promise<UserBadge[]> {
    const [row] = await db.execute<{ items: UserBadge[] }>(sql`
      select coalesce(json_agg(${userBadgeJson} order by held.granted_at desc, held.id desc), '[]') as items
      from user_badges held join badges b on b.id = held.badge_id
      where held.user_id = ${userId}`);
    return row?.items ?? [];
  }

  return {
    /** `GET /badges`: every definition, oldest first. */
    async list(): Promise<Badge[]> {
      const rows = await db.execute<BadgeRow>(sql`select ${badgeColumns} from badges order by id`);
      return rows.map(toBadge);
    },

    async create(body: CreateBadgeBody): Promise<Badge> {
      const [row] = await writeBadge(() =>
        db.execute<BadgeRow>(sql`
          insert into badges (name, description, icon_url, type, metric, threshold, rarity)
          values (${body.name}, ${body.description}, ${body.iconUrl}, ${body.type},
                  ${body.condition?.metric ?? null}, ${body.condition?.threshold ?? null}, ${body.rarity})
          returning ${badgeColumns}`),
      );
      return toBadge(row!);
    },

    /** The fields sent change; a badge made MANUAL loses its condition, one made AUTO needs one. */
    async update(id: number, body: UpdateBadgeBody): Promise<Badge> {
      const current = toBadge(await findBadge(id));
      const type = body.type ?? current.type;
      const condition =
        type === 'MANUAL' ? null : body.condition === undefined ? current.condition : body.condition;
      if (type === 'AUTO' && !condition) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'condition', message: 'an AUTO badge needs condition { metric, threshold }' }],
        });
      }
      if (type === 'MANUAL' && body.condition) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'condition', message: 'a MANUAL badge takes no condition' }],
        });
      }
      const [row] = await writeBadge(() =>
        db.execute<BadgeRow>(sql`
          update badges set name = ${body.name ?? current.name}, description = ${body.description ?? current.description},
            icon_url = ${body.iconUrl ?? current.iconUrl}, type = ${type},
            metric = ${condition?.metric ?? null}, threshold = ${condition?.threshold ?? null},
            rarity = ${body.rarity ?? current.rarity}, updated_at = now()
          where id = ${id}
          returning ${badgeColumns}`),
      );
      if (!row) throw new AppError('BADGE_NOT_FOUND');
      return toBadge(row);
    },

    /** Deletes the definition and every holding of it. */
    async remove(id: number): Promise<{ holdersRemoved: number }> {
      const [row] = await db.execute<{ holder_count: number }>(
        sql`delete from badges where id = ${id} returning holder_count`,
      );
      if (!row) throw new AppError('BADGE_NOT_FOUND');
      return { holdersRemoved: row.holder_count };
    },

    /** Manual grant: BADGE_NOT_FOUND, USER_NOT_FOUND (unknown or withdrawn), BADGE_ALREADY_GRANTED. */
    async grant(
      badgeId: number,
      userId: number,
      grant: { adminId: number; reason: string | null; requestId: string },
    ): Promise<UserBadge> {
      const badge = await findBadge(badgeId);
      const [member] = await db.execute<{ id: number }>(
        sql`select id from users where id = ${userId} and deleted_at is null`,
      );
      if (!member) throw new AppError('USER_NOT_FOUND');
      let granted: number[];
      try {
        granted = await grantMany(db, badge, [userId], grant);
      } catch (error) {
        if (pgCode(error) === '23503') throw new AppError('BADGE_NOT_FOUND');
        throw error;
      }
      if (granted.length === 0) throw new AppError('BADGE_ALREADY_GRANTED');
      announce(badge, granted, grant.requestId);
      const held = await heldOf(userId);
      return held.find((item) => item.badgeId === badgeId)!;
    },

    /** Takes the badge back; BADGE_NOT_FOUND when the member does not hold it. */
    async revoke(badgeId: number, userId: number): Promise<void> {
      const [row] = await db.execute<{ revoked: number }>(sql`
        with revoked as (
          delete from user_badges where badge_id = ${badgeId} and user_id = ${userId} returning badge_id
        ), counted as (
          update badges set holder_count = holder_count - (select count(*) from revoked)
          where id = ${badgeId} and exists (select 1 from revoked)
        )
        select count(*)::int as revoked from revoked`);
      if (!row || row.revoked === 0) throw new AppError('BADGE_NOT_FOUND');
    },

    /** A member's badges, the latest grant first; USER_NOT_FOUND for an unknown or withdrawn member. */
    async ofMember(userId: number): Promise<UserBadge[]> {
      const [member] = await db.execute<{ id: number }>(
        sql`select id from users where id = ${userId} and deleted_at is null`,
      );
      if (!member) throw new AppError('USER_NOT_FOUND');
      return heldOf(userId);
    },

    /** The badges each of `userIds` holds, for member responses: one query for a page of members. */
    async heldBy(userIds: readonly number[]): Promise<Map<number, HeldBadge[]>> {
      const held = new Map<number, HeldBadge[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return held;
      const rows = await db.execute<{ user_id: number; id: number; name: string; icon_url: string }>(sql`
        select held.user_id, b.id, b.name, b.icon_url
        from user_badges held join badges b on b.id = held.badge_id
        where held.user_id = any(${idArray(userIds)})
        order by held.granted_at, held.id`);
      for (const row of rows) {
        held
          .get(Number(row.user_id))
          ?.push({ id: Number(row.id), name: row.name, iconUrl: row.icon_url || null });
      }
      return held;
    },

    evaluateMember,

    /** Records today's (Seoul) login for the login streak, then evaluates the member's badges. */
    async recordLogin(userId: number, requestId: string): Promise<void> {
      try {
        await db.execute(sql`
          insert into user_login_days (user_id, day) values (${userId}, ${seoulToday}) on conflict do nothing`);
      } catch (error) {
        logger.warn({ err: error, userId, requestId }, 'login day not recorded');
        return;
      }
      await evaluateMember(userId, requestId);
    },

    /**
     * Every AUTO badge against every member, in batches of members by id. Run by the badge sweep
     * (jobs/badge-sweep.ts) under its advisory lock; granting twice is impossible either way.
     */
    async sweep(): Promise<{ members: number; granted: number }> {
      const badges = await autoBadges();
      if (badges.length === 0) return { members: 0, granted: 0 };
      let after = 0;
      let members = 0;
      let granted = 0;
      for (;;) {
        const rows = await db.execute<{ id: number }>(sql`
          select id from users where id > ${after} and deleted_at is null order by id limit ${sweepBatch}`);
        if (rows.length === 0) break;
        const ids = rows.map((row) => Number(row.id));
        granted += await evaluate(badges, ids, 'badge-sweep');
        members += ids.length;
        after = ids.at(-1)!;
      }
      return { members, granted };
    },
  };
}

/** A bigint[] parameter. */
function idArray(ids: readonly number[]): SQL {
  return sql`${`{${ids.join(',')}}`}::bigint[]`;
}

export type BadgesService = ReturnType<typeof badgesService>;
