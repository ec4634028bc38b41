import { type Database, postgresError, sellers } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, eq, ilike, isNull, type SQL } from 'drizzle-orm';

export type SellerRow = typeof sellers.$inferSelect;

export interface SellerInput {
  name: string;
  url: string;
  logoUrl?: string | null;
  description?: string | null;
  trustScore?: number;
  ownerUserId?: number | null;
}

export type SellerChanges = Partial<SellerInput>;

export interface SellerListQuery {
  page: number;
  limit: number;
  search?: string;
}

/** Escapes LIKE/ILIKE wildcards so a search for `50%_off` matches those characters literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The unique indexes of `sellers` as the 409 a client sees. */
function conflict(error: unknown): AppError | undefined {
  const cause = postgresError(error);
  if (cause.code !== '23505') return undefined;
  if (cause.constraint_name === 'sellers_name_key') {
    return new AppError('CONFLICT', {
      details: [{ field: 'name', message: 'a seller of this name already exists' }],
      cause: error,
    });
  }
  if (cause.constraint_name === 'sellers_owner_key') {
    return new AppError('CONFLICT', {
      details: [{ field: 'ownerUserId', message: 'this member already manages another shop' }],
      cause: error,
    });
  }
  return undefined;
}

/** The sellers module owns `sellers`; prices call these. */
export function sellersService(db: Database) {
  const active = isNull(sellers.deletedAt);
  return {
    async findById(id: number): Promise<SellerRow | undefined> {
      const [row] = await db
        .select()
        .from(sellers)
        .where(and(eq(sellers.id, id), active));
      return row;
    },

    /** The shop a SELLER member manages, if any. */
    async findByOwner(userId: number): Promise<SellerRow | undefined> {
      const [row] = await db
        .select()
        .from(sellers)
        .where(and(eq(sellers.ownerUserId, userId), active));
      return row;
    },

    /** Shops by name; `search` matches part of the name, case-insensitively. */
    async list(query: SellerListQuery): Promise<{ rows: SellerRow[]; totalCount: number }> {
      const conditions: SQL[] = [active];
      if (query.search) conditions.push(ilike(sellers.name, `%${escapeLike(query.search)}%`));
      const where = and(...conditions);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(sellers)
          .where(where)
          .orderBy(asc(sellers.name), asc(sellers.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(sellers).where(where),
      ]);
      return { rows, totalCount: total?.value ?? 0 };
    },

    /** CONFLICT on a taken name or an owner who already manages a shop. */
    async create(input: SellerInput): Promise<SellerRow> {
      try {
        const [row] = await db.insert(sellers).values(input).returning();
        return row!;
      } catch (error) {
        throw conflict(error) ?? error;
      }
    },

    /** Undefined when the seller does not exist (or is deleted). */
    async update(id: number, changes: SellerChanges): Promise<SellerRow | undefined> {
      try {
        const [row] = await db
          .update(sellers)
          .set({ ...changes, updatedAt: new Date() })
          .where(and(eq(sellers.id, id), active))
          .returning();
        return row;
      } catch (error) {
        throw conflict(error) ?? error;
      }
    },

    /** Soft delete: the name and the owner are free again (the unique indexes skip deleted rows). */
    async softDelete(id: number): Promise<boolean> {
      const rows = await db
        .update(sellers)
        .set({ deletedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(sellers.id, id), active))
        .returning({ id: sellers.id });
      return rows.length > 0;
    },
  };
}

export type SellersService = ReturnType<typeof sellersService>;
