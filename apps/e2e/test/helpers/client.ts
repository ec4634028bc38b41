// HTTP against the API process as an operator or a shopper would call it: JSON in and out, bearer
// tokens from the real login, members signed up and verified through the mailed code.
import { randomBytes } from 'node:crypto';
import type { RunningProcess } from '@pbshop/testing';

/** a parsed JSON answer, read as the API shapes it (the assertions say what is expected) */
type Json = ReturnType<typeof JSON.parse>;

export interface Answer<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  form?: FormData;
}

export type Caller = (method: string, path: string, options?: CallOptions) => Promise<Answer>;

/** `call(method, '/api/v1/…', options)` against `base`. */
export function caller(base: () => string): Caller {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | FormData | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${base()}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (a playlist, a page): the text itself
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** A call that must answer `status`; its `data`. */
export async function expectData<T = Json>(answer: Promise<Answer>, status = 200): Promise<T> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body.data as T;
}

export async function login(call: Caller, email: string, password: string): Promise<string> {
  const session = await expectData(call('POST', '/api/v1/auth/login', { body: { email, password } }));
  return session.accessToken as string;
}

/** Signs a member up, verifies the e-mail with the code the API mailed (its log names it) and logs in. */
export async function signUpMember(call: Caller, api: RunningProcess, label: string): Promise<string> {
  const email = `e2e-${label}-${randomBytes(3).toString('hex')}@example.test`;
  const password = 'E2e!Member2026';
  await expectData(
    call('POST', '/api/v1/auth/signup', {
      body: { email, password, name: `E2E ${label}`, phone: '010-1234-5678' },
    }),
    201,
  );
  const prefix = `mail written: e-mail verification code for ${email}: `;
  const mailed = await api.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith(prefix));
  const code = String(mailed.msg).slice(prefix.length);
  await expectData(call('POST', '/api/v1/auth/verify-email', { body: { email, code } }));
  return login(call, email, password);
}
