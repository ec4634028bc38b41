// SUP-01..05: 1:1 tickets numbered TK-yyyyMMdd-NNN from the Seoul day's counter (unique under
// concurrency), the author sees only their own, the status machine and its refusals, the reply
// e-mail received by a real SMTP server (and a refused send not failing the reply), files through
// the media module (allowed, too many, too large, wrong type: nothing left), sanitised bodies.
// Against real PostgreSQL, Redis, the local storage folder and an SMTP server.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mediaFiles, supportTicketAttachments, supportTicketReplies, supportTickets } from '@pbshop/db';
import { count, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from './auth-helpers.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { testMedia } from './helpers/media-files.ts';
import { type FormPart, multipartBody } from './helpers/multipart.ts';
import type { Member } from './helpers/users.ts';

let smtp: TestSmtpServer;
const api = setupApiTest({
  beforeApp: async () => {
    smtp = await startSmtpServer();
  },
  env: () => ({ MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url }),
  afterApp: () => smtp.close(),
  members: { admin: { role: 'ADMIN' }, author: {}, other: {} },
});
const { call } = api;

type Ticket = {
  id: number;
  ticketNumber: string;
  status: string;
  answer: unknown;
  attachments: { id: number; url: string; mime: string }[];
};

async function openTicket(by: Member, body: Record<string, unknown> = {}) {
  const created = await call('POST', '/api/v1/support/tickets', {
    headers: by.authHeader,
    body: { category: 'ORDER', title: '주문 문의', content: '<p>배송이 안 와요</p>', ...body },
  });
  expect(created.status).toBe(201);
  return created.body.data as Ticket;
}

async function multipartTicket(by: Member, parts: FormPart[]) {
  const body = multipartBody([
    { name: 'category', value: 'PRODUCT' },
    { name: 'title', value: '사진 첨부 문의' },
    { name: 'content', value: '불량 사진입니다' },
    ...parts,
  ]);
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/support/tickets',
    headers: { ...by.authHeader, 'content-type': body.contentType },
    payload: body.payload,
  });
  return { status: response.statusCode, body: response.json() };
}

const attachment = (filename: string, value: Buffer): FormPart => ({ name: 'attachments', filename, value });

async function storedSupportFiles(): Promise<string[]> {
  const list = async (folder: string) =>
    (
      await readdir(join(api.ctx.storageDir, folder), { recursive: true, withFileTypes: true }).catch(
        () => [],
      )
    )
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  return [...(await list('support')), ...(await list('.tmp'))];
}

const seoulDay = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Seoul',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
    .format(new Date())
    .replaceAll('-', '');

const patchStatus = (id: number, status: string) =>
  call('PATCH', `/api/v1/admin/support/tickets/${id}/status`, {
    headers: api.admin.authHeader,
    body: { status },
  });

describe('tickets (SUP-01..03)', () => {
  it('opens a numbered OPEN ticket, listed and read by its author on both path sets; another member gets 404', async () => {
    const ticket = await openTicket(api.author, { attachmentUrl: 'https://img.example.com/receipt.png' });
    expect(ticket).toMatchObject({
      ticketNumber: expect.stringMatching(new RegExp(`^TK-${seoulDay()}-\\d{3,}$`)),
      category: 'ORDER',
      title: '주문 문의',
      content: '<p>배송이 안 와요</p>',
      attachmentUrl: 'https://img.example.com/receipt.png',
      status: 'OPEN',
      answer: null,
      attachments: [],
    });
    for (const url of ['/api/v1/support/tickets', '/api/v1/support/tickets/me']) {
      const mine = await call('GET', `${url}?status=OPEN`, { headers: api.author.authHeader });
      expect(mine.body.data.map((item: Ticket) => item.id)).toContain(ticket.id);
      const theirs = await call('GET', url, { headers: api.other.authHeader });
      expect(theirs.body.data.map((item: Ticket) => item.id)).not.toContain(ticket.id);
    }
    for (const url of [`/api/v1/support/tickets/${ticket.id}`, `/api/v1/support/tickets/me/${ticket.id}`]) {
      const read = await call('GET', url, { headers: api.author.authHeader });
      expect(read.body.data).toMatchObject({ id: ticket.id, replies: [] });
      expectError(await call('GET', url, { headers: api.other.authHeader }), 404, 'TICKET_NOT_FOUND');
    }
    expectError(
      await call('POST', `/api/v1/support/tickets/${ticket.id}/reply`, {
        headers: api.other.authHeader,
        body: { content: '끼어들기' },
      }),
      404,
      'TICKET_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/support/tickets/${missingId}`, { headers: api.author.authHeader }),
      404,
      'TICKET_NOT_FOUND',
    );
    expect(
      (await call('GET', `/api/v1/admin/support/tickets/${ticket.id}`, { headers: api.admin.authHeader }))
        .status,
    ).toBe(200);
  });

  it('hands out unique consecutive numbers to 20 tickets opened at once', async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        openTicket(index % 2 ? api.author : api.other, { title: `동시 ${index}` }),
      ),
    );
    const numbers = created.map((ticket) => Number(ticket.ticketNumber.split('-')[2])).sort((a, b) => a - b);
    expect(new Set(created.map((ticket) => ticket.ticketNumber)).size).toBe(20);
    expect(numbers.at(-1)! - numbers[0]!).toBe(19);
  });

  it('refuses invalid and hostile bodies with 400, writing nothing', async () => {
    const db = api.deps.database.db;
    const [before] = await db.select({ value: count() }).from(supportTickets);
    for (const body of [
      {},
      { category: 'SHOPPING', title: 't', content: 'c' },
      { category: 'ORDER', title: '', content: 'c' },
      { category: 'ORDER', title: 't\u0007', content: 'c' },
      { category: 'ORDER', title: 't', content: '<script>alert(1)</script>' },
      { category: 'ORDER', title: 't', content: 'x'.repeat(5_001) },
      { category: 'ORDER', title: 't', content: 'c', attachmentUrl: 'javascript:alert(1)' },
      { category: 'ORDER', title: 't', content: 'c', attachmentUrl: 'ftp://example.com/a' },
      { category: ['ORDER'], title: 't', content: 'c' },
    ]) {
      expectError(
        await call('POST', '/api/v1/support/tickets', { headers: api.author.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await db.select({ value: count() }).from(supportTickets)).toEqual([before]);
    expectError(
      await call('POST', '/api/v1/support/tickets', {
        body: { category: 'ORDER', title: 't', content: 'c' },
      }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('returns XSS payloads harmless in tickets and replies', async () => {
    const payload =
      '<p onclick="x()">내용<script>alert(1)</script></p><a href="javascript:alert(2)">a</a><svg onload="alert(3)"></svg><img src="x" onerror="alert(4)"><a href="https://example.com">ok</a>';
    const ticket = await openTicket(api.author, { content: payload });
    await call('POST', `/api/v1/support/tickets/${ticket.id}/reply`, {
      headers: api.author.authHeader,
      body: { content: payload },
    });
    const read = await call('GET', `/api/v1/support/tickets/${ticket.id}`, {
      headers: api.author.authHeader,
    });
    for (const text of [read.body.data.content, read.body.data.replies[0].content]) {
      expect(text).not.toMatch(/<script|onclick|onload|onerror|javascript:|<svg/i);
      expect(text).toContain('<a href="https://example.com" rel="nofollow ugc">ok</a>');
    }
  });
});

describe('replies and status (SUP-04..05)', () => {
  it('walks OPEN → IN_PROGRESS → ANSWERED (mailed) → OPEN → ANSWERED → CLOSED, refusing what the machine does not allow', async () => {
    const ticket = await openTicket(api.author, { title: '환불 문의', category: 'PAYMENT' });
    expect((await patchStatus(ticket.id, 'IN_PROGRESS')).body.data.status).toBe('IN_PROGRESS');
    expectError(await patchStatus(ticket.id, 'ANSWERED'), 400, 'INVALID_STATUS_TRANSITION');
    expectError(await patchStatus(ticket.id, 'IN_PROGRESS'), 400, 'INVALID_STATUS_TRANSITION');
    expectError(await patchStatus(missingId, 'CLOSED'), 404, 'TICKET_NOT_FOUND');

    const inbox = smtp.mails.length;
    const answered = await call('POST', `/api/v1/admin/support/tickets/${ticket.id}/answer`, {
      headers: api.admin.authHeader,
      body: { content: '<p>환불은 3일 안에 처리됩니다 &amp; 안내드립니다.</p>' },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.data).toMatchObject({
      status: 'ANSWERED',
      answer: {
        content: '<p>환불은 3일 안에 처리됩니다 &amp; 안내드립니다.</p>',
        answeredBy: api.admin.user.id,
        answeredAt: expect.any(String),
      },
    });
    const mail = await smtp.waitForMail(api.author.user.email, inbox);
    expect(mail.subject).toContain(ticket.ticketNumber);
    expect(mail.text).toContain('환불은 3일 안에 처리됩니다 & 안내드립니다.');
    expect(mail.text).toContain('환불 문의');

    const followUp = await call('POST', `/api/v1/support/tickets/${ticket.id}/reply`, {
      headers: api.author.authHeader,
      body: { content: '언제 들어오나요?' },
    });
    expect(followUp.status).toBe(201);
    expect(followUp.body.data).toMatchObject({
      authorRole: 'USER',
      authorId: api.author.user.id,
      ticketStatus: 'OPEN',
    });

    const second = smtp.mails.length;
    const adminReply = await call('POST', `/api/v1/support/tickets/${ticket.id}/reply`, {
      headers: api.admin.authHeader,
      body: { content: '오늘 입금됩니다.' },
    });
    expect(adminReply.body.data).toMatchObject({ authorRole: 'ADMIN', ticketStatus: 'ANSWERED' });
    expect((await smtp.waitForMail(api.author.user.email, second)).text).toContain('오늘 입금됩니다.');

    const thread = await call('GET', `/api/v1/support/tickets/me/${ticket.id}`, {
      headers: api.author.authHeader,
    });
    expect(thread.body.data.replies.map((reply: { authorRole: string }) => reply.authorRole)).toEqual([
      'ADMIN',
      'USER',
      'ADMIN',
    ]);
    expect(thread.body.data.answer.content).toBe('오늘 입금됩니다.');

    expect((await patchStatus(ticket.id, 'CLOSED')).body.data.status).toBe('CLOSED');
    expectError(
      await call('POST', `/api/v1/support/tickets/${ticket.id}/reply`, {
        headers: api.author.authHeader,
        body: { content: '추가' },
      }),
      409,
      'TICKET_CLOSED',
    );
    expectError(
      await call('POST', `/api/v1/admin/support/tickets/${ticket.id}/answer`, {
        headers: api.admin.authHeader,
        body: { content: '추가' },
      }),
      409,
      'TICKET_CLOSED',
    );
    expectError(await patchStatus(ticket.id, 'IN_PROGRESS'), 400, 'INVALID_STATUS_TRANSITION');
    const [replies] = await api.deps.database.db
      .select({ value: count() })
      .from(supportTicketReplies)
      .where(eq(supportTicketReplies.ticketId, ticket.id));
    expect(replies!.value).toBe(3);
    // an admin may reopen a closed ticket
    expect((await patchStatus(ticket.id, 'OPEN')).body.data.status).toBe('OPEN');
  });

  it('answers even when the mail server refuses the message (logged, after the commit)', async () => {
    const ticket = await openTicket(api.author);
    smtp.refuse = true;
    try {
      const answered = await call('POST', `/api/v1/admin/support/tickets/${ticket.id}/answer`, {
        headers: api.admin.authHeader,
        body: { content: '메일이 안 가도 답변은 남습니다.' },
      });
      expect(answered.status).toBe(200);
      expect(answered.body.data.status).toBe('ANSWERED');
    } finally {
      smtp.refuse = false;
    }
  });

  it('lists every ticket for admins by status, category and search; members are refused', async () => {
    const ticket = await openTicket(api.other, { category: 'DELIVERY', title: '택배 분실 확인 요청' });
    const byStatus = await call(
      'GET',
      '/api/v1/admin/support/tickets?status=OPEN&category=DELIVERY&limit=100',
      { headers: api.admin.authHeader },
    );
    expect(byStatus.body.data.map((item: Ticket) => item.id)).toContain(ticket.id);
    expect(
      byStatus.body.data.every(
        (item: { status: string; category: string }) =>
          item.status === 'OPEN' && item.category === 'DELIVERY',
      ),
    ).toBe(true);
    const byTitle = await call(
      'GET',
      `/api/v1/admin/support/tickets?search=${encodeURIComponent('택배 분실')}`,
      { headers: api.admin.authHeader },
    );
    expect(byTitle.body.data.map((item: Ticket) => item.id)).toEqual([ticket.id]);
    const byNumber = await call(
      'GET',
      `/api/v1/admin/support/tickets?search=${ticket.ticketNumber.toLowerCase()}`,
      { headers: api.admin.authHeader },
    );
    expect(byNumber.body.data.map((item: Ticket) => item.id)).toEqual([ticket.id]);
    expectError(
      await call('GET', '/api/v1/admin/support/tickets', { headers: api.other.authHeader }),
      403,
      'FORBIDDEN',
    );
    expectError(await patchStatus(ticket.id, 'BOGUS'), 400, 'VALIDATION_ERROR');
  });
});

describe('attachments through the media module', () => {
  it('stores up to 3 images or PDFs with the ticket, typed by magic number', async () => {
    const created = await multipartTicket(api.author, [
      attachment('photo.jpg', await testMedia.jpeg()),
      attachment('scan.pdf', testMedia.pdf()),
    ]);
    expect(created.status).toBe(201);
    const ticket = created.body.data as Ticket;
    expect(ticket.attachments.map((file) => file.mime)).toEqual(['image/jpeg', 'application/pdf']);
    const rows = await api.deps.database.db
      .select({ ownerType: mediaFiles.ownerType, ownerId: mediaFiles.ownerId })
      .from(supportTicketAttachments)
      .innerJoin(mediaFiles, eq(mediaFiles.id, supportTicketAttachments.mediaFileId))
      .where(eq(supportTicketAttachments.ticketId, ticket.id));
    expect(rows).toEqual([
      { ownerType: 'SUPPORT', ownerId: ticket.id },
      { ownerType: 'SUPPORT', ownerId: ticket.id },
    ]);
    const detail = await call('GET', `/api/v1/support/tickets/${ticket.id}`, {
      headers: api.author.authHeader,
    });
    expect(detail.body.data.attachments).toHaveLength(2);
  });

  it('keeps an attached photo through the image service: oriented, without EXIF or GPS; a pixel bomb is refused with nothing left', async () => {
    const photo = await testMedia.cameraJpeg();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const created = await multipartTicket(api.author, [attachment('camera.jpg', photo)]);
    expect(created.status).toBe(201);
    const ticket = created.body.data as Ticket;
    const [row] = await api.deps.database.db
      .select({ storageKey: mediaFiles.storageKey, size: mediaFiles.size })
      .from(supportTicketAttachments)
      .innerJoin(mediaFiles, eq(mediaFiles.id, supportTicketAttachments.mediaFileId))
      .where(eq(supportTicketAttachments.ticketId, ticket.id));
    const stored = await readFile(join(api.ctx.storageDir, row!.storageKey));
    const metadata = await sharp(stored).metadata();
    expect(metadata.exif).toBeUndefined();
    // orientation 6 applied: 4000×3000 as stored becomes 3000×4000
    expect([metadata.width, metadata.height]).toEqual([3000, 4000]);
    expect(row!.size).toBe(stored.length);
    expect(ticket.attachments[0]).toMatchObject({ mime: 'image/jpeg', size: stored.length });

    const member = await api.member();
    const storedBefore = await storedSupportFiles();
    const bomb = await multipartTicket(member, [
      attachment('scan.pdf', testMedia.pdf()),
      attachment('bomb.png', testMedia.pngBomb()),
    ]);
    expectError(bomb, 413, 'IMAGE_DIMENSIONS_TOO_LARGE');
    const ticketsOfMember = await api.deps.database.db
      .select({ value: count() })
      .from(supportTickets)
      .where(eq(supportTickets.userId, member.user.id));
    expect(ticketsOfMember).toEqual([{ value: 0 }]);
    expect(await storedSupportFiles()).toEqual(storedBefore);
  });

  it('refuses too many, too large and wrong-type files, leaving no ticket and no file', async () => {
    const db = api.deps.database.db;
    const member = await api.member();
    const ticketsOf = () =>
      db.select({ value: count() }).from(supportTickets).where(eq(supportTickets.userId, member.user.id));
    const filesOf = () =>
      db.select({ value: count() }).from(mediaFiles).where(eq(mediaFiles.uploaderId, member.user.id));
    const png = await testMedia.png();
    const storedBefore = await storedSupportFiles();

    const tooMany = await multipartTicket(
      member,
      [1, 2, 3, 4].map((index) => attachment(`p${index}.png`, png)),
    );
    expectError(tooMany, 400, 'VALIDATION_ERROR');
    const tooLarge = await multipartTicket(member, [
      attachment('ok.png', png),
      attachment('big.png', await testMedia.paddedPng(5 * 1024 * 1024 + 1)),
    ]);
    expectError(tooLarge, 413, 'FILE_TOO_LARGE');
    const script = await multipartTicket(member, [
      attachment('evil.png', Buffer.from('<script>alert(1)</script>')),
    ]);
    expectError(script, 415, 'MEDIA_TYPE_NOT_ALLOWED');
    const video = await multipartTicket(member, [
      attachment('clip.png', await testMedia.mp4({ width: 64, height: 64, seconds: 1 })),
    ]);
    expectError(video, 415, 'MEDIA_TYPE_NOT_ALLOWED');
    // a bad field with good files: the files go too
    const badField = await multipartTicket(member, [
      attachment('ok.png', png),
      { name: 'category', value: 'NOPE' },
    ]);
    expectError(badField, 400, 'VALIDATION_ERROR');

    expect(await ticketsOf()).toEqual([{ value: 0 }]);
    expect(await filesOf()).toEqual([{ value: 0 }]);
    expect(await storedSupportFiles()).toEqual(storedBefore);
  });
});
