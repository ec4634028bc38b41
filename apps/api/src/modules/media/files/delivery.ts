import { AppError } from '@pbshop/errors';
import type { Storage } from '@pbshop/storage';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notModified, parseRange, rangeApplies } from './ranges.ts';

export interface StoredFile {
  key: string;
  mime: string;
  /** the size the row recorded: an object of another size was replaced behind our back, and is not served */
  size?: number;
}

/**
 * Sends a stored object, streamed from the storage (never buffered): 200 whole, 206 one range
 * (exact Content-Range), 416 RANGE_NOT_SATISFIABLE (`Content-Range: bytes *` + size), 304 when
 * If-None-Match names its tag; ETag, Last-Modified and Accept-Ranges always.
 */
export async function sendStoredFile(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: Storage,
  file: StoredFile,
): Promise<FastifyReply> {
  const object = await storage.stat(file.key);
  if (!object || (file.size !== undefined && object.size !== file.size)) {
    if (object)
      request.log.warn(
        { key: file.key, stored: object.size, recorded: file.size },
        'stored object size differs from its row',
      );
    throw new AppError('MEDIA_NOT_FOUND');
  }
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const asked = rangeApplies(header('if-range'), object)
    ? parseRange(header('range'), object.size)
    : undefined;
  if (asked === 'unsatisfiable') {
    throw new AppError('RANGE_NOT_SATISFIABLE', {
      details: { size: object.size },
      headers: { 'content-range': `bytes */${object.size}`, 'accept-ranges': 'bytes' },
    });
  }
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', object.etag)
    .header('last-modified', object.modifiedAt.toUTCString())
    .header('cache-control', 'public, max-age=3600')
    // helmet's same-origin default would stop the storefront (another origin) playing it
    .header('cross-origin-resource-policy', 'cross-origin');
  if (notModified(header('if-none-match'), object)) return reply.code(304).send();
  reply.type(file.mime);
  if (!asked) {
    return reply
      .code(200)
      .header('content-length', object.size)
      .send(await storage.get(file.key));
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${asked.start}-${asked.end}/${object.size}`)
    .header('content-length', asked.end - asked.start + 1)
    .send(await storage.get(file.key, asked));
}
