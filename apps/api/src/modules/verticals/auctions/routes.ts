import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  auctionDetailResponse,
  auctionIdParams,
  auctionListQuery,
  auctionSummaryResponse,
  bidIdParams,
  bidResponse,
  createAuctionBody,
  createBidBody,
  outcomeResponse,
  updateBidBody,
} from './schemas.ts';
import type { AuctionsService } from './service.ts';

const say = localizedMessages({
  selected: {
    ko: '입찰이 선택되어 역경매가 종료되었습니다.',
    en: 'The bid was selected and the auction is closed.',
    ja: '入札が選択され、逆オークションが終了しました。',
  },
  cancelled: {
    ko: '역경매가 취소되었습니다.',
    en: 'The auction was cancelled.',
    ja: '逆オークションを取り消しました。',
  },
  withdrawn: { ko: '입찰이 취소되었습니다.', en: 'The bid was withdrawn.', ja: '入札を取り消しました。' },
});

const writeErrors = errorResponses(400, 401, 403, 404, 409);

export interface AuctionRoutesDeps {
  auctions: AuctionsService;
  /** the per-member limit of writes that others read (auctions and bids) */
  writeLimit: object;
}

/** Reverse auctions (API §43, AUCT-01..02) at the contract's and the storefront's paths (the same). */
export function auctionRoutes({ auctions, writeLimit }: AuctionRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['auctions'];
    const user = { access: 'user' as const };
    const seller = { access: 'seller' as const };
    const posting = { rateLimit: writeLimit };

    routes.post(
      '/auctions',
      {
        config: { ...user, ...posting },
        schema: {
          tags,
          summary:
            'Post a reverse auction: wanted specs, budget and a deadline (default 7 days, at most 90) (AUCT-01)',
          body: createAuctionBody,
          response: { 201: envelope(auctionDetailResponse), ...writeErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await auctions.create(member(request).id, request.body))),
    );

    routes.get(
      '/auctions',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Reverse auctions, newest first; `status` and `categoryId` filter (AUCT-01)',
          querystring: auctionListQuery,
          response: { 200: pagedEnvelope(auctionSummaryResponse), ...errorResponses(400) },
        },
      },
      async (request) => {
        const { items, totalCount } = await auctions.list(request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/auctions/:id',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'A reverse auction with its bids, lowest price first (AUCT-01)',
          params: auctionIdParams,
          response: { 200: envelope(auctionDetailResponse), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await auctions.detail(request.params.id)),
    );

    routes.delete(
      '/auctions/:id',
      {
        config: user,
        schema: {
          tags,
          summary: 'The owner cancels an open auction; its bidders are notified (AUCT-02)',
          params: auctionIdParams,
          response: { 200: envelope(outcomeResponse), ...writeErrors },
        },
      },
      async (request) => {
        await auctions.cancel(member(request).id, request.params.id);
        return ok({ success: true, message: say(request, 'cancelled') });
      },
    );

    routes.post(
      '/auctions/:id/bids',
      {
        config: { ...seller, ...posting },
        schema: {
          tags,
          summary:
            'A SELLER bids for its shop on an open auction: one live bid per shop (409 BID_EXISTS), the owner is notified (AUCT-02)',
          params: auctionIdParams,
          body: createBidBody,
          response: { 201: envelope(bidResponse), ...writeErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await auctions.placeBid(member(request), request.params.id, request.body))),
    );

    routes.patch(
      '/auctions/:id/bids/:bidId/select',
      {
        config: user,
        schema: {
          tags,
          summary:
            'The owner selects a live bid, exactly once: the auction closes, the bid is SELECTED, the others LOST, the sellers notified (AUCT-02)',
          params: bidIdParams,
          response: { 200: envelope(outcomeResponse), ...writeErrors },
        },
      },
      async (request) => {
        await auctions.selectBid(member(request).id, request.params.id, request.params.bidId);
        return ok({ success: true, message: say(request, 'selected') });
      },
    );

    routes.patch(
      '/auctions/:id/bids/:bidId',
      {
        config: { ...seller, ...posting },
        schema: {
          tags,
          summary: 'A seller edits its own live bid while the auction is open (AUCT-02)',
          params: bidIdParams,
          body: updateBidBody,
          response: { 200: envelope(bidResponse), ...writeErrors },
        },
      },
      async (request) =>
        ok(await auctions.updateBid(member(request), request.params.id, request.params.bidId, request.body)),
    );

    routes.delete(
      '/auctions/:id/bids/:bidId',
      {
        config: seller,
        schema: {
          tags,
          summary: 'A seller withdraws its own live bid while the auction is open (AUCT-02)',
          params: bidIdParams,
          response: { 200: envelope(outcomeResponse), ...writeErrors },
        },
      },
      async (request) => {
        await auctions.withdrawBid(member(request), request.params.id, request.params.bidId);
        return ok({ success: true, message: say(request, 'withdrawn') });
      },
    );
  };
}
