import { type Database, sellers } from '@pbshop/db';
import { and, eq, isNull } from 'drizzle-orm';

export type SellerRow = typeof sellers.$inferSelect;

/** The sellers module owns `sellers`; prices call these. */
export function sellersService(db: Database) {
  const active = isNull(sellers.deletedAt);
  return {
    async findById(id: string): Promise<SellerRow | undefined> {
      const [row] = await db
        .select()
        .from(sellers)
        .where(and(eq(sellers.id, id), active));
      return row;
    },

    /** The shop a SELLER member manages, if any. */
    async findByOwner(userId: string): Promise<SellerRow | undefined> {
      const [row] = await db
        .select()
        .from(sellers)
        .where(and(eq(sellers.ownerUserId, userId), active));
      return row;
    },
  };
}

export type SellersService = ReturnType<typeof sellersService>;
