import { type Database, faqs, notices, postgresError } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, gt, ilike, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type {
  CreateFaqBody,
  CreateNoticeBody,
  FaqListQuery,
  FaqResponse,
  NoticeListQuery,
  NoticeResponse,
  UpdateFaqBody,
  UpdateNoticeBody,
} from './schemas.ts';

type FaqRow = typeof faqs.$inferSelect;
type NoticeRow = typeof notices.$inferSelect;

const toFaq = (row: FaqRow): FaqResponse => ({
  id: row.id,
  category: row.category,
  question: row.question,
  answer: row.answer,
  isActive: row.isActive,
  sortOrder: row.sortOrder,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toNotice = (row: NoticeRow): NoticeResponse => ({
  id: row.id,
  title: row.title,
  content: row.content,
  isPublished: row.isPublished,
  isPinned: row.isPinned,
  publishFrom: row.publishFrom?.toISOString() ?? null,
  publishUntil: row.publishUntil?.toISOString() ?? null,
  viewCount: row.viewCount,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** `text` as an ILIKE pattern that matches it anywhere, its wildcards taken literally (the trigram indexes serve it). */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/** A published notice inside its publish window now (open ends unbounded). */
const publicNow = (): SQL =>
  and(
    eq(notices.isPublished, true),
    or(isNull(notices.publishFrom), lte(notices.publishFrom, sql`now()`)),
    or(isNull(notices.publishUntil), gt(notices.publishUntil, sql`now()`)),
  )!;

/** The notice window CHECK, as the client's mistake it is (an update may move one end past the stored other). */
function windowRefusal(error: unknown): AppError | undefined {
  const cause = postgresError(error);
  if (cause.code === '23514' && cause.constraint_name === 'notices_window_check') {
    return new AppError('VALIDATION_ERROR', {
      details: [{ field: 'publishUntil', message: 'publishFrom must be before publishUntil' }],
      cause: error,
    });
  }
  return undefined;
}

/**
 * FAQ and notices (FAQ-01..06). Public reads see active FAQ and notices published inside their
 * window; admins see and change all of them. Caching and auditing are the routes'.
 */
export function helpService(db: Database) {
  async function faqPage(query: FaqListQuery, publicOnly: boolean) {
    const term = query.search || query.keyword;
    const where = and(
      publicOnly ? eq(faqs.isActive, true) : undefined,
      query.category ? eq(faqs.category, query.category) : undefined,
      term ? or(ilike(faqs.question, containing(term)), ilike(faqs.answer, containing(term))) : undefined,
    );
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(faqs)
        .where(where)
        .orderBy(asc(faqs.category), asc(faqs.sortOrder), asc(faqs.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      db.select({ value: count() }).from(faqs).where(where),
    ]);
    return { items: rows.map(toFaq), totalCount: total?.value ?? 0 };
  }

  async function noticePage(query: NoticeListQuery, publicOnly: boolean) {
    const where = publicOnly ? publicNow() : undefined;
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(notices)
        .where(where)
        .orderBy(desc(notices.isPinned), desc(notices.createdAt), desc(notices.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      db.select({ value: count() }).from(notices).where(where),
    ]);
    return { items: rows.map(toNotice), totalCount: total?.value ?? 0 };
  }

  return {
    /** Active FAQ only, by category then sortOrder; `search`/`keyword` matches question or answer. */
    publicFaqs: (query: FaqListQuery) => faqPage(query, true),
    allFaqs: (query: FaqListQuery) => faqPage(query, false),

    async createFaq(body: CreateFaqBody): Promise<FaqResponse> {
      const [row] = await db.insert(faqs).values(body).returning();
      return toFaq(row!);
    },

    async updateFaq(id: number, body: UpdateFaqBody): Promise<FaqResponse> {
      const [row] = await db
        .update(faqs)
        .set({ ...body, updatedAt: sql`now()` })
        .where(eq(faqs.id, id))
        .returning();
      if (!row) throw new AppError('FAQ_NOT_FOUND');
      return toFaq(row);
    },

    async removeFaq(id: number): Promise<void> {
      const removed = await db.delete(faqs).where(eq(faqs.id, id)).returning({ id: faqs.id });
      if (removed.length === 0) throw new AppError('FAQ_NOT_FOUND');
    },

    /** Published notices inside their window: pinned first, then newest. */
    publicNotices: (query: NoticeListQuery) => noticePage(query, true),
    allNotices: (query: NoticeListQuery) => noticePage(query, false),

    /** A public notice (published, inside its window), its view counted; else 404 NOTICE_NOT_FOUND. */
    async readNotice(id: number): Promise<NoticeResponse> {
      const [row] = await db
        .update(notices)
        .set({ viewCount: sql`${notices.viewCount} + 1` })
        .where(and(eq(notices.id, id), publicNow()))
        .returning();
      if (!row) throw new AppError('NOTICE_NOT_FOUND');
      return toNotice(row);
    },

    /** Any notice, for an admin; no view is counted. */
    async findNotice(id: number): Promise<NoticeResponse> {
      const [row] = await db.select().from(notices).where(eq(notices.id, id));
      if (!row) throw new AppError('NOTICE_NOT_FOUND');
      return toNotice(row);
    },

    /** `authorId`: the admin writing it (null: written by a script, not a member) */
    async createNotice(body: CreateNoticeBody, authorId: number | null): Promise<NoticeResponse> {
      const [row] = await db
        .insert(notices)
        .values({ ...body, authorId })
        .returning();
      return toNotice(row!);
    },

    async updateNotice(id: number, body: UpdateNoticeBody): Promise<NoticeResponse> {
      try {
        const [row] = await db
          .update(notices)
          .set({ ...body, updatedAt: sql`now()` })
          .where(eq(notices.id, id))
          .returning();
        if (!row) throw new AppError('NOTICE_NOT_FOUND');
        return toNotice(row);
      } catch (error) {
        throw windowRefusal(error) ?? error;
      }
    },

    async removeNotice(id: number): Promise<void> {
      const removed = await db.delete(notices).where(eq(notices.id, id)).returning({ id: notices.id });
      if (removed.length === 0) throw new AppError('NOTICE_NOT_FOUND');
    },
  };
}

export type HelpService = ReturnType<typeof helpService>;
