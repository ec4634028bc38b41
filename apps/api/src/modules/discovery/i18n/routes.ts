import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import { envelope, errorResponses, ok, sendJson, serializeWith } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  convertedAmount,
  convertQuery,
  exchangeRateResponse,
  translationIdParams,
  translationQuery,
  translationResponse,
  upsertExchangeRateBody,
  upsertTranslationBody,
} from './schemas.ts';
import type { I18nService } from './service.ts';

const say = localizedMessages({
  translationDeleted: {
    ko: '번역 항목이 삭제되었습니다.',
    en: 'The translation has been deleted.',
    ja: '翻訳項目を削除しました。',
  },
});

export interface I18nRoutesDeps {
  i18n: I18nService;
  /** the catalog's read cache mechanism, an instance of its own: translation lists and name lookups */
  cache: Pick<CatalogCache, 'list' | 'afterWrite' | 'invalidateList'>;
  audit: AdminAuditService['run'];
}

const readErrors = errorResponses(400);
const rateErrors = errorResponses(400, 503);
const adminErrors = errorResponses(400, 401, 403, 404);
const deletedBody = envelope(z.object({ success: z.literal(true), message: z.string() }));

/**
 * i18n (API §30, I18N-01..05) at the contract's paths (`/admin/i18n/translations`) and the
 * storefront's (`/i18n/admin/...`). Translation lists are cached and every write invalidates them
 * (and the names the catalog reads take from them).
 */
export function i18nRoutes({ i18n, cache, audit }: I18nRoutesDeps): FastifyPluginAsync {
  const translationListBody = serializeWith(envelope(z.array(translationResponse)));
  const writing = <T>(work: () => Promise<T>) => cache.afterWrite(work, () => cache.invalidateList());

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['i18n'];

    routes.get(
      '/i18n/translations',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Translations by locale, namespace and key, at most 2000 (I18N-01)',
          querystring: translationQuery,
          response: { 200: envelope(z.array(translationResponse)), ...readErrors },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const body = await cache.list(
          { area: 'translations', ...query },
          async () => ok(await i18n.translations(query)),
          translationListBody,
        );
        return sendJson(reply, body);
      },
    );

    for (const url of ['/admin/i18n/translations', '/i18n/admin/translations']) {
      routes.post(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Create or replace the value of (locale, namespace, key) (I18N-02)',
            body: upsertTranslationBody,
            response: { 200: envelope(translationResponse), ...adminErrors },
          },
        },
        async (request) => {
          const { body } = request;
          const saved = await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'translation.upsert',
                target: `translation/${body.locale}/${body.namespace}/${body.key}`,
                requestId: request.id,
                request: { locale: body.locale, namespace: body.namespace, key: body.key },
              },
              () => i18n.upsertTranslation(body),
              (translation) => ({ id: translation.id }),
            ),
          );
          return ok(saved);
        },
      );
    }

    for (const url of ['/admin/i18n/translations/:id', '/i18n/admin/translations/:id']) {
      routes.delete(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Delete a translation (I18N-02)',
            params: translationIdParams,
            response: { 200: deletedBody, ...adminErrors },
          },
        },
        async (request) => {
          const { id } = request.params;
          await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'translation.delete',
                target: `translation/${id}`,
                requestId: request.id,
              },
              () => i18n.removeTranslation(id),
            ),
          );
          return ok({ success: true as const, message: say(request, 'translationDeleted') });
        },
      );
    }

    routes.get(
      '/i18n/exchange-rates',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'The last good rate of every KRW/USD/JPY pair with its date and a stale flag; 503 before any (I18N-04)',
          response: { 200: envelope(z.array(exchangeRateResponse)), ...rateErrors },
        },
      },
      async () => ok(await i18n.exchangeRates()),
    );

    routes.post(
      '/i18n/admin/exchange-rates',
      {
        config: admin,
        schema: {
          tags,
          summary: "Set a pair's rate (and its inverse) by hand until the provider's next refresh (I18N-04)",
          body: upsertExchangeRateBody,
          response: { 200: envelope(exchangeRateResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { body } = request;
        const saved = await audit(
          {
            actorId: member(request).id,
            action: 'exchange-rate.set',
            target: `exchange-rate/${body.baseCurrency}/${body.targetCurrency}`,
            requestId: request.id,
            request: body,
          },
          () => i18n.setExchangeRate(body),
        );
        return ok(saved);
      },
    );

    routes.get(
      '/i18n/convert',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Convert an amount between KRW, USD and JPY, rounded to the target currency (I18N-05)',
          querystring: convertQuery,
          response: { 200: envelope(convertedAmount), ...rateErrors },
        },
      },
      async (request) => ok(await i18n.convert(request.query)),
    );
  };
}
