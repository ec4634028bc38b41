// Shared by the auth and mail tests: a real SMTP server, the app built with real dependencies,
// reading codes from mail, and hand-made JWTs.
import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger, parseEnv } from '@pbshop/config';
import type { TestContext } from '@pbshop/testing';
import { waitFor } from '@pbshop/testing';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createApiDeps } from '../src/deps.ts';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** while true, every MAIL FROM is refused with a 451 */
  refuse: boolean;
  /** resolves with the newest mail to `to` after the first `after` mails of the inbox */
  waitForMail(to: string, after?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** An SMTP server on an ephemeral loopback port that parses what it receives with mailparser. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const state = { refuse: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!state.refuse) return callback();
      const error = new Error('mailbox unavailable, try later') as Error & { responseCode: number };
      error.responseCode = 451;
      return callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const to = [parsed.to ?? []]
            .flat()
            .flatMap((address) => address.value.map((entry) => (entry.address ?? '').toLowerCase()));
          mails.push({
            to,
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    get refuse() {
      return state.refuse;
    },
    set refuse(value: boolean) {
      state.refuse = value;
    },
    waitForMail: (to, after = 0) =>
      waitFor(
        `a mail to ${to}`,
        () => mails.slice(after).findLast((mail) => mail.to.includes(to.trim().toLowerCase())),
        10_000,
        20,
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code of a code mail (Korean and English both carry it). */
export function codeOf(mail: { text: string }): string {
  const match = /(?:Verification|Reset) code: (\d{6})/.exec(mail.text);
  if (!match) throw new Error(`no code in mail: ${mail.text}`);
  return match[1]!;
}

/** The `.eml` files the file transport wrote, parsed. */
export async function mailsInDirectory(directory: string): Promise<(ReceivedMail & { file: string })[]> {
  const files = (await readdir(directory).catch(() => [] as string[]))
    .filter((file) => file.endsWith('.eml'))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const parsed = await simpleParser(await readFile(join(directory, file)));
      const to = [parsed.to ?? []]
        .flat()
        .flatMap((address) => address.value.map((entry) => (entry.address ?? '').toLowerCase()));
      return {
        file,
        to,
        from: parsed.from?.text ?? '',
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
      };
    }),
  );
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

/** The whole API with real dependencies; `closers` collects what afterAll must close. */
export async function buildTestApp(
  ctx: TestContext,
  overrides: Record<string, string>,
  closers: (() => Promise<unknown>)[],
) {
  const env = parseEnv({ ...ctx.env, ...overrides });
  const deps = createApiDeps(env, createLogger(env, 'auth-test'));
  const app = await buildApp(deps);
  closers.push(async () => {
    await app.close();
    await deps.close();
  });
  const post = async (url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1${url}`,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, body: response.json(), headers: response.headers };
  };
  return { app, deps, env, post };
}

/** A failure envelope with this code (and the status the catalog gives it). */
export function expectError(
  result: { status: number; body: { success: boolean; error?: { code: string } } },
  status: number,
  code: string,
) {
  expect({ status: result.status, code: result.body.error?.code }).toEqual({ status, code });
  expect(result.body.success).toBe(false);
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT made by hand: any header, any claims, HS256 with any secret (or no signature). */
export function handMadeJwt(
  claims: Record<string, unknown>,
  secret: string | null,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  if (secret === null) return `${unsigned}.`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export const strongPassword = 'Secret#2024pw';
