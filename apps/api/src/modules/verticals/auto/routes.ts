import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import {
  carModelIdParams,
  carModelListQuery,
  carModelResponse,
  carTrimResponse,
  estimateBody,
  estimateResponse,
  leaseOfferResponse,
} from './schemas.ts';
import type { AutoService } from './service.ts';

/** Cars (API §42, AUTO-01..02): models, trims with options, rent and lease offers, the new-car estimate. */
export function autoRoutes({ auto }: { auto: AutoService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['auto'];
    const config = { access: 'public' as const };

    routes.get(
      '/auto/models',
      {
        config,
        schema: {
          tags,
          summary:
            'Car models with their cheapest trim price; `brand` and `type` (SEDAN, SUV, EV…) filter (AUTO-01)',
          querystring: carModelListQuery,
          response: { 200: pagedEnvelope(carModelResponse), ...errorResponses(400) },
        },
      },
      async (request) => {
        const { items, totalCount } = await auto.listModels(request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/auto/models/:id/trims',
      {
        config,
        schema: {
          tags,
          summary: "A model's trims, cheapest first, with their options and prices (AUTO-01)",
          params: carModelIdParams,
          response: { 200: envelope(z.array(carTrimResponse)), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await auto.trims(request.params.id)),
    );

    routes.get(
      '/auto/models/:id/lease-offers',
      {
        config,
        schema: {
          tags,
          summary: "A model's rent and lease offers, lowest monthly fee first (AUTO-02)",
          params: carModelIdParams,
          response: { 200: envelope(z.array(leaseOfferResponse)), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await auto.leaseOffers(request.params.id)),
    );

    routes.post(
      '/auto/estimate',
      {
        config,
        schema: {
          tags,
          summary:
            "New-car estimate (AUTO-02): the trim's and options' factory price, individual consumption tax, education tax, VAT and acquisition tax at the rates in force on `purchaseDate` (car_tax_rates), and the amortised monthly installment",
          body: estimateBody,
          response: { 200: envelope(estimateResponse), ...errorResponses(400, 404, 422) },
        },
      },
      async (request) => ok(await auto.estimate(request.body)),
    );
  };
}
