import type { Env } from '@pbshop/config';
import argon2 from 'argon2';

/** argon2id with the configured cost; verifying against a fixed dummy hash keeps unknown e-mails as slow as wrong passwords. */
export function passwordHasher(env: Pick<Env, 'ARGON2_MEMORY_KIB' | 'ARGON2_TIME_COST'>) {
  const options = {
    // argon2's typings widen argon2id (2) to number; the option wants the literal
    type: argon2.argon2id as 2,
    memoryCost: env.ARGON2_MEMORY_KIB,
    timeCost: env.ARGON2_TIME_COST,
    parallelism: 1,
  };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password: string) => argon2.hash(password, options),
    async verify(hash: string | null, password: string): Promise<boolean> {
      dummy ??= argon2.hash('timing-equaliser-not-a-password', options);
      const target = hash ?? (await dummy);
      try {
        const matches = await argon2.verify(target, password);
        return hash !== null && matches;
      } catch {
        return false;
      }
    },
  };
}

export type PasswordHasher = ReturnType<typeof passwordHasher>;

/** ≥ 8 characters with a letter, a digit and a special character (AUTH-01). */
export const passwordRule = /^(?=.*[A-Za-z])(?=.*\d)(?=.*[^A-Za-z\d]).{8,72}$/;
