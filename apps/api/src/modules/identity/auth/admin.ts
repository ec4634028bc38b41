import type { Env, Logger } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import { nameField } from '../users/schemas.ts';
import type { UserRow, UsersService } from '../users/service.ts';
import { type PasswordHasher, passwordRule } from './passwords.ts';
import { emailField } from './schemas.ts';

export const ADMIN_PASSWORD_MIN_LENGTH = 12;
export const DEFAULT_ADMIN_NAME = 'Administrator';

interface AdminDeps {
  users: UsersService;
  passwords: PasswordHasher;
}

export interface AdminInput {
  email: string;
  name: string;
  password: string;
}

/** What is wrong with an administrator's password, if anything. */
export function adminPasswordProblem(password: string | undefined): string | undefined {
  if (!password) return 'no password given';
  if (password.length < ADMIN_PASSWORD_MIN_LENGTH)
    return `at least ${ADMIN_PASSWORD_MIN_LENGTH} characters are required`;
  if (!passwordRule.test(password)) return 'it needs a letter, a digit and a special character (at most 72)';
  return undefined;
}

/**
 * Creates a verified ADMIN. An e-mail already registered is refused (DUPLICATE_EMAIL): nobody
 * is promoted behind their back. Throws VALIDATION_ERROR with the field for bad input.
 */
export async function createAdmin(deps: AdminDeps, input: AdminInput): Promise<UserRow> {
  const email = emailField.safeParse(input.email);
  if (!email.success) throw new AppError('VALIDATION_ERROR', { details: { field: 'email' } });
  const name = nameField.safeParse(input.name);
  if (!name.success) throw new AppError('VALIDATION_ERROR', { details: { field: 'name' } });
  const problem = adminPasswordProblem(input.password);
  if (problem) throw new AppError('VALIDATION_ERROR', { details: { field: 'password', problem } });
  if (await deps.users.findByEmail(email.data)) throw new AppError('DUPLICATE_EMAIL');
  return deps.users.create({
    email: email.data,
    name: name.data,
    passwordHash: await deps.passwords.hash(input.password),
    role: 'ADMIN',
    emailVerified: true,
  });
}

export type FirstAdminOutcome = 'created' | 'exists' | 'not-configured' | 'refused';

/**
 * With ADMIN_EMAIL and ADMIN_PASSWORD set and no ADMIN yet, creates that administrator.
 * Idempotent: once any ADMIN exists nothing happens. Throws only when the database fails.
 */
export async function ensureFirstAdmin(
  deps: AdminDeps & { env: Pick<Env, 'ADMIN_EMAIL' | 'ADMIN_PASSWORD'>; logger: Logger },
): Promise<FirstAdminOutcome> {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = deps.env;
  if (!email || !password) return 'not-configured';
  if ((await deps.users.countAdmins()) > 0) {
    deps.logger.info('first admin: an ADMIN exists already; ADMIN_EMAIL is not used');
    return 'exists';
  }
  try {
    const admin = await createAdmin(deps, { email, name: DEFAULT_ADMIN_NAME, password });
    deps.logger.info({ userId: admin.id, email: admin.email }, 'first admin created from ADMIN_EMAIL');
    return 'created';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'DUPLICATE_EMAIL') {
      // another replica may have created it a moment ago
      const existing = await deps.users.findByEmail(email);
      if (existing?.role === 'ADMIN') return 'exists';
      deps.logger.error(
        { email },
        'ADMIN_EMAIL belongs to an existing member who is not an ADMIN; nobody was promoted (use another e-mail)',
      );
      return 'refused';
    }
    deps.logger.error({ details: error.details }, `ADMIN_PASSWORD or ADMIN_EMAIL refused: ${error.message}`);
    return 'refused';
  }
}

/**
 * For main.ts: runs ensureFirstAdmin now and, while the database cannot be reached, again every
 * `retryMs`. Returns a function that stops the retries.
 */
export function ensureFirstAdminInBackground(
  deps: Parameters<typeof ensureFirstAdmin>[0],
  retryMs = 5_000,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async () => {
    try {
      await ensureFirstAdmin(deps);
    } catch (error) {
      if (stopped) return;
      deps.logger.warn({ err: error }, `first admin check failed; retrying in ${retryMs} ms`);
      timer = setTimeout(() => void attempt(), retryMs);
      timer.unref();
    }
  };
  void attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
