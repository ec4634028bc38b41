import type { Env } from '@pbshop/config';
import { languageFrom } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, messageBody, ok } from '../../../http/envelope.ts';
import { authRateLimit } from '../../../plugins/security.ts';
import {
  emailBody,
  emailCodeBody,
  loginBody,
  logoutBody,
  refreshBody,
  resetConfirmBody,
  resetRequestBody,
  resetTokenResponse,
  signupBody,
  signupResponse,
  tokenPairResponse,
  verifiedResponse,
} from './schemas.ts';
import { type AuthMessage, type AuthService, messageText } from './service.ts';

/** Sign-up, e-mail verification, login, refresh, logout and password reset (API §1, AUTH-01..09). */
export interface AuthRoutesDeps {
  auth: AuthService;
  env: Pick<Env, 'AUTH_RATE_LIMIT_PER_MINUTE'>;
  /** runs after a successful login with its access token (the guest cart merge, ACT-06); must not throw */
  afterLogin?: (request: FastifyRequest, accessToken: string) => Promise<void>;
}

export function authRoutes({ auth: service, env, afterLogin }: AuthRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    // every auth route shares the lower auth limit (AUTH_RATE_LIMIT_PER_MINUTE)
    const publicRoute = { access: 'public' as const, rateLimit: authRateLimit(env) };
    const userRoute = { access: 'user' as const, rateLimit: authRateLimit(env) };
    /** The error statuses a route can answer, documented with the failure envelope. */
    const failures = <const S extends readonly number[]>(...statuses: S) =>
      errorResponses(400, 413, 415, 429, ...statuses);
    const say = (request: FastifyRequest, key: AuthMessage) =>
      messageText(key, languageFrom(request.headers['accept-language']));

    routes.post(
      '/auth/signup',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Sign up; a 6-digit verification code is mailed (AUTH-01)',
          body: signupBody,
          response: { 201: signupResponse, ...failures(409) },
        },
      },
      async (request, reply) => {
        const created = await service.signup(request.body);
        return reply.code(201).send(ok({ ...created, message: say(request, created.message) }));
      },
    );

    routes.post(
      '/auth/verify-email',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Confirm the e-mail verification code (AUTH-02)',
          body: emailCodeBody,
          response: { 200: verifiedResponse, ...failures(404, 409, 410) },
        },
      },
      async (request) => {
        await service.verifyEmail(request.body.email, request.body.code);
        return ok({ message: say(request, 'verified'), verified: true as const });
      },
    );

    routes.post(
      '/auth/resend-verification',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Mail a new verification code; once a minute (AUTH-03)',
          body: emailBody,
          response: { 200: messageBody, ...failures(404, 409, 503) },
        },
      },
      async (request) => {
        await service.resendVerification(request.body.email);
        return ok({ message: say(request, 'codeResent') });
      },
    );

    routes.post(
      '/auth/login',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary:
            'Log in with e-mail and password (AUTH-04); with an x-cart-key header the guest cart is merged into the member cart (ACT-06)',
          body: loginBody,
          response: { 200: tokenPairResponse, ...failures(401, 403) },
        },
      },
      async (request) => {
        const session = await service.login(request.body.email, request.body.password);
        await afterLogin?.(request, session.accessToken);
        return ok(session);
      },
    );

    routes.post(
      '/auth/refresh',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Exchange a refresh token for a new pair; a reused token ends its sessions (AUTH-06)',
          body: refreshBody,
          response: { 200: tokenPairResponse, ...failures(401, 403) },
        },
      },
      async (request) => ok(await service.refresh(request.body.refreshToken)),
    );

    routes.post(
      '/auth/logout',
      {
        config: userRoute,
        schema: {
          tags: ['auth'],
          summary: 'End the session of the refresh token given, or every session without one (AUTH-05)',
          body: logoutBody,
          response: { 200: messageBody, ...failures(401, 403) },
        },
      },
      async (request) => {
        await service.logout(request.principal!.id, request.body?.refreshToken);
        return ok({ message: say(request, 'loggedOut') });
      },
    );

    routes.post(
      '/auth/password-reset/request',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Mail a reset code when e-mail and phone match one member (AUTH-07)',
          body: resetRequestBody,
          response: { 200: messageBody, ...failures(404) },
        },
      },
      async (request) => {
        await service.requestPasswordReset(request.body.email, request.body.phone);
        return ok({ message: say(request, 'resetCodeSent') });
      },
    );

    routes.post(
      '/auth/password-reset/verify',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Trade the reset code for a one-time reset token, valid 5 minutes (AUTH-08)',
          body: emailCodeBody,
          response: { 200: resetTokenResponse, ...failures(410) },
        },
      },
      async (request) =>
        ok({ resetToken: await service.verifyPasswordReset(request.body.email, request.body.code) }),
    );

    routes.post(
      '/auth/password-reset/confirm',
      {
        config: publicRoute,
        schema: {
          tags: ['auth'],
          summary: 'Set a new password with the reset token; every session ends (AUTH-09)',
          body: resetConfirmBody,
          response: { 200: messageBody, ...failures(401) },
        },
      },
      async (request) => {
        await service.confirmPasswordReset(request.body.resetToken, request.body.newPassword);
        return ok({ message: say(request, 'passwordChanged') });
      },
    );
  };
}
