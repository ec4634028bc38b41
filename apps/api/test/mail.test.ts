// The mailer against real transports: .eml files on disk, and a real SMTP server.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@pbshop/config';
import { freePort, waitFor } from '@pbshop/testing';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeMail, createMailer } from '../src/mail/mailer.ts';
import { codeOf, mailsInDirectory, startSmtpServer, type TestSmtpServer } from './auth-helpers.ts';

interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps what it is told, to check what operators would read. */
function recordingLogger(records: LogRecord[]): Logger {
  const at =
    (level: string) =>
    (fields: unknown, msg?: string): void => {
      if (typeof fields === 'string') records.push({ level, fields: {}, msg: fields });
      else records.push({ level, fields: fields as Record<string, unknown>, msg });
    };
  const logger = {
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger as unknown as Logger;
}

let smtp: TestSmtpServer;
let mailDir: string;
let silent: Server;

beforeAll(async () => {
  smtp = await startSmtpServer();
  mailDir = await mkdtemp(join(tmpdir(), 'pbshop-mail-'));
  // accepts connections and never greets: a hung mail server
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await smtp?.close();
  silent?.close();
  await rm(mailDir, { recursive: true, force: true });
});

const from = 'PBShop <no-reply@pbshop.test>';

describe('MAIL_TRANSPORT=file', () => {
  it('writes each message as an .eml into MAIL_DIR and logs the code line at info', async () => {
    const records: LogRecord[] = [];
    const directory = join(mailDir, 'nested', 'outbox');
    const mailer = createMailer(
      { MAIL_TRANSPORT: 'file', MAIL_DIR: directory, MAIL_FROM: from, SMTP_URL: undefined },
      recordingLogger(records),
    );
    await mailer.send(codeMail('kim@example.com', 'EMAIL_VERIFY', '012345', 10));
    await mailer.send(codeMail('lee@example.com', 'PASSWORD_RESET', '987654', 10));
    await mailer.close();

    const mails = await mailsInDirectory(directory);
    expect(mails.map((mail) => mail.to)).toEqual([['kim@example.com'], ['lee@example.com']]);
    expect(mails[0]!.from).toMatch(/PBShop.*<no-reply@pbshop.test>/);
    expect(mails[0]!.subject).toBe('[PBShop] 이메일 인증 코드 / E-mail verification code');
    expect(mails[0]!.text).toContain('인증 코드: 012345');
    expect(codeOf(mails[0]!)).toBe('012345');
    expect(mails[1]!.subject).toContain('비밀번호 재설정');
    expect(codeOf(mails[1]!)).toBe('987654');

    const written = records.filter((record) => record.level === 'info');
    expect(written).toHaveLength(2);
    expect(written[0]!.msg).toContain('012345');
    expect(written[0]!.fields.file).toBe(join(directory, mails[0]!.file));
  });
});

describe('MAIL_TRANSPORT=smtp', () => {
  it('delivers through SMTP_URL with MAIL_FROM, Korean and English intact', async () => {
    const records: LogRecord[] = [];
    const mailer = createMailer(
      { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, MAIL_FROM: from, MAIL_DIR: mailDir },
      recordingLogger(records),
    );
    const before = smtp.mails.length;
    await mailer.send(codeMail('park@example.com', 'EMAIL_VERIFY', '000042', 10));
    await mailer.close();
    const mail = await smtp.waitForMail('park@example.com', before);
    expect(mail.from).toMatch(/PBShop.*<no-reply@pbshop.test>/);
    expect(mail.subject).toBe('[PBShop] 이메일 인증 코드 / E-mail verification code');
    expect(mail.text).toContain('안녕하세요');
    expect(mail.text).toContain('Hello from PBShop');
    expect(codeOf(mail)).toBe('000042');
    // over SMTP the code is not logged
    expect(JSON.stringify(records)).not.toContain('000042');
  });

  it('authenticates with the credentials in SMTP_URL and never logs the password', async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 's3cret-pass')
          return callback(null, { user: 'mailer' });
        return callback(new Error('bad credentials'));
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            received.push(parsed.subject ?? '');
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as { port: number }).port;
    try {
      const records: LogRecord[] = [];
      const good = createMailer(
        {
          MAIL_TRANSPORT: 'smtp',
          SMTP_URL: `smtp://mailer:s3cret-pass@127.0.0.1:${port}`,
          MAIL_FROM: from,
          MAIL_DIR: mailDir,
        },
        recordingLogger(records),
      );
      await good.send(codeMail('auth@example.com', 'EMAIL_VERIFY', '111111', 10));
      await good.close();
      expect(received).toHaveLength(1);
      expect(JSON.stringify(records)).not.toContain('s3cret-pass');

      const bad = createMailer(
        {
          MAIL_TRANSPORT: 'smtp',
          SMTP_URL: `smtp://mailer:wrong@127.0.0.1:${port}`,
          MAIL_FROM: from,
          MAIL_DIR: mailDir,
        },
        recordingLogger([]),
      );
      await expect(bad.send(codeMail('auth@example.com', 'EMAIL_VERIFY', '111111', 10))).rejects.toThrow();
      await bad.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects at once when nothing listens, and within the greeting timeout when the server hangs', async () => {
    const closed = createMailer(
      {
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
        MAIL_FROM: from,
        MAIL_DIR: mailDir,
      },
      recordingLogger([]),
    );
    await expect(closed.send(codeMail('x@example.com', 'EMAIL_VERIFY', '123456', 10))).rejects.toThrow();
    await closed.close();

    const hung = createMailer(
      {
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: `smtp://127.0.0.1:${(silent.address() as { port: number }).port}`,
        MAIL_FROM: from,
        MAIL_DIR: mailDir,
      },
      recordingLogger([]),
    );
    const started = Date.now();
    await expect(hung.send(codeMail('x@example.com', 'EMAIL_VERIFY', '123456', 10))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(8_000);
    await hung.close();
  });

  it('dispatch: a failed background send is logged and handed to onFailure; close waits for sends in flight', async () => {
    const records: LogRecord[] = [];
    const failures: unknown[] = [];
    smtp.refuse = true;
    const refused = createMailer(
      { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, MAIL_FROM: from, MAIL_DIR: mailDir },
      recordingLogger(records),
    );
    try {
      refused.dispatch(codeMail('y@example.com', 'PASSWORD_RESET', '222222', 10), (error) => {
        failures.push(error);
      });
      await waitFor('the failure handler', () => failures.length > 0, 8_000, 20);
    } finally {
      smtp.refuse = false;
    }
    expect(records.some((record) => record.level === 'error' && record.msg === 'mail not sent')).toBe(true);
    await refused.close();

    const ok = createMailer(
      { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, MAIL_FROM: from, MAIL_DIR: mailDir },
      recordingLogger([]),
    );
    const before = smtp.mails.length;
    ok.dispatch(codeMail('z@example.com', 'PASSWORD_RESET', '333333', 10));
    await ok.close();
    // close resolved only after the message was handed over
    expect(smtp.mails.slice(before).some((mail) => mail.to.includes('z@example.com'))).toBe(true);
  });
});
