import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

export const chatRoomStatus = pgEnum('chat_room_status', ['OPEN', 'CLOSED']);

/**
 * Chat rooms (CHAT-01..06): a customer's room with the support agents (admins), or a room members
 * join. A private room admits only its members; a closed room takes no more messages. Owned by the
 * chat module.
 */
export const chatRooms = pgTable(
  'chat_rooms',
  {
    id: idColumn(),
    name: text('name').notNull(),
    isPrivate: boolean('is_private').notNull().default(true),
    createdBy: idRef('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: chatRoomStatus('status').notNull().default('OPEN'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('chat_rooms_creator_idx').on(table.createdBy, table.createdAt.desc()),
    index('chat_rooms_status_idx').on(table.status, table.lastMessageAt.desc()),
  ],
);

/** Who is in a room and how far they have read (`last_read_message_id`). */
export const chatRoomMembers = pgTable(
  'chat_room_members',
  {
    roomId: idRef('room_id')
      .notNull()
      .references(() => chatRooms.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** CUSTOMER (the room's creator or a member who joined) or AGENT (an admin answering) */
    role: text('role').notNull(),
    lastReadMessageId: idRef('last_read_message_id'),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.roomId, table.userId] }),
    index('chat_room_members_user_idx').on(table.userId),
  ],
);

/** Messages, stored before they are broadcast; a reconnecting client asks for those after its last id. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: idColumn(),
    roomId: idRef('room_id')
      .notNull()
      .references(() => chatRooms.id, { onDelete: 'cascade' }),
    senderId: idRef('sender_id').references(() => users.id, { onDelete: 'set null' }),
    content: text('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('chat_messages_room_idx').on(table.roomId, table.id.desc())],
);

/** Web Push subscriptions (PUSH-01..03); one the push service answers 404/410 for is deactivated. Owned by the push module. */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    p256dhKey: text('p256dh_key').notNull(),
    authKey: text('auth_key').notNull(),
    expirationTime: timestamp('expiration_time', { withTimezone: true }),
    isActive: boolean('is_active').notNull().default(true),
    failureCount: integer('failure_count').notNull().default(0),
    lastError: text('last_error'),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(table.endpoint),
    index('push_subscriptions_user_active_idx').on(table.userId).where(sql`${table.isActive}`),
  ],
);

/** Which kinds of push a member wants (PUSH-04..05); a member without a row gets the defaults. */
export const pushPreferences = pgTable(
  'push_preferences',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    priceAlertEnabled: boolean('price_alert_enabled').notNull().default(true),
    orderStatusEnabled: boolean('order_status_enabled').notNull().default(true),
    chatMessageEnabled: boolean('chat_message_enabled').notNull().default(true),
    dealEnabled: boolean('deal_enabled').notNull().default(true),
    ...timestamps,
  },
  (table) => [uniqueIndex('push_preferences_user_key').on(table.userId)],
);

export const friendshipStatus = pgEnum('friendship_status', ['PENDING', 'ACCEPTED', 'REJECTED']);

/**
 * Friend requests and friendships (FRND-01..05): one live row (PENDING or ACCEPTED) per pair,
 * whoever asked first, enforced by the unique index on the ordered pair. Owned by the friends module.
 */
export const friendships = pgTable(
  'friendships',
  {
    id: idColumn(),
    requesterId: idRef('requester_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    addresseeId: idRef('addressee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: friendshipStatus('status').notNull().default('PENDING'),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('friendships_live_pair_key')
      .on(
        sql`least(${table.requesterId}, ${table.addresseeId})`,
        sql`greatest(${table.requesterId}, ${table.addresseeId})`,
      )
      .where(sql`${table.status} in ('PENDING', 'ACCEPTED')`),
    index('friendships_addressee_idx').on(table.addresseeId, table.status, table.createdAt.desc()),
    index('friendships_requester_idx').on(table.requesterId, table.status, table.createdAt.desc()),
    check('friendships_not_self_check', sql`${table.requesterId} <> ${table.addresseeId}`),
  ],
);

/** A member's blocks: a block hides each from the other. Owned by the friends module. */
export const userBlocks = pgTable(
  'user_blocks',
  {
    blockerId: idRef('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: idRef('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.blockerId, table.blockedId] }),
    index('user_blocks_blocked_idx').on(table.blockedId),
    check('user_blocks_not_self_check', sql`${table.blockerId} <> ${table.blockedId}`),
  ],
);

export const badgeType = pgEnum('badge_type', ['AUTO', 'MANUAL']);
export const badgeRarity = pgEnum('badge_rarity', ['COMMON', 'UNCOMMON', 'RARE', 'EPIC', 'LEGENDARY']);

/**
 * Badge definitions (BADGE-01..06). An AUTO badge names a metric (review_count, post_count,
 * order_count, point_total, login_streak) and a threshold; `holder_count` moves with grants and
 * revokes in the same transaction. Owned by the badges module.
 */
export const badges = pgTable(
  'badges',
  {
    id: idColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    iconUrl: text('icon_url').notNull().default(''),
    type: badgeType('type').notNull(),
    metric: text('metric'),
    threshold: integer('threshold'),
    rarity: badgeRarity('rarity').notNull().default('COMMON'),
    holderCount: integer('holder_count').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('badges_name_key').on(sql`lower(${table.name})`),
    check(
      'badges_condition_check',
      sql`(${table.type} = 'AUTO') = (${table.metric} is not null and ${table.threshold} is not null)`,
    ),
  ],
);

/** Badges held; a badge is held at most once, so an AUTO grant racing itself grants once. */
export const userBadges = pgTable(
  'user_badges',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    badgeId: idRef('badge_id')
      .notNull()
      .references(() => badges.id, { onDelete: 'cascade' }),
    grantedByAdminId: idRef('granted_by_admin_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason'),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('user_badges_user_badge_key').on(table.userId, table.badgeId),
    index('user_badges_badge_idx').on(table.badgeId),
  ],
);

/** The Seoul days a member logged in on: the login streak metric counts consecutive days back from today. */
export const userLoginDays = pgTable(
  'user_login_days',
  {
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.day] })],
);
