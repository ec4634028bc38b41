// Every process's breakers, as published to Redis: what a snapshot says and who holds it, a dead
// process's breakers vanishing, and a reset reaching a process that missed its announcement.
import { hostname } from 'node:os';
import { waitFor } from '@pbshop/testing';
import { describe, expect, it } from 'vitest';
import { policySettings } from '../src/index.ts';
import { failing, setupRegistryTest, succeeding } from './helpers.ts';

const test = setupRegistryTest();
const noRetry = { crawler: { retries: 0, timeoutMs: 500 } };

describe('published breakers', () => {
  it("carry the contract's fields and their holder (service, host, pid)", async () => {
    const worker = test.registry('worker-crawler', { overrides: noRetry });
    const reader = test.registry('api');
    const name = 'crawler:published.example';
    await worker.execute(name, succeeding);
    await worker.execute(name, failing).catch(() => {});

    const closed = await waitFor('the closed breaker to be published', async () =>
      (await reader.publishedSnapshots()).find((entry) => entry.name === name && entry.failureCount === 1),
    );
    expect(closed).toEqual({
      name,
      status: 'CLOSED',
      state: 'closed',
      failureCount: 1,
      successCount: 1,
      nextAttemptAt: null,
      lastFailure: 'dependency down',
      lastFailureAt: expect.any(String),
      options: {
        failureThreshold: policySettings.crawler.breakAfterFailures,
        openTimeoutMs: policySettings.crawler.halfOpenAfterMs,
        halfOpenSuccessThreshold: 1,
      },
      service: 'worker-crawler',
      instance: `${hostname()}:${process.pid}`,
      host: hostname(),
      pid: process.pid,
      resetGeneration: 0,
      updatedAt: expect.any(String),
    });

    for (let call = 1; call < policySettings.crawler.breakAfterFailures; call += 1) {
      await worker.execute(name, failing).catch(() => {});
    }
    const openedBy = Date.now();
    const open = await waitFor('the open breaker to be published', async () =>
      (await reader.publishedSnapshots()).find((entry) => entry.name === name && entry.status === 'OPEN'),
    );
    expect(open).toMatchObject({ failureCount: policySettings.crawler.breakAfterFailures, successCount: 0 });
    const nextAttempt = Date.parse(open.nextAttemptAt!);
    expect(nextAttempt).toBeGreaterThan(openedBy + policySettings.crawler.halfOpenAfterMs - 5000);
    expect(nextAttempt).toBeLessThanOrEqual(Date.now() + policySettings.crawler.halfOpenAfterMs);
  });

  it('of a process that stops publishing (it died) vanish after their TTL; a closed one removes them at once', async () => {
    const dyingConnection = test.connection();
    const dying = test.registry('dying', { redis: dyingConnection, syncIntervalMs: 100 });
    const leaving = test.registry('leaving', { syncIntervalMs: 100 });
    const reader = test.registry('reader');
    await dying.execute('social:dying', succeeding);
    await leaving.execute('social:leaving', succeeding);
    const holders = async () => (await reader.heldBreakers()).map((held) => held.service);
    await waitFor('both to be published', async () => {
      const services = await holders();
      return services.includes('dying') && services.includes('leaving');
    });

    await leaving.close();
    expect(await holders()).not.toContain('leaving');

    // a kill -9: the process's connection is gone, nobody renews its document
    dyingConnection.disconnect();
    const gone = Date.now();
    await waitFor('the dead process to vanish', async () => !(await holders()).includes('dying'), 5000, 50);
    // five sync intervals (its TTL) after its last renewal, not sooner than a few of them
    expect(Date.now() - gone).toBeGreaterThan(150);
  });
});

describe('a reset', () => {
  it('reaches every process holding the breaker, which answers its next call', async () => {
    const first = test.registry('first', { overrides: noRetry });
    const second = test.registry('second', { overrides: noRetry });
    const operator = test.registry('operator');
    const name = 'crawler:reset.example';
    for (const holder of [first, second]) {
      for (let call = 0; call < policySettings.crawler.breakAfterFailures; call += 1) {
        await holder.execute(name, failing).catch(() => {});
      }
      expect(holder.isOpenError(await holder.execute(name, succeeding).catch((error) => error))).toBe(true);
    }

    const generation = await operator.reset(name);
    expect(generation).toBe(1);
    for (const holder of [first, second]) {
      await waitFor('the holder to close its breaker', () =>
        holder.snapshots().some((entry) => entry.name === name && entry.status === 'CLOSED'),
      );
      await expect(holder.execute(name, succeeding)).resolves.toBe('ok');
    }
    const published = await waitFor('both resets to be published', async () => {
      const entries = (await operator.publishedSnapshots()).filter((entry) => entry.name === name);
      return entries.length === 2 && entries.every((entry) => entry.resetGeneration === 1) && entries;
    });
    for (const entry of published) {
      expect(entry).toMatchObject({ status: 'CLOSED', failureCount: 0, lastFailure: null });
    }
  });

  it('missed on the channel (the subscription was down) is caught up at the next sync', async () => {
    const deaf = test.connection();
    const holder = test.registry('deaf', { subscriber: deaf, overrides: noRetry, syncIntervalMs: 200 });
    const operator = test.registry('operator');
    const name = 'crawler:deaf.example';
    for (let call = 0; call < policySettings.crawler.breakAfterFailures; call += 1) {
      await holder.execute(name, failing).catch(() => {});
    }
    await holder.sync();
    deaf.disconnect();

    const generation = await operator.reset(name);
    await waitFor('the holder to take the reset from the policy', () =>
      holder.snapshots().find((entry) => entry.name === name && entry.resetGeneration === generation),
    );
    expect(holder.snapshots().find((entry) => entry.name === name)?.status).toBe('CLOSED');
    await expect(holder.execute(name, succeeding)).resolves.toBe('ok');
  });

  it('of a breaker a process holds no more than once: a later announcement of the same reset is ignored', async () => {
    const holder = test.registry('once', { overrides: noRetry });
    const operator = test.registry('operator');
    const name = 'crawler:once.example';
    await holder.execute(name, succeeding);
    await holder.sync();
    const generation = await operator.reset(name);
    await waitFor('the reset', () =>
      holder.snapshots().find((entry) => entry.name === name && entry.resetGeneration === generation),
    );
    // failures after the reset stay counted through later syncs
    await holder.execute(name, failing).catch(() => {});
    await holder.sync();
    await holder.sync();
    expect(holder.snapshots().find((entry) => entry.name === name)?.failureCount).toBe(1);
  });
});
