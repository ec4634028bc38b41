import type { StoredObject } from '@pbshop/storage';

/** An inclusive byte range of an object of `size` bytes. */
export interface SatisfiableRange {
  start: number;
  end: number;
}

/**
 * The one range a `Range` header asks of an object of `size` bytes (RFC 9110 §14.1.2):
 * `bytes=a-b`, `bytes=a-` and the suffix `bytes=-n`; `end` past the object is cut to its last
 * byte. `unsatisfiable` for a header this server does not serve: several ranges, another unit,
 * malformed, or no byte of the object in it (416, its Content-Range naming only the size).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): SatisfiableRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return 'unsatisfiable';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'unsatisfiable';
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}

/**
 * Whether a Range applies under `If-Range` (RFC 9110 §13.1.5): with no If-Range, yes; with an
 * entity tag, only when it is the object's (strong comparison: a weak tag never matches); with
 * a date, only when it is exactly the object's Last-Modified. Otherwise the whole object is sent.
 */
export function rangeApplies(ifRange: string | undefined, object: StoredObject): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === object.etag;
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Math.floor(object.modifiedAt.getTime() / 1000) * 1000;
}

/** Whether `If-None-Match` names the object's current tag (a cached copy is still good: 304). */
export function notModified(ifNoneMatch: string | undefined, object: StoredObject): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => bare(tag) === bare(object.etag));
}
