import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { products } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

/** What a stored file is, decided by its magic number (never by its name or declared type). */
export const mediaKind = pgEnum('media_kind', ['IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT']);

/**
 * PENDING_UPLOAD: a pre-signed upload was issued and the completion step has not yet checked what
 * arrived; READY: stored and checked; FAILED: the check refused it (the object is deleted).
 */
export const mediaStatus = pgEnum('media_status', ['PENDING_UPLOAD', 'READY', 'FAILED']);

/**
 * Every uploaded file (RES-01..04): where it lives in the storage (local STORAGE_DIR or S3, by
 * `storage_key`), what it is, and what probing found. `owner_type`/`owner_id` name what it is
 * attached to (a review, a post, a support ticket…). Owned by the media module.
 */
export const mediaFiles = pgTable(
  'media_files',
  {
    id: idColumn(),
    uploaderId: idRef('uploader_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ownerType: text('owner_type'),
    ownerId: idRef('owner_id'),
    kind: mediaKind('kind').notNull(),
    status: mediaStatus('status').notNull().default('READY'),
    mime: text('mime').notNull(),
    extension: text('extension').notNull(),
    originalName: text('original_name').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    storageKey: text('storage_key').notNull(),
    sha256: text('sha256'),
    width: integer('width'),
    height: integer('height'),
    durationMs: integer('duration_ms'),
    /** what probing found beyond the columns (codecs, bit rate…) */
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('media_files_storage_key').on(table.storageKey),
    index('media_files_uploader_created_idx').on(table.uploaderId, table.createdAt.desc()),
    index('media_files_owner_idx').on(table.ownerType, table.ownerId),
    index('media_files_pending_idx').on(table.createdAt).where(sql`${table.status} = 'PENDING_UPLOAD'`),
  ],
);

export const imageProcessingStatus = pgEnum('image_processing_status', [
  'PENDING',
  'PROCESSING',
  'COMPLETED',
  'FAILED',
]);

/** Uploaded images (IMG-01..05) with their WebP variants below. Owned by the images module. */
export const images = pgTable(
  'images',
  {
    id: idColumn(),
    uploaderId: idRef('uploader_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** product | community | support | seller | review | legacy */
    category: text('category').notNull(),
    originalKey: text('original_key').notNull(),
    mime: text('mime').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** a tiny blurred WebP as a data URL, shown while the variants load */
    placeholder: text('placeholder'),
    processingStatus: imageProcessingStatus('processing_status').notNull().default('PENDING'),
    errorMessage: text('error_message'),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [index('images_uploader_created_idx').on(table.uploaderId, table.createdAt.desc())],
);

export const imageVariantType = pgEnum('image_variant_type', ['THUMBNAIL', 'MEDIUM', 'LARGE']);

export const imageVariants = pgTable(
  'image_variants',
  {
    id: idColumn(),
    imageId: idRef('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    type: imageVariantType('type').notNull(),
    storageKey: text('storage_key').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    format: text('format').notNull(),
    size: integer('size').notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex('image_variants_image_type_key').on(table.imageId, table.type)],
);

export const transcodeStatus = pgEnum('transcode_status', ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED']);

/**
 * Short vertical videos (SHRT-01..05): the uploaded source, its transcode state and outputs
 * (MP4 rendition, HLS playlist, poster; storage keys), and counters kept exact by the likes,
 * comments and views below. Owned by the shortforms module; worker-transcode reports progress
 * and results through the queue's job data and its own updates of the transcode columns.
 */
export const shortforms = pgTable(
  'shortforms',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description'),
    sourceKey: text('source_key').notNull(),
    sourceSize: bigint('source_size', { mode: 'number' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    transcodeStatus: transcodeStatus('transcode_status').notNull().default('PENDING'),
    /** 0..100 while PROCESSING */
    transcodeProgress: smallint('transcode_progress').notNull().default(0),
    transcodeError: text('transcode_error'),
    transcodeJobId: text('transcode_job_id'),
    transcodedAt: timestamp('transcoded_at', { withTimezone: true }),
    renditionKey: text('rendition_key'),
    hlsKey: text('hls_key'),
    posterKey: text('poster_key'),
    viewCount: bigint('view_count', { mode: 'number' }).notNull().default(0),
    likeCount: integer('like_count').notNull().default(0),
    commentCount: integer('comment_count').notNull().default(0),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    // the feed: published (transcoded) videos, newest first, cursor on (created_at, id)
    index('shortforms_feed_idx')
      .on(table.createdAt.desc(), table.id.desc())
      .where(sql`${table.deletedAt} is null and ${table.transcodeStatus} = 'COMPLETED'`),
    index('shortforms_user_created_idx')
      .on(table.userId, table.createdAt.desc(), table.id.desc())
      .where(sql`${table.deletedAt} is null`),
  ],
);

/** Products tagged in a short-form. */
export const shortformProducts = pgTable(
  'shortform_products',
  {
    shortformId: idRef('shortform_id')
      .notNull()
      .references(() => shortforms.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (table) => [
    primaryKey({ columns: [table.shortformId, table.productId] }),
    index('shortform_products_product_idx').on(table.productId),
  ],
);

export const shortformLikes = pgTable(
  'shortform_likes',
  {
    shortformId: idRef('shortform_id')
      .notNull()
      .references(() => shortforms.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.shortformId, table.userId] })],
);

export const shortformComments = pgTable(
  'shortform_comments',
  {
    id: idColumn(),
    shortformId: idRef('shortform_id')
      .notNull()
      .references(() => shortforms.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    content: text('content').notNull(),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    index('shortform_comments_shortform_created_idx').on(
      table.shortformId,
      table.createdAt.desc(),
      table.id.desc(),
    ),
  ],
);

/** Views and likes per short-form per day (Asia/Seoul): the day / week / month ranking sums them. */
export const shortformDailyStats = pgTable(
  'shortform_daily_stats',
  {
    shortformId: idRef('shortform_id')
      .notNull()
      .references(() => shortforms.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    views: integer('views').notNull().default(0),
    likes: integer('likes').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    primaryKey({ columns: [table.shortformId, table.day] }),
    index('shortform_daily_stats_day_idx').on(table.day),
  ],
);

/**
 * Operator settings changed at run time without a restart (ADMN-10..13): allowed extensions,
 * upload limits, review policy. One JSON value per key; readers cache them in Redis and drop the
 * cache on change. Owned by the admin-settings module.
 */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedBy: idRef('updated_by'),
  ...timestamps,
});
