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
