import { addresses, type Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq } from 'drizzle-orm';

/** The shipping fields an order copies from an address. */
export interface OrderAddress {
  recipientName: string;
  phone: string;
  zipCode: string;
  address: string;
  addressDetail: string | null;
}

/** Members' shipping addresses (ADDR-01..04), exactly one default per member who has any. */
export function addressesService(db: Database) {
  return {
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
        .where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
      if (!row) throw new AppError('ADDRESS_NOT_FOUND');
      return row;
    },
  };
}

export type AddressesService = ReturnType<typeof addressesService>;
