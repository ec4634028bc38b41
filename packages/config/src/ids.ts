import { z } from 'zod';

/**
 * A row's public id as JSON carries it (bodies, responses, job payloads): a positive safe integer.
 * Ids are bigint identities read as JS numbers, far below 2^53.
 */
export const entityId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * An id as it arrives in text (a path segment, a query value): decimal digits of a positive safe
 * integer and nothing else ("abc", "0", "-1", "1.5", "1e3", "0x10", "9007199254740993" are
 * refused), read as a number.
 */
export const entityIdText = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer id')
  .transform(Number)
  .pipe(entityId);
