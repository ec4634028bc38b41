import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorBody, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  address,
  addressDeleted,
  addressIdParams,
  addressListQuery,
  createAddressBody,
  MAX_ADDRESSES,
  updateAddressBody,
} from './schemas.ts';
import type { AddressesService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '배송지가 삭제되었습니다.',
    en: 'The address has been deleted.',
    ja: '配送先を削除しました。',
  },
});

const errors = errorResponses(400, 401, 403);

/** The caller's shipping addresses (API §9, ADDR-01..04), one of them the default. */
export function addressRoutes({ addresses }: { addresses: AddressesService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['addresses'];

    routes.get(
      '/addresses',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: `My addresses, the default first, then newest first (at most ${MAX_ADDRESSES}: one page by default)`,
          querystring: addressListQuery,
          response: { 200: pagedEnvelope(address), ...errors },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await addresses.list(member(request).id, pageNumber, limit);
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.post(
      '/addresses',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: `Add an address (the first is the default; isDefault: true moves the default here); at most ${MAX_ADDRESSES}`,
          body: createAddressBody,
          response: { 201: envelope(address), ...errors, 409: errorBody },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await addresses.create(member(request).id, request.body))),
    );

    routes.patch(
      '/addresses/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Change some fields of my address; isDefault: true moves the default here (false is ignored)',
          params: addressIdParams,
          body: updateAddressBody,
          response: { 200: envelope(address), ...errors, 404: errorBody, 409: errorBody },
        },
      },
      async (request) => ok(await addresses.update(member(request).id, request.params.id, request.body)),
    );

    routes.delete(
      '/addresses/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Delete my address; when it was the default, my most recently added remaining address becomes it',
          params: addressIdParams,
          response: { 200: envelope(addressDeleted), ...errors, 404: errorBody, 409: errorBody },
        },
      },
      async (request) => {
        await addresses.remove(member(request).id, request.params.id);
        return ok({ message: say(request, 'deleted'), deleted: true as const });
      },
    );
  };
}
