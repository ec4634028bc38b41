import { entityId } from '@pbshop/config';
import { type SQL, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { localizedMessages } from '../../http/messages.ts';
import { heldBadgesJson } from '../social/badges/held-json.ts';

/** The name shown for an author who has withdrawn, and for one who never chose a nickname. */
export interface AuthorNames {
  withdrawn: string;
  unnamed: string;
}

const say = localizedMessages({
  withdrawn: { ko: '탈퇴한 회원', en: 'Former member', ja: '退会した会員' },
  unnamed: { ko: '회원', en: 'Member', ja: '会員' },
});

/** The placeholder names in the request's language. */
export const authorNames = (request: FastifyRequest): AuthorNames => ({
  withdrawn: say(request, 'withdrawn'),
  unnamed: say(request, 'unnamed'),
});

/**
 * A member as the community shows them: `name` is the display name (the nickname, or a
 * placeholder), never the member's real name, which is private; `badges` are those they hold
 * (none once withdrawn).
 */
export const author = z.object({
  id: entityId,
  name: z.string().describe('the display name: the nickname, or a placeholder (never the real name)'),
  nickname: z.string().nullable(),
  badges: z
    .array(z.object({ id: entityId, name: z.string() }))
    .describe('the badges held, oldest grant first'),
});
export type Author = z.infer<typeof author>;

/** The placeholder names as values, or as SQL (literals, for a statement that holds its values). */
export type NamesInSql = AuthorNames | { withdrawn: SQL; unnamed: SQL };

/**
 * `member` (a users row alias) as the JSON `author`, built by PostgreSQL; its badges looked up
 * here, or `heldBadges` (a JSON column the caller joined, null for none: see `heldBadgesByMember`).
 */
export function authorJson(member: string, names: NamesInSql, heldBadges?: SQL): SQL {
  const row = sql.raw(member);
  const badges = heldBadges ? sql`coalesce(${heldBadges}, '[]'::json)` : heldBadgesJson(sql`${row}.id`);
  return sql`json_build_object('id', ${row}.id,
    'name', case when ${row}.deleted_at is not null then ${names.withdrawn}::text
                 else coalesce(${row}.nickname, ${names.unnamed}::text) end,
    'nickname', case when ${row}.deleted_at is null then ${row}.nickname end,
    'badges', case when ${row}.deleted_at is null then ${badges} else '[]'::json end)`;
}

/** A timestamptz column as ISO 8601 text in UTC, as `Date.toISOString` writes it. */
export const isoText = (column: SQL) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
