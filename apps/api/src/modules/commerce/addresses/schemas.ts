import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { noControlChars, noControlCharsMessage, textLine } from '../../../http/text.ts';

/** Addresses a member may keep: a list this short needs no second page (limit defaults to it). */
export const MAX_ADDRESSES = 20;

export const addressIdParams = z.object({ id: entityIdText });
export const addressListQuery = pageQuery;

/** A Korean phone number: digits with optional hyphens, 9..11 digits (02-123-4567, 010-1234-5678). */
const phone = z
  .string()
  .max(40)
  .transform((value) => value.trim())
  .pipe(z.string().regex(/^\d{2,4}-?\d{3,4}-?\d{4}$/, 'digits with optional hyphens, e.g. 010-1234-5678'));

/** A postal code: five digits (since 2015), or the older six as 123-456. */
const zipCode = z
  .string()
  .max(40)
  .transform((value) => value.trim())
  .pipe(z.string().regex(/^(\d{5}|\d{3}-\d{3})$/, 'five digits, e.g. 06236'));

/** Optional second line: trimmed, at most 200 characters; empty or null is none. */
const addressDetail = z
  .string()
  .max(800)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(z.string().max(200).refine(noControlChars, noControlCharsMessage))
  .transform((value) => (value === '' ? null : value))
  .nullable();

const fields = {
  recipientName: textLine(50),
  phone,
  zipCode,
  address: textLine(200),
  addressDetail,
};

export const createAddressBody = z.object({
  ...fields,
  addressDetail: addressDetail.optional().transform((value) => value ?? null),
  isDefault: z
    .boolean()
    .optional()
    .describe(
      "true: becomes the default (the previous default stops being one); a member's first address is the default anyway",
    ),
});
export type CreateAddressBody = z.infer<typeof createAddressBody>;

export const updateAddressBody = z.object({
  recipientName: fields.recipientName.optional(),
  phone: fields.phone.optional(),
  zipCode: fields.zipCode.optional(),
  address: fields.address.optional(),
  addressDetail: addressDetail.optional(),
  isDefault: z
    .boolean()
    .optional()
    .describe(
      'true: becomes the default. false is ignored: a member with addresses always has one default, moved by making another one the default',
    ),
});
export type UpdateAddressBody = z.infer<typeof updateAddressBody>;

export const address = z.object({
  id: entityId,
  recipientName: z.string(),
  phone: z.string(),
  zipCode: z.string(),
  address: z.string(),
  addressDetail: z.string().nullable(),
  isDefault: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Address = z.infer<typeof address>;

export const addressDeleted = z.object({ message: z.string(), deleted: z.literal(true) });
