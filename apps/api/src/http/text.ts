import sanitizeHtml from 'sanitize-html';
import { z } from 'zod';

/** C0/C1 controls: NUL, ESC, DEL … */
export const controlChars = /\p{Cc}/u;

/** Control characters other than line breaks and tabs, which a multi-line body keeps. */
const controlCharsButBreaks = /[^\P{Cc}\n\r\t]/u;

export const noControlChars = (value: string) => !controlChars.test(value);
export const noControlCharsMessage = 'control characters are not allowed';

/** One-line text: NFC, trimmed, no control characters, 1..max characters. */
export const textLine = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(1).max(max).refine(noControlChars, noControlCharsMessage));

/** A list's optional `search` text: NFC, trimmed, no control characters, at most `max` characters. */
export const searchText = (max = 100) =>
  z
    .string()
    .max(max)
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().refine(noControlChars, noControlCharsMessage))
    .optional();

/**
 * The markup a member may write (posts, comments, Q&A, tickets, notices, news): a small allowlist,
 * links only to http(s)/mailto and always `rel="nofollow ugc"` (so posting links earns no search
 * rank), images only from http(s). Everything else — scripts, event handlers, `javascript:` URLs,
 * SVG, styles, iframes — is dropped, its text kept where it is text.
 */
const userHtmlOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'b',
    'strong',
    'i',
    'em',
    'u',
    's',
    'blockquote',
    'code',
    'pre',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'h3',
    'h4',
  ],
  allowedAttributes: { a: ['href', 'rel'], img: ['src', 'alt', 'width', 'height'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'svg',
    'math',
    'iframe',
    'object',
    'template',
  ],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow ugc' } }),
  },
};

/** Member-written markup made harmless (see `userHtmlOptions`); plain text passes through escaped-safe. */
export function sanitizeUserHtml(html: string): string {
  return sanitizeHtml(html.normalize('NFC'), userHtmlOptions).trim();
}

/**
 * A body a member writes that may hold markup: sanitised on write, then 1..max characters of what
 * is stored (a body of only markup that sanitising removes is refused as empty). The raw input is
 * capped first so that a huge body costs no sanitising work.
 */
export const richText = (max: number) =>
  z
    .string()
    .max(max * 4)
    // PostgreSQL refuses NUL in text, and no other control character but line breaks and tabs belongs in a body
    .refine((value) => !controlCharsButBreaks.test(value), noControlCharsMessage)
    .transform(sanitizeUserHtml)
    .pipe(z.string().min(1).max(max));
