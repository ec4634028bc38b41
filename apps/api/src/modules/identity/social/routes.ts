import type { Env } from '@pbshop/config';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses as errors, messageBody } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { authRateLimit } from '../../../plugins/security.ts';
import {
  callbackQuery,
  callbackResponse,
  completeBody,
  completeResponse,
  linkBody,
  linkResponse,
  providerParams,
} from './schemas.ts';
import type { SocialService } from './service.ts';

const say = localizedMessages({
  linked: {
    ko: '소셜 계정이 연결되었습니다.',
    en: 'The social account is linked.',
    ja: 'ソーシャルアカウントを連携しました。',
  },
  unlinked: {
    ko: '소셜 계정 연결이 해제되었습니다.',
    en: 'The social account is unlinked.',
    ja: 'ソーシャルアカウントの連携を解除しました。',
  },
});

export interface SocialRoutesDeps {
  social: SocialService;
  env: Pick<Env, 'AUTH_RATE_LIMIT_PER_MINUTE'>;
}

/** Social login, sign-up completion, link and unlink (API §1, AUTH-10..14). */
export function socialRoutes({ social: service, env }: SocialRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const rateLimit = authRateLimit(env);

    routes.get(
      '/auth/login/:provider',
      {
        config: { access: 'public', rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Redirect to the provider’s login (google, naver, kakao, facebook, instagram)',
          params: providerParams,
          response: {
            302: z.null().describe('Location: the provider’s authorize URL'),
            ...errors(400, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const location = await service.loginRedirect(request.params.provider);
        return reply.header('cache-control', 'no-store').redirect(location, 302);
      },
    );

    routes.get(
      '/auth/callback/:provider',
      {
        config: { access: 'public', rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'The provider’s redirect back: logs the member in, signing up a new one',
          params: providerParams,
          querystring: callbackQuery,
          response: { 200: callbackResponse, ...errors(400, 401, 403, 409, 429, 503) },
        },
      },
      async (request, reply) => {
        const login = await service.callback(request.params.provider, request.query);
        reply.header('cache-control', 'no-store');
        return { success: true as const, data: login };
      },
    );

    routes.post(
      '/auth/social/complete',
      {
        config: { access: 'user', rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Phone and nickname of a new social member; a fresh token pair',
          body: completeBody,
          response: { 200: completeResponse, ...errors(400, 401, 403, 404, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const pair = await service.complete(request.principal!.id, request.body);
        reply.header('cache-control', 'no-store');
        return { success: true as const, data: pair };
      },
    );

    routes.post(
      '/auth/social/link',
      {
        config: { access: 'user', rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Link the provider account behind a provider access token to my account',
          body: linkBody,
          response: { 200: linkResponse, ...errors(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      async (request) => {
        const linkedProvider = await service.link(
          request.principal!.id,
          request.body.provider,
          request.body.socialToken,
        );
        const message = say(request, 'linked');
        return { success: true as const, data: { message, linkedProvider } };
      },
    );

    routes.delete(
      '/auth/social/unlink/:provider',
      {
        config: { access: 'user', rateLimit },
        schema: {
          tags: ['auth'],
          summary: 'Unlink a provider, unless it is my last way to log in',
          params: providerParams,
          response: { 200: messageBody, ...errors(400, 401, 403, 404, 429) },
        },
      },
      async (request) => {
        await service.unlink(request.principal!.id, request.params.provider);
        const message = say(request, 'unlinked');
        return { success: true as const, data: { message } };
      },
    );
  };
}
