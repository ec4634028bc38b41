import { AppError } from '@pbshop/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The path (`body.options.0`) of the first text holding an unpaired surrogate, or undefined.
 * Walks arrays and plain objects only (never a Buffer or stream a multipart route holds), keys
 * included, without recursion, so a deeply nested body cannot exhaust the stack.
 */
export function firstIllFormedText(value: unknown, root: string): string | undefined {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (!current.isWellFormed()) return path;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => {
        pending.push([item, `${path}.${index}`]);
      });
    } else if (isPlainObject(current)) {
      for (const [key, item] of Object.entries(current)) {
        if (!key.isWellFormed()) return `${path}.${key.toWellFormed()}`;
        pending.push([item, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses, before any route's own validation, a request whose path parameters, query or body carry
 * text with an unpaired UTF-16 surrogate (JSON's "\uD800" escape makes one): no UTF-8 text holds
 * it, so a text column would silently store U+FFFD instead and a jsonb column refuses it with an
 * error. One walk here rather than a rule in every text field of every schema, so a route added
 * later is covered too. Control characters (NUL among them) stay each field's rule, as some fields
 * strip them and others refuse them; text a schema parses out of a string, such as the `specs`
 * filter's JSON, is checked by that schema.
 */
export const wellFormedText = fp(
  async (app: FastifyInstance) => {
    // a callback hook: an async one costs every request a promise and a microtask turn
    app.addHook('preValidation', (request, _reply, done) => {
      const field =
        firstIllFormedText(request.params, 'params') ??
        firstIllFormedText(request.query, 'querystring') ??
        firstIllFormedText(request.body, 'body');
      if (field === undefined) return done();
      done(
        new AppError('VALIDATION_ERROR', {
          details: [{ field, message: 'unpaired surrogates are not allowed' }],
        }),
      );
    });
  },
  { name: 'well-formed-text' },
);
