import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, textLine } from '../../../http/text.ts';

export const MAX_INQUIRY_TITLE_LENGTH = 200;
export const MAX_INQUIRY_LENGTH = 5000;

export const inquiryIdParams = z.object({ id: entityIdText });
export const productInquiriesParams = z.object({ id: entityIdText });
export const inquiryListQuery = pageQuery;
export type InquiryListQuery = z.infer<typeof inquiryListQuery>;

export const createInquiryBody = z.object({
  title: textLine(MAX_INQUIRY_TITLE_LENGTH),
  content: richText(MAX_INQUIRY_LENGTH).describe(
    `HTML, sanitised on write; 1..${MAX_INQUIRY_LENGTH} characters after it`,
  ),
  isSecret: z
    .boolean()
    .default(false)
    .describe("a secret question is shown in full only to me, the product's sellers and admins"),
});
export type CreateInquiryBody = z.infer<typeof createInquiryBody>;

export const answerBody = z.object({
  content: richText(MAX_INQUIRY_LENGTH).describe(
    `HTML, sanitised on write; 1..${MAX_INQUIRY_LENGTH} characters after it`,
  ),
});
export type AnswerBody = z.infer<typeof answerBody>;

export const inquiry = z.object({
  id: entityId,
  productId: entityId,
  userId: entityId.optional().describe('left out of a secret question shown masked'),
  title: z.string().describe('a masked secret question: the secret notice instead (비밀글입니다. in Korean)'),
  content: z.string().describe('sanitised HTML; masked as the title'),
  isSecret: z.boolean(),
  isMasked: z.boolean().describe('true when this reader may not see the secret question'),
  status: z.enum(['PENDING', 'ANSWERED']),
  user: z
    .object({
      id: entityId,
      name: z.string().describe('the display name: nickname or a placeholder, never the real name'),
      nickname: z.string().nullable(),
    })
    .nullable()
    .describe('null for a masked question'),
  answer: z
    .object({
      content: z.string().describe('sanitised HTML'),
      createdAt: z.string(),
      responderId: entityId.nullable(),
      responderRole: z.string().describe('SELLER or ADMIN'),
    })
    .nullable()
    .describe('null while PENDING, and for a masked question'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Inquiry = z.infer<typeof inquiry>;
