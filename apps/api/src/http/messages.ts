import { type Language, languageFrom } from '@pbshop/errors';
import type { FastifyRequest } from 'fastify';

/** An area's success messages, each in every language the error catalog speaks. */
export type MessageTable = Record<string, Record<Language, string>>;

/** `say(request, key)`: the message in the request's `Accept-Language` (ko, en or ja). */
export function localizedMessages<const T extends MessageTable>(table: T) {
  return (request: FastifyRequest, key: keyof T): string =>
    table[key]![languageFrom(request.headers['accept-language'])];
}
