import sanitizeHtml from 'sanitize-html';
import type { MailMessage } from '../../../mail/mailer.ts';

/** A reply's markup as plain text for a mail body (entities decoded: a text mail renders none). */
function mailText(html: string): string {
  const text = sanitizeHtml(html.replace(/<br\s*\/?>|<\/p>/gi, '\n'), {
    allowedTags: [],
    allowedAttributes: {},
  });
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .trim();
}

/** The mail telling a ticket's author an admin answered, in Korean and English. */
export function ticketAnsweredMail(
  to: string,
  ticket: { ticketNumber: string; title: string },
  answer: string,
): MailMessage {
  const text = mailText(answer);
  return {
    to,
    subject: `[PBShop] 문의에 답변이 등록되었습니다 / Your ticket ${ticket.ticketNumber} was answered`,
    text: [
      '안녕하세요, PBShop입니다.',
      `문의 ${ticket.ticketNumber} "${ticket.title}"에 답변이 등록되었습니다.`,
      '',
      text,
      '',
      '---',
      'Hello from PBShop.',
      `Your support ticket ${ticket.ticketNumber} "${ticket.title}" has an answer:`,
      '',
      text,
      '',
    ].join('\n'),
    devNote: `ticket ${ticket.ticketNumber} answered, mail to ${to}`,
  };
}
