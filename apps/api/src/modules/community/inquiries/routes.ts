import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, messageBody, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { auditedWhenAdmin, type RunAudited } from '../../ops/audit/service.ts';
import { authorNames } from '../author.ts';
import {
  answerBody,
  createInquiryBody,
  inquiry,
  inquiryIdParams,
  inquiryListQuery,
  productInquiriesParams,
} from './schemas.ts';
import type { InquiriesService, InquiryTexts } from './service.ts';

const say = localizedMessages({
  secret: { ko: '비밀글입니다.', en: 'This question is secret.', ja: '非公開の質問です。' },
  deleted: {
    ko: '문의가 삭제되었습니다.',
    en: 'The inquiry has been deleted.',
    ja: 'お問い合わせを削除しました。',
  },
});

const textsOf = (request: FastifyRequest): InquiryTexts => ({
  ...authorNames(request),
  secret: say(request, 'secret'),
});

export interface InquiryRoutesDeps {
  inquiries: InquiriesService;
  audit: RunAudited;
  /** route config of the per-member write limit (`memberWriteRateLimit`) */
  writeLimit: object;
}

/** Product Q&A (API §16, INQ-01..05). */
export function inquiryRoutes({ inquiries, audit, writeLimit }: InquiryRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['inquiries'];

    routes.get(
      '/products/:id/inquiries',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary:
            "A product's questions, newest first. A secret one reads in full only to its author, a SELLER with an offer on the product and admins; to anyone else its title and content are the secret notice (ko 비밀글입니다.), without author or answer",
          params: productInquiriesParams,
          querystring: inquiryListQuery,
          response: { 200: pagedEnvelope(inquiry), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await inquiries.list(
          request.params.id,
          request.principal,
          query,
          textsOf(request),
        );
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    routes.post(
      '/products/:id/inquiries',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary:
            'Ask about a product, optionally as a secret question; content is HTML sanitised on write. Limited per member (429)',
          params: productInquiriesParams,
          body: createInquiryBody,
          response: { 201: envelope(inquiry), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const created = await inquiries.create(
          member(request),
          request.params.id,
          request.body,
          textsOf(request),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.post(
      '/inquiries/:id/answer',
      {
        config: { access: 'seller', rateLimit: writeLimit },
        schema: {
          tags,
          summary:
            'Answer a question, once: a SELLER whose shop has an offer on the product, or an ADMIN (audited); another seller 403 FORBIDDEN, a second answer 409 INQUIRY_ALREADY_ANSWERED (answers are not edited)',
          params: inquiryIdParams,
          body: answerBody,
          response: { 200: envelope(inquiry), ...errorResponses(400, 401, 403, 404, 409, 429) },
        },
      },
      async (request) => {
        const responder = member(request);
        const { id } = request.params;
        const answer = () => inquiries.answer(responder, id, request.body, textsOf(request));
        if (responder.role !== 'ADMIN') return ok(await answer());
        return ok(
          await audit(
            { actorId: responder.id, action: 'inquiry.answer', target: String(id), requestId: request.id },
            answer,
            (answered) => ({ productId: answered.productId }),
          ),
        );
      },
    );

    routes.get(
      '/inquiries/me',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'My questions, newest first, with their answers',
          querystring: inquiryListQuery,
          response: { 200: pagedEnvelope(inquiry), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await inquiries.mine(member(request), query, textsOf(request));
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    routes.delete(
      '/inquiries/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Delete my question while it is unanswered (409 INQUIRY_ALREADY_ANSWERED after), or any as an ADMIN (audited); INQUIRY_NOT_FOUND for anyone else's",
          params: inquiryIdParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const deleter = member(request);
        const { id } = request.params;
        await auditedWhenAdmin(
          audit,
          deleter,
          { action: 'inquiry.delete', target: String(id), requestId: request.id },
          () => inquiries.remove(deleter, id),
          (removed) => removed,
        );
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
