import type { Database } from '@pbshop/db';
import { sql } from 'drizzle-orm';

/**
 * Published posts per member (the badges' post_count), one query for a batch of members; a member
 * without any is absent from the map.
 */
export async function countPublishedPostsForUsers(
  db: Database,
  userIds: readonly number[],
): Promise<Map<number, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.execute<{ user_id: number; posts: number }>(sql`
    select user_id, count(*)::int as posts from posts
    where user_id = any(${`{${userIds.join(',')}}`}::bigint[]) and status = 'PUBLISHED'
    group by user_id`);
  return new Map(rows.map((row) => [Number(row.user_id), Number(row.posts)]));
}
