import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import { acceptMultipartUploads, type ReceivedFile, type UploadIntake } from '../../../http/uploads.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  adminTicketsQuery,
  answerParams,
  createTicketBody,
  myTicketsQuery,
  replyBody,
  replyResponse,
  statusBody,
  ticketDetail,
  ticketIdParams,
  ticketResponse,
} from './schemas.ts';
import type { SupportTicketsService } from './service.ts';

/** Files one ticket may carry, and each file's size at most (the contract's 3 × 5 MB). */
export const TICKET_MAX_FILES = 3;
export const TICKET_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Where a ticket's files are stored: `support/<yyyy>/<mm>/<random>.<ext>`. */
const TICKET_KEY_FOLDER = 'support';

export interface TicketRoutesDeps {
  tickets: SupportTicketsService;
  uploads: Pick<UploadIntake, 'receive' | 'discard'>;
  /** the image service's rewrite of a stored image without its metadata (a photo's GPS must not be kept) */
  stripImage(storageKey: string): Promise<{ size: number }>;
  audit: RunAudited;
  /** the per-member limit of writes others read (route rateLimit config) */
  writeLimit: object;
}

/** The files a multipart request stored before validation, for the handler (or for discarding them). */
const receivedFiles = new WeakMap<FastifyRequest, ReceivedFile[]>();

const userErrors = errorResponses(400, 401, 404);
const adminErrors = errorResponses(400, 401, 403, 404);

/**
 * 1:1 support tickets (API §17, SUP-01..05) at the contract's paths and the storefront's
 * (`/support/tickets/me…`, `/admin/support/tickets/:ticketId/answer`). A member sees only their
 * own tickets (another's is 404); admins see and answer all.
 */
export function ticketRoutes({
  tickets,
  uploads,
  stripImage,
  audit,
  writeLimit,
}: TicketRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    await acceptMultipartUploads(app, { maxFiles: TICKET_MAX_FILES });
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['support'];
    const admin = { access: 'admin' as const };

    routes.post(
      '/support/tickets',
      {
        config: { access: 'user', rateLimit: writeLimit },
        attachValidation: true,
        schema: {
          tags,
          summary: `Open a ticket (SUP-01): JSON (attachmentUrl: a link), or multipart with the same fields and up to ${TICKET_MAX_FILES} files of at most 5 MB (images or PDF, typed by magic number) in attachments. Numbered TK-yyyyMMdd-NNN (Seoul date)`,
          consumes: ['application/json', 'multipart/form-data'],
          body: createTicketBody,
          response: { 201: envelope(ticketResponse), ...errorResponses(400, 401, 413, 415, 429) },
        },
        // a multipart body's files are stored (or refused) here; its text fields are validated as the JSON body
        preValidation: async (request) => {
          if (!request.isMultipart()) return;
          const { files, fields } = await uploads.receive(request, member(request).id, {
            fileFields: ['attachments', 'attachments[]', 'files', 'files[]', 'file'],
            kinds: ['IMAGE', 'DOCUMENT'],
            maxFiles: TICKET_MAX_FILES,
            keyFolder: TICKET_KEY_FOLDER,
            requireFile: false,
          });
          receivedFiles.set(request, files);
          const tooLarge = files.find((file) => file.size > TICKET_MAX_FILE_BYTES);
          if (tooLarge) {
            throw new AppError('FILE_TOO_LARGE', {
              details: { maxBytes: TICKET_MAX_FILE_BYTES, maxMb: 5, file: tooLarge.originalName },
            });
          }
          // images through the image service's checks, kept without EXIF/GPS (a refusal discards them all)
          for (const file of files) {
            if (file.kind === 'IMAGE') file.size = (await stripImage(file.storageKey)).size;
          }
          // validated against the body schema next, as a JSON body would be
          request.body = fields as typeof request.body;
        },
        onError: async (request) => {
          const files = receivedFiles.get(request);
          if (files) await uploads.discard(files);
        },
      },
      async (request, reply) => {
        if (request.validationError) throw request.validationError;
        const created = await tickets.create(member(request).id, request.body, receivedFiles.get(request));
        receivedFiles.delete(request);
        return reply.code(201).send(ok(created));
      },
    );

    for (const url of ['/support/tickets', '/support/tickets/me']) {
      routes.get(
        url,
        {
          config: { access: 'user' },
          schema: {
            tags,
            summary: 'My tickets, newest first; by status or category (SUP-02)',
            querystring: myTicketsQuery,
            response: { 200: pagedEnvelope(ticketResponse), ...userErrors },
          },
        },
        async (request) => {
          const { query } = request;
          const { items, totalCount } = await tickets.mine(member(request).id, query);
          return page(items, { page: query.page, limit: query.limit, totalCount });
        },
      );
    }

    for (const url of ['/support/tickets/:id', '/support/tickets/me/:id']) {
      routes.get(
        url,
        {
          config: { access: 'user' },
          schema: {
            tags,
            summary:
              "A ticket with its reply thread and files (SUP-03): the author's own (an admin's: any); another member's is 404",
            params: ticketIdParams,
            response: { 200: envelope(ticketDetail), ...userErrors },
          },
        },
        async (request) => ok(await tickets.detail(request.params.id, member(request))),
      );
    }

    routes.post(
      '/support/tickets/:id/reply',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary:
            'Reply (SUP-04): the author (an ANSWERED ticket goes back to OPEN) or an admin (the ticket becomes ANSWERED and its author is mailed); a CLOSED ticket is 409 TICKET_CLOSED',
          params: ticketIdParams,
          body: replyBody,
          response: { 201: envelope(replyResponse), ...userErrors, ...errorResponses(409, 429) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const actor = member(request);
        const write = () => tickets.reply(id, actor, request.body.content);
        // an admin's reply is an admin action: audited like the answer call
        const { reply: written, ticket } =
          actor.role === 'ADMIN'
            ? await audit(
                {
                  actorId: actor.id,
                  action: 'support.ticket.reply',
                  target: `ticket/${id}`,
                  requestId: request.id,
                },
                write,
                (result) => ({ status: result.ticket.status }),
              )
            : await write();
        return reply.code(201).send(ok({ ...written, ticketStatus: ticket.status }));
      },
    );

    routes.get(
      '/admin/support/tickets',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Every ticket, newest first; by status, category, member, or a title/ticket-number search (SUP-05)',
          querystring: adminTicketsQuery,
          response: { 200: pagedEnvelope(ticketResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await tickets.all(query);
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    routes.get(
      '/admin/support/tickets/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Any ticket with its reply thread and files (SUP-05)',
          params: ticketIdParams,
          response: { 200: envelope(ticketDetail), ...adminErrors },
        },
      },
      async (request) => ok(await tickets.detail(request.params.id, member(request))),
    );

    routes.post(
      '/admin/support/tickets/:ticketId/answer',
      {
        config: admin,
        schema: {
          tags,
          summary:
            "Answer a ticket (the storefront's call): an admin reply; the ticket becomes ANSWERED and its author is mailed",
          params: answerParams,
          body: replyBody,
          response: { 200: envelope(ticketResponse), ...adminErrors, ...errorResponses(409) },
        },
      },
      async (request) => {
        const { ticketId } = request.params;
        const actor = member(request);
        return ok(
          await audit(
            {
              actorId: actor.id,
              action: 'support.ticket.answer',
              target: `ticket/${ticketId}`,
              requestId: request.id,
            },
            () => tickets.answer(ticketId, actor, request.body.content),
            (ticket) => ({ status: ticket.status }),
          ),
        );
      },
    );

    routes.patch(
      '/admin/support/tickets/:id/status',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Change a status (SUP-05): OPEN → IN_PROGRESS|CLOSED, IN_PROGRESS → OPEN|CLOSED, ANSWERED → IN_PROGRESS|CLOSED, CLOSED → OPEN; ANSWERED comes from a reply; else 400 INVALID_STATUS_TRANSITION',
          params: ticketIdParams,
          body: statusBody,
          response: { 200: envelope(ticketResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { id } = request.params;
        return ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'support.ticket.status',
              target: `ticket/${id}`,
              requestId: request.id,
              request: request.body,
            },
            () => tickets.changeStatus(id, request.body.status),
          ),
        );
      },
    );
  };
}
