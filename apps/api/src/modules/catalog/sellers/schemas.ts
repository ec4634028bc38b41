import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { controlChars, searchText } from '../../../http/text.ts';

// control characters and invisible format characters (zero-width, bidi overrides)
const hiddenChars = /[\p{Cc}\p{Cf}]/u;
const codePoints = (value: string) => [...value].length;

/** 1–100 characters after NFC and trimming; no control or invisible characters. */
const sellerName = z
  .string()
  .max(400)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .refine((value) => codePoints(value) >= 1, 'must not be empty')
      .refine((value) => codePoints(value) <= 100, 'at most 100 characters')
      .refine((value) => !hiddenChars.test(value), 'control or invisible characters are not allowed'),
  );

/** An absolute http(s) URL of at most 2000 characters, no credentials in it. */
const webUrl = z
  .string()
  .max(2000)
  .trim()
  .pipe(z.url({ protocol: /^https?$/, hostname: /^[^\s]+$/, message: 'an http or https URL' }))
  // zod runs this refinement even after the URL check failed: it must not throw on a non-URL
  .refine((value) => {
    const parsed = URL.parse(value);
    return parsed === null || (parsed.username === '' && parsed.password === '');
  }, 'credentials in the URL are not allowed');

/** Up to 2000 characters; line breaks and tabs kept, other control characters refused; empty → null. */
const description = z
  .string()
  .max(8000)
  .transform((value) => value.normalize('NFC').replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .refine((value) => codePoints(value) <= 2000, 'at most 2000 characters')
      .refine(
        (value) => !controlChars.test(value.replace(/[\n\t]/g, '')),
        'control characters are not allowed',
      ),
  )
  .transform((value) => (value === '' ? null : value));

const trustScore = z.number().int().min(0).max(100);

export const sellerIdParams = z.object({ id: entityIdText });

export const sellerListQuery = pageQuery.extend({
  search: searchText(),
});

export const createSellerBody = z.object({
  name: sellerName,
  url: webUrl,
  logoUrl: webUrl.nullable().optional(),
  description: description.nullable().optional(),
  trustScore: trustScore.optional(),
  // a member with role SELLER who manages this shop's offers (SELL-05)
  ownerUserId: entityId.nullable().optional(),
});

export const updateSellerBody = z
  .object({
    name: sellerName.optional(),
    url: webUrl.optional(),
    logoUrl: webUrl.nullable().optional(),
    description: description.nullable().optional(),
    trustScore: trustScore.optional(),
    // null: unlink the owner
    ownerUserId: entityId.nullable().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field',
  });

export const sellerResponse = z.object({
  id: entityId,
  name: z.string(),
  url: z.string(),
  logoUrl: z.string().nullable(),
  description: z.string().nullable(),
  trustScore: z.number().int(),
  createdAt: z.string(),
});

export type SellerResponse = z.infer<typeof sellerResponse>;
