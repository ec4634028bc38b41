import { type SQL, sql } from 'drizzle-orm';

/**
 * The badges the member `memberId` (a column of the caller's statement) holds, as a JSON array of
 * `{ id, name }`, oldest grant first: for member JSON that PostgreSQL builds a page of at a time
 * (one statement for the page, through the unique index on user and badge).
 */
export function heldBadgesJson(memberId: SQL): SQL {
  return sql`coalesce((
    select json_agg(json_build_object('id', b.id, 'name', b.name) order by held.granted_at, held.id)
    from user_badges held join badges b on b.id = held.badge_id
    where held.user_id = ${memberId}), '[]'::json)`;
}

/**
 * `(user_id, badges)` rows: the badges each of the members `memberIds` (an array expression of the
 * caller's statement) holds, as `heldBadgesJson` builds them, for a whole page in one index scan;
 * a member holding none has no row. Per member, the sub-select of `heldBadgesJson` cost a page of
 * twenty posts about as much as reading the posts (bench:community's EXPLAIN).
 */
export function heldBadgesByMember(memberIds: SQL): SQL {
  return sql`select held.user_id,
      json_agg(json_build_object('id', b.id, 'name', b.name) order by held.granted_at, held.id) as badges
    from user_badges held join badges b on b.id = held.badge_id
    where held.user_id = any(${memberIds})
    group by held.user_id`;
}
