import type { Logger } from '@pbshop/config';
import { type Database, supportTicketAttachments, supportTicketReplies, supportTickets } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { ReceivedFile } from '../../../http/uploads.ts';
import type { Mailer } from '../../../mail/mailer.ts';
import { ticketAnsweredMail } from './mail.ts';
import type {
  AdminTicketsQuery,
  CreateTicketBody,
  MyTicketsQuery,
  TicketAttachment,
  TicketDetail,
  TicketReply,
  TicketResponse,
  TicketStatus,
} from './schemas.ts';

type TicketRow = typeof supportTickets.$inferSelect;
type ReplyRow = typeof supportTicketReplies.$inferSelect;

/** Who acts on a ticket: its author (a member) or an admin, who may act on any. */
export interface TicketActor {
  id: number;
  role: string;
}

/**
 * The status changes an admin may make. ANSWERED is reached only by an admin's reply; an author's
 * reply to an ANSWERED ticket puts it back to OPEN (waiting for the shop again); CLOSED takes no
 * replies until an admin reopens it.
 */
const adminTransitions: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ['IN_PROGRESS', 'CLOSED'],
  IN_PROGRESS: ['OPEN', 'CLOSED'],
  ANSWERED: ['IN_PROGRESS', 'CLOSED'],
  CLOSED: ['OPEN'],
};

const containing = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

const toReply = (row: ReplyRow): TicketReply => ({
  id: row.id,
  ticketId: row.ticketId,
  authorId: row.authorId,
  authorRole: row.authorRole === 'ADMIN' ? 'ADMIN' : 'USER',
  content: row.content,
  createdAt: row.createdAt.toISOString(),
});

export interface SupportTicketsDeps {
  db: Database;
  logger: Logger;
  mailer: Pick<Mailer, 'dispatch'>;
  /** the member's e-mail address, if they are still there */
  memberEmail(userId: number): Promise<string | undefined>;
  /** the media module: records stored uploads as the ticket's files (or deletes them all and throws) */
  recordFiles(
    files: readonly ReceivedFile[],
    uploaderId: number,
    ticketId: number,
  ): Promise<TicketAttachment[]>;
  /** the media module: deletes recorded files (the ticket they were for was not written) */
  removeFiles(fileIds: readonly number[], uploaderId: number): Promise<void>;
  /** the media module: the files as a ticket shows them */
  describeFiles(fileIds: readonly number[]): Promise<TicketAttachment[]>;
}

/**
 * 1:1 support tickets (SUP-01..05): numbered TK-yyyyMMdd-NNN from a per-Seoul-day counter taken in
 * the creating transaction, a reply thread, files through the media module, the status machine
 * above, and an e-mail to the author after an admin's reply is committed.
 */
export function supportTicketsService(deps: SupportTicketsDeps) {
  const { db, logger } = deps;

  /** The latest admin reply and the files of each ticket, as the responses show them. */
  async function withExtras(rows: TicketRow[]): Promise<TicketResponse[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const [answers, files] = await Promise.all([
      db
        .selectDistinctOn([supportTicketReplies.ticketId])
        .from(supportTicketReplies)
        .where(and(inArray(supportTicketReplies.ticketId, ids), eq(supportTicketReplies.authorRole, 'ADMIN')))
        .orderBy(
          supportTicketReplies.ticketId,
          desc(supportTicketReplies.createdAt),
          desc(supportTicketReplies.id),
        ),
      db
        .select({ ticketId: supportTicketAttachments.ticketId, fileId: supportTicketAttachments.mediaFileId })
        .from(supportTicketAttachments)
        .where(inArray(supportTicketAttachments.ticketId, ids))
        .orderBy(asc(supportTicketAttachments.id)),
    ]);
    const described = new Map(
      (await deps.describeFiles(files.map((file) => file.fileId))).map((file) => [file.id, file]),
    );
    return rows.map((row) => {
      const answer = answers.find((reply) => reply.ticketId === row.id);
      return {
        id: row.id,
        ticketNumber: row.ticketNumber,
        userId: row.userId,
        category: row.category,
        title: row.title,
        content: row.content,
        attachmentUrl: row.attachmentUrl,
        status: row.status,
        answer: answer
          ? {
              content: answer.content,
              answeredBy: answer.authorId,
              answeredAt: answer.createdAt.toISOString(),
            }
          : null,
        attachments: files
          .filter((file) => file.ticketId === row.id)
          .flatMap((file) => described.get(file.fileId) ?? []),
        lastReplyAt: row.lastReplyAt?.toISOString() ?? null,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }

  async function page(where: SQL | undefined, query: { page: number; limit: number }) {
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(supportTickets)
        .where(where)
        .orderBy(desc(supportTickets.createdAt), desc(supportTickets.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      db.select({ value: count() }).from(supportTickets).where(where),
    ]);
    return { items: await withExtras(rows), totalCount: total?.value ?? 0 };
  }

  /** A ticket the actor may see: the author's own, any for an admin; else 404 TICKET_NOT_FOUND. */
  async function visibleRow(id: number, actor: TicketActor): Promise<TicketRow> {
    const [row] = await db.select().from(supportTickets).where(eq(supportTickets.id, id));
    if (!row || (actor.role !== 'ADMIN' && row.userId !== actor.id)) throw new AppError('TICKET_NOT_FOUND');
    return row;
  }

  async function detail(row: TicketRow): Promise<TicketDetail> {
    const [[ticket], replies] = await Promise.all([
      withExtras([row]),
      db
        .select()
        .from(supportTicketReplies)
        .where(eq(supportTicketReplies.ticketId, row.id))
        .orderBy(asc(supportTicketReplies.createdAt), asc(supportTicketReplies.id)),
    ]);
    return { ...ticket!, replies: replies.map(toReply) };
  }

  /** After the reply is committed: a failed send is logged, never the reply's failure. */
  async function mailAnswer(ticket: TicketRow, content: string) {
    try {
      const email = await deps.memberEmail(ticket.userId);
      if (!email) return;
      deps.mailer.dispatch(ticketAnsweredMail(email, ticket, content));
    } catch (error) {
      logger.error({ err: error, ticketId: ticket.id }, 'ticket answer mail not sent');
    }
  }

  /**
   * A reply by the author or an admin. An admin's reply makes the ticket ANSWERED and mails the
   * author once committed; the author's reopens an ANSWERED ticket (OPEN). CLOSED: 409 TICKET_CLOSED.
   */
  async function reply(
    id: number,
    actor: TicketActor,
    content: string,
  ): Promise<{ reply: TicketReply; ticket: TicketRow }> {
    const byAdmin = actor.role === 'ADMIN';
    const result = await db.transaction(async (tx) => {
      const [row] = await tx.select().from(supportTickets).where(eq(supportTickets.id, id)).for('update');
      if (!row || (!byAdmin && row.userId !== actor.id)) throw new AppError('TICKET_NOT_FOUND');
      if (row.status === 'CLOSED') throw new AppError('TICKET_CLOSED');
      const [written] = await tx
        .insert(supportTicketReplies)
        .values({ ticketId: id, authorId: actor.id, authorRole: byAdmin ? 'ADMIN' : 'USER', content })
        .returning();
      const status: TicketStatus = byAdmin ? 'ANSWERED' : row.status === 'ANSWERED' ? 'OPEN' : row.status;
      const [ticket] = await tx
        .update(supportTickets)
        .set({ status, lastReplyAt: written!.createdAt, updatedAt: sql`now()` })
        .where(eq(supportTickets.id, id))
        .returning();
      return { reply: toReply(written!), ticket: ticket! };
    });
    if (byAdmin) await mailAnswer(result.ticket, content);
    return result;
  }

  return {
    /**
     * A new OPEN ticket with its number from the day's counter (the counter row's lock orders
     * tickets created at once), and its uploaded files recorded in the same transaction: a file
     * the media module refuses leaves no ticket, a ticket not written leaves no file.
     */
    async create(
      userId: number,
      body: CreateTicketBody,
      files: readonly ReceivedFile[] = [],
    ): Promise<TicketResponse> {
      let recorded: TicketAttachment[] = [];
      try {
        const row = await db.transaction(async (tx) => {
          const [counted] = await tx.execute<{ day: string; last_number: number }>(sql`
            insert into support_ticket_counters (day, last_number)
            values (to_char(now() at time zone 'Asia/Seoul', 'YYYYMMDD'), 1)
            on conflict (day) do update set last_number = support_ticket_counters.last_number + 1
            returning day, last_number`);
          const { day, last_number: number } = counted!;
          const [ticket] = await tx
            .insert(supportTickets)
            .values({
              ticketNumber: `TK-${day}-${String(number).padStart(3, '0')}`,
              userId,
              category: body.category,
              title: body.title,
              content: body.content,
              attachmentUrl: body.attachmentUrl ?? null,
            })
            .returning();
          if (files.length > 0) {
            recorded = await deps.recordFiles(files, userId, ticket!.id);
            await tx
              .insert(supportTicketAttachments)
              .values(recorded.map((file) => ({ ticketId: ticket!.id, mediaFileId: file.id })));
          }
          return ticket!;
        });
        const [ticket] = await withExtras([row]);
        return ticket!;
      } catch (error) {
        if (recorded.length > 0) {
          await deps.removeFiles(
            recorded.map((file) => file.id),
            userId,
          );
        }
        throw error;
      }
    },

    /** The author's own tickets, newest first. */
    mine: (userId: number, query: MyTicketsQuery) =>
      page(
        and(
          eq(supportTickets.userId, userId),
          query.status ? eq(supportTickets.status, query.status) : undefined,
          query.category ? eq(supportTickets.category, query.category) : undefined,
        ),
        query,
      ),

    /** Every ticket (admin), filtered by status, category, member and a title or number search. */
    all: (query: AdminTicketsQuery) =>
      page(
        and(
          query.status ? eq(supportTickets.status, query.status) : undefined,
          query.category ? eq(supportTickets.category, query.category) : undefined,
          query.userId ? eq(supportTickets.userId, query.userId) : undefined,
          query.search
            ? or(
                ilike(supportTickets.title, containing(query.search)),
                eq(supportTickets.ticketNumber, query.search.toUpperCase()),
              )
            : undefined,
        ),
        query,
      ),

    async detail(id: number, actor: TicketActor): Promise<TicketDetail> {
      return detail(await visibleRow(id, actor));
    },

    reply,

    /** The ticket as it is after an admin's answer (the storefront's answer call). */
    async answer(id: number, admin: TicketActor, content: string): Promise<TicketResponse> {
      const { ticket } = await reply(id, admin, content);
      const [answered] = await withExtras([ticket]);
      return answered!;
    },

    /** An admin's status change along `adminTransitions`; anything else is 400 INVALID_STATUS_TRANSITION. */
    async changeStatus(id: number, status: TicketStatus): Promise<TicketResponse> {
      const row = await db.transaction(async (tx) => {
        const [current] = await tx
          .select()
          .from(supportTickets)
          .where(eq(supportTickets.id, id))
          .for('update');
        if (!current) throw new AppError('TICKET_NOT_FOUND');
        if (!adminTransitions[current.status].includes(status)) {
          throw new AppError('INVALID_STATUS_TRANSITION', { details: { from: current.status, to: status } });
        }
        const [updated] = await tx
          .update(supportTickets)
          .set({ status, updatedAt: sql`now()` })
          .where(eq(supportTickets.id, id))
          .returning();
        return updated!;
      });
      const [ticket] = await withExtras([row]);
      return ticket!;
    },
  };
}

export type SupportTicketsService = ReturnType<typeof supportTicketsService>;
