import { z } from 'zod';
import { envelope } from '../../../http/envelope.ts';
import { canonicalPhone, nicknameField, phoneField } from '../users/schemas.ts';
import { ACCESS_TOKEN_PATTERN } from './oauth-client.ts';

/**
 * The provider name is checked by the handler, not by an enum here: an unknown or disabled
 * provider is 400 INVALID_PROVIDER, as the contract says, not a generic validation error.
 */
export const providerParams = z.object({ provider: z.string().max(32) });

/**
 * What the provider sends back to the redirect URI. `state` and `code` are checked by the handler
 * (INVALID_STATE and SOCIAL_AUTH_FAILED); `error` is set when the member refused consent.
 */
export const callbackQuery = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  // anything else the provider appends (error_description, scope, authuser, iss…) is dropped
});

/**
 * The sign-up's rules (auth and users modules): the phone is stored canonical (010-1234-5678), as
 * the password-reset phone match expects; the nickname is the profile's nickname rule.
 */
export const completeBody = z.object({
  phone: phoneField.transform(canonicalPhone),
  nickname: nicknameField,
});

export const linkBody = z.object({
  provider: z.string().max(32),
  socialToken: z.string().regex(ACCESS_TOKEN_PATTERN, 'the access token issued by the provider'),
});

const tokens = {
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
};

export const callbackResponse = envelope(z.object({ ...tokens, isNewUser: z.boolean() }));
export const completeResponse = envelope(z.object(tokens));
export const linkResponse = envelope(z.object({ message: z.string(), linkedProvider: z.string() }));
