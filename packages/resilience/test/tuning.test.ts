// Auto-tuning (ops contract §2.B.5): a policy's failure rate over the calls of every process moves
// its failureThreshold and openTimeoutMs one step per cooldown, within bounds; the breakers in use
// follow; counts are halved past 500.
import { describe, expect, it } from 'vitest';
import { policySettings, type ResilienceRegistry, tuningRules } from '../src/index.ts';
import { failing, setupRegistryTest, succeeding } from './helpers.ts';

const test = setupRegistryTest();
/** cooldown 0: every sync with enough samples may move the policy */
const eager = { enabled: true, minSamples: 20, cooldownMs: 0 };
/** no periodic sync: each test syncs when it means to */
const manual = { syncIntervalMs: 3_600_000, overrides: { crawler: { retries: 0, timeoutMs: 500 } } };

/** `failures` failed and `successes` successful calls, never two failures in a row (the breaker stays closed). */
async function calls(registry: ResilienceRegistry, name: string, failures: number, successes: number) {
  for (let index = 0; index < Math.max(failures, successes); index += 1) {
    if (index < failures) await registry.execute(name, failing).catch(() => {});
    if (index < successes) await registry.execute(name, succeeding);
  }
}

async function policyOf(registry: ResilienceRegistry, name: string) {
  const policy = await registry.policy(name);
  if (!policy) throw new Error(`no policy ${name}`);
  return policy;
}

describe('auto-tuning', () => {
  it('a failure rate ≥ 0.4 lowers failureThreshold by 1 (to 2) and raises openTimeoutMs ×1.5 (to 120 000)', async () => {
    const registry = test.registry('tune-down', { ...manual, autoTune: eager });
    const name = 'crawler:failing.example';
    // the breaker exists and its policy too (a sync runs once a breaker is made)
    await registry.execute(name, succeeding);
    await registry.sync();
    await calls(registry, name, 9, 9); // 19 calls: not enough yet
    await registry.sync();
    expect((await policyOf(registry, name)).options).toEqual({
      failureThreshold: policySettings.crawler.breakAfterFailures,
      openTimeoutMs: policySettings.crawler.halfOpenAfterMs,
      halfOpenSuccessThreshold: 1,
    });

    const seen: { failureThreshold: number; openTimeoutMs: number }[] = [];
    for (let round = 0; round < 6; round += 1) {
      await calls(registry, name, 1, 1);
      await registry.sync();
      const { options, stats } = await policyOf(registry, name);
      seen.push({ failureThreshold: options.failureThreshold, openTimeoutMs: options.openTimeoutMs });
      expect(stats.failure / (stats.success + stats.failure)).toBeGreaterThanOrEqual(0.4);
    }
    expect(seen).toEqual([
      { failureThreshold: 4, openTimeoutMs: 90_000 },
      { failureThreshold: 3, openTimeoutMs: 120_000 },
      { failureThreshold: 2, openTimeoutMs: 120_000 },
      { failureThreshold: 2, openTimeoutMs: 120_000 },
      { failureThreshold: 2, openTimeoutMs: 120_000 },
      { failureThreshold: 2, openTimeoutMs: 120_000 },
    ]);

    // the breaker in use follows: two failures in a row open it now, for the tuned time
    await registry.execute(name, failing).catch(() => {});
    await registry.execute(name, failing).catch(() => {});
    const snapshot = registry.snapshots().find((entry) => entry.name === name)!;
    expect(snapshot).toMatchObject({ status: 'OPEN', failureCount: 2 });
    expect(registry.pausedForMs(name)).toBeGreaterThan(tuningRules.maxOpenTimeoutMs - 5000);
    expect(Date.parse(snapshot.nextAttemptAt!) - Date.now()).toBeLessThanOrEqual(
      tuningRules.maxOpenTimeoutMs,
    );
  });

  it('a failure rate ≤ 0.1 raises failureThreshold by 1 (to 12) and lowers openTimeoutMs ×0.8 (to 2000), lastTunedAt only when it moved', async () => {
    const registry = test.registry('tune-up', { ...manual, autoTune: eager });
    const name = 'crawler:healthy.example';
    await registry.execute(name, succeeding);
    await registry.sync();
    let previous = { failureThreshold: 5, openTimeoutMs: 60_000 };
    let lastTunedAt = 0;
    for (let round = 0; round < 30; round += 1) {
      await calls(registry, name, round === 0 ? 1 : 0, 20);
      await registry.sync();
      const { options, stats } = await policyOf(registry, name);
      expect(stats.failure / (stats.success + stats.failure)).toBeLessThanOrEqual(0.1);
      const moved =
        options.failureThreshold !== previous.failureThreshold ||
        options.openTimeoutMs !== previous.openTimeoutMs;
      // one step at a time, never out of bounds
      expect(options.failureThreshold).toBe(
        Math.min(tuningRules.maxFailureThreshold, previous.failureThreshold + 1),
      );
      expect(options.openTimeoutMs).toBe(
        previous.openTimeoutMs > tuningRules.minOpenTimeoutMs
          ? Math.max(tuningRules.minOpenTimeoutMs, Math.floor(previous.openTimeoutMs * 0.8))
          : previous.openTimeoutMs,
      );
      if (moved) expect(stats.lastTunedAt).toBeGreaterThanOrEqual(lastTunedAt);
      else expect(stats.lastTunedAt).toBe(lastTunedAt);
      lastTunedAt = stats.lastTunedAt;
      previous = options;
    }
    expect(previous).toMatchObject({ failureThreshold: 12, openTimeoutMs: 2000 });
    expect(lastTunedAt).toBeGreaterThan(0);
  });

  it('moves a policy at most once per cooldown, and not at all while disabled', async () => {
    const slow = test.registry('tune-cooldown', { ...manual, autoTune: { ...eager, cooldownMs: 60_000 } });
    const name = 'crawler:cooldown.example';
    await slow.execute(name, succeeding);
    await slow.sync();
    for (let round = 0; round < 3; round += 1) {
      await calls(slow, name, 15, 15);
      await slow.sync();
    }
    expect((await policyOf(slow, name)).options.failureThreshold).toBe(4);

    const off = test.registry('tune-off', { ...manual, autoTune: { ...eager, enabled: false } });
    const other = 'crawler:disabled.example';
    await off.execute(other, succeeding);
    await off.sync();
    for (let round = 0; round < 3; round += 1) {
      await calls(off, other, 15, 15);
      await off.sync();
    }
    const { options, stats } = await policyOf(off, other);
    expect(options).toMatchObject({ failureThreshold: 5, openTimeoutMs: 60_000 });
    expect(stats).toMatchObject({ success: 46, failure: 45, lastTunedAt: 0 });
  });

  it('counts the calls of every process in one policy, halved once past 500', async () => {
    const first = test.registry('count-first', { ...manual, autoTune: { ...eager, enabled: false } });
    const second = test.registry('count-second', { ...manual, autoTune: { ...eager, enabled: false } });
    const name = 'crawler:counted.example';
    await calls(first, name, 100, 150);
    await calls(second, name, 50, 200);
    await first.sync();
    await second.sync();
    expect((await policyOf(first, name)).stats).toMatchObject({ success: 350, failure: 150 });
    await calls(first, name, 0, 2);
    await first.sync();
    expect((await policyOf(first, name)).stats).toMatchObject({ success: 176, failure: 75 });
  });

  it("lists every policy with the contract's shape", async () => {
    const registry = test.registry('shape', manual);
    await registry.execute('social:shape', succeeding);
    await registry.sync();
    const policies = await registry.policies();
    expect(policies.map((policy) => policy.name)).toEqual([...policies.map((policy) => policy.name)].sort());
    expect(policies.find((policy) => policy.name === 'social:shape')).toEqual({
      name: 'social:shape',
      options: {
        failureThreshold: policySettings.social.breakAfterFailures,
        openTimeoutMs: policySettings.social.halfOpenAfterMs,
        halfOpenSuccessThreshold: 1,
      },
      stats: { success: 1, failure: 0, lastTunedAt: 0 },
      resetGeneration: 0,
      resetAt: 0,
    });
  });
});
