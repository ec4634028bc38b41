import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import {
  COMPARE_KEY_PATTERN,
  compareAddBody,
  compareDetailResponse,
  compareListResponse,
  compareProductParams,
} from './schemas.ts';
import type { CompareOwner, CompareService } from './service.ts';

const errors = errorResponses(400, 401, 404, 503);

/**
 * The caller's bar: a member's when a valid access token comes with the call, else the guest's
 * named by `x-compare-key`; undefined when there is neither (an empty bar to read, 400 to write).
 */
function ownerOf(request: FastifyRequest): CompareOwner | undefined {
  if (request.principal) return { userId: request.principal.id };
  const key = request.headers['x-compare-key'];
  if (key === undefined || key === '') return undefined;
  if (typeof key !== 'string' || !COMPARE_KEY_PATTERN.test(key)) {
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: 'x-compare-key', message: 'letters, digits, _ and -, at most 100' }],
    });
  }
  return { guestKey: key };
}

function requiredOwner(request: FastifyRequest): CompareOwner {
  const owner = ownerOf(request);
  if (!owner) {
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: 'x-compare-key', message: 'a guest compare key or an access token is required' }],
    });
  }
  return owner;
}

/** The compare bar (API §44, COMP-01..02): a guest's by `x-compare-key`, a member's by token. */
export function compareRoutes({ compare }: { compare: CompareService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['compare'];
    const config = { access: 'optional' as const };

    routes.post(
      '/compare/add',
      {
        config,
        schema: {
          tags,
          summary: `Add a product to the compare bar (at most 4: COMPARE_LIMIT_EXCEEDED)`,
          body: compareAddBody,
          response: { 200: envelope(compareListResponse), ...errors },
        },
      },
      async (request) =>
        ok({ compareList: await compare.add(requiredOwner(request), request.body.productId) }),
    );

    routes.delete(
      '/compare/:productId',
      {
        config,
        schema: {
          tags,
          summary: 'Take a product out of the compare bar (fine when it was not in)',
          params: compareProductParams,
          response: { 200: envelope(compareListResponse), ...errors },
        },
      },
      async (request) =>
        ok({ compareList: await compare.remove(requiredOwner(request), request.params.productId) }),
    );

    routes.get(
      '/compare',
      {
        config,
        schema: {
          tags,
          summary: 'The compare bar, in the order products were added',
          response: { 200: envelope(compareListResponse), ...errors },
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        return ok({ compareList: owner ? await compare.list(owner) : [] });
      },
    );

    routes.get(
      '/compare/detail',
      {
        config,
        schema: {
          tags,
          summary:
            'The bar side by side: which fields differ, and the spec engine comparison with differing specs marked',
          response: { 200: envelope(compareDetailResponse), ...errors },
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        return ok(
          owner
            ? await compare.detail(owner)
            : {
                compareList: [],
                differences: {
                  price: false,
                  categoryId: false,
                  averageRating: false,
                  reviewCount: false,
                  sellerCount: false,
                  salesCount: false,
                },
                specs: [],
              },
        );
      },
    );
  };
}
