import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { searchText } from '../../../http/text.ts';

// One rule for names and phones, sign-up's and profile's: phones are stored canonical
// (010-1234-5678), so the password-reset phone match keeps working after a change here.

/** 2–20 letters (any script), digits, spaces, `.`, `'` and `-`; NFC-normalised. */
export const nameField = z
  .string()
  .max(100)
  .trim()
  .normalize('NFC')
  .min(2, 'at least 2 characters')
  .max(20, 'at most 20 characters')
  .regex(
    /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N} .'-]*[\p{L}\p{M}\p{N}.])?$/u,
    'letters, digits and spaces only',
  );

/** Korean mobile number, `010-1234-5678` or `01012345678`; stored as `010-1234-5678`. */
export const phoneField = z
  .string()
  .max(20)
  .trim()
  .regex(/^01[016789]-?\d{3,4}-?\d{4}$/, 'a mobile number like 010-1234-5678');

/** The canonical form of a phone number `phoneField` accepted. */
export function canonicalPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `${digits.slice(0, 3)}-${digits.slice(3, -4)}-${digits.slice(-4)}`;
}

export const roles = ['USER', 'SELLER', 'ADMIN'] as const;
export const statuses = ['ACTIVE', 'INACTIVE', 'BLOCKED'] as const;

const codePoints = (value: string) => [...value].length;

/**
 * 2–20 of: Latin letters, digits, Hangul syllables, underscore (after NFC, so decomposed jamo
 * compose). Two scripts only, so no look-alike letters (Cyrillic "а" for "a") impersonate a member;
 * zero-width, bidi and control characters never pass.
 */
export const nicknameRule = /^[A-Za-z0-9_\uAC00-\uD7A3]{2,20}$/;

export const nicknameField = z
  .string()
  .max(200)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(z.string().regex(nicknameRule, '2-20 letters, digits, Hangul or underscores'));

/**
 * Bio: control characters (but line breaks and tabs) and invisible format characters (zero-width,
 * bidi overrides and isolates, BOM, soft hyphen) are stripped, line breaks unified; at most 300 characters; empty or null clears it.
 */
const bio = z
  .string()
  .max(2000)
  .nullable()
  .transform((value) => {
    if (value === null) return null;
    const cleaned = value
      .normalize('NFC')
      .replace(/\r\n?/g, '\n')
      .replace(/[^\P{Cc}\n\t]/gu, '')
      // ZWJ stays: it joins emoji sequences
      .replace(/[^\P{Cf}\u200D]/gu, '')
      .trim();
    return cleaned === '' ? null : cleaned;
  })
  .pipe(
    z
      .string()
      .refine((value) => codePoints(value) <= 300, { message: 'at most 300 characters' })
      .nullable(),
  );

export const updateMeBody = z
  .object({
    name: nameField.optional(),
    phone: phoneField.optional(),
    // the contract lists `password`; a password changes only through the auth flows
    password: z.unknown().optional(),
  })
  .superRefine((body, context) => {
    if (body.password !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'the password cannot be changed here; use POST /auth/password-reset/request',
      });
    }
    if (body.name === undefined && body.phone === undefined && body.password === undefined) {
      context.addIssue({ code: 'custom', path: [], message: 'send name and/or phone' });
    }
  })
  .transform(({ name, phone }) => ({
    ...(name === undefined ? {} : { name }),
    ...(phone === undefined ? {} : { phone: canonicalPhone(phone) }),
  }));

export const updateProfileBody = z
  .object({ nickname: nicknameField.optional(), bio: bio.optional() })
  .refine((body) => body.nickname !== undefined || body.bio !== undefined, {
    message: 'send nickname and/or bio',
  })
  .transform(({ nickname, bio }) => ({
    ...(nickname === undefined ? {} : { nickname }),
    ...(bio === undefined ? {} : { bio }),
  }));

export const userListQuery = pageQuery.extend({
  search: searchText(),
  status: z.enum(statuses).optional(),
  role: z.enum(roles).optional(),
});

export const statusBody = z.object({ status: z.enum(statuses) });

export const userIdParams = z.object({ id: entityIdText });

/** A badge the member holds (the badges module's definitions), oldest grant first. */
export const badge = z.object({ id: entityId, name: z.string(), iconUrl: z.string().nullable() });
export type Badge = z.infer<typeof badge>;

/** The storefront types `nickname` as `string` and reads it, so an unset one is ''. */
const nicknameAnswer = z
  .string()
  .describe('the public nickname; the empty string while the member has not set one (never null)');

export const userResponse = z.object({
  id: entityId,
  email: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  nickname: nicknameAnswer,
  bio: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  role: z.enum(roles),
  status: z.enum(statuses),
  point: z.number().int(),
  badges: z.array(badge),
  emailVerified: z.boolean(),
  createdAt: z.string(),
});

export const profileResponse = z.object({
  id: entityId,
  nickname: nicknameAnswer,
  bio: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  badges: z.array(badge),
  createdAt: z.string(),
});

export const imageUrlResponse = z.object({ imageUrl: z.string() });

export const mediaParams = z.object({
  userId: entityIdText,
  file: z.string().regex(/^[0-9a-f]{32}\.webp$/, 'not a profile image name'),
});

export type UserResponse = z.infer<typeof userResponse>;
export type ProfileResponse = z.infer<typeof profileResponse>;
