import type { Database, Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type SQL, sql } from 'drizzle-orm';
import type { AuthorNames } from '../author.ts';
import type { AnswerBody, CreateInquiryBody, Inquiry, InquiryListQuery } from './schemas.ts';

type Executor = Database | Transaction;

/** Who reads, answers or deletes: a member with their role. */
export interface Reader {
  id: number;
  role: string;
}

/** The texts a reader gets in place of a secret question they may not see, and the author placeholders. */
export interface InquiryTexts extends AuthorNames {
  secret: string;
}

type InquiryRow = {
  id: number;
  product_id: number;
  user_id: number;
  title: string;
  content: string;
  is_secret: boolean;
  status: 'PENDING' | 'ANSWERED';
  answer_content: string | null;
  answered_by: number | null;
  answered_role: string | null;
  answered_at: Date | null;
  created_at: Date;
  updated_at: Date;
  nickname: string | null;
  withdrawn: boolean;
  /** the reader is one of the product's sellers or an admin */
  privileged: boolean;
};

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

/** A SELLER whose live shop has an offer on the product: answers and reads its secret questions. */
const sellsProduct = (userId: number, product: SQL) => sql`exists (
  select 1 from sellers shop join offers offer on offer.seller_id = shop.id
  where shop.owner_user_id = ${userId} and shop.deleted_at is null and offer.product_id = ${product})`;

/** `reader`'s privilege on the row's product, as a column. */
function privilegeOf(reader: Reader | null): SQL {
  if (reader?.role === 'ADMIN') return sql`true`;
  if (reader?.role === 'SELLER') return sellsProduct(reader.id, sql`question.product_id`);
  return sql`false`;
}

function rowsOf(executor: Executor, reader: Reader | null, where: SQL, limit = 1, offset = 0) {
  return executor.execute<InquiryRow>(sql`
    select question.*, member.nickname, member.deleted_at is not null as withdrawn,
           ${privilegeOf(reader)} as privileged
    from product_inquiries question join users member on member.id = question.user_id
    where ${where}
    order by question.created_at desc, question.id desc
    limit ${limit} offset ${offset}`);
}

/** The row as `reader` may see it: a secret question in full only to its author and the privileged. */
function toInquiry(row: InquiryRow, reader: Reader | null, texts: InquiryTexts): Inquiry {
  const masked = row.is_secret && !row.privileged && reader?.id !== Number(row.user_id);
  return {
    id: Number(row.id),
    productId: Number(row.product_id),
    ...(masked ? {} : { userId: Number(row.user_id) }),
    title: masked ? texts.secret : row.title,
    content: masked ? texts.secret : row.content,
    isSecret: row.is_secret,
    isMasked: masked,
    status: row.status,
    user: masked
      ? null
      : {
          id: Number(row.user_id),
          name: row.withdrawn ? texts.withdrawn : (row.nickname ?? texts.unnamed),
          nickname: row.withdrawn ? null : row.nickname,
        },
    answer:
      masked || row.answer_content === null
        ? null
        : {
            content: row.answer_content,
            createdAt: toDate(row.answered_at!),
            responderId: row.answered_by === null ? null : Number(row.answered_by),
            responderRole: row.answered_role ?? 'ADMIN',
          },
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * Product Q&A (INQ-01..05). A secret question reads in full only to its author, a SELLER whose
 * shop has an offer on the product, and admins; anyone else gets it masked (`texts.secret`, no
 * author, no answer). One answer, by such a seller or an admin: a second is 409
 * INQUIRY_ALREADY_ANSWERED (answers are not edited, so what the asker read stays what was
 * answered). The author deletes a question only while it is PENDING; admins delete any.
 */
export function inquiriesService(db: Database) {
  async function one(executor: Executor, inquiryId: number, reader: Reader, texts: InquiryTexts) {
    const [row] = await rowsOf(executor, reader, sql`question.id = ${inquiryId}`);
    if (!row) throw new AppError('INQUIRY_NOT_FOUND');
    return toInquiry(row, reader, texts);
  }

  return {
    /** A live product's questions, newest first, as `reader` may see them (PRODUCT_NOT_FOUND otherwise). */
    async list(productId: number, reader: Reader | null, query: InquiryListQuery, texts: InquiryTexts) {
      const [product] = await db.execute<{ total: number }>(sql`
        select (select count(*)::int from product_inquiries where product_id = ${productId}) as total
        from products where id = ${productId} and deleted_at is null`);
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const rows = await rowsOf(
        db,
        reader,
        sql`question.product_id = ${productId}`,
        query.limit,
        (query.page - 1) * query.limit,
      );
      return { items: rows.map((row) => toInquiry(row, reader, texts)), totalCount: product.total };
    },

    /** My questions in full, newest first. */
    async mine(reader: Reader, query: InquiryListQuery, texts: InquiryTexts) {
      const [counted] = await db.execute<{ total: number }>(sql`
        select count(*)::int as total from product_inquiries where user_id = ${reader.id}`);
      const rows = await rowsOf(
        db,
        reader,
        sql`question.user_id = ${reader.id}`,
        query.limit,
        (query.page - 1) * query.limit,
      );
      return { items: rows.map((row) => toInquiry(row, reader, texts)), totalCount: counted?.total ?? 0 };
    },

    /** A question on a live product (PRODUCT_NOT_FOUND otherwise). */
    async create(reader: Reader, productId: number, body: CreateInquiryBody, texts: InquiryTexts) {
      const [row] = await db.execute<{ id: number }>(sql`
        insert into product_inquiries (product_id, user_id, title, content, is_secret)
        select id, ${reader.id}, ${body.title}, ${body.content}, ${body.isSecret}
        from products where id = ${productId} and deleted_at is null
        returning id`);
      if (!row) throw new AppError('PRODUCT_NOT_FOUND');
      return one(db, Number(row.id), reader, texts);
    },

    /**
     * The answer of one of the product's sellers or an admin (403 FORBIDDEN for another seller);
     * 409 INQUIRY_ALREADY_ANSWERED once answered, also for the loser of two concurrent answers.
     */
    async answer(responder: Reader, inquiryId: number, body: AnswerBody, texts: InquiryTexts) {
      const [found] = await db.execute<{ status: string; privileged: boolean }>(sql`
        select question.status, ${privilegeOf(responder)} as privileged
        from product_inquiries question where question.id = ${inquiryId}`);
      if (!found) throw new AppError('INQUIRY_NOT_FOUND');
      if (!found.privileged)
        throw new AppError('FORBIDDEN', { details: { reason: 'not a seller of this product' } });
      const [answered] = await db.execute(sql`
        update product_inquiries set status = 'ANSWERED', answer_content = ${body.content},
          answered_by = ${responder.id}, answered_role = ${responder.role}, answered_at = now(), updated_at = now()
        where id = ${inquiryId} and status = 'PENDING'
        returning id`);
      if (!answered) throw new AppError('INQUIRY_ALREADY_ANSWERED');
      return one(db, inquiryId, responder, texts);
    },

    /**
     * Deletes a question: its author while it is PENDING (409 INQUIRY_ALREADY_ANSWERED after),
     * an admin any; INQUIRY_NOT_FOUND for another member's. Answers its author and status.
     */
    async remove(deleter: Reader, inquiryId: number) {
      return db.transaction(async (tx) => {
        const admin = deleter.role === 'ADMIN';
        const [row] = await tx.execute<{ user_id: number; status: string }>(sql`
          select user_id, status from product_inquiries
          where id = ${inquiryId} ${admin ? sql`` : sql`and user_id = ${deleter.id}`}
          for update`);
        if (!row) throw new AppError('INQUIRY_NOT_FOUND');
        if (row.status !== 'PENDING' && !admin) throw new AppError('INQUIRY_ALREADY_ANSWERED');
        await tx.execute(sql`delete from product_inquiries where id = ${inquiryId}`);
        return { authorId: Number(row.user_id), status: row.status };
      });
    },
  };
}

export type InquiriesService = ReturnType<typeof inquiriesService>;
