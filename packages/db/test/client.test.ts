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
