import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/** Success envelope: `{ success: true, data, meta? }`. */
export function ok<T>(data: T) {
  return { success: true as const, data };
}

export interface PageMeta {
  page: number;
  limit: number;
  totalCount: number;
  totalPages: number;
  /** true when counting stopped at a cap: there are more than `totalCount` matches */
  totalCountCapped?: boolean;
}

export function page<T>(data: T[], meta: Omit<PageMeta, 'totalPages'>) {
  return {
    success: true as const,
    data,
    meta: { ...meta, totalPages: Math.ceil(meta.totalCount / meta.limit) },
  };
}

/**
 * A page's response body around `dataJson`, a JSON array its query built (PostgreSQL's
 * `json_agg`), embedded as it is; the meta is validated like any response.
 */
export function pagedJson(dataJson: string, meta: Omit<PageMeta, 'totalPages'>): string {
  const { meta: full } = page([], meta);
  return `{"success":true,"data":${dataJson},"meta":${JSON.stringify(pageMeta.parse(full))}}`;
}

/** Response schema of a success envelope around `data`. */
export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

export const pageMeta = z.object({
  page: z.number().int(),
  limit: z.number().int(),
  totalCount: z.number().int(),
  totalPages: z.number().int(),
  totalCountCapped: z
    .boolean()
    .optional()
    .describe('true when counting stopped at a cap: there are more matches than totalCount'),
});

export function pagedEnvelope<T extends z.ZodType>(item: T) {
  return z.object({ success: z.literal(true), data: z.array(item), meta: pageMeta });
}

/** `page` from 1 and `limit` 1..100 (default 20), as every list takes them. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const errorBody = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  errorCode: z.string().describe('error.code again'),
  message: z.string().describe('error.message again: the text a client shows'),
  statusCode: z.number().int(),
  requestId: z.string(),
  timestamp: z.string().describe('when the error was answered (ISO 8601)'),
  path: z.string().describe('the request path, without its query'),
});

/** The error responses a route declares, by status: `errorResponses(400, 401, 404)`. */
export function errorResponses<const S extends readonly number[]>(...statuses: S) {
  return Object.fromEntries(statuses.map((status) => [status, errorBody])) as Record<
    S[number],
    typeof errorBody
  >;
}

export const messageBody = envelope(z.object({ message: z.string() }));

/**
 * The response body as the route's serializer would write it: validated against `schema` (a
 * mismatch is a bug, reported as a 500 like any response that fails its schema), then JSON.
 */
export function serializeWith<S extends z.ZodType>(schema: S) {
  return (value: z.input<S>): string => JSON.stringify(schema.parse(value));
}

/** Sends an already serialized JSON body; Fastify passes a string or bytes with a JSON type through as is. */
export function sendJson(reply: FastifyReply, body: string | Buffer) {
  return reply.type('application/json; charset=utf-8').send(body);
}
