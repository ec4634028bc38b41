/** A PostgreSQL error's fields, from the error itself or the cause drizzle wraps it in; empty for any other. */
export function postgresError(error: unknown): { code?: string; constraint_name?: string } {
  return ((error as { cause?: unknown } | null | undefined)?.cause ?? error ?? {}) as {
    code?: string;
    constraint_name?: string;
  };
}

/** Whether `error` is a unique violation (23505), of `constraint` when one is named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = postgresError(error);
  return pg.code === '23505' && (constraint === undefined || pg.constraint_name === constraint);
}
