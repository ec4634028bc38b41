import { chatMessages, chatRoomMembers, chatRooms, type Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, exists, gt, or, sql } from 'drizzle-orm';
import type { Principal } from '../../../http/principal.ts';
import type { ChatMessage, ChatRoom } from './schemas.ts';

type RoomRow = typeof chatRooms.$inferSelect;
type MessageRow = typeof chatMessages.$inferSelect;
type Caller = Pick<Principal, 'id' | 'role'>;

function toRoom(row: RoomRow): ChatRoom {
  return {
    id: row.id,
    name: row.name,
    isPrivate: row.isPrivate,
    createdBy: row.createdBy,
    status: row.status,
    closedAt: row.closedAt?.toISOString() ?? null,
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    roomId: row.roomId,
    senderId: row.senderId,
    content: row.content,
    message: row.content,
    createdAt: row.createdAt.toISOString(),
  };
}

const isAgent = (caller: Caller) => caller.role === 'ADMIN';

/**
 * Chat rooms and messages (CHAT-01..06). A customer opens a room (its first member); support
 * agents (admins) see, join (as AGENT) and close any room; a member joins a public room, never a
 * private one they are not in. Messages are stored before anything broadcasts them, each with its
 * id, so a reconnecting client asks for the ones after the last it saw.
 */
export function chatService(db: Database) {
  async function findRoom(roomId: number): Promise<RoomRow> {
    const [room] = await db.select().from(chatRooms).where(eq(chatRooms.id, roomId));
    if (!room) throw new AppError('CHAT_ROOM_NOT_FOUND');
    return room;
  }

  async function membership(roomId: number, userId: number) {
    const [row] = await db
      .select()
      .from(chatRoomMembers)
      .where(and(eq(chatRoomMembers.roomId, roomId), eq(chatRoomMembers.userId, userId)));
    return row;
  }

  /** The room, for a caller who is in it (an agent always): FORBIDDEN for anyone else. */
  async function roomOfMember(caller: Caller, roomId: number): Promise<RoomRow> {
    const room = await findRoom(roomId);
    if (!isAgent(caller) && !(await membership(roomId, caller.id))) throw new AppError('FORBIDDEN');
    return room;
  }

  /** Joins (idempotently): an agent any room as AGENT, a member a public room or one they are in. */
  async function join(caller: Caller, roomId: number): Promise<ChatRoom> {
    const room = await findRoom(roomId);
    if (!isAgent(caller) && room.isPrivate && !(await membership(roomId, caller.id))) {
      throw new AppError('FORBIDDEN');
    }
    await db
      .insert(chatRoomMembers)
      .values({ roomId, userId: caller.id, role: isAgent(caller) ? 'AGENT' : 'CUSTOMER' })
      .onConflictDoNothing();
    return toRoom(room);
  }

  return {
    async createRoom(caller: Caller, body: { name: string; isPrivate: boolean }): Promise<ChatRoom> {
      return db.transaction(async (tx) => {
        const [room] = await tx
          .insert(chatRooms)
          .values({ name: body.name, isPrivate: body.isPrivate, createdBy: caller.id })
          .returning();
        await tx
          .insert(chatRoomMembers)
          .values({ roomId: room!.id, userId: caller.id, role: isAgent(caller) ? 'AGENT' : 'CUSTOMER' });
        return toRoom(room!);
      });
    },

    /** An agent's list is every room (open first); a member's, the rooms they are in and the public ones. */
    async listRooms(caller: Caller, pageNumber: number, limit: number) {
      const visible = isAgent(caller)
        ? undefined
        : or(
            eq(chatRooms.isPrivate, false),
            exists(
              db
                .select({ one: sql`1` })
                .from(chatRoomMembers)
                .where(and(eq(chatRoomMembers.roomId, chatRooms.id), eq(chatRoomMembers.userId, caller.id))),
            ),
          );
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(chatRooms)
          .where(visible)
          .orderBy(asc(chatRooms.status), sql`${chatRooms.lastMessageAt} desc nulls last`, desc(chatRooms.id))
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ total: count() }).from(chatRooms).where(visible),
      ]);
      return { items: rows.map(toRoom), totalCount: total?.total ?? 0 };
    },

    join,

    /**
     * History newest first, paged; with `afterId`, what came after that message, oldest first
     * (what a reconnecting client missed, `limit` at a time).
     */
    async history(caller: Caller, roomId: number, query: { page: number; limit: number; afterId?: number }) {
      await roomOfMember(caller, roomId);
      const inRoom = eq(chatMessages.roomId, roomId);
      const where = query.afterId === undefined ? inRoom : and(inRoom, gt(chatMessages.id, query.afterId));
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(chatMessages)
          .where(where)
          .orderBy(query.afterId === undefined ? desc(chatMessages.id) : asc(chatMessages.id))
          .limit(query.limit)
          .offset(query.afterId === undefined ? (query.page - 1) * query.limit : 0),
        db.select({ total: count() }).from(chatMessages).where(where),
      ]);
      return { items: rows.map(toChatMessage), totalCount: total?.total ?? 0 };
    },

    /**
     * Stores a message from a member of an open room (an agent joins on sending); answers it and
     * the other members to tell. One transaction: the room row locked (no close commits between
     * the check and the insert), its members read, the message and the room's time written.
     */
    /**
     * One statement, so one round trip and one commit per message (a message's transaction of
     * four round trips bounded a burst's throughput, bench:chat): the room row locked, the members
     * read, the message inserted only into an OPEN room by a member or an agent, the room's time
     * written, and an agent not yet in the room joined as AGENT.
     */
    async send(caller: Caller, roomId: number, content: string) {
      const agent = isAgent(caller);
      const [row] = await db.execute<{
        status: string | null;
        in_room: boolean;
        recipients: (number | string)[];
        id: number | string | null;
        created_at: Date | string | null;
      }>(sql`
        with room as (
          select id, status from chat_rooms where id = ${roomId} for update
        ), members as (
          select user_id from chat_room_members where room_id = ${roomId}
        ), message as (
          insert into chat_messages (room_id, sender_id, content)
          select ${roomId}, ${caller.id}, ${content} from room
          where room.status = 'OPEN'
            and (${agent} or exists (select 1 from members where user_id = ${caller.id}))
          returning id, created_at
        ), touched as (
          update chat_rooms set last_message_at = now(), updated_at = now()
          where id = ${roomId} and exists (select 1 from message)
        ), joined as (
          insert into chat_room_members (room_id, user_id, role)
          select ${roomId}, ${caller.id}, 'AGENT' from message
          where ${agent} and not exists (select 1 from members where user_id = ${caller.id})
          on conflict do nothing
        )
        select (select status from room) as status,
               exists (select 1 from members where user_id = ${caller.id}) as in_room,
               array(select user_id from members where user_id <> ${caller.id}) as recipients,
               message.id, message.created_at
        from (select 1) as one left join message on true`);
      if (!row?.status) throw new AppError('CHAT_ROOM_NOT_FOUND');
      if (!row.in_room && !agent) throw new AppError('FORBIDDEN');
      if (row.id === null || row.created_at === null) throw new AppError('CHAT_ROOM_CLOSED');
      return {
        message: toChatMessage({
          id: Number(row.id),
          roomId,
          senderId: caller.id,
          content,
          createdAt: new Date(row.created_at),
        }),
        recipients: row.recipients.map(Number),
      };
    },

    /** Moves the member's read mark forward to a message of the room (never back). */
    async markRead(caller: Caller, roomId: number, messageId: number): Promise<void> {
      await roomOfMember(caller, roomId);
      const [message] = await db
        .select({ id: chatMessages.id })
        .from(chatMessages)
        .where(and(eq(chatMessages.id, messageId), eq(chatMessages.roomId, roomId)));
      if (!message)
        throw new AppError('VALIDATION_ERROR', { details: { messageId: 'not a message of this room' } });
      await db
        .update(chatRoomMembers)
        .set({
          lastReadMessageId: sql`greatest(coalesce(${chatRoomMembers.lastReadMessageId}, 0), ${messageId}::bigint)`,
        })
        .where(and(eq(chatRoomMembers.roomId, roomId), eq(chatRoomMembers.userId, caller.id)));
    },

    /** The room's creator or an agent closes it; closing twice answers the closed room. */
    async close(caller: Caller, roomId: number): Promise<ChatRoom> {
      const room = await roomOfMember(caller, roomId);
      if (!isAgent(caller) && room.createdBy !== caller.id) throw new AppError('FORBIDDEN');
      const [closed] = await db
        .update(chatRooms)
        .set({
          status: 'CLOSED',
          closedAt: sql`coalesce(${chatRooms.closedAt}, now())`,
          updatedAt: sql`now()`,
        })
        .where(eq(chatRooms.id, roomId))
        .returning();
      return toRoom(closed!);
    },
  };
}

export type ChatService = ReturnType<typeof chatService>;
