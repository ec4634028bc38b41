// `pnpm user:create-admin --email admin@example.com [--name "Kim Admin"]`: creates a verified
// ADMIN. The password comes from ADMIN_PASSWORD or, on a terminal, is asked twice; there is no
// default. An e-mail already registered is refused (exit 1), nobody is promoted.
import { parseArgs } from 'node:util';
import { loadEnvOrExit } from '@pbshop/config';
import { createDatabase } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { adminPasswordProblem, createAdmin, DEFAULT_ADMIN_NAME } from '../modules/identity/auth/admin.ts';
import { passwordHasher } from '../modules/identity/auth/passwords.ts';
import { usersService } from '../modules/identity/users/service.ts';

const name = 'create-admin';

function fail(message: string): never {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\u0003') {
          process.stderr.write('\n');
          process.exit(130);
        } else if (char === '\r' || char === '\n' || char === '\u0004') {
          input.setRawMode(false);
          input.pause();
          input.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        } else if (char === '\u007f' || char === '\b') {
          value = value.slice(0, -1);
        } else {
          value += char;
        }
      }
    };
    input.on('data', onData);
  });
}

let args: { email?: string | undefined; name?: string | undefined };
try {
  ({ values: args } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\nusage: pnpm user:create-admin --email <e-mail> [--name <name>]`);
}
if (!args.email) fail('--email is required\nusage: pnpm user:create-admin --email <e-mail> [--name <name>]');

const env = loadEnvOrExit(name, process.env, ['DATABASE_URL', 'ARGON2_MEMORY_KIB', 'ARGON2_TIME_COST']);

let password = process.env.ADMIN_PASSWORD;
if (!password) {
  if (!process.stdin.isTTY) fail('set ADMIN_PASSWORD or run on a terminal to be asked for the password');
  password = await askHidden('password for the new admin: ');
  const problem = adminPasswordProblem(password);
  if (problem) fail(`password refused: ${problem}`);
  if ((await askHidden('the same password again: ')) !== password) fail('the two passwords differ');
}
const problem = adminPasswordProblem(password);
if (problem) fail(`password refused: ${problem}`);

const database = createDatabase(env.DATABASE_URL, { max: 1, applicationName: 'pbshop-create-admin' });
let exitCode = 0;
try {
  const admin = await createAdmin(
    { users: usersService(database.db), passwords: passwordHasher(env) },
    { email: args.email, name: args.name ?? DEFAULT_ADMIN_NAME, password },
  );
  process.stdout.write(`${name}: created ADMIN ${admin.email} (id ${admin.id}), e-mail verified\n`);
} catch (error) {
  exitCode = 1;
  if (error instanceof AppError && error.code === 'DUPLICATE_EMAIL') {
    process.stderr.write(`${name}: ${args.email} is already registered; nothing was changed\n`);
  } else if (error instanceof AppError && error.code === 'VALIDATION_ERROR') {
    const field = (error.details as { field?: string } | undefined)?.field ?? 'input';
    process.stderr.write(`${name}: invalid ${field}\n`);
  } else {
    process.stderr.write(`${name}: failed: ${(error as Error).message}\n`);
  }
} finally {
  // the answer is given; a slow pool shutdown must not keep the command (or a script) waiting
  await Promise.race([database.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}
process.exit(exitCode);
