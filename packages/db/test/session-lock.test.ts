import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { createDatabase } from '../src/index.ts';

const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// connections idle for a second are closed: the moment the pool's reserve() used to lose a caller
const handle = createDatabase(url, { max: 3, idleTimeoutSeconds: 1, applicationName: 'session-lock-test' });
afterAll(() => handle.close());

const KEY = 75_039_001;

it('one holder at a time: a second hold is refused at once, and the lock is free again after the work, also when it throws', async () => {
  const nested = await handle.withSessionLock(KEY, async () => ({
    inner: await handle.withSessionLock(KEY, async () => 'ran'),
    held: await handle.sessionLockHeld(KEY),
  }));
  expect(nested).toEqual({ acquired: true, value: { inner: { acquired: false }, held: true } });
  expect(await handle.sessionLockHeld(KEY)).toBe(false);

  await expect(
    handle.withSessionLock(KEY, async () => {
      throw new Error('the work failed');
    }),
  ).rejects.toThrow('the work failed');
  expect(await handle.withSessionLock(KEY, async () => 'after a failure')).toEqual({
    acquired: true,
    value: 'after a failure',
  });
});

it('a hold taken just as the pool closes its idle connections still runs (a pool reserve() was lost there)', async () => {
  for (let round = 0; round < 8; round++) {
    // three pooled connections busy, then idle: their idle timers fire about when the hold begins
    await Promise.all([0, 0.01, 0.02].map((seconds) => handle.db.execute(sql`select pg_sleep(${seconds})`)));
    await sleep(1000 + round * 3);
    const hold = handle.withSessionLock(KEY, async () => {
      const [row] = await handle.db.execute<{ one: number }>(sql`select 1 as one`);
      return row?.one;
    });
    const outcome = await Promise.race([hold, sleep(5000, 'stranded' as const)]);
    expect(outcome, `round ${round}`).toEqual({ acquired: true, value: 1 });
  }
}, 60_000);

it('holds no pooled connection and leaves no session behind', async () => {
  const sessions = async () =>
    (
      await handle.db.execute<{ count: number }>(
        sql`select count(*)::int as count from pg_stat_activity where application_name = 'session-lock-test-lock'`,
      )
    )[0]?.count;
  const during = await handle.withSessionLock(KEY, sessions);
  expect(during).toEqual({ acquired: true, value: 1 });
  await expect.poll(sessions).toBe(0);
});
