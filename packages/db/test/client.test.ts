import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { createDatabase } from '../src/index.ts';

const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// one connection: pg_prepared_statements lists the statements of the session that asks
const handle = createDatabase(url, { max: 1 });

afterAll(() => handle.close());

/** how many statements of this session are prepared with `name` in their text (this one included) */
const marker = (name: string) =>
  sql`select count(*)::int as prepared from pg_prepared_statements where statement like ${`%${name}%`} ${sql.raw(`/* ${name} */`)}`;

it('prepares the parameterised statements of a transaction once per connection, and reads outside stay unnamed', async () => {
  const inTransaction = 'pbshop_client_test_in_transaction';
  for (let call = 0; call < 3; call++) {
    const [row] = await handle.db.transaction((tx) =>
      tx.execute<{ prepared: number }>(sql`${marker(inTransaction)} and ${call} >= 0`),
    );
    // the statement asks about itself: prepared from its first call on, and kept, not prepared again
    expect(row?.prepared).toBe(1);
  }

  const outside = 'pbshop_client_test_outside';
  await handle.db.execute(marker(outside));
  const [row] = await handle.db.execute<{ prepared: number }>(marker(outside));
  expect(row?.prepared).toBe(0);
});

it('leaves statements with many parameters unprepared (their strings vary with the list length)', async () => {
  const many = 'pbshop_client_test_many';
  const values = Array.from({ length: 40 }, (_, index) => index);
  const [row] = await handle.db.transaction((tx) =>
    tx.execute<{ prepared: number }>(
      sql`${marker(many)} and 1 in (${sql.join(
        values.map((value) => sql`${value}`),
        sql`, `,
      )})`,
    ),
  );
  expect(row?.prepared).toBe(0);
});

it('with no server to connect to, queries after the first fail at once with DATABASE_UNREACHABLE', async () => {
  // port 1: nothing listens there, so every connection is refused
  const nowhere = createDatabase('postgres://postgres@127.0.0.1:1/none', { max: 2 });
  try {
    await expect(nowhere.db.execute(sql`select 1`)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
    await expect(nowhere.db.execute(sql`select 1`)).rejects.toMatchObject({
      cause: { code: 'DATABASE_UNREACHABLE' },
    });
    await expect(nowhere.db.transaction(async () => {})).rejects.toMatchObject({
      code: 'DATABASE_UNREACHABLE',
    });
  } finally {
    await nowhere.close();
  }
});

it('a connection terminated under a query does not hold up the next query (only a failure to connect does)', async () => {
  const applicationName = 'pbshop-client-test-terminated';
  const pool = createDatabase(url, { max: 2, applicationName });
  try {
    // then() starts it: a drizzle query runs only once awaited
    const failure = pool.db.execute(sql`select pg_sleep(5)`).then(
      () => undefined,
      (error: unknown) => error,
    );
    for (let tries = 0; tries < 100; tries++) {
      const [row] = await handle.sql<{ terminated: boolean | null }[]>`
        select bool_or(pg_terminate_backend(pid)) as terminated from pg_stat_activity
        where application_name = ${applicationName} and state = 'active' and query like '%pg_sleep%'`;
      if (row?.terminated) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // only the backend running pg_sleep: terminating the connection's start-up type query instead
    // made an unhandled rejection. postgres.js reports the terminated backend as its connection
    // closing, or, when it read the server's goodbye first, as that FATAL message (57P01)
    const { cause } = (await failure) as { cause?: { code?: string } };
    expect(['CONNECTION_CLOSED', '57P01']).toContain(cause?.code);
    const [row] = await pool.db.execute<{ one: number }>(sql`select 1 as one`);
    expect(row?.one).toBe(1);
  } finally {
    // at once: after a terminated connection, postgres.js's end() waits out its whole timeout
    await pool.sql.end({ timeout: 0 });
  }
});
