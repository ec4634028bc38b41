import { entityId } from '@pbshop/config';
import { z } from 'zod';
import { envelope } from '../../../http/envelope.ts';
import { nameField, phoneField } from '../users/schemas.ts';
import { passwordRule } from './passwords.ts';

// Request fields (AUTH-01..09). Every string is bounded before any other check runs, and text
// that people read (names) refuses control and format characters (NUL, RTL override,
// zero-width), so what is stored is what is shown.

/** Trimmed, lowercased, ≤ 254 characters, ASCII address syntax (a fullwidth ＠ is no @). */
export const emailField = z.string().max(254).trim().toLowerCase().pipe(z.email().max(254));

/** A new password: 8–72 characters with a letter, a digit and a special character. */
export const newPasswordField = z
  .string()
  .max(72, 'at most 72 characters')
  .regex(passwordRule, 'at least 8 characters with a letter, a digit and a special character');

/** A password being checked, not set: only bounded (older rules must keep logging in). */
const passwordField = z.string().min(1).max(128);

export const codeField = z.string().regex(/^\d{6}$/, 'six digits');

/** Opaque tokens are 43 base64url characters; anything far from that is refused unread. */
const opaqueTokenField = z.string().regex(/^[A-Za-z0-9_-]{20,200}$/, 'a token issued by this API');

export const signupBody = z.object({
  email: emailField,
  password: newPasswordField,
  name: nameField,
  phone: phoneField,
});

export const emailCodeBody = z.object({ email: emailField, code: codeField });

export const emailBody = z.object({ email: emailField });

export const loginBody = z.object({ email: emailField, password: passwordField });

export const refreshBody = z.object({ refreshToken: opaqueTokenField });

/** The body is optional: without a refresh token every session of the member ends. */
export const logoutBody = z.object({ refreshToken: opaqueTokenField.optional() }).nullish();

export const resetRequestBody = z.object({ email: emailField, phone: phoneField });

export const resetConfirmBody = z.object({ resetToken: opaqueTokenField, newPassword: newPasswordField });

// Responses

const message = z.string();

export const signupResponse = envelope(
  z.object({ id: entityId, email: z.string(), name: z.string(), message }),
);

export const verifiedResponse = envelope(z.object({ message, verified: z.literal(true) }));

export const tokenPairResponse = envelope(
  z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int() }),
);

export const resetTokenResponse = envelope(z.object({ resetToken: z.string() }));
