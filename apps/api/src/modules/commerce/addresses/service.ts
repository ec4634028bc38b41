import { addresses, type Database, isUniqueViolation, postgresError, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, ne, sql } from 'drizzle-orm';
import { type Address, type CreateAddressBody, MAX_ADDRESSES, type UpdateAddressBody } from './schemas.ts';

type AddressRow = typeof addresses.$inferSelect;

/** The shipping fields an order copies from an address. */
export interface OrderAddress {
  recipientName: string;
  phone: string;
  zipCode: string;
  address: string;
  addressDetail: string | null;
}

function toAddress(row: AddressRow): Address {
  return {
    id: row.id,
    recipientName: row.recipientName,
    phone: row.phone,
    zipCode: row.zipCode,
    address: row.address,
    addressDetail: row.addressDetail,
    isDefault: row.isDefault,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The error a database call raised, looked for in drizzle's wrapper too. */
const byDefaultThenNewest = [desc(addresses.isDefault), desc(addresses.createdAt), desc(addresses.id)];

/**
 * Members' shipping addresses (ADDR-01..04): exactly one default per member who has any. A
 * member's writes run one at a time (a transaction-scoped advisory lock on the member), so the
 * default moves in one step; the partial unique index `addresses_user_default_key` stays the last
 * line of defence, answered as 409 CONFLICT should it ever fire. At most MAX_ADDRESSES each.
 */
export function addressesService(db: Database) {
  /** Runs `work` in a transaction holding the member's address lock. */
  async function asMember<T>(userId: number, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`addresses:${userId}`}, 0))`);
        return work(tx);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'addresses_user_default_key')) {
        throw new AppError('CONFLICT', {
          details: { reason: 'the default address changed meanwhile; try again' },
        });
      }
      // the member was deleted meanwhile
      if (postgresError(error).code === '23503') throw new AppError('UNAUTHORIZED');
      throw error;
    }
  }

  const mine = (userId: number, id: number) => and(eq(addresses.id, id), eq(addresses.userId, userId));

  async function clearDefault(tx: Transaction, userId: number, except?: number) {
    await tx
      .update(addresses)
      .set({ isDefault: false, updatedAt: sql`now()` })
      .where(
        and(
          eq(addresses.userId, userId),
          eq(addresses.isDefault, true),
          except === undefined ? undefined : ne(addresses.id, except),
        ),
      );
  }

  return {
    /** The default first, then newest first. */
    async list(userId: number, pageNumber: number, limit: number) {
      const owned = eq(addresses.userId, userId);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(addresses)
          .where(owned)
          .orderBy(...byDefaultThenNewest)
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ value: count() }).from(addresses).where(owned),
      ]);
      return { items: rows.map(toAddress), totalCount: total?.value ?? 0 };
    },

    /** The first address is the default; `isDefault: true` moves the default to the new one. */
    create(userId: number, body: CreateAddressBody): Promise<Address> {
      return asMember(userId, async (tx) => {
        const [held] = await tx
          .select({ value: count() })
          .from(addresses)
          .where(eq(addresses.userId, userId));
        const existing = held?.value ?? 0;
        if (existing >= MAX_ADDRESSES) {
          throw new AppError('VALIDATION_ERROR', {
            details: { reason: `at most ${MAX_ADDRESSES} addresses per member; delete one first` },
          });
        }
        const isDefault = existing === 0 || body.isDefault === true;
        if (isDefault) await clearDefault(tx, userId);
        const [row] = await tx
          .insert(addresses)
          .values({
            userId,
            recipientName: body.recipientName,
            phone: body.phone,
            zipCode: body.zipCode,
            address: body.address,
            addressDetail: body.addressDetail,
            isDefault,
          })
          .returning();
        return toAddress(row!);
      });
    },

    /** Partial update; `isDefault: true` moves the default here, `false` is ignored (see the schema). */
    update(userId: number, id: number, body: UpdateAddressBody): Promise<Address> {
      return asMember(userId, async (tx) => {
        const [current] = await tx.select().from(addresses).where(mine(userId, id));
        if (!current) throw new AppError('ADDRESS_NOT_FOUND');
        const becomesDefault = body.isDefault === true && !current.isDefault;
        if (becomesDefault) await clearDefault(tx, userId, id);
        const [row] = await tx
          .update(addresses)
          .set({
            recipientName: body.recipientName,
            phone: body.phone,
            zipCode: body.zipCode,
            address: body.address,
            addressDetail: body.addressDetail,
            ...(becomesDefault ? { isDefault: true } : {}),
            updatedAt: sql`now()`,
          })
          .where(mine(userId, id))
          .returning();
        return toAddress(row!);
      });
    },

    /** Deleting the default makes the most recently created remaining address the default. */
    remove(userId: number, id: number): Promise<void> {
      return asMember(userId, async (tx) => {
        const [deleted] = await tx
          .delete(addresses)
          .where(mine(userId, id))
          .returning({ isDefault: addresses.isDefault });
        if (!deleted) throw new AppError('ADDRESS_NOT_FOUND');
        if (!deleted.isDefault) return;
        const [newest] = await tx
          .select({ id: addresses.id })
          .from(addresses)
          .where(eq(addresses.userId, userId))
          .orderBy(desc(addresses.createdAt), desc(addresses.id))
          .limit(1);
        if (newest) {
          await tx
            .update(addresses)
            .set({ isDefault: true, updatedAt: sql`now()` })
            .where(eq(addresses.id, newest.id));
        }
      });
    },

    /** The member's address `addressId` as an order copies it; 404 ADDRESS_NOT_FOUND when not theirs. */
    async addressForOrder(userId: number, addressId: number): Promise<OrderAddress> {
      const [row] = await db
        .select({
          recipientName: addresses.recipientName,
          phone: addresses.phone,
          zipCode: addresses.zipCode,
          address: addresses.address,
          addressDetail: addresses.addressDetail,
        })
        .from(addresses)
        .where(mine(userId, addressId));
      if (!row) throw new AppError('ADDRESS_NOT_FOUND');
      return row;
    },
  };
}

export type AddressesService = ReturnType<typeof addressesService>;
