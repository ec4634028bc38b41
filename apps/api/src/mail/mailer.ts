import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Env, Logger } from '@pbshop/config';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** one line the file transport logs at info (a development convenience); never sent */
  devNote?: string;
}

export interface Mailer {
  readonly transport: Env['MAIL_TRANSPORT'];
  /** Delivers one message; rejects when the transport refuses it (bounded by timeouts). */
  send(message: MailMessage): Promise<void>;
  /** Starts a send without waiting for it; a failure is logged, never thrown. */
  dispatch(message: MailMessage, onFailure?: (error: unknown) => Promise<void> | void): void;
  /** Waits for dispatched sends (up to a few seconds), then closes the transport. */
  close(): Promise<void>;
}

type MailEnv = Pick<Env, 'MAIL_TRANSPORT' | 'SMTP_URL' | 'MAIL_FROM' | 'MAIL_DIR'>;

/** SMTP timeouts: a hung mail server must not hold a request for minutes. */
const smtpTimeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'smtp://(unparseable)';
  }
}

/**
 * Outgoing mail. `MAIL_TRANSPORT=smtp` delivers through `SMTP_URL`; `file` writes every message
 * as an `.eml` file into `MAIL_DIR` and logs its `devNote` (the code) at info, for development.
 */
export function createMailer(env: MailEnv, logger: Logger): Mailer {
  const log = logger.child({ component: 'mailer' });
  const pending = new Set<Promise<void>>();

  let deliver: (message: MailMessage) => Promise<void>;
  let closeTransport: () => void;
  if (env.MAIL_TRANSPORT === 'smtp') {
    if (!env.SMTP_URL) throw new Error('MAIL_TRANSPORT=smtp needs SMTP_URL');
    const transport = nodemailer.createTransport(
      { url: env.SMTP_URL, ...smtpTimeouts },
      { from: env.MAIL_FROM },
    );
    const target = redactedUrl(env.SMTP_URL);
    deliver = async (message) => {
      const info = await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
      log.info({ to: message.to, subject: message.subject, messageId: info.messageId, target }, 'mail sent');
    };
    closeTransport = () => transport.close();
  } else {
    const directory = resolve(env.MAIL_DIR);
    const transport = nodemailer.createTransport(
      { streamTransport: true, buffer: true, newline: 'unix' },
      { from: env.MAIL_FROM },
    );
    let sequence = 0;
    deliver = async (message) => {
      const info = await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
      await mkdir(directory, { recursive: true });
      // names sort in the order this process wrote them
      sequence += 1;
      const file = join(
        directory,
        `${Date.now()}-${String(sequence).padStart(6, '0')}-${randomBytes(3).toString('hex')}.eml`,
      );
      await writeFile(file, info.message as Buffer);
      log.info(
        { to: message.to, subject: message.subject, file },
        `mail written${message.devNote ? `: ${message.devNote}` : ''}`,
      );
    };
    closeTransport = () => transport.close();
  }

  return {
    transport: env.MAIL_TRANSPORT,
    send: (message) => deliver(message),
    dispatch(message, onFailure) {
      const sending = deliver(message).catch(async (error: unknown) => {
        log.error({ err: error, to: message.to, subject: message.subject }, 'mail not sent');
        await Promise.resolve(onFailure?.(error)).catch((cause: unknown) =>
          log.error({ err: cause }, 'mail failure handler failed'),
        );
      });
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    },
    async close() {
      if (pending.size > 0) {
        await Promise.race([
          Promise.allSettled([...pending]),
          new Promise((done) => setTimeout(done, 5_000).unref()),
        ]);
      }
      closeTransport();
    },
  };
}

export type CodePurpose = 'EMAIL_VERIFY' | 'PASSWORD_RESET';

/** The mail carrying a 6-digit code, in Korean and English. */
export function codeMail(to: string, purpose: CodePurpose, code: string, validMinutes: number): MailMessage {
  if (purpose === 'EMAIL_VERIFY') {
    return {
      to,
      subject: '[PBShop] 이메일 인증 코드 / E-mail verification code',
      text: [
        '안녕하세요, PBShop입니다.',
        `회원가입을 완료하려면 아래 인증 코드를 입력하세요. 코드는 ${validMinutes}분 동안 유효합니다.`,
        '',
        `인증 코드: ${code}`,
        '',
        '본인이 요청하지 않았다면 이 메일을 무시하세요.',
        '',
        '---',
        'Hello from PBShop.',
        `Enter the code below to finish signing up. It is valid for ${validMinutes} minutes.`,
        '',
        `Verification code: ${code}`,
        '',
        'If you did not sign up, ignore this mail.',
        '',
      ].join('\n'),
      devNote: `e-mail verification code for ${to}: ${code}`,
    };
  }
  return {
    to,
    subject: '[PBShop] 비밀번호 재설정 코드 / Password reset code',
    text: [
      '안녕하세요, PBShop입니다.',
      `비밀번호를 재설정하려면 아래 코드를 입력하세요. 코드는 ${validMinutes}분 동안 유효합니다.`,
      '',
      `재설정 코드: ${code}`,
      '',
      '본인이 요청하지 않았다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.',
      '',
      '---',
      'Hello from PBShop.',
      `Enter the code below to reset your password. It is valid for ${validMinutes} minutes.`,
      '',
      `Reset code: ${code}`,
      '',
      'If you did not ask for this, ignore this mail; your password stays as it is.',
      '',
    ].join('\n'),
    devNote: `password reset code for ${to}: ${code}`,
  };
}
