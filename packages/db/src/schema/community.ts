import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
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
import { images, mediaFiles } from './media.ts';
import { users } from './users.ts';

/**
 * Community boards (COMM-01). `published_post_count` is the board's PUBLISHED posts, kept exact by
 * triggers on posts (migration 0015) in the transaction of each post write: the post list's total
 * without counting. Owned by the community module.
 */
export const boards = pgTable(
  'boards',
  {
    id: idColumn(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    sortOrder: integer('sort_order').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    publishedPostCount: integer('published_post_count').notNull().default(0),
    ...timestamps,
  },
  (table) => [uniqueIndex('boards_slug_key').on(table.slug)],
);

/** PUBLISHED: listed; HIDDEN: taken down by a moderator (the author still sees it); DELETED: gone for everyone. */
export const postStatus = pgEnum('post_status', ['PUBLISHED', 'HIDDEN', 'DELETED']);

/**
 * Board posts (COMM-02..06). `content` is sanitised HTML (written through the sanitiser, never raw);
 * the counters are kept exact by the likes and comments below (same transaction) and by the batched
 * view flush. Search is a trigram match on title and content: it finds Korean substrings, which a
 * word-based full-text configuration would not split. Owned by the community module.
 */
export const posts = pgTable(
  'posts',
  {
    id: idColumn(),
    boardId: idRef('board_id')
      .notNull()
      .references(() => boards.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    status: postStatus('status').notNull().default('PUBLISHED'),
    viewCount: integer('view_count').notNull().default(0),
    likeCount: integer('like_count').notNull().default(0),
    commentCount: integer('comment_count').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    // one index per list sort, each ending in id so that pages are stable
    index('posts_board_newest_idx')
      .on(table.boardId, table.createdAt.desc(), table.id.desc())
      .where(sql`${table.status} = 'PUBLISHED'`),
    index('posts_board_views_idx')
      .on(table.boardId, table.viewCount.desc(), table.id.desc())
      .where(sql`${table.status} = 'PUBLISHED'`),
    index('posts_board_likes_idx')
      .on(table.boardId, table.likeCount.desc(), table.id.desc())
      .where(sql`${table.status} = 'PUBLISHED'`),
    index('posts_board_comments_idx')
      .on(table.boardId, table.commentCount.desc(), table.id.desc())
      .where(sql`${table.status} = 'PUBLISHED'`),
    index('posts_user_idx').on(table.userId, table.createdAt.desc()),
    index('posts_title_trgm_idx').using('gin', sql`${table.title} gin_trgm_ops`),
    index('posts_content_trgm_idx').using('gin', sql`${table.content} gin_trgm_ops`),
    check(
      'posts_counts_check',
      sql`${table.likeCount} >= 0 and ${table.commentCount} >= 0 and ${table.viewCount} >= 0`,
    ),
  ],
);

/** Images attached to a post, uploaded through the image service by the post's author. */
export const postAttachments = pgTable(
  'post_attachments',
  {
    postId: idRef('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    imageId: idRef('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.postId, table.imageId] }),
    index('post_attachments_image_idx').on(table.imageId),
  ],
);

/** One row per member who likes a post: the toggle inserts or deletes it and moves `like_count` with it. */
export const postLikes = pgTable(
  'post_likes',
  {
    postId: idRef('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.postId, table.userId] })],
);

/** VISIBLE; DELETED: a tombstone kept while it has replies (content blanked); HIDDEN by a moderator. */
export const commentStatus = pgEnum('comment_status', ['VISIBLE', 'DELETED', 'HIDDEN']);

/**
 * Threaded comments (COMM-07..10). `thread_id` is the top-level comment of the thread (its own id for
 * a top-level comment), `parent_id` the comment answered: a reply to a reply stays in its thread, and
 * a thread reads in one index range. Owned by the community module.
 */
export const postComments = pgTable(
  'post_comments',
  {
    id: idColumn(),
    postId: idRef('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    parentId: idRef('parent_id'),
    threadId: idRef('thread_id'),
    depth: smallint('depth').notNull().default(0),
    content: text('content').notNull(),
    status: commentStatus('status').notNull().default('VISIBLE'),
    ...timestamps,
  },
  (table) => [
    index('post_comments_post_thread_idx').on(table.postId, table.threadId, table.createdAt, table.id),
    index('post_comments_parent_idx').on(table.parentId),
    index('post_comments_user_idx').on(table.userId, table.createdAt.desc()),
  ],
);

export const inquiryStatus = pgEnum('inquiry_status', ['PENDING', 'ANSWERED']);

/**
 * Product Q&A (INQ-01..05): one question and at most one answer, by a SELLER with an offer on the
 * product or an ADMIN. A secret question is shown in full only to its author, those sellers and
 * admins. Owned by the inquiries module.
 */
export const productInquiries = pgTable(
  'product_inquiries',
  {
    id: idColumn(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    isSecret: boolean('is_secret').notNull().default(false),
    status: inquiryStatus('status').notNull().default('PENDING'),
    answerContent: text('answer_content'),
    answeredBy: idRef('answered_by').references(() => users.id, { onDelete: 'set null' }),
    answeredRole: text('answered_role'),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('product_inquiries_product_idx').on(table.productId, table.createdAt.desc(), table.id.desc()),
    index('product_inquiries_user_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    check(
      'product_inquiries_answer_check',
      sql`(${table.status} = 'ANSWERED') = (${table.answerContent} is not null)`,
    ),
  ],
);

export const supportTicketCategory = pgEnum('support_ticket_category', [
  'ORDER',
  'PAYMENT',
  'DELIVERY',
  'ACCOUNT',
  'PRODUCT',
  'OTHER',
]);
export const supportTicketStatus = pgEnum('support_ticket_status', [
  'OPEN',
  'IN_PROGRESS',
  'ANSWERED',
  'CLOSED',
]);

/**
 * 1:1 support tickets (SUP-01..05). `ticket_number` is TK-yyyyMMdd-NNN (Seoul date, NNN from the
 * day's counter below). `attachment_url` keeps the single link the storefront sends; uploaded files
 * are in `support_ticket_attachments`. Owned by the support module.
 */
export const supportTickets = pgTable(
  'support_tickets',
  {
    id: idColumn(),
    ticketNumber: text('ticket_number').notNull(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    category: supportTicketCategory('category').notNull(),
    title: text('title').notNull(),
    content: text('content').notNull(),
    attachmentUrl: text('attachment_url'),
    status: supportTicketStatus('status').notNull().default('OPEN'),
    lastReplyAt: timestamp('last_reply_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('support_tickets_number_key').on(table.ticketNumber),
    index('support_tickets_user_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    index('support_tickets_status_idx').on(table.status, table.createdAt.desc(), table.id.desc()),
  ],
);

/** The last ticket number handed out per Seoul day: one row per day, incremented in the creating transaction. */
export const supportTicketCounters = pgTable('support_ticket_counters', {
  day: text('day').primaryKey(),
  lastNumber: integer('last_number').notNull(),
});

/** The reply thread of a ticket, from its author or an admin. */
export const supportTicketReplies = pgTable(
  'support_ticket_replies',
  {
    id: idColumn(),
    ticketId: idRef('ticket_id')
      .notNull()
      .references(() => supportTickets.id, { onDelete: 'cascade' }),
    authorId: idRef('author_id').references(() => users.id, { onDelete: 'set null' }),
    authorRole: text('author_role').notNull(),
    content: text('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('support_ticket_replies_ticket_idx').on(table.ticketId, table.createdAt, table.id)],
);

/** Files attached to a ticket (or to one of its replies), stored through the media module. */
export const supportTicketAttachments = pgTable(
  'support_ticket_attachments',
  {
    id: idColumn(),
    ticketId: idRef('ticket_id')
      .notNull()
      .references(() => supportTickets.id, { onDelete: 'cascade' }),
    replyId: idRef('reply_id').references(() => supportTicketReplies.id, { onDelete: 'cascade' }),
    mediaFileId: idRef('media_file_id')
      .notNull()
      .references(() => mediaFiles.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('support_ticket_attachments_ticket_idx').on(table.ticketId),
    uniqueIndex('support_ticket_attachments_file_key').on(table.mediaFileId),
  ],
);

/** Frequently asked questions by category (FAQ-01..03). Owned by the help module. */
export const faqs = pgTable(
  'faqs',
  {
    id: idColumn(),
    category: text('category').notNull(),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    index('faqs_category_idx').on(table.category, table.sortOrder, table.id),
    index('faqs_question_trgm_idx').using('gin', sql`${table.question} gin_trgm_ops`),
    index('faqs_answer_trgm_idx').using('gin', sql`${table.answer} gin_trgm_ops`),
  ],
);

/**
 * Notices (FAQ-04..06): pinned ones first; a published notice is public only inside its publish
 * window (open ends are unbounded). Owned by the help module.
 */
export const notices = pgTable(
  'notices',
  {
    id: idColumn(),
    title: text('title').notNull(),
    content: text('content').notNull(),
    isPublished: boolean('is_published').notNull().default(true),
    isPinned: boolean('is_pinned').notNull().default(false),
    publishFrom: timestamp('publish_from', { withTimezone: true }),
    publishUntil: timestamp('publish_until', { withTimezone: true }),
    viewCount: integer('view_count').notNull().default(0),
    authorId: idRef('author_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (table) => [
    index('notices_public_idx')
      .on(table.isPinned.desc(), table.createdAt.desc(), table.id.desc())
      .where(sql`${table.isPublished}`),
    check(
      'notices_window_check',
      sql`${table.publishFrom} is null or ${table.publishUntil} is null or ${table.publishFrom} < ${table.publishUntil}`,
    ),
  ],
);

/** News tabs (NEWS-01). Owned by the news module. */
export const newsCategories = pgTable(
  'news_categories',
  {
    id: idColumn(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (table) => [uniqueIndex('news_categories_slug_key').on(table.slug)],
);

/** News articles (NEWS-02..05); deleting a tab leaves its articles without one. Owned by the news module. */
export const newsArticles = pgTable(
  'news_articles',
  {
    id: idColumn(),
    categoryId: idRef('category_id').references(() => newsCategories.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    content: text('content').notNull(),
    thumbnailUrl: text('thumbnail_url'),
    viewCount: integer('view_count').notNull().default(0),
    authorId: idRef('author_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (table) => [
    index('news_articles_newest_idx').on(table.createdAt.desc(), table.id.desc()),
    index('news_articles_category_idx').on(table.categoryId, table.createdAt.desc(), table.id.desc()),
  ],
);

/** Products an article is about, in the order the editor gave. */
export const newsArticleProducts = pgTable(
  'news_article_products',
  {
    articleId: idRef('article_id')
      .notNull()
      .references(() => newsArticles.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.articleId, table.productId] }),
    index('news_article_products_product_idx').on(table.productId),
  ],
);
