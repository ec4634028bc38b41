import { entityId, entityIdText } from '@pbshop/config';
import { isStorageKey } from '@pbshop/storage';
import { z } from 'zod';
import { mediaKinds } from '../../../http/uploads.ts';

/** What an uploaded file is attached to (the storefront's MediaAssetItem.ownerType). */
export const mediaOwnerTypes = ['PRODUCT', 'COMMUNITY', 'SUPPORT', 'SELLER', 'SHORTFORM', 'USER'] as const;
export type MediaOwnerType = (typeof mediaOwnerTypes)[number];

export const mediaIdParams = z.object({ id: entityIdText });

/** The text fields of `POST /media/upload` (multipart, beside `files`). */
export const uploadFields = z.object({
  ownerType: z.enum(mediaOwnerTypes),
  ownerId: entityIdText,
});

/** MediaAssetItem (client-shapes, Media): one stored file. */
export const mediaAsset = z.object({
  id: entityId,
  ownerType: z.enum(mediaOwnerTypes).nullable(),
  ownerId: entityId.nullable(),
  fileKey: z.string().describe('the storage key'),
  fileUrl: z.string().describe('GET /media/stream/:id (Range requests)'),
  type: z.enum(mediaKinds).describe('decided by magic number'),
  mime: z.string(),
  extension: z.string(),
  size: z.number().int().describe('bytes'),
  duration: z.number().nullable().describe('seconds (audio, video)'),
  resolution: z.string().nullable().describe('WIDTHxHEIGHT (image, video)'),
  originalName: z.string(),
  createdAt: z.string(),
});
export type MediaAsset = z.infer<typeof mediaAsset>;

export const presignBody = z.object({
  fileName: z.string().trim().min(1).max(255),
  fileType: z
    .string()
    .trim()
    .max(255)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/,
      'a MIME type (type/subtype)',
    )
    .describe("the client's content type; the completion step checks the bytes"),
  fileSize: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024 * 1024),
});

export const presignedUpload = z.object({
  id: entityId.describe('the pending upload (media file) id'),
  uploadUrl: z.string(),
  fileKey: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()).describe('send these with the bytes'),
  expiresInSec: z.number().int(),
  expiresAt: z.string(),
});

export const completeBody = z.object({
  fileKey: z.string().refine(isStorageKey, 'a file key answered by POST /media/presigned-url'),
});

/** GET /media/:id/metadata: what probing found. */
export const mediaMetadata = z.object({
  id: entityId,
  mime: z.string(),
  size: z.number().int(),
  duration: z.number().nullable().describe('seconds'),
  resolution: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  type: z.enum(mediaKinds),
  ownerType: z.string().nullable(),
  ownerId: entityId.nullable(),
  uploadedAt: z.string(),
  details: z.record(z.string(), z.unknown()).describe('codecs, bit rate, frame rate… as probed'),
});

/** GET /media/stream/:id read as JSON (the storefront's fetchMediaStreamInfo). */
export const streamInfo = z.object({
  id: entityId,
  fileUrl: z.string(),
  mime: z.string(),
  size: z.number().int(),
  duration: z.number().nullable(),
  resolution: z.string().nullable(),
});

export const deletedBody = z.object({ success: z.literal(true), message: z.string() });
